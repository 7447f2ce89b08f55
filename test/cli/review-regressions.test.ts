/** Regressions for problems found in review: each was reproduced before its fix. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodesWith, runCli, tempDir, writePipeline } from '../helpers/cli.js';
import { packagePath } from '../../src/paths.js';

test('an error in an upstream node is reported, not a crash', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, {
    name: 'x',
    nodes: { up: { type: 'util/sleep', with: { text: 'x' } }, down: { type: 'util/concat', inputs: { in: 'up' } } },
  });
  const r = await runCli([file], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /missing required property 'ms'/);
});

test('--set node.matrix.p sweeps a param that "with" fixes', async () => {
  const dir = tempDir();
  const r = await runCli(['plan', packagePath('pipelines/hello.json'), '--set', 'work.matrix.ms=[10,20]', '--cache', join(dir, 'cache'), '--verbose'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /work\[text=cam,ms=10\]/);
  assert.match(r.stdout, /work\[text=slt-net,ms=20\]/);
});

test('a --set value that looks like JSON but is not is an error', async () => {
  const dir = tempDir();
  const r = await runCli(['plan', packagePath('pipelines/hello.json'), '--set', 'work.matrix.text=[cam,stl]'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /looks like a JSON list or object but does not parse/);
});

test('instances whose coordinates contain spaces can be referenced; repeated matrix values are errors; matrix from params', async () => {
  const dir = tempDir();
  const ok = writePipeline(dir, {
    name: 'x',
    params: { texts: ['a b', 'c'] },
    nodes: { w: { type: 'util/concat', matrix: { text: '${params.texts}' } }, one: { type: 'util/concat', inputs: { in: 'w[text = "a b"]' } } },
  });
  const r = await runCli([ok, '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(nodesWith(r, 'node-done').includes('w[text="a b"]'));
  const dup = writePipeline(dir, { name: 'x', nodes: { w: { type: 'util/sleep', matrix: { ms: [5, 5, 6] } } } }, 'dup.json');
  const d = await runCli([dup], dir);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /the matrix yields 'w\[ms=5\]' twice/);
});

test('a manifest that is valid JSON but wrong is treated as corrupt and recomputed', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, { name: 'x', nodes: { s: { type: 'util/concat', with: { text: 'hi' } } } });
  assert.equal((await runCli([file], dir)).code, 0);
  const artifactDir = (await runCli(['show', file, 's', '--path'], dir)).stdout.trim();
  writeFileSync(`${artifactDir}.json`, '{"digest":"x"}');
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(nodesWith(r, 'cache-invalid'), ['s']);
  assert.deepEqual(nodesWith(r, 'node-done'), ['s']);
});

test('gc --grace protects a result that a run has just reused, however old it is', async () => {
  const dir = tempDir();
  const old = writePipeline(dir, { name: 'old', nodes: { o: { type: 'util/concat', with: { text: 'same' } } } }, 'old.json');
  assert.equal((await runCli([old], dir)).code, 0);
  rmSync(join(dir, 'old.lock.json'));
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
  for (const shard of readdirSync(join(dir, 'cache', 'artifacts'))) {
    for (const f of readdirSync(join(dir, 'cache', 'artifacts', shard)))
      if (f.endsWith('.json')) utimesSync(join(dir, 'cache', 'artifacts', shard, f), twoDaysAgo, twoDaysAgo);
  }
  const reuse = writePipeline(dir, { name: 'new', nodes: { p: { type: 'util/concat', with: { text: 'same' } } } }, 'new.json');
  const r = await runCli([reuse, '--json'], dir);
  assert.deepEqual(nodesWith(r, 'node-cached'), ['p']);
  rmSync(join(dir, 'new.lock.json'));
  const gc = await runCli(['gc', '--keep-days', '0', '--json'], dir);
  assert.equal((gc.events[0] as { removedArtifacts: number }).removedArtifacts, 0);
});

test('a lock file that cannot be written is a warning; the run still succeeds and is recorded', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, { name: 'x', nodes: { s: { type: 'util/concat', with: { text: 'hi' } } } });
  // A directory where the lock file should go makes the write fail, even for root.
  const lock = join(dir, 'pipeline.lock.json');
  mkdirSync(lock);
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.events.some((e) => e.event === 'warning' && /could not write/.test(String(e.message))));
  const status = await runCli(['status', file], dir);
  assert.match(status.stdout, /succeeded/);
});
