import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { nodesWith, readText, runCli, tempDir, writePipeline } from '../helpers/cli.js';

function diamond(overrides: { aText?: string; sleepMs?: number } = {}): unknown {
  return {
    name: 'diamond',
    params: { suffix: '!' },
    nodes: {
      src: { type: 'util/concat', with: { text: 'S${params.suffix}\n' } },
      a: { type: 'util/concat', inputs: { in: 'src' }, with: { text: overrides.aText ?? 'A\n' } },
      b: { type: 'util/sleep', inputs: { in: 'src' }, with: { ms: overrides.sleepMs ?? 10, text: 'B\n' } },
      join: { type: 'util/concat', inputs: { x: 'a', y: 'b' }, with: { text: 'J\n' } },
      other: { type: 'util/concat', with: { text: 'O\n' } },
    },
  };
}

test('cold run, no-op re-run, one edit, early cutoff', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, diamond());

  const cold = await runCli([file, '--json'], dir);
  assert.equal(cold.code, 0, cold.stderr);
  assert.deepEqual(nodesWith(cold, 'node-done'), ['a', 'b', 'join', 'other', 'src']);
  const joinPath = (await runCli(['show', file, 'join', '--path'], dir)).stdout.trim();
  assert.equal(readText(join(joinPath, 'out.txt')), 'S!\nA\nS!\nB\nJ\n');

  const noop = await runCli([file, '--json'], dir);
  assert.equal(noop.code, 0);
  assert.deepEqual(nodesWith(noop, 'node-start'), [], 'a no-op re-run executes nothing');
  assert.equal(nodesWith(noop, 'node-cached').length, 5);
  const done = noop.events.find((e) => e.event === 'run-done') as { counts: { ran: number; cached: number } };
  assert.deepEqual([done.counts.ran, done.counts.cached], [0, 5]);

  // Editing a's text re-runs exactly a and its descendant join.
  writePipeline(dir, diamond({ aText: 'A2\n' }));
  const edit = await runCli([file, '--json'], dir);
  assert.equal(edit.code, 0, edit.stderr);
  assert.deepEqual(nodesWith(edit, 'node-start'), ['a', 'join']);
  const start = edit.events.find((e) => e.event === 'node-start' && e.node === 'a') as { reason: string };
  assert.match(start.reason, /param text changed from "A\\n" to "A2\\n"/);

  // util/sleep's ms does not change its output: b re-runs, join stays cached (early cutoff).
  writePipeline(dir, diamond({ aText: 'A2\n', sleepMs: 20 }));
  const cutoff = await runCli([file, '--json'], dir);
  assert.equal(cutoff.code, 0, cutoff.stderr);
  assert.deepEqual(nodesWith(cutoff, 'node-start'), ['b']);
  assert.ok(nodesWith(cutoff, 'node-cached').includes('join'));
  const bDone = cutoff.events.find((e) => e.event === 'node-done' && e.node === 'b') as { sameOutput: boolean };
  assert.equal(bDone.sameOutput, true);

  // --set enters the key like an edit of the file.
  const set = await runCli([file, '--json', '--set', 'params.suffix=?'], dir);
  assert.deepEqual(nodesWith(set, 'node-start'), ['a', 'b', 'join', 'src']);

  // --force re-runs a cached node; identical output keeps dependents cached.
  const forced = await runCli([file, '--json', '--set', 'params.suffix=?', '--force', 'other'], dir);
  assert.deepEqual(nodesWith(forced, 'node-start'), ['other']);
  assert.match(String((forced.events.find((e) => e.event === 'node-start') as { reason: string }).reason), /forced/);
});

test('the lock file records resolved params, keys and digests', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, diamond());
  assert.equal((await runCli([file, '--json'], dir)).code, 0);
  const lockPath = join(dir, 'pipeline.lock.json');
  assert.ok(existsSync(lockPath));
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as {
    lockVersion: number;
    params: Record<string, unknown>;
    nodes: Record<string, { key: string; digest: string; params: Record<string, unknown>; inputs: Record<string, { node: string; digest: string }[]> }>;
  };
  assert.equal(lock.lockVersion, 2);
  assert.deepEqual(lock.params, { suffix: '!' });
  assert.equal(lock.nodes.src!.params.text, 'S!\n');
  assert.match(lock.nodes.join!.key, /^[0-9a-f]{64}$/);
  assert.deepEqual(lock.nodes.join!.inputs.x, [{ node: 'a', digest: lock.nodes.a!.digest }]);
  // util/sleep's default "text" was filled in by the schema.
  assert.equal(lock.nodes.b!.params.text, 'B\n');
});

