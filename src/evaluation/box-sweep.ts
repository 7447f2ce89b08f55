/**
 * Best IoU at every threshold without tracing contours per threshold.
 *
 * Multi-box mode keeps every contour, and best IoU only needs the set of
 * their bounding rectangles, which the component structure gives:
 * - each 8-connected foreground component has exactly one outer border,
 *   whose rectangle is the component's bounding box (its extreme pixels
 *   all lie on that border);
 * - each 4-connected background component that does not reach the image
 *   edge (a hole) has exactly one hole border, traced through the
 *   foreground pixels around it: its rectangle is the hole's bounding box
 *   grown by one pixel on every side.
 * Foreground shrinks as τ grows, so components at every level come from one
 * union-find pass adding pixels from the highest value down (and holes from
 * one pass adding background from the lowest value up): two passes over the
 * map instead of one contour trace per threshold. test/evaluation/ checks
 * equality with the contour path (and so with OpenCV) on random maps.
 *
 * Single-box mode needs polygon areas and OpenCV's tie order, so it traces
 * contours, once per distinct level.
 */
import type { Box } from './iou.js';
import { bestIou } from './iou.js';
import { boxesAtLevel, NO_BOX } from './box-extraction.js';
import { ContourTracer } from './contours.js';
import { maxOf, quantizedLevel } from './scoremap.js';

