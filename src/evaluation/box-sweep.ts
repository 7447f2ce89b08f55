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
 * union-find pass adding pixels from the highest value down. Holes come from
 * each pixel's escape level e (the lowest level at which a 4-path of
 * background links it to the image edge, one priority flood): a pixel is in
 * a hole at level L exactly when q <= L < e, every pixel of a hole shares its
 * e, so a second union-find over those "basin" pixels only (few, on smooth
 * maps) gives the holes of every level. Two passes over the map instead of
 * one contour trace per threshold; test/evaluation/ checks equality with the
 * contour path (and so with OpenCV) on random maps.
 *
 * Single-box mode needs polygon areas and OpenCV's tie order, so it traces
 * contours, once per distinct level.
 */
import type { Box } from './iou.js';
import { bestIou } from './iou.js';
import { boxesAtLevel, NO_BOX } from './box-extraction.js';
import { ContourTracer } from './contours.js';
import { quantizedLevel } from './scoremap.js';

/** Reusable buffers for maps of one size. */
export class BoxSweeper {
  readonly width: number;
  readonly height: number;
  private readonly stride: number;
  /** Union-find parent of each padded index; -1 = not in the set. */
  private readonly parent: Int32Array;
  private readonly size: Int32Array;
  /** Bounding box of each root: x0, y0, x1, y1 at 4 * index. */
  private readonly bbox: Int16Array;
  /** Image coordinates of each padded index. */
  private readonly xOf: Int16Array;
  private readonly yOf: Int16Array;
  /** Pixels (padded indices) sorted by value: order[start[v] .. start[v+1]). */
  private readonly order: Int32Array;
  private readonly start: Int32Array;
  /** Escape level of each padded index (holes pass). */
  private readonly escapeAt: Int16Array;
  private readonly queueNext: Int32Array;
  private readonly queueHead: Int32Array;
  /** Components touched since the last level (may repeat or be stale). */
  private readonly dirty: Int32Array;
  private readonly stamp: Int32Array;
  private readonly version: Int32Array;
  private readonly heap = new IouHeap();
  private tracer: ContourTracer | null = null;

