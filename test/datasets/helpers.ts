/** Helpers shared by the dataset tests. */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { SplitView } from '../../src/datasets/types.js';
import { resizeNearest } from '../../src/image/raster.js';
import { paintMask } from '../helpers/fixtures/pixels.js';
import type { Box } from '../../src/datasets/types.js';

/** sha256 of every file of a directory, by name. */
export function dirDigests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort())
    out[f] = createHash('sha256')
      .update(readFileSync(join(dir, f)))
      .digest('hex');
  return out;
}

/** The RGB pixel (x, y) of image i of a split stored at `size`. */
export function pixel(split: SplitView, i: number, size: number, x: number, y: number): [number, number, number] {
  const img = split.image(i);
  const o = 3 * (y * size + x);
  return [img[o]!, img[o + 1]!, img[o + 2]!];
}

export function assertColourNear(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  const worst = Math.max(...actual.map((v, k) => Math.abs(v - expected[k]!)));
  assert.ok(worst <= tolerance, `${what}: ${actual.join(',')} vs ${expected.join(',')} (off by ${worst})`);
}

/** The 0/1 mask of rectangles in an image of width x height, resized as the loaders must (nearest, OpenCV convention). */
export function expectedMask(width: number, height: number, rects: readonly Box[], size: number): number[] {
  const m = new Uint8Array(width * height);
  for (const r of rects) {
    const painted = paintMask(width, height, r, 1);
    for (let k = 0; k < m.length; k++) m[k] = m[k]! | painted[k]!;
  }
  return [...resizeNearest({ width, height, channels: 1, data: m }, size, size).data];
}
