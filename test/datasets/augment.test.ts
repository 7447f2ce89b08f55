import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { COLOUR_OPS, IDENTITY, forward, forwardMatrices, inverse, inverseMatrices, jitterColour, keptMask, sampleAugmentation, type SpatialTransform } from '../../src/image/augment.js';
import { rng } from '../../src/image/random.js';
import type { Raster } from '../../src/image/raster.js';

const W = 20;
const H = 14;

function randomMap(seed: number, w = W, h = H): Raster<Float32Array> {
  const r = rng(seed, 'map');
  return { width: w, height: h, channels: 1, data: Float32Array.from({ length: w * h }, () => r.next()) };
}

/** Transforms that never shrink content: crops inside the image no larger than the output (zoom >= 1), optional flip. */
const zoomIn = fc.record({
  zx: fc.double({ min: 1.01, max: 3, noNaN: true }),
  zy: fc.double({ min: 1.01, max: 3, noNaN: true }),
  fx: fc.double({ min: 0, max: 1, noNaN: true }),
  fy: fc.double({ min: 0, max: 1, noNaN: true }),
  flip: fc.boolean(),
}).map(({ zx, zy, fx, fy, flip }): SpatialTransform => {
  const width = 1 / zx;
  const height = 1 / zy;
  return { crop: { x: fx * (1 - width), y: fy * (1 - height), width, height }, flip };
});

test('nearest: inverse(forward(map)) equals map exactly wherever the transform kept content (zoom >= 1, flips)', () => {
  fc.assert(
    fc.property(zoomIn, fc.nat(1000), (t, seed) => {
      const map = randomMap(seed);
      const back = inverse(forward(map, t, W, H, { interpolation: 'nearest' }), t, W, H, { interpolation: 'nearest' });
      const kept = keptMask(t, W, H);
      let keptCount = 0;
      for (let i = 0; i < W * H; i++) {
        if (!kept[i]) {
          if (back.data[i] !== 0) return false;
          continue;
        }
        keptCount++;
        if (back.data[i] !== map.data[i]) return false;
      }
      return keptCount > 0;
    }),
    { numRuns: 200, seed: 7 },
  );
});

test('pixel-aligned crops and flips at scale 1 round-trip exactly with bilinear too, on any map', () => {
  const map = randomMap(1);
  for (const [dx, dy, flip] of [[0, 0, true], [3, 2, false], [5, 1, true]] as const) {
    // A crop of the input's own size, shifted by whole pixels: part of it is padding.
    const t: SpatialTransform = { crop: { x: dx / W, y: dy / H, width: 1, height: 1 }, flip };
    const back = inverse(forward(map, t, W, H), t, W, H);
    const kept = keptMask(t, W, H);
    assert.equal(kept.reduce((a, v) => a + v, 0), (W - dx) * (H - dy));
    for (let i = 0; i < W * H; i++) assert.equal(back.data[i], kept[i] ? map.data[i] : 0, `pixel ${i} of shift ${dx},${dy} flip ${flip}`);
  }
  const flipped = forward(map, { ...IDENTITY, flip: true }, W, H);
  assert.equal(flipped.data[0], map.data[W - 1]);
  assert.equal(flipped.data[W * 3 + 2], map.data[W * 3 + W - 3]);
});

