import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { resampleBilinear, samplingMatrix } from '../../src/methods/resample.js';
import { resizeBilinear } from '../../src/evaluation/resize.js';
import { invertVstMaps, type VstDraw } from '../../src/methods/vst.js';
import { visualStimuliLoss } from '../../src/methods/losses.js';
import { rng } from '../../src/core/random.js';

test('sampling matrices are stochastic: each row sums to 1', () => {
  for (const [n, m] of [
    [8, 6],
    [6, 8],
    [5, 5],
    [7, 3],
  ] as const) {
    const a = samplingMatrix(n, m);
    for (let i = 0; i < m; i++) assert.ok(Math.abs(a.subarray(i * n, (i + 1) * n).reduce((s, v) => s + v, 0) - 1) < 1e-6);
  }
});

test('tensor resampling equals the pixel-centre bilinear resize of the evaluation library (OpenCV INTER_LINEAR convention)', async () => {
  const tf = await initTensorBackend('wasm');
  const r = rng(3, 'resample');
  for (const [h, w, oh, ow] of [
    [8, 8, 6, 6],
    [8, 8, 10, 10],
    [6, 9, 8, 5],
    [5, 7, 5, 11],
  ] as const) {
    const values = Float32Array.from({ length: h * w }, () => r.next());
    const out = tf.tidy(() => resampleBilinear(tf, tf.tensor4d(values, [1, h, w, 1]), [oh, ow]).dataSync());
    const reference = resizeBilinear(values, w, h, ow, oh);
    let worst = 0;
    for (let k = 0; k < reference.length; k++) worst = Math.max(worst, Math.abs(out[k]! - reference[k]!));
    assert.ok(worst < 1e-5, `${h}x${w} -> ${oh}x${ow}: ${worst}`);
  }
});

/** Centroid (x) of a map. */
function centroidX(values: ArrayLike<number>, width: number): number {
  let s = 0;
  let sx = 0;
  for (let k = 0; k < values.length; k++) {
    s += values[k]!;
    sx += values[k]! * ((k % width) + 0.5);
  }
  return sx / s;
}

test('a resampled map stays on its cells: a blob at x scales to x * m / n (tf.image.resizeBilinear without half-pixel centres does not)', async () => {
  const tf = await initTensorBackend('wasm');
  const side = 16;
  const blob = Float32Array.from({ length: side * side }, (_, k) => Math.exp(-(((k % side) + 0.5 - 11) ** 2 + (Math.floor(k / side) + 0.5 - 6) ** 2) / 4));
  const x = tf.tensor4d(blob, [1, side, side, 1]);
  const expected = (centroidX(blob, side) * 12) / side;
  const ours = tf.tidy(() => resampleBilinear(tf, x, [12, 12]).dataSync());
  const tfjs = tf.tidy(() => tf.image.resizeBilinear(x, [12, 12]).dataSync());
  const errOurs = Math.abs(centroidX(ours, 12) - expected);
  const errTfjs = Math.abs(centroidX(tfjs, 12) - expected);
  assert.ok(errOurs < 0.05, `ours is ${errOurs} px off`);
  assert.ok(errTfjs > 0.1 && errTfjs > 3 * errOurs, `tfjs's corner-aligned resize is only ${errTfjs} px off (the reason for this module)`);
  x.dispose();
});

test('the VST loss through the inverse transform has the gradient finite differences give (not only the same as on cpu)', async () => {
  const tf = await initTensorBackend('wasm');
  const r = rng(5, 'vst-fd');
  const [n, h, w, c] = [2, 6, 6, 3];
  const original = tf.tensor4d(
    Float32Array.from({ length: n * h * w * c }, () => r.next()),
    [n, h, w, c],
  );
  const moved = Float32Array.from({ length: n * 8 * 8 * c }, () => r.next());
  const draw: VstDraw = { flip: true, size: [8, 8], brightness: [1, 1], contrast: [1, 1], saturation: [1, 1], hue: [0, 0] };
  const loss = (m: TfCore.Tensor): TfCore.Scalar => visualStimuliLoss(tf, original, invertVstMaps(tf, m as TfCore.Tensor4D, draw, h, w), undefined, 'mean');
  const at = (values: Float32Array): number => tf.tidy(() => loss(tf.tensor4d(values, [n, 8, 8, c])).dataSync()[0]!);
  const grad = tf.tidy(() =>
    tf
      .grad(loss)(tf.tensor4d(moved, [n, 8, 8, c]))
      .dataSync(),
  );
  // The loss is quadratic in the map: central differences are exact up to rounding.
  const eps = 0.05;
  for (const k of [0, 7, 100, 250, n * 8 * 8 * c - 1]) {
    const plus = Float32Array.from(moved);
    const minus = Float32Array.from(moved);
    plus[k]! += eps;
    minus[k]! -= eps;
    const numeric = (at(plus) - at(minus)) / (2 * eps);
    assert.ok(Math.abs(numeric - grad[k]!) <= 1e-3 * Math.max(1e-3, Math.abs(numeric)) + 2e-5, `entry ${k}: analytic ${grad[k]}, numeric ${numeric}`);
  }
  original.dispose();
});
