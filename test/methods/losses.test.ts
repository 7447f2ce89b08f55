import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import {
  crossEntropy,
  oneHot,
  selfTransferLoss,
  semanticToleranceLoss,
  smoothL1,
  stlAlpha,
  trueClassInTopK,
  visualStimuliLoss,
} from '../../src/methods/losses.js';
import { applyVst, invertVstMaps, type VstDraw } from '../../src/methods/vst.js';

const close = (a: number, b: number, tol = 1e-5): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const scalar = (t: TfCore.Tensor): number => t.dataSync()[0]!;

// CE of logits (1,2,3) for class 2 = log(1 + e^-1 + e^-2); for class 0 = 2 + that.
const CE_TOP = Math.log(1 + Math.exp(-1) + Math.exp(-2));
const CE_LAST = 2 + CE_TOP;

test('cross-entropy and the semantic-tolerance loss match hand-computed values', async () => {
  const tf = await initTensorBackend('wasm');
  const logits = tf.tensor2d([
    [1, 2, 3],
    [3, 2, 1],
  ]);
  const y = oneHot(tf, [2, 2], 3);
  close(scalar(crossEntropy(tf, logits, y)), (CE_TOP + CE_LAST) / 2);
  assert.deepEqual(Array.from(trueClassInTopK(tf, logits, y, 1).dataSync()), [1, 0]);
  assert.deepEqual(Array.from(trueClassInTopK(tf, logits, y, 3).dataSync()), [1, 1]);
  // K = 1: only the first example is tolerated (×α).
  close(scalar(semanticToleranceLoss(tf, logits, y, 0.4, 1)), (0.4 * CE_TOP + CE_LAST) / 2);
  // K = 3: both are.
  close(scalar(semanticToleranceLoss(tf, logits, y, 0.4, 3)), (0.4 * (CE_TOP + CE_LAST)) / 2);
  // α = 1, K = 1 is plain cross-entropy.
  close(scalar(semanticToleranceLoss(tf, logits, y, 1, 1)), scalar(crossEntropy(tf, logits, y)));
});

test('the semantic-tolerance gradient matches finite differences', async () => {
  const tf = await initTensorBackend('wasm');
  const values = [0.3, -1.2, 0.8, 1.5, 0.1, -0.4];
  const y = oneHot(tf, [0, 2], 3);
  const f = (v: number[]): number => scalar(semanticToleranceLoss(tf, tf.tensor2d(v, [2, 3]), y, 0.4, 2));
  const g = tf
    .grad((l: TfCore.Tensor) => semanticToleranceLoss(tf, l, y, 0.4, 2))(tf.tensor2d(values, [2, 3]))
    .dataSync();
  const h = 1e-2;
  values.forEach((_, i) => {
    const plus = [...values];
    const minus = [...values];
    plus[i]! += h;
    minus[i]! -= h;
    close(g[i]!, (f(plus) - f(minus)) / (2 * h), 2e-3);
  });
});

test('STL loss mixes the two branches by α; α schedules step and ramp', async () => {
  const tf = await initTensorBackend('wasm');
  const loc = tf.tensor2d([[1, 2, 3]]);
  const cls = tf.tensor2d([[3, 2, 1]]);
  const y = oneHot(tf, [2], 3);
  close(scalar(selfTransferLoss(tf, loc, cls, y, 0.25)), 0.75 * CE_LAST + 0.25 * CE_TOP);
  close(scalar(selfTransferLoss(tf, loc, undefined, y, 0.25)), CE_TOP);
  assert.equal(stlAlpha('step', 0.1, 0.9, 0.5, 0.49), 0.1);
  assert.equal(stlAlpha('step', 0.1, 0.9, 0.5, 0.5), 0.9);
  close(stlAlpha('linear', 0.1, 0.9, 0.5, 0.25), 0.3);
});

test('VST loss is the squared difference summed over pixels and classes, over W·H', async () => {
  const tf = await initTensorBackend('wasm');
  const a = tf.ones([2, 2, 2, 3]);
  const b = tf.zeros([2, 2, 2, 3]);
  close(scalar(visualStimuliLoss(tf, a, b)), 3); // 12 squared ones per example / 4 pixels
  const valid = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
  close(scalar(visualStimuliLoss(tf, a, b, valid)), 1.5);
});

test('smooth-L1: quadratic below 1, linear above', async () => {
  const tf = await initTensorBackend('wasm');
  close(scalar(smoothL1(tf, tf.zeros([1, 4]), tf.tensor2d([[0.5, 2, 0, -3]]))), 0.125 + 1.5 + 0 + 2.5);
});

test('the VST inverse undoes the flip exactly, and a scale on aligned pixel centres (affine maps come back exactly inside the border)', async () => {
  const tf = await initTensorBackend('wasm');
  const map = tf.tensor4d(
    Array.from({ length: 2 * 4 * 4 * 2 }, (_, i) => (Math.sin(i) + 1) / 2),
    [2, 4, 4, 2],
  );
  const flipOnly: VstDraw = { flip: true, size: [4, 4], brightness: [1, 1], contrast: [1, 1], saturation: [1, 1], hue: [0, 0] };
  const flipped = applyVst(tf, map, flipOnly);
  close(tf.max(tf.abs(tf.sub(invertVstMaps(tf, flipped, flipOnly, 4, 4), map))).dataSync()[0]!, 0, 1e-6);
  // Flip then 2x: bilinear resampling smooths a general map, but an affine one (here 0.1 + 0.05·x + 0.02·y) returns exactly away from the border.
  const side = 6;
  const affine = tf.tensor4d(
    Array.from({ length: side * side }, (_, k) => 0.1 + 0.05 * (k % side) + 0.02 * Math.floor(k / side)),
    [1, side, side, 1],
  );
  const scaled: VstDraw = { flip: true, size: [12, 12], brightness: [1], contrast: [1], saturation: [1], hue: [0] };
  const transformed = applyVst(tf, affine, scaled);
  assert.deepEqual(transformed.shape, [1, 12, 12, 1]);
  const back = invertVstMaps(tf, transformed, scaled, side, side).dataSync();
  const original = affine.dataSync();
  for (let y = 1; y < side - 1; y++) for (let x = 1; x < side - 1; x++) close(back[y * side + x]!, original[y * side + x]!, 1e-5);
});

test('the normalised VST loss ignores map scale and is 0 for identical directions', async () => {
  const tf = await initTensorBackend('wasm');
  const { normalizedVisualStimuliLoss } = await import('../../src/methods/losses.js');
  const a = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  close(scalar(normalizedVisualStimuliLoss(tf, a, tf.mul(a, 5))), 0);
  // Orthogonal unit directions: |u - v|² = 2.
  close(scalar(normalizedVisualStimuliLoss(tf, tf.tensor4d([1, 0, 0, 0], [1, 2, 2, 1]), tf.tensor4d([0, 3, 0, 0], [1, 2, 2, 1]))), 2);
});
