/**
 * The BullMQ executor with a real redis-server and two worker processes on
 * one machine: the same digests as local runs (a fan-out pipeline and the
 * quickstart at a tiny size), a worker killed mid-node (its job goes to the
 * other after the lease), and a node needing a GPU that waits, with a
 * warning, while no worker has one, until Ctrl-C removes its job.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../src/paths.js';
import { runCli, startCli, tempDir, writePipeline, type CliResult } from '../helpers/cli.js';
import { redisOrSkip, redisServerPath, startRedis, startWorkerProcess, type RedisServer } from '../helpers/redis.js';

const dir = tempDir('wsol-distributed-');
const sharedCache = join(dir, 'shared-cache');
let redis: RedisServer | undefined;
const workers: ReturnType<typeof startCli>[] = [];

async function startWorker(): Promise<ReturnType<typeof startCli>> {
  const w = await startWorkerProcess(redis!.url, sharedCache, dir);
  workers.push(w);
  return w;
}

before(async () => {
  if (!redisServerPath()) return;
  redis = await startRedis();
  await startWorker();
  await startWorker();
});

after(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await redis?.stop();
});

function digests(r: CliResult): Record<string, string> {
  return Object.fromEntries(r.events.filter((e) => e.event === 'node-done' || e.event === 'node-cached').map((e) => [String(e.node), String(e.digest)]));
}

function fanOut(middle: number): unknown {
  const nodes: Record<string, unknown> = { src: { type: 'util/concat', with: { text: 'source\n' } } };
  for (let i = 0; i < middle; i++) nodes[`m${i}`] = { type: 'util/concat', inputs: { in: 'src' }, with: { text: `middle ${i}\n` } };
  nodes.all = { type: 'util/concat', inputs: { in: Array.from({ length: middle }, (_, i) => `m${i}`) }, with: { text: 'all\n' } };
  return { name: 'fan-out', nodes };
}

const distributed = (): string[] => ['--executor', 'bullmq', '--redis', redis!.url, '--json', '--cache', sharedCache];

test('a fan-out pipeline and the quickstart at a tiny size give the same digests through two workers as locally', async (t) => {
  if (!redisOrSkip(t)) return;
  const file = writePipeline(dir, fanOut(20), 'fan-out.json');
  const local = await runCli([file, '--json', '--cache', join(dir, 'local-cache')], dir);
  assert.equal(local.code, 0, local.stderr);
  const remote = await runCli([file, ...distributed()], dir);
  assert.equal(remote.code, 0, remote.stderr + remote.stdout.slice(-1500));
  assert.deepEqual(digests(remote), digests(local));
  const logs = remote.events.filter((e) => e.event === 'node-log').map((e) => String(e.message));
  assert.equal(new Set(logs.filter((m) => m.startsWith('running on worker')).map((m) => m.split(' ').at(-1))).size, 2, 'both workers took nodes');

  const quickstart = join(dir, 'quickstart.json');
  copyFileSync(packagePath('pipelines/quickstart.json'), quickstart);
  const tiny = ['data.train=48', 'data.val=24', 'data.test=24', 'params.epochs=1'].flatMap((s) => ['--set', s]);
  const qsLocal = await runCli([quickstart, '--json', '--cache', join(dir, 'local-cache'), ...tiny], dir);
  assert.equal(qsLocal.code, 0, qsLocal.stderr);
  const qsRemote = await runCli([quickstart, ...distributed(), ...tiny], dir);
  assert.equal(qsRemote.code, 0, qsRemote.stderr + qsRemote.stdout.slice(-1500));
  assert.deepEqual(digests(qsRemote), digests(qsLocal), 'datasets, models, maps, boxes, evaluations and the report');
  assert.ok(
    qsRemote.events.some((e) => e.event === 'node-progress' && e.node === 'classifier'),
    'progress of remote nodes streams back',
  );
});

test('a worker killed in the middle of a node: the other takes the job after the lease and the run gives the local digest', async (t) => {
  if (!redisOrSkip(t)) return;
  const file = writePipeline(dir, { name: 'slow', nodes: { slow: { type: 'util/sleep', with: { ms: 3000, text: 'slow\n' } } } }, 'slow.json');
  const local = await runCli([file, '--json', '--cache', join(dir, 'local-cache')], dir);
  const run = startCli([file, ...distributed()], dir);
  // Kill whichever worker logs that it took the node.
  const victim = await new Promise<ReturnType<typeof startCli>>((resolve) => {
    for (const w of workers) w.onStdoutLine((line) => line.startsWith('running slow') && resolve(w));
  });
  victim.child.kill('SIGKILL');
  const result = await run.done;
  assert.equal(result.code, 0, result.stderr + result.stdout.slice(-1500));
  assert.deepEqual(digests(result), digests(local));
  workers.splice(workers.indexOf(victim), 1);
  await startWorker();
});

test('a node that needs a GPU waits with a warning while no worker has one; Ctrl-C removes its job', async (t) => {
  if (!redisOrSkip(t)) return;
  const file = writePipeline(dir, { name: 'gpu', nodes: { g: { type: 'util/sleep', with: { ms: 10, text: 'g\n' }, resources: { gpu: 1 } } } }, 'gpu.json');
  const run = startCli([file, ...distributed(), '--gpus', '1'], dir);
  await new Promise<void>((resolve) => run.onStdoutLine((line) => line.includes('waits for a worker') && resolve()));
  const status = await runCli(['status', '--redis', redis!.url, '--json'], dir);
  assert.equal(status.code, 0, status.stderr);
  const queue = status.events.find((e) => e.event === 'queue' && e.queue === 'wsol-run.no-backend.gpu') as { waiting: number; unserved: boolean };
  assert.deepEqual([queue.waiting, queue.unserved], [1, true], '`status --redis` flags the job no worker can take');
  const human = await runCli(['status', '--redis', redis!.url, '--wide'], dir);
  assert.match(human.stdout, /wsol-run\.no-backend\.gpu\s+any backend with a GPU\s+1\s+0\s+NO WORKER can take these/);
  run.child.kill('SIGINT');
  const result = await run.done;
  assert.equal(result.code, 130, result.stdout.slice(-1500));
  const warning = result.events.find((e) => e.event === 'warning' && String(e.message).includes('waits for a worker')) as { message: string };
  assert.match(warning.message, /'g' waits for a worker with any backend with a GPU: no live worker has it .*--gpus 1/);
  const { connect } = await import('../../src/engine/executors/bullmq/registry.js');
  const client = await connect(redis!.url);
  try {
    assert.equal(await client.llen('bull:wsol-run.no-backend.gpu:wait'), 0, 'the cancelled job left the queue');
  } finally {
    client.disconnect();
  }
});

test('Redis restarted mid-run without persistence: the submitter submits the lost jobs again and the run completes with the local digests', async (t) => {
  if (!redisOrSkip(t)) return;
  const file = writePipeline(
    dir,
    {
      name: 'restart',
      nodes: {
        first: { type: 'util/sleep', with: { ms: 2500, text: 'first\n' } },
        second: { type: 'util/concat', inputs: { in: 'first' }, with: { text: 'second\n' } },
      },
    },
    'restart.json',
  );
  const local = await runCli([file, '--json', '--cache', join(dir, 'local-cache')], dir);
  const run = startCli([file, ...distributed()], dir);
  await new Promise<void>((resolve) => {
    for (const w of workers) w.onStdoutLine((line) => line.startsWith('running first') && resolve());
  });
  const port = redis!.port;
  await redis!.stop();
  redis = await startRedis(port);
  const result = await run.done;
  assert.equal(result.code, 0, result.stderr + result.stdout.slice(-1500));
  assert.deepEqual(digests(result), digests(local));
  assert.ok(
    result.events.some((e) => e.event === 'warning' && /gone from Redis/.test(String(e.message))),
    'the submitter says it submitted a lost job again',
  );
});

test('Ctrl-C on the submitter stops a node running on a worker', async (t) => {
  if (!redisOrSkip(t)) return;
  const file = writePipeline(dir, { name: 'long', nodes: { long: { type: 'util/sleep', with: { ms: 20000, text: 'long\n' } } } }, 'long.json');
  const run = startCli([file, ...distributed()], dir);
  const stopped = new Promise<void>((resolve) => {
    for (const w of workers) w.onStdoutLine((line) => line.startsWith('cancelled long') && resolve());
  });
  await new Promise<void>((resolve) => {
    for (const w of workers) w.onStdoutLine((line) => line.startsWith('running long') && resolve());
  });
  run.child.kill('SIGINT');
  const result = await run.done;
  assert.equal(result.code, 130, result.stdout.slice(-1500));
  await stopped; // the worker stopped it long before its 20 s
});
