/**
 * Long runs in one worker pool finish: a thread whose wasm heap grew past
 * WSOL_RUN_RECYCLE_HEAP_MB after its node, or whose WebAssembly module
 * trapped, is replaced before the next node; the trap fails only its own
 * node, with a hint that names the heap and the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

const PLUGIN = fileURLToPath(new URL('../plugins/trap-plugin.js', import.meta.url));

const logs = (events: Record<string, unknown>[], pattern: RegExp): string[] =>
  events.filter((e) => e.event === 'node-log' && pattern.test(String(e.message))).map((e) => String(e.node));

test('ten trainings in a row in one single-thread pool all finish, each on a fresh thread once its heap passed the limit', async () => {
  const dir = tempDir('wsol-recycle-');
  const seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const file = writePipeline(dir, {
    name: 'recycle',
    nodes: {
      data: { type: 'dataset/synthetic-shapes', with: { size: 24, train: 32, val: 8, test: 8, seed: 1 } },
      cls: {
        type: 'train/classifier',
        inputs: { dataset: 'data' },
        with: { channels: [8, 8], poolAfter: [0], epochs: 1, batchSize: 8 },
        matrix: { seed: seeds },
      },
    },
  });
  // A 1 MiB limit: every tensor node passes it, so every training retires its thread.
  const r = await runCli([file, '--json', '--jobs', '1'], dir, { WSOL_RUN_RECYCLE_HEAP_MB: '1' });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const done = r.events.filter((e) => e.event === 'node-done' && String(e.node).startsWith('cls')).length;
  assert.equal(done, seeds.length);
  const replaced = logs(r.events, /worker thread replaced after this node: its wasm heap reached \d+ MiB \(over WSOL_RUN_RECYCLE_HEAP_MB=1\)/);
  assert.equal(replaced.length, seeds.length, JSON.stringify(r.events.filter((e) => e.event === 'node-log').slice(0, 3)));
  // With the default limit the small heaps of these nodes keep their thread.
  const calm = await runCli([file, '--json', '--jobs', '1', '--force', 'cls'], dir);
  assert.equal(calm.code, 0, calm.stderr);
  assert.deepEqual(logs(calm.events, /worker thread replaced/), []);
});

test('a node whose wasm module aborts fails alone, with the heap named in its hint; the next node runs on a fresh thread', async () => {
  const dir = tempDir('wsol-trap-');
  const file = writePipeline(dir, {
    name: 'trap',
    plugins: [PLUGIN],
    nodes: {
      before: { type: 'test/thread', with: { label: 'before' } },
      trapped: { type: 'test/thread', inputs: { after: 'before' }, with: { trap: true } },
      other: { type: 'test/thread', inputs: { after: 'before' }, with: { label: 'other' } },
    },
  });
  const r = await runCli([file, '--json', '--jobs', '1', '--keep-going'], dir);
  assert.equal(r.code, 1, r.stderr);
  const failed = r.events.find((e) => e.event === 'node-failed' && e.node === 'trapped') as { error: { message: string; hint?: string } } | undefined;
  assert.ok(failed, r.stdout);
  assert.match(failed.error.message, /Aborted\(\)/);
  assert.match(failed.error.hint ?? '', /did not fit the wasm backend's memory.*the thread is replaced/);
  assert.deepEqual(logs(r.events, /worker thread replaced after this node: its tensor runtime failed/), ['trapped']);
  const threadOf = (node: string): string =>
    String((r.events.find((e) => e.event === 'node-log' && e.node === node && /^thread /.test(String(e.message))) as { message: string }).message);
  // A failed run writes no lock, so `show` has no record to read: the result is found by its digest in the cache.
  const otherDigest = String((r.events.find((e) => e.event === 'node-done' && e.node === 'other') as { digest: string }).digest);
  const otherThread = `thread ${readFileSync(join(dir, 'cache', 'artifacts', otherDigest.slice(0, 2), otherDigest, 'out.txt'), 'utf8').trim()}`;
  const order = r.events.filter((e) => e.event === 'node-start').map((e) => e.node);
  // Whichever of the two ran second after the trap ran on another thread than the trapped node.
  if (order.indexOf('other') > order.indexOf('trapped')) assert.notEqual(otherThread, threadOf('trapped'));
  else assert.equal(otherThread, threadOf('before'), 'before the trap, nodes share the thread');
});
