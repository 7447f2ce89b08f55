import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diceScores, PixelAccumulator } from '../../src/evaluation/pixel-metrics.js';
import { numpySum } from '../../src/evaluation/numpy-sum.js';
import { thresholdList } from '../../src/evaluation/scoremap.js';

const T = thresholdList(0.01);

test('PxAP of a perfect map is 100', () => {
  const acc = new PixelAccumulator(T);
  const mask = Uint8Array.from([1, 1, 0, 0, 0, 1]);
  acc.add(Float32Array.from(mask), mask, null);
  assert.equal(acc.pxap(), 100);
  assert.deepEqual(acc.piou(), { value: 100, tau: 1 });
});

test('PxAP of a constant map is 100 * P / (P + N)', () => {
  for (const value of [0, 0.37, 0.5, 1]) {
    const acc = new PixelAccumulator(T);
    const mask = Uint8Array.from([1, 0, 0, 0, 1, 0, 0]);
    acc.add(new Float32Array(7).fill(value), mask, null);
    assert.equal(acc.pxap(), (2 / 7) * 100); // precision P/(P+N) times a recall step of 1, then x100
  }
});

test('ignored pixels leave PxAP, unless they are foreground', () => {
  const acc = new PixelAccumulator(T);
  // The background pixel scored 0.9 is ignored: the ranking becomes perfect.
  acc.add(Float32Array.from([0.8, 0.9, 0.1]), Uint8Array.from([1, 0, 0]), Uint8Array.from([1, 1, 0]));
  assert.equal(acc.pxap(), 100);
  const plain = new PixelAccumulator(T);
  plain.add(Float32Array.from([0.8, 0.9, 0.1]), Uint8Array.from([1, 0, 0]), null);
  assert.equal(plain.pxap(), 50);
});

test('histogram bins follow np.histogram edges exactly (left-closed, value 1 in [1, 2))', () => {
  const acc = new PixelAccumulator(T);
  assert.equal(acc.bin(0), 0);
  assert.equal(acc.bin(Math.fround(0.29)), 28); // 0.28999999 < 0.29
  assert.equal(acc.bin(0.29), 29);
  assert.equal(acc.bin(0.995), 99);
  assert.equal(acc.bin(1), 100);
});

test('add() puts every value in the bin np.histogram would (edges as doubles, steps 0.01 and 0.001)', () => {
  for (const step of [0.01, 0.001]) {
    const edges = thresholdList(step);
    fc.assert(
      fc.property(fc.float32Array({ minLength: 1, maxLength: 64, min: 0, max: 1, noNaN: true }), (values) => {
        const acc = new PixelAccumulator(edges);
        acc.add(values, new Uint8Array(values.length).fill(1), null);
        const expected = new Float64Array(edges.length + 2);
        // np.histogram: the last edge <= v (left-closed bins), 1.0 in [1, 2).
        for (const v of values) expected[v >= 1 ? edges.length : edges.findLastIndex((e) => e <= v)]++;
        assert.deepEqual(acc.histograms().positives, expected);
      }),
      { numRuns: 50 },
    );
  }
});

test('PxAP without a positive pixel, or without pixels, is an error', () => {
  const acc = new PixelAccumulator(T);
  assert.throws(() => acc.pxap(), /no foreground pixel/);
  acc.add(Float32Array.from([0.5]), Uint8Array.from([0]), null);
  assert.throws(() => acc.pxap(), /no foreground pixel/);
});

test("numpySum reproduces numpy's pairwise float64 summation", () => {
  // Values where the order of additions shows: 1e16 absorbs a lone 1.
  const xs = [1e16, 1, 1, 1, 1, 1, 1, 1, -1e16, 1];
  // numpy 2.x: np.array(xs).sum() == 7.0 (eight partial sums, then the tail); a plain loop gives 1.
  assert.equal(numpySum(xs), 7);
  assert.equal(numpySum([1, 2, 3]), 6);
  fc.assert(fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 300 }), (ints) => numpySum(ints) === ints.reduce((a, b) => a + b, 0)));
});

test('F1+ and F1- are per-image Dice scores of the foreground and of the background', () => {
  const d = diceScores(Float32Array.from([0.9, 0.6, 0.2, 0.1]), Uint8Array.from([1, 0, 1, 0]), null);
  assert.equal(d.f1Pos, 0.5);
  assert.equal(d.f1Neg, 0.5);
  assert.deepEqual(diceScores(Float32Array.from([0, 0]), Uint8Array.from([0, 0]), null), { f1Pos: 1, f1Neg: 1 });
  assert.deepEqual(diceScores(Float32Array.from([0.5, 0]), Uint8Array.from([1, 0]), null), { f1Pos: 1, f1Neg: 1 });
});

test('the pixel PR curve ends at recall 1 and PIoU is the best dataset-level IoU', () => {
  const acc = new PixelAccumulator(T);
  acc.add(Float32Array.from([0.9, 0.7, 0.3, 0.1]), Uint8Array.from([1, 0, 1, 0]), null);
  const c = acc.curve();
  assert.equal(c.recall.at(-1), 1);
  assert.equal(c.precision.at(-1), 0.5);
  assert.equal(c.precision[0], null);
  // At τ = 0.3: predicted {0.9, 0.7, 0.3}: tp 2, fp 1, fn 0.
  assert.deepEqual(acc.piou(), { value: (2 / 3) * 100, tau: T[30] });
});
