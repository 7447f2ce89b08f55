/**
 * The floor and the ceiling every comparison table carries, as maps:
 *
 * - intensityMap: no learning at all, the image's own intensity (mean of its
 *   channels). On data where the object is the brightest blob it already
 *   localizes; a trained map that does not beat it has learned nothing about
 *   localization.
 * - oracleMap: the object's filled region from the ground truth (its box, or
 *   the convex hull of its mask), the best map any method could produce at
 *   a given resolution. Not the ink mask itself: for a two-part object the
 *   largest contour of the ink is one part.
 *
 * Both are pooled to `cell` x `cell` pixel cells (1 = full resolution), the
 * resolution of the maps they are compared with (a stride-8 network's CAM:
 * cell 8), since the evaluator's bicubic upsampling of a coarse map is part
 * of what limits a method.
 */
import type { Box, ImageSize } from '../core/geometry.js';

/** Average-pools a width x height map into ceil(w / cell) x ceil(h / cell) cells (edge cells average what they cover). */
export function poolCells(map: Float32Array, width: number, height: number, cell: number): { map: Float32Array; width: number; height: number } {
  if (cell <= 1) return { map, width, height };
  const w = Math.ceil(width / cell);
  const h = Math.ceil(height / cell);
  const sums = new Float64Array(w * h);
  const counts = new Uint32Array(w * h);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / cell) * w;
    for (let x = 0; x < width; x++) {
      const k = row + Math.floor(x / cell);
      sums[k]! += map[y * width + x]!;
      counts[k]!++;
    }
  }
  const out = new Float32Array(w * h);
  for (let k = 0; k < out.length; k++) out[k] = sums[k]! / counts[k]!;
  return { map: out, width: w, height: h };
}

/** Mean over channels of an HWC uint8 image, in [0, 1]. */
export function intensityMap(image: Uint8Array, size: ImageSize, channels: number): Float32Array {
  const n = size.width * size.height;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += image[p * channels + c]!;
    out[p] = s / (255 * channels);
  }
  return out;
}

/** 1 inside any of the boxes (inclusive corners; corners at the image edge, CUB's x + w, are clamped), else 0. */
export function boxRegion(boxes: readonly Box[], size: ImageSize): Float32Array {
  const out = new Float32Array(size.width * size.height);
  for (const [x0, y0, x1, y1] of boxes) {
    for (let y = Math.max(0, Math.floor(y0)); y <= Math.min(size.height - 1, Math.ceil(y1)); y++) {
      out.fill(1, y * size.width + Math.max(0, Math.floor(x0)), y * size.width + Math.min(size.width - 1, Math.ceil(x1)) + 1);
    }
  }
  return out;
}

/** Convex hull (counter-clockwise, no collinear points) of integer points, by Andrew's monotone chain. */
export function convexHull(points: readonly [number, number][]): [number, number][] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (sorted.length < 3) return sorted;
  const cross = (o: [number, number], a: [number, number], b: [number, number]): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: [number, number][]): [number, number][] => {
    const out: [number, number][] = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(sorted), ...half([...sorted].reverse())];
}

/**
 * 1 on the pixels whose centres lie in the convex hull of the mask's pixels
 * (their corners, so a one-pixel mask keeps its pixel), else 0.
 */
export function hullRegion(mask: Uint8Array, size: ImageSize): Float32Array {
  const corners: [number, number][] = [];
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      if (!mask[y * size.width + x]) continue;
      // Only boundary pixels can contribute hull corners.
      const inner =
        x > 0 &&
        y > 0 &&
        x < size.width - 1 &&
        y < size.height - 1 &&
        mask[y * size.width + x - 1] &&
        mask[y * size.width + x + 1] &&
        mask[(y - 1) * size.width + x] &&
        mask[(y + 1) * size.width + x];
      if (!inner) corners.push([x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]);
    }
  }
  const out = new Float32Array(size.width * size.height);
  const hull = convexHull(corners);
  if (hull.length < 3) return out;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const [, y] of hull) {
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  for (let y = Math.max(0, Math.floor(minY)); y < Math.min(size.height, Math.ceil(maxY)); y++) {
    const cy = y + 0.5;
    for (let x = 0; x < size.width; x++) {
      const cx = x + 0.5;
      let inside = true;
      for (let i = 0; i < hull.length && inside; i++) {
        const [ax, ay] = hull[i]!;
        const [bx, by] = hull[(i + 1) % hull.length]!;
        inside = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax) >= 0;
      }
      if (inside) out[y * size.width + x] = 1;
    }
  }
  return out;
}
