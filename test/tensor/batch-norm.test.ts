import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { BatchNorm, normalise } from '../../src/tensor/nn/batch-norm.js';
import { Conv2d } from '../../src/tensor/nn/layers.js';
import { ParamStore } from '../../src/tensor/nn/params.js';

test("training batch norm by broadcasting ops has tf.batchNorm's values and gradients (x through the batch moments, gamma, beta)", async () => {
  const tf = await initTensorBackend('wasm');
  const x = tf.tidy(() => tf.add(tf.mul(tf.sin(tf.reshape(tf.range(0, 2 * 5 * 3 * 4), [2, 5, 3, 4])), 2), 0.5) as TfCore.Tensor4D);
  const gamma = tf.tensor1d([1.5, 0.5, -1, 2]);
  const beta = tf.tensor1d([0.1, -0.2, 0.3, 0]);
  const weights = tf.tidy(() => tf.cos(tf.reshape(tf.range(0, 2 * 5 * 3 * 4), [2, 5, 3, 4])));
  const loss =
    (bn: (a: TfCore.Tensor, m: TfCore.Tensor, v: TfCore.Tensor, g: TfCore.Tensor, b: TfCore.Tensor) => TfCore.Tensor) =>
    (a: TfCore.Tensor, g: TfCore.Tensor, b: TfCore.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.sum(tf.mul(bn(a, mean, variance, g, b), weights)) as TfCore.Scalar;
    };
  const ours = loss((a, m, v, g, b) => normalise(tf, a, m, v, g, b, 1e-3));
  const fused = loss((a, m, v, g, b) => tf.batchNorm(a as TfCore.Tensor4D, m, v, b, g, 1e-3));
  const close = (p: TfCore.Tensor, q: TfCore.Tensor, what: string): void => {
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]!);
    const s = tf.tidy(() => tf.max(tf.abs(q)).dataSync()[0]!);
    assert.ok(d <= 1e-5 * Math.max(1, s), `${what}: max difference ${d} (scale ${s})`);
  };
  close(ours(x, gamma, beta), fused(x, gamma, beta), 'value');
  const g1 = tf.grads(ours)([x, gamma, beta]);
  const g2 = tf.grads(fused)([x, gamma, beta]);
  ['x', 'gamma', 'beta'].forEach((name, i) => close(g1[i]!, g2[i]!, `d/d${name}`));
});

test('in inference a batch norm after a convolution folds into it: same output as the convolution then the batch norm, ReLU or not', async () => {
  const tf = await initTensorBackend('wasm');
  const store = new ParamStore(tf, 3);
  const conv = new Conv2d(tf, store, 'c', { inChannels: 5, filters: 7, kernel: 3, stride: 2 });
  const bn = new BatchNorm(tf, store, 'c_bn', 7, 0.9, 1e-3);
  tf.tidy(() => {
    // Running statistics and affine parameters away from their initial 0 / 1, and a conv bias.
    bn.movingMean.assign(tf.randomNormal([7], 0.5, 1, 'float32', 4));
    bn.movingVariance.assign(tf.randomUniform([7], 0.2, 3, 'float32', 5));
    bn.gamma.assign(tf.randomNormal([7], 1, 0.5, 'float32', 6));
    bn.beta.assign(tf.randomNormal([7], 0, 0.5, 'float32', 7));
    conv.bias!.assign(tf.randomNormal([7], 0, 0.5, 'float32', 8));
  });
  const x = tf.randomNormal([2, 11, 9, 5], 0, 1, 'float32', 9);
  for (const activation of ['linear', 'relu'] as const) {
    const folded = bn.afterConv(conv, x, false, activation);
    const unfolded = bn.apply(conv.apply(x), false, activation);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(folded, unfolded))).dataSync()[0]!);
    const s = tf.tidy(() => tf.max(tf.abs(unfolded)).dataSync()[0]!);
    assert.ok(s > 0.5, 'a non-trivial output');
    assert.ok(d <= 1e-5 * s, `${activation}: max difference ${d} (scale ${s})`);
  }
});

test("the layer reading the network input trains with tfjs's exact gradients and computes no input gradient", async () => {
  const tf = await initTensorBackend('wasm');
  const store = new ParamStore(tf, 5);
  const x = tf.randomNormal([2, 13, 11, 3], 0, 1, 'float32', 10);
  const weights = tf.randomNormal([2, 7, 6, 8], 0, 1, 'float32', 11);
  for (const bias of [false, true]) {
    const conv = new Conv2d(tf, store, `stem${bias}`, { inChannels: 3, filters: 8, kernel: 3, stride: 2, bias });
    const bn = new BatchNorm(tf, store, `stem${bias}_bn`, 8, 0.9, 1e-3);
    const vars = [conv.kernel, ...(conv.bias ? [conv.bias] : []), bn.gamma, bn.beta];
    const step = async (readsInput: boolean): Promise<{ grads: Uint32Array[]; kernels: string[] }> => {
      let grads: Uint32Array[] = [];
      const profile = await tf.profile(() => {
        const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.mul(bn.afterConv(conv, x, true, 'relu', readsInput), weights)) as TfCore.Scalar, vars);
        grads = vars.map((v) => new Uint32Array((g[v.name]!.dataSync() as Float32Array).slice().buffer));
        value.dispose();
        for (const t of Object.values(g)) t.dispose();
      });
      return { grads, kernels: profile.kernelNames };
    };
    const plain = await step(false);
    const input = await step(true);
    plain.grads.forEach((g, i) => assert.deepEqual(input.grads[i], g, `bias ${bias}: gradient ${i} has other bits`));
    const count = (ks: string[]): number => ks.filter((k) => k === 'Conv2DBackpropInput').length;
    assert.equal(count(plain.kernels), 1, 'the fused convolution computes its input gradient');
    assert.equal(count(input.kernels), 0, 'the input layer does not');
  }
});
