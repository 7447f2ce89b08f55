/**
 * Shrinking a shipped pipeline is a documented param set: every shipped
 * pipeline that trains has a `smoke` preset (tiny data, one epoch in every
 * trainer), README's one-line smoke run uses it, and the sizes and epochs
 * are params a user can also set one by one. Checked on the resolved
 * pipeline (what plan and run execute), without running it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { loadPipeline } from '../../src/engine/load/load-pipeline.js';
import { nodeTypes } from '../../src/nodes/registry.js';
import { packagePath } from '../../src/paths.js';

async function resolved(name: string, o: { overrides?: string[]; preset?: string } = {}) {
  return (await loadPipeline(packagePath(`pipelines/${name}`), { ...o, types: nodeTypes })).pipeline;
}

type Resolved = Awaited<ReturnType<typeof resolved>>;
const trainers = (p: Resolved) => [...p.nodes.values()].filter((n) => n.nodeType.type.startsWith('train/'));
const datasets = (p: Resolved) => [...p.nodes.values()].filter((n) => n.nodeType.type.startsWith('dataset/'));

const shipped = readdirSync(packagePath('pipelines')).filter((f) => f.endsWith('.json') && !f.endsWith('.lock.json'));

test("README's one-line quickstart smoke run is --preset smoke: the data sizes and one epoch in every trainer", async () => {
  const line = readFileSync(packagePath('README.md'), 'utf8')
    .split('\n')
    .find((l) => /wsol-run pipelines\/quickstart\.json --preset smoke/.test(l));
  assert.ok(line, 'README shows the smoke run');
  const p = await resolved('quickstart.json', { preset: 'smoke' });
  assert.equal(trainers(p).length, 3);
  for (const t of trainers(p)) assert.equal(t.params.epochs, 1, `${t.id} trains one epoch`);
  const data = p.nodes.get('data')!.params;
  assert.ok((data.train as number) <= 100 && (data.val as number) <= 50 && (data.test as number) <= 50, JSON.stringify(data));
  // The preset is an experiment: its entries are the run's overrides, so the lock is left alone.
  assert.deepEqual(p.overrides.slice(0, 2), ['params.train=96', 'params.val=48']);
});

test('every shipped pipeline that trains has a smoke preset: one epoch in every trainer, small generated data', async () => {
  let checked = 0;
  for (const file of shipped) {
    const full = await resolved(file);
    if (trainers(full).length === 0) continue;
    const p = await resolved(file, { preset: 'smoke' });
    checked++;
    for (const t of trainers(p)) assert.equal(t.params.epochs, 1, `${file}: ${t.id} trains one epoch under --preset smoke`);
    for (const d of datasets(p)) {
      const { train, imageSize } = d.params as { train?: number; imageSize?: number };
      // Generated data shrinks by count; a dataset read from disk (CUB, GlaS) by image size.
      if (train !== undefined) assert.ok(train <= 400, `${file}: ${d.id} has ${train} train images under --preset smoke`);
      else assert.ok((imageSize ?? 0) <= 64, `${file}: ${d.id} at ${imageSize} px under --preset smoke`);
    }
    assert.ok(trainers(p).length <= trainers(full).length);
  }
  assert.ok(checked >= 10, `pipelines that train: ${checked}`);
});

test("the sizes and epochs stay params a user sets one by one: slt-net-cub's epochs reach every trainer", async () => {
  const p = await resolved('slt-net-cub.json', { overrides: ['params.epochs=1', 'params.classifierEpochs=1'] });
  assert.equal(trainers(p).length, 3);
  for (const t of trainers(p)) assert.equal(t.params.epochs, 1, t.id);
});

test('a preset is checked: an unknown name lists the presets; an entry that is not a param is located in the file', async () => {
  await assert.rejects(resolved('quickstart.json', { preset: 'smok' }), (e: Error) => {
    assert.match(e.message, /--preset smok: no such preset.*Did you mean 'smoke'/s);
    assert.match(e.message, /its presets: smoke/);
    return true;
  });
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'wsol-preset-'));
  const file = join(dir, 'p.json');
  writeFileSync(
    file,
    JSON.stringify(
      { name: 'p', params: { text: 'a' }, presets: { short: { txt: 'b' } }, nodes: { a: { type: 'util/concat', with: { text: '${params.text}' } } } },
      null,
      2,
    ),
  );
  await assert.rejects(loadPipeline(file, { types: nodeTypes }), (e: Error) => {
    assert.match(e.message, /p\.json:\d+:\d+: preset short sets txt, which is not a param of this pipeline\. Did you mean 'text'\?/);
    return true;
  });
});
