import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir } from '../helpers/cli.js';

test('doctor lists backends with why they are (not) usable, and probes training speed', async () => {
  const dir = tempDir();
  const r = await runCli(['doctor', '--json', '--probe-seconds', '1'], dir);
  assert.equal(r.code, 0, r.stderr);
  const report = r.events[0] as {
    backends: { name: string; usable: boolean; detail: string }[];
    selected: { name: string };
    probe: { imagesPerSecond: number; steps: number };
    machine: { cores: number };
  };
  const byName = Object.fromEntries(report.backends.map((b) => [b.name, b]));
  assert.equal(byName.wasm!.usable, true);
  assert.match(byName.wasm!.detail, /wsol-run kernel module v\d+ \((relaxed-SIMD FMA|SIMD128), \d+ threads\)/);
  assert.equal(byName.cpu!.usable, true);
  assert.match(byName['tensorflow-gpu']!.detail, /not installed.*CUDA 11\.2 \+ cuDNN 8\.1|usable|CUDA/);
  assert.equal(report.selected.name, 'wasm');
  assert.ok(report.probe.imagesPerSecond > 0 && report.probe.steps >= 1);
  assert.ok(report.machine.cores >= 1);
  const human = await runCli(['doctor', '--probe-seconds', '0'], dir);
  assert.match(human.stdout, /wasm \*\s+@tensorflow\/tfjs-backend-wasm/);
});

test('doctor names the problem when the chosen backend is not installed', async () => {
  const dir = tempDir();
  const r = await runCli(['doctor', '--probe-seconds', '0', '--backend', 'tensorflow'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /problem\s+--backend tensorflow: @tensorflow\/tfjs-node is not installed/);
});
