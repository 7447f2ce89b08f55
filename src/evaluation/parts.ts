/**
 * Where a two-part object's missed boxes went: onto one part only (CAM's
 * "most discriminative part" failure), onto a distractor, or elsewhere. A
 * box covers a region when it holds at least `cover` of the region's area.
 */
import type { Box } from '../core/geometry.js';
import { boxArea, intersectionArea } from './iou.js';

/** Where a missed box went (classifyMiss): onto one part of the object only, onto a distractor, or elsewhere. */
export type MissKind = 'one-part' | 'distractor' | 'other';

/** How a predicted box that missed the object relates to the object's parts and the distractors. */
export function classifyMiss(predicted: Box, parts: readonly Box[], distractors: readonly Box[], cover = 0.5): MissKind {
  const covered = parts.filter((p) => intersectionArea(p, predicted) >= cover * boxArea(p)).length;
  if (covered === 1) return 'one-part';
  // No part covered, and the box sits on (or holds) a distractor digit; a box over both parts that still missed is too large: other.
  if (
    covered === 0 &&
    distractors.some((d) => intersectionArea(predicted, d) >= cover * boxArea(predicted) || intersectionArea(d, predicted) >= cover * boxArea(d))
  )
    return 'distractor';
  return 'other';
}

/** How a split's misses divide among the miss kinds, in percent of the misses, with the image and miss counts. */
export interface MissShares {
  images: number;
  misses: number;
  /** Percent of the misses. */
  onePart: number;
  distractor: number;
  other: number;
}

export function missShares(results: readonly { hit: boolean; box: Box; parts: readonly Box[]; distractors: readonly Box[] }[], cover = 0.5): MissShares {
  const counts: Record<MissKind, number> = { 'one-part': 0, distractor: 0, other: 0 };
  let misses = 0;
  for (const r of results) {
    if (r.hit) continue;
    misses++;
    counts[classifyMiss(r.box, r.parts, r.distractors, cover)]++;
  }
  const pct = (n: number): number => (misses ? (100 * n) / misses : 0);
  return { images: results.length, misses, onePart: pct(counts['one-part']), distractor: pct(counts.distractor), other: pct(counts.other) };
}
