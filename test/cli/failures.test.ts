import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodesWith, readText, runCli, startCli, tempDir, writePipeline } from '../helpers/cli.js';

/** A chain of slow nodes plus an independent branch: long enough to interrupt. */
function slowChain(ms: number): unknown {
  return {
    name: 'slow',
    nodes: {
      s1: { type: 'util/sleep', with: { ms, text: '1' } },
      s2: { type: 'util/sleep', inputs: { in: 's1' }, with: { ms, text: '2' } },
      s3: { type: 'util/sleep', inputs: { in: 's2' }, with: { ms, text: '3' } },
      s4: { type: 'util/sleep', inputs: { in: 's3' }, with: { ms, text: '4' } },
      end: { type: 'util/concat', inputs: { in: 's4' }, with: { text: '.' } },
    },
  };
}

async function finalOutput(file: string, dir: string, node = 'end'): Promise<string> {
  const path = (await runCli(['show', file, node, '--path'], dir)).stdout.trim();
  return readText(join(path, 'out.txt'));
}

test('kill -9 in the middle of a run, then a re-run completes and matches a clean run', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, slowChain(400));
  const run = startCli([file, '--json'], dir);
  await new Promise<void>((resolve) => run.onStdoutLine((l) => l.includes('"node-done"') && l.includes('"s1"') && resolve()));
  run.child.kill('SIGKILL');
  const killed = await run.done;
  assert.equal(killed.signal, 'SIGKILL');
  // Before any other run notices: status already shows the dead run as interrupted, not running.
  const status = await runCli(['status'], dir);
  assert.match(status.stdout, /interrupted/, status.stdout);
  assert.doesNotMatch(status.stdout, /\brunning\b/, status.stdout);
  const detail = await runCli(['status', file, '--json'], dir);
  assert.doesNotMatch(detail.stdout, /"status":"running"/, detail.stdout);

  const resumed = await runCli([file, '--json'], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(nodesWith(resumed, 'node-cached').includes('s1'), 'work finished before the kill is reused');
  assert.ok(
    resumed.events.some((e) => e.event === 'warning' && /interrupted/.test(String(e.message))),
    'the crash is noticed',
  );
  assert.deepEqual(readdirSync(join(dir, 'cache', 'tmp')), [], 'the dead run’s work dirs are cleaned up');

  const cleanDir = tempDir();
  const cleanFile = writePipeline(cleanDir, slowChain(400));
  assert.equal((await runCli([cleanFile], cleanDir)).code, 0);
  assert.equal(await finalOutput(file, dir), await finalOutput(cleanFile, cleanDir));
  assert.equal(await finalOutput(file, dir), '1234.');
});

test('two concurrent runs on one cache both succeed', async () => {
  const dir = tempDir();
  const nodes: Record<string, unknown> = { src: { type: 'util/concat', with: { text: 'S' } } };
  for (let i = 0; i < 20; i++) nodes[`m${i}`] = { type: 'util/sleep', inputs: { in: 'src' }, with: { ms: 20, text: String(i) } };
  nodes.agg = { type: 'util/concat', inputs: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`i${String(i).padStart(2, '0')}`, `m${i}`])) };
  const a = writePipeline(dir, { name: 'shared', nodes }, 'a.json');
  const b = writePipeline(dir, { name: 'shared', nodes }, 'b.json');
  const [ra, rb] = await Promise.all([runCli([a, '--json', '--jobs', '2'], dir), runCli([b, '--json', '--jobs', '2'], dir)]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  assert.equal(await finalOutput(a, dir, 'agg'), await finalOutput(b, dir, 'agg'));
  const again = await runCli([a, '--json'], dir);
  assert.deepEqual(nodesWith(again, 'node-start'), []);
});

test('a corrupted cached file is detected, reported and recomputed', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, slowChain(1));
  assert.equal((await runCli([file], dir)).code, 0);
  const s2 = (await runCli(['show', file, 's2', '--path'], dir)).stdout.trim();
  const target = join(s2, 'out.txt');
  chmodSync(target, 0o644);
  writeFileSync(target, 'XX'); // same size as "12": only the content check can catch it
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const invalid = r.events.find((e) => e.event === 'cache-invalid') as { node: string; reason: string };
  assert.equal(invalid.node, 's2');
  assert.match(invalid.reason, /out\.txt/);
  assert.deepEqual(nodesWith(r, 'node-start'), ['s2']);
  assert.equal(readText(target), '12', 'the recomputed artifact is back, intact');
  assert.equal(await finalOutput(file, dir), '1234.');
});