  constructor(width: number, height: number) {
    if (width < 1 || height < 1 || width > 16000 || height > 16000) throw new RangeError(`map size ${width}x${height} is out of range`);
    this.width = width;
    this.height = height;
    this.stride = width + 2;
    const n = (width + 2) * (height + 2);
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n);
    this.bbox = new Int16Array(4 * n);
    this.xOf = Int16Array.from({ length: n }, (_, p) => (p % this.stride) - 1);
    this.yOf = Int16Array.from({ length: n }, (_, p) => Math.floor(p / this.stride) - 1);
    this.order = new Int32Array(width * height);
    this.q = new Uint8Array(width * height);
    this.start = new Int32Array(257);
    this.escapeAt = new Int16Array(n);
    this.queueNext = new Int32Array(n);
    this.queueHead = new Int32Array(256);
    this.dirty = new Int32Array(width * height);
    this.stamp = new Int32Array(n);
    this.version = new Int32Array(n);
    this.qPadded = new Uint8Array(n);
  }

  /** Best IoU with the ground truth at every threshold, all contours kept (MaxBoxAccV2), from a quantised map. */
  multiBestIou(q: Uint8Array, thresholds: readonly number[], gt: readonly Box[]): Float64Array {
    this.checkLength(q.length);
    this.countValues(q);
    return this.sweep(q, thresholds, gt);
  }

  /** Same from a [0, 1] score map, quantised on the way (no allocation but the result). */
  multiBestIouOfMap(map: Float32Array, thresholds: readonly number[], gt: readonly Box[]): Float64Array {
    this.checkLength(map.length);
    const q = this.q;
    const counts = this.start;
    counts.fill(0);
    for (let i = 0; i < map.length; i++) {
      const v = Math.trunc(Math.fround(map[i]! * 255)); // as quantizeScoremap
      q[i] = v;
      counts[v + 1]++;
    }
    return this.sweep(q, thresholds, gt);
  }

  private checkLength(pixels: number): void {
    if (pixels !== this.width * this.height) throw new RangeError(`map has ${pixels} pixels, the sweeper ${this.width}x${this.height}`);
  }

  /** Best IoU of the box of a component rectangle stored at o as (x0, y0, x1, y1): the box is (x0, y0, min(x1+1, W-1), min(y1+1, H-1)), as the reference turns (x, y, w, h) into a box. */
  private componentIou(b: Int16Array, o: number, gt: readonly Box[]): number {
    return bestIouOf(b[o]!, b[o + 1]!, Math.min(b[o + 2]! + 1, this.width - 1), Math.min(b[o + 3]! + 1, this.height - 1), gt);
  }

  /** Quantised map buffer of multiBestIouOfMap. */
  private readonly q: Uint8Array;

  private countValues(q: Uint8Array): void {
    const counts = this.start;
    counts.fill(0);
    for (let i = 0; i < q.length; i++) counts[q[i]! + 1]++;
  }

  /** The sweep proper; `start` holds the value counts of q (shifted by one). */
  private sweep(q: Uint8Array, thresholds: readonly number[], gt: readonly Box[]): Float64Array {
    const levels = this.levelsFromCounts(thresholds);
    const best = new Float64Array(levels.length);
    this.sortByValue(q);
    if (this.foregroundPass(levels, gt, best)) this.holesPass(q, levels, gt, best);
    return best;
  }

  /**
   * Best IoU at every threshold keeping only the largest-area contour
   * (MaxBoxAcc v1). Where a level has one component and no hole there is a
   * single contour, whose box the component pass gives; only the other
   * levels are traced.
   */
  singleBestIou(q: Uint8Array, thresholds: readonly number[], gt: readonly Box[]): Float64Array {
    this.checkLength(q.length);
    this.countValues(q);
    const levels = this.levelsFromCounts(thresholds);
    this.sortByValue(q);
    const single = new Int16Array(4 * levels.length).fill(-1);
    this.foregroundPass(levels, gt, new Float64Array(levels.length), single);
    this.tracer ??= new ContourTracer(this.width, this.height);
    const best = new Float64Array(levels.length);
    for (let i = 0; i < levels.length; i++) {
      if (i > 0 && levels[i] === levels[i - 1]) best[i] = best[i - 1]!;
      else if (single[4 * i]! >= 0) best[i] = this.componentIou(single, 4 * i, gt);
      else best[i] = bestIou(boxesAtLevel(this.tracer, q, levels[i]!, 'single'), gt);
    }
    return best;
  }

  /** Levels int(τ * max(q)), max(q) read from the value counts in `start`. */
  private levelsFromCounts(thresholds: readonly number[]): Int32Array {
    let maxQ = 255;
    while (maxQ > 0 && this.start[maxQ + 1] === 0) maxQ--;
    return Int32Array.from(thresholds, (t) => quantizedLevel(t, maxQ));
  }

  /** Counting sort of the pixels by value; `start` holds the counts on entry, the offsets on exit. */
  private sortByValue(q: Uint8Array): void {
    const { start, order, width, height, stride } = this;
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

  /** Puts pixel p into root r's component (r < 0: p starts its own); returns p's root. */
  private attach(p: number, r: number): number {
    const { parent, size, bbox } = this;
    const x = this.xOf[p]!,
      y = this.yOf[p]!;
    if (r < 0) {
      const o = 4 * p;
      parent[p] = p;
      size[p] = 1;
      bbox[o] = bbox[o + 2] = x;
      bbox[o + 1] = bbox[o + 3] = y;
      return p;
    }
    // p joins r's component: it never needs a box of its own.
    parent[p] = r;
    size[r]++;
    const o = 4 * r;
    if (x < bbox[o]!) bbox[o] = x;
    else if (x > bbox[o + 2]!) bbox[o + 2] = x;
    if (y < bbox[o + 1]!) bbox[o + 1] = y;
    else if (y > bbox[o + 3]!) bbox[o + 3] = y;
    return r;
  }

  /**
   * Foreground q > level, 8-connected, levels from the highest: one outer
   * contour per component. Also tracks the Euler number of the foreground
   * (Gray's bit quads: E = (Q1 - Q3 - 2 QD) / 4 for 8-connectivity), so that
   * holes = components - E tells, for free, whether any level has a hole;
   * returns that. With `single`, records at 4i the box (x0, y0, x1, y1) of
   * the only component of level i when it is the only contour (one
   * component, no hole); other entries are left alone.
   */
  private foregroundPass(levels: Int32Array, gt: readonly Box[], best: Float64Array, single?: Int16Array): boolean {
    const { parent, order, start, dirty, stride: s, bbox } = this;
    parent.fill(-1);
    this.beginLevels();
    this.merges = 0;
    const noContour = bestIou([NO_BOX], gt);
    let value = 255; // pixels with q > value are in
    let components = 0;
    let euler4 = 0; // 4 x Euler number
    let holes = false;
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i]!;
      if (i < levels.length - 1 && level === levels[i + 1]) {
        best[i] = best[i + 1]!;
        continue;
      }
      let nDirty = 0;
      for (; value > level; value--) {
        for (let k = start[value]!, end = start[value + 1]!; k < end; k++) {
          const p = order[k]!;
          const tl = parent[p - s - 1]! >= 0 ? 1 : 0,
            t = parent[p - s]! >= 0 ? 1 : 0,
            tr = parent[p - s + 1]! >= 0 ? 1 : 0;
          const l = parent[p - 1]! >= 0 ? 1 : 0,
            rt = parent[p + 1]! >= 0 ? 1 : 0;
          const bl = parent[p + s - 1]! >= 0 ? 1 : 0,
            b = parent[p + s]! >= 0 ? 1 : 0,
            br = parent[p + s + 1]! >= 0 ? 1 : 0;
          // The four 2x2 quads around p (bits: top-left 1, top-right 2, bottom-left 4, bottom-right 8).
          const q1 = tl | (t << 1) | (l << 2),
            q2 = t | (tr << 1) | (rt << 3),
            q3 = l | (bl << 2) | (b << 3),
            q4 = (rt << 1) | (b << 2) | (br << 3);
          euler4 += QUAD[q1 | 8]! - QUAD[q1]! + QUAD[q2 | 4]! - QUAD[q2]! + QUAD[q3 | 2]! - QUAD[q3]! + QUAD[q4 | 1]! - QUAD[q4]!;
          // Present neighbours that touch each other are already one component: join one
          // representative of each group (t covers tl, tr, l, rt; b covers bl, br, l, rt;
          // l covers tl, bl; rt covers tr, br).
          let r = -1;
          if (t) r = this.join(r, p - s);
          else {
            if (tl && !l) r = this.join(r, p - s - 1);
            if (tr && !rt) r = this.join(r, p - s + 1);
          }
          if (b) r = this.join(r, p + s);
          else {
            if (bl && !l) r = this.join(r, p + s - 1);
            if (br && !rt) r = this.join(r, p + s + 1);
          }
          if (!t && !b) {
            if (l) r = this.join(r, p - 1);
            if (rt) r = this.join(r, p + 1);
          }
          if (r < 0) components++;
          r = this.attach(p, r);
          if (nDirty === 0 || dirty[nDirty - 1] !== r) dirty[nDirty++] = r;
        }
      }
      components -= this.merges;
      this.merges = 0;
      if (4 * components !== euler4) holes = true;
      else if (single && components === 1) {
        const o = 4 * this.find(order[order.length - 1]!); // the first pixel added lies in the only component
        single.set(bbox.subarray(o, o + 4), 4 * i);
      }
      // Single-box callers only need the `single` records: skip scoring every component.
      if (single) continue;
      const top = this.rescore(
        nDirty,
        (r) => this.componentIou(bbox, 4 * r, gt),
        () => true,
      );
      best[i] = top < 0 ? noContour : top;
    }
    return holes;
  }

  /** Merges counted by join() since the last level. */
  private merges = 0;

  /** The root of q's component, merged with root r unless r < 0 (union by size); returns the root. */
  private join(r: number, q: number): number {
    const parent = this.parent;
    if (parent[q] === r) return r; // the common case: a neighbour hangs right under r
    q = this.find(q);
    if (r < 0 || q === r) return q;
    this.merges++;
    const { size, bbox } = this;
    let big = r,
      small = q;
    if (size[r]! < size[q]!) {
      big = q;
      small = r;
    }
    parent[small] = big;
    size[big] += size[small]!;
    const o = 4 * big,
      m = 4 * small;
    if (bbox[m]! < bbox[o]!) bbox[o] = bbox[m]!;
    if (bbox[m + 1]! < bbox[o + 1]!) bbox[o + 1] = bbox[m + 1]!;
    if (bbox[m + 2]! > bbox[o + 2]!) bbox[o + 2] = bbox[m + 2]!;
    if (bbox[m + 3]! > bbox[o + 3]!) bbox[o + 3] = bbox[m + 3]!;
    return big;
  }

  /** Holes: 4-connected pixels with q <= level < escape level, levels from the lowest. */
  private holesPass(q: Uint8Array, levels: Int32Array, gt: readonly Box[], best: Float64Array): void {
    const basin = this.escapeLevels(q);
    if (basin.length === 0) return; // no hole at any level
    const { parent, escapeAt, dirty, stride: s, bbox, width, height } = this;
    const qp = this.qPadded;
    parent.fill(-1);
    this.beginLevels();
    let next = 0; // basin is sorted by q
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      let top: number;
      if (i > 0 && level === levels[i - 1]) top = this.heap.size > 0 ? this.heap.topKey() : -1;
      else {
        let nDirty = 0;
        for (; next < basin.length && qp[basin[next]!]! <= level; next++) {
          const p = basin[next]!;
          if (escapeAt[p]! <= level) continue; // its hole has already opened to the outside
          let r = -1;
          if (parent[p - s]! >= 0) r = this.join(r, p - s);
          if (parent[p - 1]! >= 0) r = this.join(r, p - 1);
          if (parent[p + 1]! >= 0) r = this.join(r, p + 1);
          if (parent[p + s]! >= 0) r = this.join(r, p + s);
          r = this.attach(p, r);
          if (nDirty === 0 || dirty[nDirty - 1] !== r) dirty[nDirty++] = r;
        }
        // A hole's border runs through the foreground around it: its rectangle is the hole's grown by one.
        top = this.rescore(
          nDirty,
          (r) => {
            const b = 4 * r;
            return bestIouOf(bbox[b]! - 1, bbox[b + 1]! - 1, Math.min(bbox[b + 2]! + 2, width - 1), Math.min(bbox[b + 3]! + 2, height - 1), gt);
          },
          (r) => escapeAt[r]! > level,
        );
      }
      if (top > best[i]!) best[i] = top;
    }
  }

  private tick = 0;
  /** The map in padded layout (0 in the padding), filled by padded(). */
  private readonly qPadded: Uint8Array;

  private padded(q: Uint8Array): Uint8Array {
    const { width, height, stride } = this;
    const qp = this.qPadded;
    for (let y = 0; y < height; y++) qp.set(q.subarray(y * width, (y + 1) * width), (y + 1) * stride + 1);
    return qp;
  }

  private beginLevels(): void {
    this.stamp.fill(0);
    this.tick = 0;
    this.heap.clear();
  }

  /**
   * Pushes the new IoU of every changed live component (once each), drops
   * stale heap tops, and returns the best IoU among live components (-1 if none).
   */
  private rescore(nDirty: number, score: (root: number) => number, alive: (root: number) => boolean): number {
    const { dirty, stamp, version, heap, parent } = this;
    const tick = ++this.tick;
    for (let d = 0; d < nDirty; d++) {
      const r = this.find(dirty[d]!);
      if (stamp[r] === tick) continue;
      stamp[r] = tick;
      heap.push(score(r), r, ++version[r]);
    }
    while (heap.size > 0) {
      const r = heap.topRoot();
      if (parent[r] === r && version[r] === heap.topVersion() && alive(r)) break;
      heap.pop();
    }
    return heap.size > 0 ? heap.topKey() : -1;
  }

  /**
   * Escape level of every pixel: the lowest L such that a 4-path of pixels
   * with q <= L joins it to the image edge (a priority flood from the edge
   * with a bucket queue). Returns the basin pixels (q < escape), sorted by q.
   */
  private escapeLevels(q: Uint8Array): Int32Array {
    const { escapeAt, queueNext: nextOf, queueHead: head, stride, width, height, order } = this;
    escapeAt.fill(-1);
    head.fill(-1);
    const push = (p: number, e: number): void => {
      escapeAt[p] = e;
      nextOf[p] = head[e]!;
      head[e] = p;
    };
    // The padding is the outside: mark it reached so the flood stays inside.
    for (let x = 0; x < stride; x++) escapeAt[x] = escapeAt[(height + 1) * stride + x] = 0;
    for (let y = 1; y <= height; y++) escapeAt[y * stride] = escapeAt[y * stride + width + 1] = 0;
    for (let x = 0; x < width; x++) {
      push(1 * stride + x + 1, q[x]!);
      if (height > 1) push(height * stride + x + 1, q[(height - 1) * width + x]!);
    }
    for (let y = 1; y < height - 1; y++) {
      push((y + 1) * stride + 1, q[y * width]!);
      if (width > 1) push((y + 1) * stride + width, q[y * width + width - 1]!);
    }
    const qp = this.padded(q);
    let basinCount = 0;
    const visit = (m: number, e: number): void => {
      const v = qp[m]!;
      if (e > v) {
        basinCount++;
        push(m, e);
      } else push(m, v);
    };
    for (let e = 0; e < 256; e++) {
      while (head[e]! >= 0) {
        const p = head[e]!;
        head[e] = nextOf[p]!;
        if (escapeAt[p - stride]! < 0) visit(p - stride, e);
        if (escapeAt[p - 1]! < 0) visit(p - 1, e);
        if (escapeAt[p + 1]! < 0) visit(p + 1, e);
        if (escapeAt[p + stride]! < 0) visit(p + stride, e);
      }
    }
    const basin = new Int32Array(basinCount);
    let k = 0;
    for (let j = 0; j < order.length; j++) {
      const p = order[j]!;
      if (escapeAt[p]! > qp[p]!) basin[k++] = p;
    }
    return basin;
  }
}

