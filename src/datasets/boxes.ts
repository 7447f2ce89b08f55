import type { Box, ImageSize } from './types.js';

/**
 * Rescales a box from an image of size `from` to one of size `to` the way
 * wsolevaluation does: x' = int(x * W' / W), y' = int(y * H' / H), i.e.
 * truncation toward zero, evaluated in that order (multiply, then divide) so
 * the floating-point result matches Python's for the same inputs. No clamping:
 * a box reaching the right edge (x1 = W, CUB's x + w convention) maps to W'.
 */
export function rescaleBox(box: Box, from: ImageSize, to: ImageSize): Box {
  return [
    Math.trunc((box[0] * to.width) / from.width),
    Math.trunc((box[1] * to.height) / from.height),
    Math.trunc((box[2] * to.width) / from.width),
    Math.trunc((box[3] * to.height) / from.height),
  ];
}

/**
 * Why a box cannot belong to an image of `size`, or null when it can.
 * Corners may reach the width/height itself (x1 = W): CUB writes boxes as
 * x + w, which lands one past the last pixel for a box touching the edge.
 */
export function boxProblem(box: Box, size: ImageSize): string | null {
  const [x0, y0, x1, y1] = box;
  if (!box.every(Number.isFinite)) return `box (${box.join(', ')}) has a non-numeric coordinate`;
  if (x1 < x0 || y1 < y0) return `box (${box.join(', ')}) has x1 < x0 or y1 < y0`;
  if (x0 < 0 || y0 < 0 || x1 > size.width || y1 > size.height) return `box (${box.join(', ')}) lies outside the ${size.width}x${size.height} image`;
  return null;
}

/** Tight inclusive box of the non-zero pixels of a width x height mask, or null when it is empty. */
export function maskBox(mask: Uint8Array, width: number, height: number): Box | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? null : [x0, y0, x1, y1];
}
