/**
 * Reproducible artifacts through the CLI: a retrained model has the same
 * digest (so its dependents stay cached), `verify` reports the lock as
 * reproduced, a re-run leaves the lock file untouched, a fresh cache's plan
 * names the digests the lock expects, and a trainer killed mid-training
 * resumes from its checkpoint to the uninterrupted model's bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodesWith, runCli, startCli, tempDir, writePipeline } from '../helpers/cli.js';

const pipeline = {
  name: 'repro',
  nodes: {
    data: { type: 'dataset/cluttered-mnist', with: { train: 240, val: 20, test: 20, size: 32 } },
    cls: {
      type: 'train/classifier',
      inputs: { dataset: 'data' },
      with: { channels: [8, 8, 8], poolAfter: [0, 1], epochs: 3, batchSize: 16, optimizer: 'adam', lr: 0.003 },
    },
    maps: { type: 'maps/cam', inputs: { model: 'cls', dataset: 'data' }, with: { splits: ['val', 'test'] } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'maps' } },
  },
};

type Done = { node: string; digest: string };

function digestsOf(events: Record<string, unknown>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) if (e.event === 'node-done' || e.event === 'node-cached') out[(e as Done).node] = (e as Done).digest;
  return out;
}

function checkpointIndexes(cache: string): string[] {
  const root = join(cache, 'checkpoints');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((shard) =>
    readdirSync(join(root, shard))
      .map((key) => join(root, shard, key, 'checkpoint.json'))
      .filter((p) => existsSync(p)),
  );
}

let reference: Record<string, string> | undefined;
const dir = tempDir('wsol-repro-');
const file = writePipeline(dir, pipeline);

test('a retrained model has the same digest, its dependents stay cached, and verify says reproduced', async () => {
  const first = await runCli([file, '--json', '--cache', join(dir, 'cache-a')], dir);
  assert.equal(first.code, 0, first.stderr);
  reference = digestsOf(first.events);
  const lockPath = join(dir, 'pipeline.lock.json');
  const lockText = readFileSync(lockPath, 'utf8');
  const lockMtime = statSync(lockPath).mtimeMs;
  assert.doesNotMatch(lockText, /runId|createdAt|"seconds"/, 'the lock records nothing about the run');
  const modelDir = (await runCli(['show', file, 'cls', '--path', '--cache', join(dir, 'cache-a')], dir)).stdout.trim();
  assert.doesNotMatch(readFileSync(join(modelDir, 'model.json'), 'utf8'), /"seconds"|"cls"/, 'no timings and no node id in the model');

  const retrain = await runCli([file, '--json', '--cache', join(dir, 'cache-a'), '--force', 'cls'], dir);
  assert.equal(retrain.code, 0, retrain.stderr);
  assert.deepEqual(nodesWith(retrain, 'node-start'), ['cls'], 'only the forced trainer runs');
  const done = retrain.events.find((e) => e.event === 'node-done' && e.node === 'cls') as Done & { sameOutput: boolean };
  assert.equal(done.digest, reference.cls, 'retraining gives byte-identical weights');
  assert.equal(done.sameOutput, true);
  assert.ok(nodesWith(retrain, 'node-cached').includes('maps') && nodesWith(retrain, 'node-cached').includes('eval'), 'early cutoff below the trainer');
  assert.equal(readFileSync(lockPath, 'utf8'), lockText);
  assert.equal(statSync(lockPath).mtimeMs, lockMtime, 'an unchanged lock is not rewritten');

  const verify = await runCli(['verify', file, '--cache', join(dir, 'cache-a'), '--wide'], dir);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /reproduced: all 4 nodes have the lock's digests/);
});

test('verify exits 3 and names the node and the metrics when a result differs from the lock, and leaves the lock as committed', async () => {
  const lockPath = join(dir, 'pipeline.lock.json');
  const committed = readFileSync(lockPath, 'utf8');
  const lock = JSON.parse(committed) as { nodes: Record<string, { digest: string; metrics?: Record<string, number> }> };
  const metric = Object.keys(lock.nodes.eval!.metrics ?? {})[0]!;
  lock.nodes.eval!.digest = 'f'.repeat(64);
  lock.nodes.eval!.metrics![metric] = -1;
  writeFileSync(lockPath, JSON.stringify(lock, null, 2));
  try {
    const verify = await runCli(['verify', file, '--cache', join(dir, 'cache-a'), '--wide'], dir);
    assert.equal(verify.code, 3, verify.stdout + verify.stderr);
    assert.match(verify.stdout, new RegExp(`eval\\s+differs\\s+ffffffffffff\\s+[0-9a-f]{12}\\s+same key, other bytes.*${metric} -1 ->`));
    assert.match(verify.stdout, /NOT reproduced: 1 of 4 nodes differ from the lock/);
    assert.equal(JSON.parse(readFileSync(lockPath, 'utf8')).nodes.eval.digest, 'f'.repeat(64), 'verify does not rewrite the lock');
  } finally {
    writeFileSync(lockPath, committed);
  }
  const none = await runCli(['verify', writePipeline(dir, pipeline, 'unlocked.json'), '--cache', join(dir, 'cache-a')], dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no lock file to check against/);
});

test("a fresh cache's plan names the digests the lock expects", async () => {
  const plan = await runCli(['plan', file, '--json', '--cache', join(dir, 'cache-b')], dir);
  assert.equal(plan.code, 0, plan.stderr);
  const lock = JSON.parse(readFileSync(join(dir, 'pipeline.lock.json'), 'utf8')) as { nodes: Record<string, { digest: string }> };
  for (const node of ['data', 'cls', 'maps', 'eval']) {
    const entry = plan.events.find((e) => e.event === 'plan' && e.node === node) as { status: string; reason: string };
    assert.equal(entry.status, 'to-run');
    assert.match(entry.reason, new RegExp(`not in this cache; the lock expects digest ${lock.nodes[node]!.digest.slice(0, 12)}`));
  }
});

test('kill -9 in epoch 2 of 3, then a re-run resumes from the checkpoint and gives the uninterrupted digest', async () => {
  assert.ok(reference, 'needs the first test');
  const cache = join(dir, 'cache-c');
  const run = startCli([file, '--json', '--cache', cache], dir);
  // The first checkpoint is written after epoch 1: kill as soon as it exists, inside epoch 2.
  const deadline = Date.now() + 120_000;
  while (checkpointIndexes(cache).length === 0 && Date.now() < deadline && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  assert.equal(checkpointIndexes(cache).length, 1, 'a checkpoint appeared during training');
  run.child.kill('SIGKILL');
  assert.equal((await run.done).signal, 'SIGKILL');

  const resumed = await runCli([file, '--json', '--cache', cache], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  const logs = resumed.events.filter((e) => e.event === 'node-log' && e.node === 'cls').map((e) => String(e.message));
  assert.ok(
    logs.some((m) => /resuming after epoch 1\/3/.test(m)),
    logs.join('\n'),
  );
  assert.deepEqual(digestsOf(resumed.events), reference, 'same model, maps and metrics as the uninterrupted run');
  assert.deepEqual(checkpointIndexes(cache), [], 'the checkpoint is removed once the model is committed');
});

test('gc removes the checkpoints a killed trainer left, once they are older than --keep-days', async () => {
  const cache = join(dir, 'cache-d');
  const run = startCli([file, '--json', '--cache', cache], dir);
  const deadline = Date.now() + 120_000;
  while (checkpointIndexes(cache).length === 0 && Date.now() < deadline && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  run.child.kill('SIGKILL');
  await run.done;
  assert.equal(checkpointIndexes(cache).length, 1);
  const keep = await runCli(['gc', '--cache', cache, '--json'], dir);
  assert.equal((JSON.parse(keep.stdout) as { removedCheckpoints: number }).removedCheckpoints, 0, 'a fresh checkpoint is kept');
  const gc = await runCli(['gc', '--cache', cache, '--keep-days', '0', '--grace', '0', '--json'], dir);
  assert.equal(gc.code, 0, gc.stderr);
  assert.equal((JSON.parse(gc.stdout) as { removedCheckpoints: number }).removedCheckpoints, 1);
  assert.deepEqual(checkpointIndexes(cache), []);
});