/** A binary max-heap of (IoU, component root, component version). */
class IouHeap {
  private keys = new Float64Array(1024);
  private roots = new Int32Array(1024);
  private versions = new Int32Array(1024);
  size = 0;

  clear(): void {
    this.size = 0;
  }

  topKey(): number {
    return this.keys[0]!;
  }

  topRoot(): number {
    return this.roots[0]!;
  }

  topVersion(): number {
    return this.versions[0]!;
  }

  push(key: number, root: number, version: number): void {
    if (this.size === this.keys.length) this.grow();
    const { keys, roots, versions } = this;
    let i = this.size++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (keys[up]! >= key) break;
      keys[i] = keys[up]!;
      roots[i] = roots[up]!;
      versions[i] = versions[up]!;
      i = up;
    }
    keys[i] = key;
    roots[i] = root;
    versions[i] = version;
  }

  pop(): void {
    const { keys, roots, versions } = this;
    const last = --this.size;
    if (last === 0) return;
    const key = keys[last]!,
      root = roots[last]!,
      version = versions[last]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && keys[c + 1]! > keys[c]!) c++;
      if (keys[c]! <= key) break;
      keys[i] = keys[c]!;
      roots[i] = roots[c]!;
      versions[i] = versions[c]!;
      i = c;
    }
    keys[i] = key;
    roots[i] = root;
    versions[i] = version;
  }

  private grow(): void {
    const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    this.keys = grow(this.keys, (n) => new Float64Array(n));
    this.roots = grow(this.roots, (n) => new Int32Array(n));
    this.versions = grow(this.versions, (n) => new Int32Array(n));
  }
}

/** 4 x the Euler-number contribution of a 2x2 quad pattern: Q1 - Q3 - 2 QD (8-connectivity). */
const QUAD = Int8Array.from({ length: 16 }, (_, m) => {
  const n = (m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1) + ((m >> 3) & 1);
  return (n === 1 ? 1 : 0) - (n === 3 ? 1 : 0) - (m === 9 || m === 6 ? 2 : 0);
});

/** bestIou of iou.ts for one box given by its corners: the hot path allocates no tuple. */
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
