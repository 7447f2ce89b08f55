/**
 * Where a two-part object's missed boxes went: onto one part only (CAM's
 * "most discriminative part" failure), onto a distractor, or elsewhere. A
 * box covers a region when it holds at least `cover` of the region's area.
 */
import type { Box } from '../core/geometry.js';

export type MissKind = 'one-part' | 'distractor' | 'other';

/** Pixels of the inclusive box `a` that lie inside the inclusive box `b`. */
function overlap(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1;
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1;
  return w > 0 && h > 0 ? w * h : 0;
}

function area(b: Box): number {
  return (b[2] - b[0] + 1) * (b[3] - b[1] + 1);
}

/** How a predicted box that missed the object relates to the object's parts and the distractors. */
export function classifyMiss(predicted: Box, parts: readonly Box[], distractors: readonly Box[], cover = 0.5): MissKind {
  const covered = parts.filter((p) => overlap(p, predicted) >= cover * area(p)).length;
  if (covered === 1) return 'one-part';
  // No part covered, and the box sits on (or holds) a distractor digit; a box over both parts that still missed is too large: other.
  if (covered === 0 && distractors.some((d) => overlap(predicted, d) >= cover * area(predicted) || overlap(d, predicted) >= cover * area(d)))
    return 'distractor';
  return 'other';
}

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
