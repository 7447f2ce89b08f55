/**
 * The cap on worker threads that `run --jobs` and `worker --concurrency`
 * share: max(1, min(4 per core, one per 256 MiB of memory)).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capWorkerThreads, defaultJobs } from '../../src/cli/options.js';
import { maxWorkerThreads } from '../../src/engine/executors/executor.js';

const GiB = 2 ** 30;

test('the cap is 4 threads per core, at most one per 256 MiB of memory, at least 1', () => {
  assert.equal(maxWorkerThreads(2, 23 * GiB), 8);
  assert.equal(maxWorkerThreads(64, 16 * GiB), 64);
  assert.equal(maxWorkerThreads(8, 0.1 * GiB), 1);
  assert.ok(defaultJobs() <= maxWorkerThreads());
});

test('worker --concurrency 100000 is clamped to the cap with one line naming the value, the cap and why', () => {
  const r = capWorkerThreads('--concurrency', 100_000, 2, 8 * GiB);
  assert.equal(r.value, 8);
  assert.match(
    r.warning ?? '',
    /^--concurrency 100000 is more worker threads than this machine can hold: using 8 \(at most 4 per core on 2 cores, and one per 256 MiB of its 8\.0 GiB memory; each thread holds its own tensor backend\)$/,
  );
  assert.doesNotMatch(r.warning ?? '', /\n/);
  assert.deepEqual(capWorkerThreads('--concurrency', 8, 2, 8 * GiB), { value: 8 });
});
