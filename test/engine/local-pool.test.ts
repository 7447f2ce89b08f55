/**
 * The local pool starts worker threads when nodes need them, not all of
 * --jobs up front: each thread costs its own heap and tensor backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LocalCacheStore } from '../../src/engine/cache/store.js';
import { LocalPoolExecutor } from '../../src/engine/executors/local-pool.js';
import type { NodeTask, TaskHooks } from '../../src/engine/executors/executor.js';
import { tempDir } from '../helpers/cli.js';

const task = (nodeId: string, text: string): NodeTask => ({
  nodeId,
  type: 'util/concat',
  version: 1,
  key: createHash('sha256').update(`local-pool test ${nodeId}`).digest('hex'),
  params: { text },
  inputs: {},
  env: {},
  plugins: [],
  share: { cpu: 1, of: 1 },
  gpu: 0,
  checkpointEvery: 0,
});

const hooks = (): TaskHooks => ({ signal: new AbortController().signal, onProgress: () => undefined, onLog: () => undefined });

test('a pool of 8 slots running one node starts one worker thread', { timeout: 60_000 }, async () => {
  const cache = new LocalCacheStore(join(tempDir('wsol-pool-'), 'cache'));
  await cache.open();
  const pool = new LocalPoolExecutor(cache, 8);
  try {
    const outcome = await pool.run(task('a', 'x'), hooks());
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(pool.threads, 1);
    // A second node after the first reuses the thread.
    const second = await pool.run(task('b', 'y'), hooks());
    assert.ok(second.ok, JSON.stringify(second));
    assert.equal(pool.threads, 1);
  } finally {
    await pool.close();
  }
  assert.equal(pool.threads, 0, 'close ends the threads');
});
