import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBmp, encodeBmp24, encodeBmp8, BmpError } from '../../src/image/bmp.js';
import { readImageResized, readLabelImage, encodePng } from '../../src/image/decode.js';
import { rng } from '../../src/core/random.js';
import { tempDir } from '../helpers/cli.js';

function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed, 'bytes');
  return Uint8Array.from({ length: n }, () => r.int(256));
}

test('24-bit BMP: bottom-up and top-down, every row-padding case, round-trips', () => {
  for (let width = 1; width <= 6; width++) {
    for (const topDown of [false, true]) {
      const rgb = randomBytes(width * 3 * 3, width);
      const bytes = encodeBmp24(width, 3, rgb, { topDown });
      assert.equal((bytes.length - 54) % 4, 0);
      const img = decodeBmp(bytes);
      assert.deepEqual([img.width, img.height, img.indices], [width, 3, null]);
      assert.deepEqual([...img.rgb], [...rgb], `width ${width} topDown ${topDown}`);
    }
  }
});

test('8-bit palette BMP: indices kept (GlaS gland numbers), colours looked up in the palette', () => {
  const palette = Uint8Array.from({ length: 256 * 3 }, (_, i) => (i * 7) % 256);
  for (const topDown of [false, true]) {
    const indices = randomBytes(5 * 4, 3);
    const img = decodeBmp(encodeBmp8(5, 4, indices, { topDown, palette }));
    assert.deepEqual([...img.indices!], [...indices]);
    for (let i = 0; i < 20; i++) assert.deepEqual([...img.rgb.subarray(3 * i, 3 * i + 3)], [...palette.subarray(3 * indices[i]!, 3 * indices[i]! + 3)]);
  }
});

/** A hand-built BMP with a given depth (1 or 4 bits, palette; or 32 bits BI_BITFIELDS), bottom-up. */
function handBuilt(bpp: 1 | 4 | 32, width: number, height: number, pixel: (x: number, y: number) => number): Uint8Array {
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const paletteEntries = bpp === 32 ? 0 : 1 << bpp;
  const masks = bpp === 32 ? 12 : 0;
  const offset = 54 + masks + paletteEntries * 4;
  const out = new Uint8Array(offset + stride * height);
  const dv = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  dv.setUint32(2, out.length, true);
  dv.setUint32(10, offset, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, width, true);
  dv.setInt32(22, height, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, bpp, true);
  dv.setUint32(30, bpp === 32 ? 3 : 0, true);
  if (bpp === 32) {
    // R in the low byte, G next, B next: not the usual order, to prove the masks are read.
    dv.setUint32(54, 0x000000ff, true);
    dv.setUint32(58, 0x0000ff00, true);
    dv.setUint32(62, 0x00ff0000, true);
  }
  for (let i = 0; i < paletteEntries; i++) out.set([i * 10, i * 20, i * 30, 0], 54 + 4 * i);
  for (let y = 0; y < height; y++) {
    const row = offset + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const v = pixel(x, y);
      if (bpp === 32) dv.setUint32(row + 4 * x, v, true);
      else out[row + ((x * bpp) >> 3)]! |= v << (8 - bpp - ((x * bpp) & 7));
    }
  }
  return out;
}

test('1-bit, 4-bit and 32-bit bit-field BMPs decode', () => {
  const one = decodeBmp(handBuilt(1, 11, 2, (x, y) => (x + y) % 2));
  assert.deepEqual([...one.indices!.subarray(0, 11)], [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  assert.deepEqual([...one.rgb.subarray(3, 6)], [30, 20, 10]);
  const four = decodeBmp(handBuilt(4, 5, 3, (x, y) => (x * 3 + y) % 16));
  for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) assert.equal(four.indices![y * 5 + x], (x * 3 + y) % 16);
  const wide = decodeBmp(handBuilt(32, 3, 2, (x, y) => (10 * x + y) | ((20 + x) << 8) | ((30 + y) << 16)));
  assert.deepEqual([...wide.rgb.subarray(0, 6)], [0, 20, 30, 10, 21, 30]);
});

test('broken BMPs are refused with a reason', () => {
  const good = encodeBmp24(4, 4, new Uint8Array(48));
  assert.throws(() => decodeBmp(good.subarray(0, 60)), /truncated BMP pixel data/);
  assert.throws(() => decodeBmp(Uint8Array.from([1, 2, 3])), BmpError);
  const rle = Uint8Array.from(encodeBmp8(4, 4, new Uint8Array(16)));
  new DataView(rle.buffer).setUint32(30, 1, true);
  assert.throws(() => decodeBmp(rle), /compressed BMP.*not supported/);
});

test('a BMP and a PNG of the same pixels load identically (decode + resize path)', async () => {
  const dir = tempDir();
  const rgb = randomBytes(13 * 9 * 3, 4);
  writeFileSync(join(dir, 'a.bmp'), encodeBmp24(13, 9, rgb));
  writeFileSync(join(dir, 'a.png'), await encodePng(13, 9, 3, rgb));
  const a = await readImageResized(join(dir, 'a.bmp'), { width: 6, height: 5 });
  const b = await readImageResized(join(dir, 'a.png'), { width: 6, height: 5 });
  assert.deepEqual(a.originalSize, { width: 13, height: 9 });
  assert.deepEqual([...a.rgb], [...b.rgb]);
  const labels = await readLabelImage(join(dir, 'a.bmp'));
  assert.equal(labels.values[0], rgb[0]);
  await assert.rejects(readImageResized(join(dir, 'missing.bmp'), { width: 4, height: 4 }), /missing\.bmp: image file is missing/);
  writeFileSync(join(dir, 'bad.bmp'), 'BMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
  await assert.rejects(readImageResized(join(dir, 'bad.bmp'), { width: 4, height: 4 }), /bad\.bmp: cannot decode image/);
});
