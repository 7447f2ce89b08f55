/**
 * Boxes in wsolevaluation's convention: (x0, y0, x1, y1) with inclusive
 * pixel corners, so a box (0,0,0,0) covers one pixel.
 */
import type { Box } from '../core/geometry.js';

export type { Box };

/** Throws when a box breaks the convention (negative, or x1 < x0 / y1 < y0). */
export function checkBox(box: Box, where = 'box'): void {
  const [x0, y0, x1, y1] = box;
  if (!box.every((v) => Number.isFinite(v))) throw new RangeError(`${where} (${box.join(',')}) has a non-finite coordinate`);
  if (x0 < 0 || y0 < 0 || x1 < 0 || y1 < 0) throw new RangeError(`${where} (${box.join(',')}) has a negative coordinate`);
  if (x1 < x0 || y1 < y0) throw new RangeError(`${where} (${box.join(',')}) is not x0y0x1y1 (x1 < x0 or y1 < y0)`);
}

/** Pixels of an inclusive box. */
export function boxArea(b: Box): number {
  return (b[2] - b[0] + 1) * (b[3] - b[1] + 1);
}

/** Pixels two inclusive boxes share. */
export function intersectionArea(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1;
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1;
  return iw > 0 && ih > 0 ? iw * ih : 0;
}

/** IoU with the inclusive pixel convention; a denominator <= 0 gives 0. */
export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** IoU of every box of `a` (rows) with every box of `b` (columns), after checking both lists. */
export function iouMatrix(a: readonly Box[], b: readonly Box[]): number[][] {
  a.forEach((box, i) => checkBox(box, `box ${i} of the first list`));
  b.forEach((box, i) => checkBox(box, `box ${i} of the second list`));
  return a.map((p) => b.map((q) => iou(p, q)));
}

/** Best IoU of any box in `boxes` with any ground-truth box (0 when either list is empty). */
export function bestIou(boxes: readonly Box[], gt: readonly Box[]): number {
  let best = 0;
  for (const p of boxes) for (const g of gt) best = Math.max(best, iou(p, g));
  return best;
}

// wsolevaluation's ground-truth rescaling lives with the datasets; re-exported for the evaluator's callers.
export { rescaleBox } from '../datasets/boxes.js';
