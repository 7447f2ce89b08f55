/**
 * Ground-truth masks reach PxAP through resizeNearest, which must read the
 * source pixels cv2.resize(..., interpolation=INTER_NEAREST) reads (the call
 * wsolevaluation makes). Checked against OpenCV 4.5.2 (the wasm oracle).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestSourceIndices, resizeNearest } from '../../src/image/raster.js';
import { rng } from '../helpers/random-maps.js';
import { cvResizeNearest, opencv } from './oracle.js';

/** The index map OpenCV uses along one axis: resize a row of 0..src-1 (exact in float32) to `dst` columns. */
function cvIndices(cv: Awaited<ReturnType<typeof opencv>>['cv'], src: number, dst: number, axis: 'x' | 'y'): Int32Array {
  const ramp = Float32Array.from({ length: src }, (_, i) => i);
  const out = axis === 'x' ? cvResizeNearest(cv, ramp, src, 1, dst, 1) : cvResizeNearest(cv, ramp, 1, src, 1, dst);
  return Int32Array.from(out);
}

test('nearest-neighbour index maps equal OpenCV INTER_NEAREST for every source size 1..1000 and several destination sizes', async () => {
  const { cv } = await opencv();
  const destinations = [224, 1, 7, 20, 64, 96, 100, 256, 448, 500];
  for (const dst of destinations) {
    for (let src = 1; src <= 1000; src++) {
      const ours = nearestSourceIndices(src, dst);
      assert.deepEqual(ours, cvIndices(cv, src, dst, 'x'), `width ${src} -> ${dst}`);
    }
  }
  // Rows go through the same arithmetic in OpenCV's row loop; a sample of heights confirms it.
  for (const src of [1, 2, 36, 58, 72, 102, 116, 333, 375, 497, 500, 600])
    assert.deepEqual(nearestSourceIndices(src, 224), cvIndices(cv, src, 224, 'y'), `height ${src}`);
});

test('the exact index is not floor(x * src / dst): 36 -> 224 reads column 26 at x = 168, as OpenCV does', async () => {
  const { cv } = await opencv();
  assert.equal(Math.floor((168 * 36) / 224), 27);
  assert.equal(nearestSourceIndices(36, 224)[168], 26);
  assert.equal(cvIndices(cv, 36, 224, 'x')[168], 26);
  // 72 -> 224 differs from the integer quotient at four columns.
  const quotient = Int32Array.from({ length: 224 }, (_, x) => Math.floor((x * 72) / 224));
  const differing = [...nearestSourceIndices(72, 224)].flatMap((v, x) => (v === quotient[x] ? [] : [x]));
  assert.deepEqual(differing, [84, 140, 168, 196]);
});

test('resized masks (uint8 0/255 and float32, as wsolevaluation reads them) are identical to OpenCV at dataset sizes', async () => {
  const { cv } = await opencv();
  const rand = rng(23);
  const sizes: [number, number][] = [
    [500, 333],
    [333, 500],
    [497, 375],
    [500, 375],
    [375, 500],
    [36, 72],
    [72, 36],
    [116, 58],
    [102, 116],
    [224, 224],
    [1, 1],
    [600, 1],
    [1, 600],
  ];
  for (const [w, h] of sizes) {
    // Salt-and-pepper masks: neighbouring pixels differ half the time, so any misread index shows.
    const bytes = Uint8Array.from({ length: w * h }, () => (rand() < 0.5 ? 255 : 0));
    const floats = Float32Array.from(bytes);
    for (const [ow, oh] of [
      [224, 224],
      [20, 20],
      [448, 448],
    ] as const) {
      const what = `${w}x${h} -> ${ow}x${oh}`;
      assert.deepEqual(
        resizeNearest({ width: w, height: h, channels: 1, data: bytes }, ow, oh).data,
        cvResizeNearest(cv, bytes, w, h, ow, oh),
        `uint8 ${what}`,
      );
      assert.deepEqual(
        resizeNearest({ width: w, height: h, channels: 1, data: floats }, ow, oh).data,
        cvResizeNearest(cv, floats, w, h, ow, oh),
        `float32 ${what}`,
      );
    }
  }
});