test('plan lists cached and to-run nodes with reasons, and runs nothing', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, diamond());
  const fresh = await runCli(['plan', file], dir);
  assert.equal(fresh.code, 0);
  assert.match(fresh.stdout, /src\s+util\/concat\s+to-run\s+new/);
  assert.match(fresh.stdout, /join\s+util\/concat\s+to-run\s+upstream 'a', 'b' will run/);
  assert.ok(!existsSync(join(dir, 'pipeline.lock.json')), 'plan writes nothing');
  await runCli([file], dir);
  writePipeline(dir, diamond({ aText: 'changed\n' }));
  const plan = await runCli(['plan', file, '--json'], dir);
  const entries = plan.events as { node: string; status: string; reason: string }[];
  const byNode = Object.fromEntries(entries.map((e) => [e.node, e]));
  assert.equal(byNode.src!.status, 'cached');
  assert.equal(byNode.a!.status, 'to-run');
  assert.match(byNode.a!.reason, /param text changed from "A\\n" to "changed\\n"/);
  assert.equal(byNode.join!.status, 'to-run');
  const dry = await runCli([file, '--dry-run', '--force', 'other'], dir);
  assert.match(dry.stdout, /other\s+util\/concat\s+to-run\s+forced/);
  // The dry run ran nothing: a real run still has a and join to do.
  const real = await runCli([file, '--json'], dir);
  assert.deepEqual(nodesWith(real, 'node-start'), ['a', 'join']);
});

test('matrix nodes expand, propagate to dependents, and gather with [*]', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, {
    name: 'sweep',
    nodes: {
      src: { type: 'util/concat', with: { text: 's' } },
      loc: { type: 'util/concat', inputs: { in: 'src' }, matrix: { text: ['1', '2'] } },
      pseudo: { type: 'util/sleep', inputs: { in: 'loc' }, matrix: { ms: [1, 2] } },
      one: { type: 'util/concat', inputs: { in: 'loc[text=2]' }, with: { text: '!' } },
      report: { type: 'util/concat', inputs: { all: 'pseudo[*]' }, with: { text: '.' } },
    },
  });
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(nodesWith(r, 'node-done'), [
    'loc[text=1]',
    'loc[text=2]',
    'one',
    'pseudo[text=1,ms=1]',
    'pseudo[text=1,ms=2]',
    'pseudo[text=2,ms=1]',
    'pseudo[text=2,ms=2]',
    'report',
    'src',
  ]);
  const report = (await runCli(['show', file, 'report', '--path'], dir)).stdout.trim();
  assert.equal(readText(join(report, 'out.txt')), 's1s1s2s2.');
  const one = (await runCli(['show', file, 'one', '--path'], dir)).stdout.trim();
  assert.equal(readText(join(one, 'out.txt')), 's2!');
  // Narrowing the matrix from the command line re-expands the graph.
  const narrowed = await runCli([file, '--json', '--set', 'loc.matrix.text=["2"]', '--force', 'report'], dir);
  assert.equal(narrowed.code, 0, narrowed.stderr);
  assert.deepEqual(nodesWith(narrowed, 'node-done'), ['report']);
  assert.equal(nodesWith(narrowed, 'node-cached').length, 5);
});

test('a table that names its inputs is keyed by those names: the same digests under another node name are another table', async () => {
  const dir = tempDir();
  const pipeline = (name: string): unknown => ({
    name: 'names',
    nodes: {
      data: { type: 'dataset/synthetic-shapes', with: { size: 24, train: 2, val: 4, test: 4, seed: 1 } },
      floor: { type: 'maps/intensity', inputs: { dataset: 'data' } },
      [name]: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'floor' } },
      other: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'floor' }, with: { tau: 0.5 } },
      table: { type: 'report/compare', inputs: { results: [name, 'other'] } },
    },
  });
  const file = writePipeline(dir, pipeline('first'));
  const one = await runCli([file, '--json'], dir);
  assert.equal(one.code, 0, one.stderr);
  const tableOf = async (): Promise<string> => readText(join((await runCli(['show', file, 'table', '--path'], dir)).stdout.trim(), 'table.json'));
  assert.match(await tableOf(), /"node": "first"/);
  writePipeline(dir, pipeline('renamed'));
  const two = await runCli([file, '--json'], dir);
  assert.equal(two.code, 0, two.stderr);
  assert.ok(nodesWith(two, 'node-cached').includes('renamed'), 'the renamed node itself is the same computation');
  assert.deepEqual(nodesWith(two, 'node-start'), ['table'], 'the table that prints its name is not');
  const start = two.events.find((e) => e.event === 'node-start' && e.node === 'table') as { reason: string };
  assert.match(start.reason, /node names, coordinates or keys changed/);
  assert.match(await tableOf(), /"node": "renamed"/);
});

test('the lock text depends on the results only: a cold run on a fresh cache with other --jobs writes the same bytes', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, diamond({ sleepMs: 30 }));
  assert.equal((await runCli([file, '--json', '--jobs', '3', '--cache', join(dir, 'a')], dir)).code, 0);
  const first = readFileSync(join(dir, 'pipeline.lock.json'), 'utf8');
  rmSync(join(dir, 'pipeline.lock.json'));
  assert.equal((await runCli([file, '--json', '--jobs', '1', '--cache', join(dir, 'b')], dir)).code, 0);
  assert.equal(readFileSync(join(dir, 'pipeline.lock.json'), 'utf8'), first);
});
