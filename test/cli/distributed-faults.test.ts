/**
 * Distributed faults fail fast and say what to fix (issue: Step 16): a URL
 * that is not Redis's, a host that does not resolve, a listener that never
 * answers, Redis stopped in the middle of a run (the waiting nodes fail
 * within the timeout, committed results stay, Ctrl-C exits at once), Redis
 * back after an outage (each lost job is submitted again once, not once per
 * overlapping watchdog call), and a worker whose cache is not the
 * submitter's (refused before anything runs, naming both paths). Each with a
 * real redis-server.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { runCli, startCli, tempDir, writePipeline } from '../helpers/cli.js';
import { redisOrSkip, startRedis, startWorkerProcess, type RedisServer } from '../helpers/redis.js';
import { REDIS_CONNECT_TIMEOUT_MS } from '../../src/engine/executors/bullmq/registry.js';

const dir = tempDir('wsol-distributed-faults-');
const started: { child: ReturnType<typeof startCli>['child'] }[] = [];
const servers: RedisServer[] = [];

after(async () => {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const s of servers) await s.stop();
});

async function redisServer(port?: number): Promise<RedisServer> {
  const s = await startRedis(port);
  servers.push(s);
  return s;
}

async function startWorker(url: string, cache: string, env: NodeJS.ProcessEnv = {}): Promise<ReturnType<typeof startCli>> {
  const w = await startWorkerProcess(url, cache, dir, env);
  started.push(w);
  return w;
}

function untilLine(p: ReturnType<typeof startCli>, prefix: string): Promise<void> {
  return new Promise((resolve) => p.onStdoutLine((line) => line.startsWith(prefix) && resolve()));
}

const sleeper = (name: string, ms: number): string =>
  writePipeline(
    dir,
    {
      name,
      nodes: {
        first: { type: 'util/concat', with: { text: `${name} first\n` } },
        slow: { type: 'util/sleep', inputs: { in: 'first' }, with: { ms, text: `${name} slow\n` } },
      },
    },
    `${name}.json`,
  );

/** The three commands that talk to Redis, each given `url`. */
function redisCommands(url: string, cache: string): string[][] {
  const file = sleeper('any', 10);
  return [
    [file, '--executor', 'bullmq', '--redis', url, '--cache', cache],
    ['worker', '--redis', url, '--cache', cache],
    ['status', '--redis', url],
  ];
}

test('a URL that is not a Redis URL is refused by run, worker and status with exit 2 and the form it needs', { timeout: 90_000 }, async () => {
  for (const args of redisCommands('http://127.0.0.1:6379', join(dir, 'url-cache'))) {
    const r = await runCli(args, dir);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /http:\/\/127\.0\.0\.1:6379.*not a Redis URL/);
    assert.match(r.stderr, /redis:\/\/HOST:PORT/);
    assert.doesNotMatch(r.stderr, /this is a bug/);
  }
});

test('a host that does not resolve: run, worker and status say so (exit 2), not "Connection is closed"', { timeout: 90_000 }, async () => {
  for (const args of redisCommands('redis://no-such-host.invalid:6379', join(dir, 'dns-cache'))) {
    const r = await runCli(args, dir);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /no-such-host\.invalid/);
    assert.match(r.stderr, /ENOTFOUND|EAI_AGAIN|does not resolve/);
    assert.doesNotMatch(r.stderr, /Connection is closed|this is a bug/);
  }
});