/** Reusable buffers for maps of one size. */
export class BoxSweeper {
  readonly width: number;
  readonly height: number;
  private readonly stride: number;
  private readonly parent: Int32Array;
  private readonly added: Uint8Array;
  private readonly x0: Int32Array;
  private readonly y0: Int32Array;
  private readonly x1: Int32Array;
  private readonly y1: Int32Array;
  /** Pixels (padded indices) sorted by value: order[start[v] .. start[v+1]). */
  private readonly order: Int32Array;
  private readonly start: Int32Array;
  private readonly roots: Int32Array;
  private tracer: ContourTracer | null = null;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.stride = width + 2;
    const n = (width + 2) * (height + 2);
    this.parent = new Int32Array(n);
    this.added = new Uint8Array(n);
    this.x0 = new Int32Array(n);
    this.y0 = new Int32Array(n);
    this.x1 = new Int32Array(n);
    this.y1 = new Int32Array(n);
    this.order = new Int32Array(width * height);
    this.start = new Int32Array(257);
    this.roots = new Int32Array(width * height + 1);
  }

  /** Levels int(τ * max(q)) for each threshold; foreground at threshold i is q > levels[i]. */
  levels(q: Uint8Array, thresholds: readonly number[]): Int32Array {
    const maxQ = maxOf(q);
    return Int32Array.from(thresholds, (t) => quantizedLevel(t, maxQ));
  }

  /** Best IoU with the ground truth at every threshold, all contours kept (MaxBoxAccV2). */
  multiBestIou(q: Uint8Array, thresholds: readonly number[], gt: readonly Box[]): Float64Array {
    const levels = this.levels(q, thresholds);
    this.sortByValue(q);
    const best = new Float64Array(levels.length);
    this.foregroundPass(levels, gt, best);
    this.holePass(levels, gt, best);
    return best;
  }

  /** Best IoU at every threshold keeping only the largest-area contour (MaxBoxAcc v1). */
  singleBestIou(q: Uint8Array, thresholds: readonly number[], gt: readonly Box[]): Float64Array {
    const levels = this.levels(q, thresholds);
    this.tracer ??= new ContourTracer(this.width, this.height);
    const best = new Float64Array(levels.length);
    for (let i = 0; i < levels.length; i++) {
      best[i] = i > 0 && levels[i] === levels[i - 1] ? best[i - 1]! : bestIou(boxesAtLevel(this.tracer, q, levels[i]!, 'single'), gt);
    }
    return best;
  }

  private sortByValue(q: Uint8Array): void {
    const { start, order, width, height, stride } = this;
    start.fill(0);
    for (let i = 0; i < q.length; i++) start[q[i]! + 1]++;
    for (let v = 0; v < 256; v++) start[v + 1] += start[v]!;
    const fill = start.slice(0, 256);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) order[fill[q[y * width + x]!]!++] = (y + 1) * stride + x + 1;
    }
  }

  private find(p: number): number {
    const parent = this.parent;
    while (parent[p] !== p) {
      const g = parent[parent[p]!]!;
      parent[p] = g;
      p = g;
    }
    return p;
  }

  private union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (rb < ra) [ra, rb] = [rb, ra];
    // The smaller index stays root: a fixed rule keeps the pass deterministic.
    this.parent[rb] = ra;
    const { x0, y0, x1, y1 } = this;
    if (x0[rb]! < x0[ra]!) x0[ra] = x0[rb]!;
    if (y0[rb]! < y0[ra]!) y0[ra] = y0[rb]!;
    if (x1[rb]! > x1[ra]!) x1[ra] = x1[rb]!;
    if (y1[rb]! > y1[ra]!) y1[ra] = y1[rb]!;
  }

  private addPixel(p: number): void {
    const x = (p % this.stride) - 1;
    const y = ((p / this.stride) | 0) - 1;
    this.parent[p] = p;
    this.added[p] = 1;
    this.x0[p] = x;
    this.x1[p] = x;
    this.y0[p] = y;
    this.y1[p] = y;
  }

  /** Foreground q > level, 8-connected, levels visited from the highest. */
  private foregroundPass(levels: Int32Array, gt: readonly Box[], best: Float64Array): void {
    const { added, order, start, stride, parent, roots, width, height } = this;
    added.fill(0);
    let nRoots = 0;
    let value = 255; // pixels with q > value are in
    const n = levels.length;
    for (let i = n - 1; i >= 0; i--) {
      const level = levels[i]!;
      if (i < n - 1 && level === levels[i + 1]) {
        best[i] = best[i + 1]!;
        continue;
      }
      for (; value > level; value--) {
        for (let k = start[value]!; k < start[value + 1]!; k++) {
          const p = order[k]!;
          this.addPixel(p);
          roots[nRoots++] = p;
          if (added[p - 1]) this.union(p, p - 1);
          if (added[p + 1]) this.union(p, p + 1);
          if (added[p - stride - 1]) this.union(p, p - stride - 1);
          if (added[p - stride]) this.union(p, p - stride);
          if (added[p - stride + 1]) this.union(p, p - stride + 1);
          if (added[p + stride - 1]) this.union(p, p + stride - 1);
          if (added[p + stride]) this.union(p, p + stride);
          if (added[p + stride + 1]) this.union(p, p + stride + 1);
        }
      }
      // Keep only live roots; each is one outer contour.
      let kept = 0;
      let b = 0;
      for (let r = 0; r < nRoots; r++) {
        const p = roots[r]!;
        if (parent[p] !== p) continue;
        roots[kept++] = p;
        b = Math.max(b, bestIouOf(this.x0[p]!, this.y0[p]!, Math.min(this.x1[p]! + 1, width - 1), Math.min(this.y1[p]! + 1, height - 1), gt));
      }
      nRoots = kept;
      best[i] = kept === 0 ? bestIou([NO_BOX], gt) : b;
    }
  }

  /** Background q <= level, 4-connected, levels visited from the lowest; the padding is the outside. */
  private holePass(levels: Int32Array, gt: readonly Box[], best: Float64Array): void {
    const { added, order, start, stride, parent, roots, width, height } = this;
    added.fill(0);
    // Every padding cell belongs to one component rooted at index 0: the outside.
    for (let x = 0; x < stride; x++) {
      parent[x] = 0;
      parent[(height + 1) * stride + x] = 0;
      added[x] = 1;
      added[(height + 1) * stride + x] = 1;
    }
    for (let y = 1; y <= height; y++) {
      parent[y * stride] = 0;
      parent[y * stride + width + 1] = 0;
      added[y * stride] = 1;
      added[y * stride + width + 1] = 1;
    }
    let nRoots = 0;
    let value = 0; // pixels with q < value are in
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (i > 0 && level === levels[i - 1]) continue; // handled with the first index of this level, below
      for (; value <= level; value++) {
        for (let k = start[value]!; k < start[value + 1]!; k++) {
          const p = order[k]!;
          this.addPixel(p);
          roots[nRoots++] = p;
          if (added[p - 1]) this.union(p, p - 1);
          if (added[p + 1]) this.union(p, p + 1);
          if (added[p - stride]) this.union(p, p - stride);
          if (added[p + stride]) this.union(p, p + stride);
        }
      }
      let kept = 0;
      let b = 0;
      for (let r = 0; r < nRoots; r++) {
        const p = roots[r]!;
        if (parent[p] !== p) continue; // merged, possibly into the outside (root 0)
        roots[kept++] = p;
        b = Math.max(b, bestIouOf(this.x0[p]! - 1, this.y0[p]! - 1, Math.min(this.x1[p]! + 2, width - 1), Math.min(this.y1[p]! + 2, height - 1), gt));
      }
      nRoots = kept;
      if (b > best[i]!) best[i] = b;
      // Equal levels that follow share this level's holes.
      for (let j = i + 1; j < levels.length && levels[j] === level; j++) if (b > best[j]!) best[j] = b;
    }
  }
}

function bestIouOf(bx0: number, by0: number, bx1: number, by1: number, gt: readonly Box[]): number {
  let best = 0;
  const area = (bx1 - bx0 + 1) * (by1 - by0 + 1);
  for (const g of gt) {
    const iw = Math.min(bx1, g[2]) - Math.max(bx0, g[0]) + 1;
    const ih = Math.min(by1, g[3]) - Math.max(by0, g[1]) + 1;
    const inter = iw > 0 && ih > 0 ? iw * ih : 0;
    const union = area + (g[2] - g[0] + 1) * (g[3] - g[1] + 1) - inter;
    const v = union > 0 ? inter / union : 0;
    if (v > best) best = v;
  }
  return best;
}