test('bilinear: any transform (random resized crop, zoom in or out, flip) inverts an affine map away from borders', () => {
  const params = { randomResizedCrop: { scale: [0.3, 1] as [number, number], ratio: [0.75, 1.333] as [number, number] }, zoom: [0.6, 1.6] as [number, number], flip: 0.5 };
  // f(x, y) = 0.25 + 0.03 x - 0.02 y on the original grid.
  const f = (x: number, y: number): number => 0.25 + 0.03 * x - 0.02 * y;
  const map: Raster<Float32Array> = { width: W, height: H, channels: 1, data: Float32Array.from({ length: W * H }, (_, i) => f(i % W, Math.floor(i / W))) };
  let checked = 0;
  for (let k = 0; k < 60; k++) {
    const t = sampleAugmentation(params, { width: W, height: H }, rng(11, k)).spatial;
    const out = forward(map, t, 16, 12);
    const back = inverse(out, t, W, H);
    // Away from the borders: the pixel's position in the output, and the output pixels it reads, must
    // all be interpolations between input pixels (no clamping at an edge, no padding).
    const margin = Math.ceil(2 * Math.max(1, (t.crop.width * W) / 16, (t.crop.height * H) / 12)) + 1;
    for (let y = margin; y < H - margin; y++) {
      for (let x = margin; x < W - margin; x++) {
        const p = ((x + 0.5) / W - t.crop.x) / t.crop.width;
        const q = ((y + 0.5) / H - t.crop.y) / t.crop.height;
        const u = p * 16 - 0.5;
        const v = q * 12 - 0.5;
        if (u < 1 || u > 14 || v < 1 || v > 10) continue;
        const i = y * W + x;
        assert.ok(Math.abs(back.data[i]! - map.data[i]!) < 1e-5, `transform ${JSON.stringify(t)} pixel ${x},${y}: ${back.data[i]} vs ${map.data[i]}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `${checked} pixels checked`);
});

test('forward and inverse work across resolutions: a map at 1/4 of the image maps back like the image', () => {
  const t: SpatialTransform = { crop: { x: 0.25, y: 0, width: 0.5, height: 0.5 }, flip: true };
  const kept = keptMask(t, 8, 8);
  assert.deepEqual([...kept.slice(0, 8)], [0, 0, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual([...kept.slice(32, 40)], [0, 0, 0, 0, 0, 0, 0, 0]);
  // A 4x4 map of the transformed image whose columns are 0..3: mirrored, column 3 lands on the crop's left edge.
  const cam: Raster<Float32Array> = { width: 4, height: 4, channels: 1, data: Float32Array.from({ length: 16 }, (_, i) => i % 4) };
  const back = inverse(cam, t, 8, 8, { interpolation: 'nearest' });
  assert.deepEqual([...back.data.slice(0, 8)], [0, 0, 3, 2, 1, 0, 0, 0]);
});

test('the separable matrices reproduce forward() and inverse() exactly (the recipe for tensors)', () => {
  const image = randomMap(5);
  for (let k = 0; k < 10; k++) {
    const t = sampleAugmentation({ randomResizedCrop: { scale: [0.2, 1], ratio: [0.75, 1.33] }, zoom: [0.7, 1.4], flip: 0.5 }, { width: W, height: H }, rng(3, k)).spatial;
    for (const [fn, m, src, ow, oh] of [
      [forward, forwardMatrices(t, { width: W, height: H }, { width: 9, height: 7 }), image, 9, 7],
      [inverse, inverseMatrices(t, { width: W, height: H }, { width: 11, height: 6 }), image, 11, 6],
    ] as const) {
      const direct = fn(src, t, ow, oh).data;
      for (let v = 0; v < oh; v++) {
        for (let u = 0; u < ow; u++) {
          let s = 0;
          for (let i = 0; i < src.height; i++) for (let j = 0; j < src.width; j++) s += m.rows[v * src.height + i]! * m.cols[u * src.width + j]! * src.data[i * src.width + j]!;
          assert.ok(Math.abs(s - direct[v * ow + u]!) < 1e-5);
        }
      }
    }
  }
});

test('sampling is a pure function of the stream and follows the params', () => {
  const params = { randomResizedCrop: { scale: [0.08, 1] as [number, number], ratio: [0.75, 1.333] as [number, number] }, flip: 0.5, colourJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 } };
  const size = { width: 500, height: 375 };
  assert.deepEqual(sampleAugmentation(params, size, rng(1, 2)), sampleAugmentation(params, size, rng(1, 2)));
  let flips = 0;
  for (let k = 0; k < 400; k++) {
    const a = sampleAugmentation(params, size, rng(9, k));
    const { crop } = a.spatial;
    const area = crop.width * crop.height;
    assert.ok(crop.x >= 0 && crop.y >= 0 && crop.x + crop.width <= 1 + 1e-12 && crop.y + crop.height <= 1 + 1e-12);
    assert.ok(area <= 1 + 1e-12 && area >= 0.07, `area ${area}`);
    // Pixel-aligned, like torchvision.
    assert.ok(Math.abs(crop.x * 500 - Math.round(crop.x * 500)) < 1e-9);
    const c = a.colour!;
    assert.ok(c.brightness >= 0.6 && c.brightness <= 1.4 && Math.abs(c.hue) <= 0.1);
    assert.deepEqual([...c.order].sort(), [...COLOUR_OPS].sort());
    if (a.spatial.flip) flips++;
  }
  assert.ok(flips > 150 && flips < 250, `${flips} flips of 400`);
  assert.deepEqual(sampleAugmentation({}, size, rng(0)), { spatial: IDENTITY, colour: null });
});

test('colour jitter: neutral factors change nothing, brightness clamps, grey stays grey under saturation and hue', () => {
  const rgb = Float32Array.from([0.2, 0.4, 0.6, 0.9, 0.1, 0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(jitterColour(rgb, { brightness: 1, contrast: 1, saturation: 1, hue: 0, order: [...COLOUR_OPS] }), rgb);
  const bright = jitterColour(rgb, { brightness: 2, contrast: 1, saturation: 1, hue: 0, order: ['brightness'] });
  assert.deepEqual([...bright].map((v) => +v.toFixed(5)), [0.4, 0.8, 1, 1, 0.2, 1, 1, 1, 1]);
  const greyPixel = jitterColour(Float32Array.from([0.3, 0.3, 0.3]), { brightness: 1, contrast: 1, saturation: 0.2, hue: 0.3, order: ['saturation', 'hue'] });
  for (const v of greyPixel) assert.ok(Math.abs(v - 0.3) < 1e-6);
  const desaturated = jitterColour(rgb, { brightness: 1, contrast: 1, saturation: 0, hue: 0, order: ['saturation'] });
  assert.ok(Math.abs(desaturated[0]! - desaturated[2]!) < 1e-6);
  const noContrast = jitterColour(rgb, { brightness: 1, contrast: 0, saturation: 1, hue: 0, order: ['contrast'] });
  assert.ok(noContrast.every((v) => Math.abs(v - noContrast[0]!) < 1e-6), 'contrast 0 gives the mean grey everywhere');
  // Hue by a third of a turn: pure red becomes pure green; a full turn is the identity.
  const green = jitterColour(Float32Array.from([1, 0, 0]), { brightness: 1, contrast: 1, saturation: 1, hue: 1 / 3, order: ['hue'] });
  assert.deepEqual([...green].map((v) => +v.toFixed(5)), [0, 1, 0]);
  const back = jitterColour(jitterColour(rgb, { brightness: 1, contrast: 1, saturation: 1, hue: 0.25, order: ['hue'] }), { brightness: 1, contrast: 1, saturation: 1, hue: -0.25, order: ['hue'] });
  back.forEach((v, i) => assert.ok(Math.abs(v - rgb[i]!) < 1e-5));
});