test('a listener that accepts and never answers: run, worker and status fail at the 5 s connect timeout, not the 60 s Redis timeout (exit 2)', {
  timeout: 90_000,
}, async () => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const url = `redis://127.0.0.1:${(silent.address() as { port: number }).port}`;
  try {
    for (const args of redisCommands(url, join(dir, 'silent-cache'))) {
      const t0 = Date.now();
      const r = await runCli(args, dir);
      const seconds = (Date.now() - t0) / 1000;
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /did not answer/);
      // The connect timeout plus a process start; slack for a loaded 2-core machine (10.1 s seen there), far from the 60 s a hang would take.
      assert.ok(seconds < REDIS_CONNECT_TIMEOUT_MS / 1000 + 10, `${args[0]} took ${seconds} s`);
    }
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('Redis stopped mid-run: the waiting node fails within the Redis timeout, what was committed stays, and the submitter exits', {
  timeout: 90_000,
}, async (t) => {
  if (!redisOrSkip(t)) return;
  const redis = await redisServer();
  const cache = join(dir, 'stop-cache');
  const worker = await startWorker(redis.url, cache);
  const file = sleeper('stopped', 60_000);
  const run = startCli([file, '--executor', 'bullmq', '--redis', redis.url, '--cache', cache, '--json'], dir, { WSOL_RUN_REDIS_TIMEOUT_MS: '4000' });
  started.push(run);
  await untilLine(worker, 'running slow');
  const t0 = Date.now();
  await redis.stop();
  const result = await run.done;
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(result.code, 1, result.stderr + result.stdout.slice(-1500));
  assert.ok(seconds < 20, `the run ended ${seconds} s after Redis stopped (timeout 4 s)`);
  const failed = result.events.find((e) => e.event === 'node-failed' && e.node === 'slow') as { error: { message: string; hint?: string } } | undefined;
  assert.ok(failed, result.stdout.slice(-1500));
  assert.match(failed.error.message, /Redis at redis:\/\/127\.0\.0\.1:\d+ has been unreachable/);
  assert.match(failed.error.hint ?? '', /restart Redis/);
  worker.child.kill('SIGKILL');
  const again = await runCli([file, '--json', '--cache', cache, '--set', 'slow.ms=10'], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(
    again.events.some((e) => e.event === 'node-cached' && e.node === 'first'),
    'the node the worker committed before Redis stopped is reused',
  );
});

test('Ctrl-C while Redis is gone ends the submitter within seconds (exit 130)', { timeout: 90_000 }, async (t) => {
  if (!redisOrSkip(t)) return;
  const redis = await redisServer();
  const cache = join(dir, 'ctrlc-cache');
  const worker = await startWorker(redis.url, cache);
  const file = sleeper('ctrlc', 60_000);
  const run = startCli([file, '--executor', 'bullmq', '--redis', redis.url, '--cache', cache, '--json'], dir);
  started.push(run);
  await untilLine(worker, 'running slow');
  await redis.stop();
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  run.child.kill('SIGINT');
  const result = await run.done;
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(result.code, 130, result.stderr + result.stdout.slice(-1500));
  assert.ok(seconds < 10, `Ctrl-C took ${seconds} s`);
  worker.child.kill('SIGKILL');
});

test('Redis back after an outage: each lost job is submitted again once, and the run completes', { timeout: 90_000 }, async (t) => {
  if (!redisOrSkip(t)) return;
  let redis = await redisServer();
  const cache = join(dir, 'outage-cache');
  const worker = await startWorker(redis.url, cache);
  const file = sleeper('outage', 3000);
  const run = startCli([file, '--executor', 'bullmq', '--redis', redis.url, '--cache', cache, '--json'], dir, { WSOL_RUN_REDIS_WATCH_MS: '200' });
  started.push(run);
  await untilLine(worker, 'running slow');
  const port = redis.port;
  await redis.stop();
  // Many watchdog intervals pass while Redis is gone.
  await new Promise((r) => setTimeout(r, 4000));
  redis = await redisServer(port);
  const result = await run.done;
  assert.equal(result.code, 0, result.stderr + result.stdout.slice(-1500));
  const resubmitted = result.events.filter((e) => e.event === 'warning' && /gone from Redis/.test(String(e.message)));
  assert.equal(resubmitted.length, 1, resubmitted.map((e) => String(e.message)).join('\n'));
  worker.child.kill('SIGKILL');
});

test('a worker on another cache than the submitter is refused before anything runs, naming both paths', { timeout: 90_000 }, async (t) => {
  if (!redisOrSkip(t)) return;
  const redis = await redisServer();
  const theirs = join(dir, 'worker-own-cache');
  const ours = join(dir, 'submitter-cache');
  const worker = await startWorker(redis.url, theirs);
  const file = sleeper('elsewhere', 10);
  const r = await runCli([file, '--executor', 'bullmq', '--redis', redis.url, '--cache', ours], dir);
  assert.equal(r.code, 2, r.stderr + r.stdout);
  assert.ok(r.stderr.includes(theirs), r.stderr);
  assert.ok(r.stderr.includes(ours), r.stderr);
  assert.match(r.stderr, /not the submitter's cache/);
  assert.ok(!existsSync(join(theirs, 'actions')) || readdirSync(join(theirs, 'actions')).length === 0, 'the worker ran nothing');
  assert.ok(!existsSync(join(ours, 'actions')) || readdirSync(join(ours, 'actions')).length === 0, 'nothing was committed');
  worker.child.kill('SIGKILL');
});

test('a worker on another cache that starts after the check refuses the job it takes, naming both paths', { timeout: 90_000 }, async (t) => {
  if (!redisOrSkip(t)) return;
  const redis = await redisServer();
  const theirs = join(dir, 'late-worker-cache');
  const ours = join(dir, 'late-submitter-cache');
  const file = sleeper('late', 10);
  const run = startCli([file, '--executor', 'bullmq', '--redis', redis.url, '--cache', ours, '--json'], dir);
  started.push(run);
  await new Promise<void>((resolve) => run.onStdoutLine((line) => line.includes('waits for a worker') && resolve()));
  const worker = await startWorker(redis.url, theirs);
  const result = await run.done;
  assert.equal(result.code, 1, result.stderr + result.stdout.slice(-1500));
  const failed = result.events.find((e) => e.event === 'node-failed' && e.node === 'first') as { error: { message: string; hint?: string } } | undefined;
  assert.ok(failed, result.stdout.slice(-1500));
  assert.ok(failed.error.message.includes(theirs) && failed.error.message.includes(ours), failed.error.message);
  assert.match(failed.error.hint ?? '', /same shared filesystem/);
  assert.ok(!existsSync(join(theirs, 'actions')) || readdirSync(join(theirs, 'actions')).length === 0, 'the worker ran nothing');
  worker.child.kill('SIGKILL');
});
