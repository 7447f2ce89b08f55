import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodesWith, runCli, tempDir, writePipeline } from '../helpers/cli.js';

test('a tensor node runs in a worker on the chosen backend, which enters its key', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, { name: 'speed', nodes: { speed: { type: 'diagnostics/train-speed', with: { steps: 1, warmup: 0, batch: 2, size: 16 } } } });
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const done = r.events.find((e) => e.event === 'node-done') as { metrics: { imagesPerSecond: number; finalLoss: number } };
  assert.ok(done.metrics.imagesPerSecond > 0);
  assert.ok(Number.isFinite(done.metrics.finalLoss));
  assert.ok(r.events.some((e) => e.event === 'info' && /backend wasm@/.test(String(e.message))));
  const again = await runCli([file, '--json'], dir);
  assert.deepEqual(nodesWith(again, 'node-cached'), ['speed']);
  const other = await runCli(['plan', file, '--backend', 'cpu', '--wide'], dir);
  assert.match(
    other.stdout,
    /speed\s+diagnostics\/train-speed\s+to-run\s+backend changed from wasm@[\d.]+\+nn\d+\+kernels\d+-(fma|simd128) to cpu@[\d.]+\+nn\d+/,
  );
  const bad = await runCli([file, '--backend', 'gpu'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown backend.*\n.*tensorflow-gpu, webgpu, tensorflow, wasm, cpu/);
  const summary = await runCli([file], dir);
  assert.match(summary.stdout, /node\s+imagesPerSecond\s+medianStepMs\s+finalLoss/);
});
