import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { activeKernelModule, initTensorBackend } from '../../src/tensor/backends/init.js';
import { referenceModel } from '../../src/tensor/models/reference.js';

/** Losses of `steps` SGD-momentum steps of the reference model from fixed weights on one backend. */
async function losses(tf: typeof TfCore, backend: string, steps: number): Promise<number[]> {
  await tf.setBackend(backend);
  const tfl = await import('@tensorflow/tfjs-layers');
  const model = referenceModel(tfl, 4, 16);
  // Identical starting weights on both backends: a fixed function of the index.
  model.setWeights(model.getWeights().map((w) => tf.tidy(() => tf.reshape(tf.mul(tf.sin(tf.add(tf.range(0, w.size), w.size)), 0.2), w.shape))));
  const x = tf.tidy(() => tf.reshape(tf.sin(tf.range(0, 4 * 16 * 16 * 3)), [4, 16, 16, 3]));
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4), 'float32'));
  const opt = tf.train.momentum(0.05, 0.9);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as TfCore.Tensor) as TfCore.Scalar, true)!;
    out.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  model.dispose();
  return out;
}

test('a few training steps on wasm match the cpu backend’s losses', async () => {
  process.env.WSOL_RUN_KERNEL_CHECKS = '1';
  const tf = await initTensorBackend('wasm');
  await import('@tensorflow/tfjs-backend-cpu');
  const cpu = await losses(tf, 'cpu', 5);
  const wasm = await losses(tf, 'wasm', 5);
  for (let i = 0; i < cpu.length; i++)
    assert.ok(Math.abs(cpu[i]! - wasm[i]!) < 1e-4 * Math.max(1, Math.abs(cpu[i]!)), `step ${i}: cpu ${cpu[i]} wasm ${wasm[i]}`);
  assert.ok(wasm.at(-1)! < wasm[0]!, `training lowers the loss: ${wasm.join(', ')}`);
  const m = activeKernelModule();
  assert.ok(m && !m.failed, 'the kernel module ran every step (no failover to the previous kernels)');
  await tf.setBackend('wasm');
});
