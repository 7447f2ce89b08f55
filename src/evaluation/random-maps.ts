/**
 * Smooth random score maps (sums of Gaussian bumps plus a little noise) and
 * ground-truth boxes, deterministic from a seed: the inputs of the
 * evaluation tests and benchmark. Not used by any node.
 */
import type { Box } from './iou.js';

/** mulberry32: a small, fast, seedable generator. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A width x height map in [0, 1] (min 0, max 1 unless constant) with `bumps` blobs and `noise` amplitude. */
export function smoothMap(rand: () => number, width: number, height: number, bumps = 1 + Math.floor(rand() * 4), noise = 0.05): Float32Array {
  const blobs = Array.from({ length: bumps }, () => ({ x: rand() * width, y: rand() * height, s: 1 + (rand() * Math.min(width, height)) / 4, a: 0.2 + rand() }));
  const raw = new Float64Array(width * height);
  let lo = Infinity, hi = -Infinity;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = noise * rand();
      for (const b of blobs) v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.s * b.s));
      raw[y * width + x] = v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  // Normalise in double, then round once: values stay within [0, 1].
  return Float32Array.from(raw, (v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
}

/** 1..maxBoxes random boxes inside a width x height image. */
export function randomBoxes(rand: () => number, width: number, height: number, maxBoxes = 2): Box[] {
  return Array.from({ length: 1 + Math.floor(rand() * maxBoxes) }, () => {
    const x0 = Math.floor(rand() * width), y0 = Math.floor(rand() * height);
    return [x0, y0, x0 + Math.floor(rand() * (width - x0)), y0 + Math.floor(rand() * (height - y0))] as Box;
  });
}
