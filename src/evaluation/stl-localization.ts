/**
 * STL's localization AP (positive class only). The positive class's map is
 * upsampled bilinearly to the evaluation size; a positive image is "found"
 * when the map's maximum lies inside a ground-truth region grown by
 * `tolerance` pixels (a box grown on every side, or a mask dilated by a
 * square of that radius). An image whose positive score passes a threshold
 * is a true positive if it is a found positive image, else a false
 * positive; AP is taken over the score threshold with every positive image
 * in the recall denominator.
 */
import type { Box } from './iou.js';
import { averagePrecision } from './classification.js';

/** Index of the first maximum (of a map, row-major, or of a score row). */
export function argmax(map: Float32Array): number {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
  return best;
}

/** Is (x, y) within `tolerance` pixels of a box or of a mask pixel (Chebyshev distance)? */
export function nearRegion(x: number, y: number, tolerance: number, boxes: readonly Box[], mask: Uint8Array | null, width: number, height: number): boolean {
  for (const b of boxes) if (x >= b[0] - tolerance && x <= b[2] + tolerance && y >= b[1] - tolerance && y <= b[3] + tolerance) return true;
  if (mask) {
    for (let yy = Math.max(0, y - tolerance); yy <= Math.min(height - 1, y + tolerance); yy++) {
      for (let xx = Math.max(0, x - tolerance); xx <= Math.min(width - 1, x + tolerance); xx++) if (mask[yy * width + xx]) return true;
    }
  }
  return false;
}

/** One image for STL's localization AP: its positive-class score, whether it is positive, and whether its map's maximum found the object. */
export interface StlImage {
  /** Evidence for the positive class (any monotone score). */
  score: number;
  positive: boolean;
  /** For positive images: the map's maximum is near the ground truth. */
  found: boolean;
}

/** Localization AP in percent. */
export function stlLocalizationAp(images: readonly StlImage[]): number {
  const positives = images.filter((i) => i.positive).length;
  if (positives === 0) throw new RangeError('STL localization AP needs at least one positive image');
  return averagePrecision(
    images.map((i) => i.score),
    images.map((i) => i.positive && i.found),
    positives,
  );
}
