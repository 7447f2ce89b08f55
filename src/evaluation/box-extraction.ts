/**
 * Boxes from a score map at a threshold, the reference way (one contour
 * pass per threshold). This is the definition the fast sweeps in
 * box-sweep.ts are tested against, and the path single-box mode takes.
 */
import type { Box } from './iou.js';
import { ContourTracer, type ContourSummary } from './contours.js';
import { checkScoremap, maxOf, quantizeScoremap, quantizedLevel, type ScoreValues } from './scoremap.js';

/**
 * Which boxes a thresholded map gives: `single`, the box of the largest
 * contour (MaxBoxAcc v1, GT-known), or `multi`, one box per contour
 * (MaxBoxAccV2).
 */
export type BoxMode = 'single' | 'multi';

/** The box given when there is no contour at all. */
export const NO_BOX: Box = [0, 0, 0, 0];

/** Contour rectangle -> box (x, y, min(x+w, W-1), min(y+h, H-1)), the reference's (exclusive-corner) conversion. */
export function rectToBox(c: Pick<ContourSummary, 'x' | 'y' | 'w' | 'h'>, width: number, height: number): Box {
  return [c.x, c.y, Math.min(c.x + c.w, width - 1), Math.min(c.y + c.h, height - 1)];
}

/**
 * Single-box mode keeps the contour of largest polygon area; on a tie the
 * first in OpenCV's list wins (Python's max keeps the first maximum).
 */
export function largestContour(contours: readonly ContourSummary[]): ContourSummary | null {
  let best: ContourSummary | null = null;
  for (const c of contours) if (!best || c.area2 > best.area2) best = c;
  return best;
}

export function boxesFromContours(contours: readonly ContourSummary[], width: number, height: number, mode: BoxMode): Box[] {
  if (contours.length === 0) return [NO_BOX];
  if (mode === 'single') return [rectToBox(largestContour(contours)!, width, height)];
  return contours.map((c) => rectToBox(c, width, height));
}

/** Boxes of a quantised map at uint8 level `level` (foreground q > level). */
export function boxesAtLevel(tracer: ContourTracer, q: Uint8Array, level: number, mode: BoxMode): Box[] {
  return boxesFromContours(tracer.summariesAbove(q, level), tracer.width, tracer.height, mode);
}

/** Boxes of a [0, 1] score map at threshold τ; throws on an invalid map. */
export function boxesFromScoremap(map: ScoreValues, width: number, height: number, tau: number, mode: BoxMode): Box[] {
  checkScoremap(map, width, height);
  const q = quantizeScoremap(map);
  return boxesAtLevel(new ContourTracer(width, height), q, quantizedLevel(tau, maxOf(q)), mode);
}

/** Boxes at every threshold (one contour pass per distinct level). */
export function boxesAtThresholds(
  q: Uint8Array,
  width: number,
  height: number,
  thresholds: readonly number[],
  mode: BoxMode,
  tracer = new ContourTracer(width, height),
): Box[][] {
  const maxQ = maxOf(q);
  const out: Box[][] = [];
  let lastLevel = -1;
  for (const tau of thresholds) {
    const level = quantizedLevel(tau, maxQ);
    out.push(level === lastLevel ? out[out.length - 1]! : boxesAtLevel(tracer, q, level, mode));
    lastLevel = level;
  }
  return out;
}