test('a failing node fails its descendants only; --keep-going finishes independent branches', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, {
    name: 'failing',
    nodes: {
      bad: { type: 'util/sleep', with: { ms: 1, fail: 'loss is NaN at step 3' } },
      child: { type: 'util/concat', inputs: { in: 'bad' } },
      grandchild: { type: 'util/concat', inputs: { in: 'child' } },
      slow: { type: 'util/sleep', with: { ms: 300, text: 'independent' } },
      after: { type: 'util/concat', inputs: { in: 'slow' } },
    },
  });
  const stop = await runCli([file, '--jobs', '1'], dir);
  assert.equal(stop.code, 1);
  assert.match(stop.stdout, /✗ bad\s+failed: loss is NaN at step 3/);
  assert.match(stop.stdout, /- child\s+skipped: upstream 'bad' failed/);
  assert.doesNotMatch(stop.stdout + stop.stderr, /at .*\.js:\d+/, 'no stack trace without --verbose');

  const keep = await runCli([file, '--json', '--keep-going', '--jobs', '1'], dir);
  assert.equal(keep.code, 1);
  assert.deepEqual(nodesWith(keep, 'node-failed'), ['bad']);
  assert.deepEqual(nodesWith(keep, 'node-skipped'), ['child', 'grandchild']);
  assert.ok(nodesWith(keep, 'node-done').includes('after') || nodesWith(keep, 'node-cached').includes('after'));
  const done = keep.events.find((e) => e.event === 'run-done') as { status: string; counts: { failed: number; skipped: number } };
  assert.equal(done.status, 'failed');
  assert.deepEqual([done.counts.failed, done.counts.skipped], [1, 2]);

  const human = await runCli([file, '--keep-going'], dir);
  assert.match(human.stdout, /failed: 0 ran, 2 cached, 1 failed, 2 skipped/);
  assert.match(human.stdout, /failed\s+bad: loss is NaN at step 3/);
});

test('nodes asking for a GPU never run beside each other when one GPU is available', async () => {
  const dir = tempDir();
  const nodes: Record<string, unknown> = {};
  for (const id of ['g1', 'g2', 'g3']) nodes[id] = { type: 'util/sleep', with: { ms: 100, text: id }, resources: { gpu: 1 } };
  nodes.cpu = { type: 'util/sleep', with: { ms: 100, text: 'c' } };
  const file = writePipeline(dir, { name: 'gpu', nodes });
  const r = await runCli([file, '--json', '--jobs', '4', '--gpus', '1'], dir);
  assert.equal(r.code, 0, r.stderr);
  let gpuRunning = 0;
  let maxGpu = 0;
  let maxAll = 0;
  let running = 0;
  for (const e of r.events) {
    const isGpu = String(e.node).startsWith('g');
    if (e.event === 'node-start') {
      running++;
      if (isGpu) gpuRunning++;
    } else if (e.event === 'node-done') {
      running--;
      if (isGpu) gpuRunning--;
    }
    maxGpu = Math.max(maxGpu, gpuRunning);
    maxAll = Math.max(maxAll, running);
  }
  assert.equal(maxGpu, 1);
  assert.equal(maxAll, 2, 'the CPU node runs beside a GPU node');
});

test('Ctrl-C cancels cleanly: nothing partial is cached and the next run resumes', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, slowChain(600));
  const run = startCli([file, '--json'], dir);
  await new Promise<void>((resolve) => run.onStdoutLine((l) => l.includes('"node-start"') && l.includes('"s2"') && resolve()));
  run.child.kill('SIGINT');
  const cancelled = await run.done;
  assert.equal(cancelled.code, 130, cancelled.stderr);
  assert.deepEqual(nodesWith(cancelled, 'node-cancelled'), ['s2']);
  assert.deepEqual(nodesWith(cancelled, 'node-skipped'), ['end', 's3', 's4']);
  const done = cancelled.events.find((e) => e.event === 'run-done') as { status: string };
  assert.equal(done.status, 'cancelled');
  assert.deepEqual(readdirSync(join(dir, 'cache', 'tmp')), [], 'no half-written output is left behind');

  const status = await runCli(['status', file], dir);
  assert.match(status.stdout, /s2\s+cancelled/);
  assert.match(status.stdout, /1 cancelled/);

  const resumed = await runCli([file, '--json'], dir);
  assert.equal(resumed.code, 0);
  assert.deepEqual(nodesWith(resumed, 'node-cached'), ['s1']);
  assert.equal(await finalOutput(file, dir), '1234.');
});
