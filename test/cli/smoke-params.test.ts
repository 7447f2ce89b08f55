/**
 * Shrinking a shipped pipeline is a documented param set: the smoke run
 * README shows for the quickstart reaches every trainer and the dataset
 * sizes, and slt-net-cub's epochs are params reaching each trainer. Checked
 * on the resolved pipeline (what plan and run execute), without running it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadPipeline } from '../../src/engine/load/load-pipeline.js';
import { nodeTypes } from '../../src/nodes/registry.js';
import { packagePath } from '../../src/paths.js';

async function resolved(name: string, overrides: string[]) {
  return (await loadPipeline(packagePath(`pipelines/${name}`), { overrides, types: nodeTypes })).pipeline;
}

const trainers = (p: Awaited<ReturnType<typeof resolved>>) => [...p.nodes.values()].filter((n) => n.nodeType.type.startsWith('train/'));

test("README's one-line quickstart smoke run sets the data sizes and one epoch in every trainer", async () => {
  const line = readFileSync(packagePath('README.md'), 'utf8')
    .split('\n')
    .find((l) => /wsol-run pipelines\/quickstart\.json --set/.test(l));
  assert.ok(line, 'README shows the smoke run');
  const sets = [...line.matchAll(/--set (\S+)/g)].map((m) => m[1]!);
  assert.ok(
    sets.every((s) => s.startsWith('params.')),
    `only pipeline params: ${sets.join(' ')}`,
  );
  const p = await resolved('quickstart.json', sets);
  assert.equal(trainers(p).length, 3);
  for (const t of trainers(p)) assert.equal(t.params.epochs, 1, `${t.id} trains one epoch`);
  const data = p.nodes.get('data')!.params;
  assert.ok((data.train as number) <= 100 && (data.val as number) <= 50 && (data.test as number) <= 50, JSON.stringify(data));
});

test("slt-net-cub's epochs are params reaching every trainer", async () => {
  const p = await resolved('slt-net-cub.json', ['params.epochs=1', 'params.classifierEpochs=1']);
  assert.equal(trainers(p).length, 3);
  for (const t of trainers(p)) assert.equal(t.params.epochs, 1, t.id);
});
