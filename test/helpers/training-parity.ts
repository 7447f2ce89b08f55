/** Losses of a few SGD-momentum steps of the reference model from fixed weights, on one backend: what the parity tests compare. */
import type * as TfCore from '@tensorflow/tfjs-core';
import { referenceModel } from '../../src/tensor/models/reference.js';

export async function parityLosses(tf: typeof TfCore, backend: string, steps: number): Promise<number[]> {
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
    out.push((await loss.data())[0]!);
    loss.dispose();
  }
  model.dispose();
  return out;
}

/** Asserts two loss sequences agree step by step (relative 1e-4), and that training lowered the loss. */
export function assertParity(reference: number[], tested: number[], name: string, assert: { ok(v: unknown, m?: string): void }): void {
  for (let i = 0; i < reference.length; i++)
    assert.ok(Math.abs(reference[i]! - tested[i]!) < 1e-4 * Math.max(1, Math.abs(reference[i]!)), `step ${i}: cpu ${reference[i]} ${name} ${tested[i]}`);
  assert.ok(tested.at(-1)! < tested[0]!, `training lowers the loss: ${tested.join(', ')}`);
}
