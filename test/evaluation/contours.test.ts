import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { boundingRect, contourArea, findContours } from '../../src/evaluation/contours.js';
import { boxesFromScoremap } from '../../src/evaluation/box-extraction.js';
import { rng } from '../helpers/random-maps.js';
import { cvContours, opencv } from './oracle.js';

const TAUS = [0, 0.2, 0.4, 0.6, 0.8];

test('spec vectors: boxes of the all-zero 3x3 map are (0,0,0,0) at every τ', () => {
  for (const tau of TAUS) assert.deepEqual(boxesFromScoremap(new Float32Array(9), 3, 3, tau, 'single'), [[0, 0, 0, 0]]);
});

test('spec vectors: an all-NaN map is an error', () => {
  for (const tau of TAUS) assert.throws(() => boxesFromScoremap(new Float32Array(9).fill(NaN), 3, 3, tau, 'single'), /NaN/);
});

test('spec vectors: unimodal map, single-box mode', () => {
  // prettier-ignore
  const map = Float32Array.from([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.4, 0.4, 0.4, 0.6, 0.0, 0.4, 1.0, 0.8, 0.6, 0.0, 0.4, 0.4, 0.4, 0.6]);
  const expected = [
    [1, 1, 4, 3],
    [1, 1, 4, 3],
    [2, 1, 4, 3],
    [2, 2, 4, 3],
    [2, 2, 3, 3],
  ];
  TAUS.forEach((tau, k) => assert.deepEqual(boxesFromScoremap(map, 5, 4, tau, 'single'), [expected[k]], `τ=${tau}`));
});

test('spec vectors: multimodal map, single-box mode, with both traps', () => {
  // prettier-ignore
  const map = Float32Array.from([0.4, 0.0, 0.2, 0.2, 0.2, 0.4, 0.4, 0.0, 0.4, 0.0, 0.0, 0.0, 0.0, 0.4, 0.0, 1.0, 0.6, 0.8, 0.2, 0.2]);
  const expected = [
    [0, 0, 4, 3],
    [0, 0, 2, 2],
    [0, 3, 3, 3],
    [2, 3, 3, 3],
    [0, 3, 1, 3],
  ];
  TAUS.forEach((tau, k) => assert.deepEqual(boxesFromScoremap(map, 5, 4, tau, 'single'), [expected[k]], `τ=${tau}`));
  // τ=0.2: the 3-pixel L (area 0.5) beats the 5-pixel diagonal chain (area 0); multi-box keeps both.
  const at02 = boxesFromScoremap(map, 5, 4, 0.2, 'multi');
  assert.deepEqual(at02, [
    [0, 1, 4, 3],
    [0, 0, 2, 2],
  ]);
  // τ=0.6: two single pixels tie at area 0; OpenCV lists the later-found one first and it wins.
  assert.deepEqual(boxesFromScoremap(map, 5, 4, 0.6, 'multi'), [
    [2, 3, 3, 3],
    [0, 3, 1, 3],
  ]);
});

test('contour area is the shoelace area of the simplified polygon, not the pixel count', () => {
  const chain = findContours(Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3, 3);
  assert.equal(chain.length, 1);
  assert.equal(contourArea(chain[0]!.points), 0);
  const square = findContours(Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]), 3, 3);
  assert.deepEqual(
    square.map((c) => [c.isHole, contourArea(c.points), boundingRect(c.points), c.parent]),
    [
      [false, 4, [0, 0, 3, 3], -1],
      [true, 2, [0, 0, 3, 3], 0],
    ],
  );
});

test('contours, areas, rectangles, hierarchy and order equal OpenCV 4.5.2 on random binary images', async () => {
  const { cv } = await opencv();
  const rand = rng(5);
  const check = (bin: Uint8Array, w: number, h: number): void => {
    const ref = cvContours(cv, bin, w, h);
    const mine = findContours(bin, w, h);
    assert.deepEqual(
      mine.map((c) => ({ points: Array.from(c.points), area: contourArea(c.points), rect: boundingRect(c.points), parent: c.parent })),
      ref,
      `image ${w}x${h}: ${Array.from(bin).join('')}`,
    );
  };
  // Sparse to dense noise, including images with more than 126 contours (OpenCV's mark values wrap).
  for (let t = 0; t < 300; t++) {
    const w = 1 + Math.floor(rand() * 24),
      h = 1 + Math.floor(rand() * 24),
      p = rand();
    check(
      Uint8Array.from({ length: w * h }, () => (rand() < p ? 1 : 0)),
      w,
      h,
    );
  }
  for (let t = 0; t < 5; t++)
    check(
      Uint8Array.from({ length: 60 * 60 }, () => (rand() < 0.5 ? 1 : 0)),
      60,
      60,
    );
  // Nested rings (holes with islands with holes).
  const ring = (n: number): Uint8Array =>
    Uint8Array.from({ length: n * n }, (_, i) => (Math.min(i % n, Math.floor(i / n), n - 1 - (i % n), n - 1 - Math.floor(i / n)) % 2 === 0 ? 1 : 0));
  for (const n of [5, 9, 13]) check(ring(n), n, n);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.array(fc.boolean(), { minLength: 81, maxLength: 81 }), (w, h, bits) => {
      check(Uint8Array.from(bits.slice(0, w * h), Number), w, h);
    }),
    { numRuns: 150 },
  );
});
