import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cubicWeights, resizeBicubic, resizeBilinear } from '../../src/evaluation/resize.js';
import { checkScoremap, normalizeScoremap, prepareScoremap, quantizeScoremap, quantizedLevel, thresholdList } from '../../src/evaluation/scoremap.js';
import { rng } from '../helpers/random-maps.js';
import { cvResizeCubic, opencv } from './oracle.js';

test('bicubic resize is bit-identical to OpenCV INTER_CUBIC on random float32 maps (up, down, odd ratios)', async () => {
  const { cv } = await opencv();
  const rand = rng(11);
  for (let t = 0; t < 150; t++) {
    const w = 1 + Math.floor(rand() * 20),
      h = 1 + Math.floor(rand() * 20);
    const ow = 1 + Math.floor(rand() * 40),
      oh = 1 + Math.floor(rand() * 40);
    const map = Float32Array.from({ length: w * h }, () => rand() * 10 - 3);
    assert.deepEqual(resizeBicubic(map, w, h, ow, oh), cvResizeCubic(cv, map, w, h, ow, oh), `${w}x${h} -> ${ow}x${oh}`);
  }
  // The size CAM maps usually have: 7x7 and 14x14 up to 224x224.
  for (const side of [7, 14, 28]) {
    const map = Float32Array.from({ length: side * side }, () => rand());
    assert.deepEqual(resizeBicubic(map, side, side, 224, 224), cvResizeCubic(cv, map, side, side, 224, 224));
  }
});

test('cubic weights: a = -0.75, sum to 1, interpolate at integer offsets', () => {
  assert.deepEqual(cubicWeights(0), [0, 1, 0, 0]);
  const w = cubicWeights(0.5);
  assert.equal(w[0], -0.09375);
  assert.equal(w[1], 0.59375);
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  // Same size: a copy, as cv2.resize does.
  const m = Float32Array.from([1, 2, 3, 4]);
  assert.deepEqual(resizeBicubic(m, 2, 2, 2, 2), m);
  assert.deepEqual(resizeBilinear(Float32Array.from([0, 1]), 2, 1, 4, 1), Float32Array.from([0, 0.25, 0.75, 1]));
});

test('normalisation: min-max to [0, 1]; a NaN map or a constant map becomes all zeros', () => {
  assert.deepEqual(normalizeScoremap(Float32Array.from([2, 4, 6])), Float32Array.from([0, 0.5, 1]));
  assert.deepEqual(normalizeScoremap(Float32Array.from([3, 3])), Float32Array.from([0, 0]));
  assert.deepEqual(normalizeScoremap(Float32Array.from([1, NaN, 2])), Float32Array.from([0, 0, 0]));
  const p = prepareScoremap(Float32Array.from([0, 1, 2, 3]), 2, 2, 4, 4);
  assert.equal(Math.min(...p), 0);
  assert.equal(Math.max(...p), 1);
});

test('an evaluated map that is not finite, outside [0, 1] or of the wrong size is an error', () => {
  assert.throws(() => checkScoremap(Float32Array.from([0, NaN]), 2, 1, 'map of cat.jpg'), /map of cat.jpg has NaN at \(x=1, y=0\)/);
  assert.throws(() => checkScoremap(Float32Array.from([0, 1.5]), 2, 1), /1.5 at \(x=1, y=0\), outside \[0, 1\]/);
  assert.throws(() => checkScoremap(Float32Array.from([0, -0.1]), 2, 1), /outside \[0, 1\]/);
  assert.throws(() => checkScoremap(Float32Array.from([0, 1, 0]), 2, 1), /3 values, expected 1x2/);
  assert.doesNotThrow(() => checkScoremap(Float32Array.from([0, 1]), 2, 1));
});

test('quantisation and thresholds follow numpy: uint8(floor(float32(v * 255))), arange(0, 1, step), int(τ * max)', () => {
  assert.deepEqual(quantizeScoremap(Float32Array.from([0, 0.4, 0.6, 0.8, 1])), Uint8Array.from([0, 102, 153, 204, 255]));
  const t = thresholdList(0.01);
  assert.equal(t.length, 100);
  assert.equal(t[0], 0);
  assert.equal(t[29], 29 * 0.01); // i * step in double, as numpy's arange fills it
  assert.equal(thresholdList(0.001).length, 1000);
  assert.equal(quantizedLevel(0.2, 255), 51);
  // Floating point as the reference has it: int(0.29 * 100) is 28.
  assert.equal(quantizedLevel(t[29]!, 100), 28);
  assert.throws(() => thresholdList(0), /step/);
});
