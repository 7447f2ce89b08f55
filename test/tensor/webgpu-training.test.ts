/**
 * Training on webgpu (the software adapter in CI) against the cpu backend:
 * the reference model's losses step by step, and one Min-Max Entropy step
 * (recursive erasing, WILDCAT top-k pooling, trust computed on the device)
 * with its loss and every gradient; and the same bits on a second run.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { buildNetwork } from '../../src/tensor/models/network.js';
import { tinyMinMaxEntropyConfig } from '../helpers/tiny-networks.js';
import { minMaxEntropyStep } from '../../src/methods/trainers/min-max-entropy.js';
import { oneHot } from '../../src/methods/losses.js';
import { measureLoss } from '../../src/training/loop.js';
import { assertParity, parityLosses } from '../helpers/training-parity.js';
import { webgpuOrSkip } from '../helpers/webgpu.js';
import { gpuErrorsDuringNode } from '../../src/tensor/backends/for-node.js';
import { flatProgram, type WebgpuBackendLike } from '../../src/tensor/backends/webgpu/programs.js';

let tf: typeof TfCore;

if (await webgpuOrSkip()) {
  before(async () => {
    tf = await initTensorBackend('webgpu');
    await import('@tensorflow/tfjs-backend-cpu');
  });

  test('a few training steps on webgpu match the cpu backend’s losses', async () => {
    const cpu = await parityLosses(tf, 'cpu', 5);
    const gpu = await parityLosses(tf, 'webgpu', 5);
    assertParity(cpu, gpu, 'webgpu', assert);
  });

  const config = tinyMinMaxEntropyConfig;

  /** One Min-Max Entropy step with erasing on `backend`: loss, parts and gradients by parameter name. */
  async function mmeStep(backend: string): Promise<{ loss: number; parts: Record<string, number>; grads: Record<string, Float32Array> }> {
    await tf.setBackend(backend);
    const net = buildNetwork(tf, config, 3);
    const x = tf.randomUniform([6, 16, 16, 1], 0, 1, 'float32', 4) as TfCore.Tensor4D;
    const labels = [0, 1, 2, 0, 1, 2];
    const y = oneHot(tf, labels, 3);
    const r = await minMaxEntropyStep(tf, net, x, y, labels, { erasingDepth: 2, sigma: 10, omega: 8, sigmaPrime: 0.5 }, (lossOf) => measureLoss(tf, lossOf));
    const nameOf = new Map(net.params.names().map((n) => [net.params.get(n).name, n]));
    const grads: Record<string, Float32Array> = {};
    for (const [id, g] of Object.entries(r.grads)) {
      grads[nameOf.get(id)!] = (await g.data()) as Float32Array;
      g.dispose();
    }
    x.dispose();
    y.dispose();
    net.dispose();
    return { loss: r.loss, parts: r.parts, grads };
  }

  test('a Min-Max Entropy step (erasing, WILDCAT, trust on the device) on webgpu matches cpu, and repeats bit for bit', async () => {
    const cpu = await mmeStep('cpu');
    const gpu = await mmeStep('webgpu');
    assert.ok(Math.abs(cpu.loss - gpu.loss) < 1e-4 * Math.max(1, Math.abs(cpu.loss)), `loss cpu ${cpu.loss} webgpu ${gpu.loss}`);
    assert.deepEqual(Object.keys(gpu.grads).sort(), Object.keys(cpu.grads).sort());
    assert.equal(gpu.parts.erasingSteps, cpu.parts.erasingSteps, 'the same samples keep their trust');
    for (const [name, expected] of Object.entries(cpu.grads)) {
      const actual = gpu.grads[name]!;
      let diff = 0;
      let scale = 1e-6;
      for (let i = 0; i < expected.length; i++) {
        diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
        scale = Math.max(scale, Math.abs(expected[i]!));
      }
      assert.ok(diff / scale < 1e-3, `${name}: relative error ${(diff / scale).toExponential(2)}`);
    }
    const again = await mmeStep('webgpu');
    assert.equal(again.loss, gpu.loss);
    for (const [name, g] of Object.entries(gpu.grads)) assert.deepEqual(again.grads[name], g, `${name}: the same bits`);
  });

  test('a kernel whose shader does not compile is caught: the node fails instead of keeping the zeros it left', async () => {
    assert.equal(await gpuErrorsDuringNode(), undefined, 'nothing before');
    const x = tf.randomUniform([2000]);
    const backend = tf.backend() as unknown as WebgpuBackendLike;
    const broken = flatProgram([2000], ['A'], '', 'wsolTestBroken', 'fn main(index : i32) { setOutputAtIndex(index, A[index] + true); }');
    const out = backend.runWebGPUProgram(broken, [x], 'float32', []);
    const values = await tf.engine().makeTensorFromTensorInfo(out).data();
    assert.ok(
      values.every((v) => v === 0),
      'the output is left as zeros',
    );
    const problem = await gpuErrorsDuringNode();
    assert.match(problem?.message ?? '', /the GPU rejected \d+ operation\(s\) during this node \(first: .*WGSL/);
    assert.match(problem?.hint ?? '', /--backend wasm/);
    x.dispose();
  });
}
