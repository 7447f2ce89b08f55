/**
 * Smooth random score maps (sums of Gaussian bumps plus a little noise) and
 * ground-truth boxes, deterministic from a seed: the inputs of the
 * evaluation tests and benchmark. Not used by any node.
 */
import type { Box } from '../../src/evaluation/iou.js';
import { rng as streams } from '../../src/core/random.js';

/** Uniform numbers in [0, 1) from a seed (the project's seeded streams, src/core/random.ts). */
export function rng(seed: number): () => number {
  return streams(seed, 'evaluation-maps').next;
}

interface Blob {
  x: number;
  y: number;
  s: number;
  a: number;
}

/** A width x height map in [0, 1] (min 0, max 1 unless constant) with `bumps` blobs and `noise` amplitude. */
export function smoothMap(rand: () => number, width: number, height: number, bumps = 1 + Math.floor(rand() * 4), noise = 0.05): Float32Array {
  return mapOfBlobs(rand, width, height, randomBlobs(rand, width, height, bumps), noise);
}

function randomBlobs(rand: () => number, width: number, height: number, bumps: number): Blob[] {
  return Array.from({ length: bumps }, () => ({ x: rand() * width, y: rand() * height, s: 1 + (rand() * Math.min(width, height)) / 4, a: 0.2 + rand() }));
}

function mapOfBlobs(rand: () => number, width: number, height: number, blobs: Blob[], noise: number): Float32Array {
  // Gaussians are separable: one row and one column profile per blob.
  const gx = blobs.map((b) => Float64Array.from({ length: width }, (_, x) => Math.exp(-((x - b.x) ** 2) / (2 * b.s * b.s))));
  const gy = blobs.map((b) => Float64Array.from({ length: height }, (_, y) => b.a * Math.exp(-((y - b.y) ** 2) / (2 * b.s * b.s))));
  const raw = new Float64Array(width * height);
  let lo = Infinity,
    hi = -Infinity;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = noise ? noise * rand() : 0;
      for (let k = 0; k < blobs.length; k++) v += gy[k]![y]! * gx[k]![x]!;
      raw[y * width + x] = v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  // Normalise in double, then round once: values stay within [0, 1].
  return Float32Array.from(raw, (v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
}

/**
 * A smooth map whose strongest blob is "the object": its ground-truth box
 * (the blob's centre +- 1.5 sigma, clipped) and mask (the ellipse inside it).
 * Other blobs are distractors, so box accuracies land in a realistic range.
 */
export function mapWithObject(rand: () => number, width: number, height: number): { map: Float32Array; box: Box; mask: Uint8Array } {
  const blobs = randomBlobs(rand, width, height, 1 + Math.floor(rand() * 4));
  blobs[0]!.a = 1.3; // the object outshines the distractors (a <= 1.2)
  const map = mapOfBlobs(rand, width, height, blobs, 0);
  const o = blobs[0]!;
  const r = 1.5 * o.s;
  const clip = (v: number, n: number): number => Math.min(Math.max(Math.round(v), 0), n - 1);
  const box: Box = [clip(o.x - r, width), clip(o.y - r, height), clip(o.x + r, width), clip(o.y + r, height)];
  const mask = Uint8Array.from({ length: width * height }, (_, i) => (((i % width) - o.x) ** 2 + (Math.floor(i / width) - o.y) ** 2 <= r * r ? 1 : 0));
  return { map, box, mask };
}

/** 1..maxBoxes random boxes inside a width x height image. */
export function randomBoxes(rand: () => number, width: number, height: number, maxBoxes = 2): Box[] {
  return Array.from({ length: 1 + Math.floor(rand() * maxBoxes) }, () => {
    const x0 = Math.floor(rand() * width),
      y0 = Math.floor(rand() * height);
    return [x0, y0, x0 + Math.floor(rand() * (width - x0)), y0 + Math.floor(rand() * (height - y0))] as Box;
  });
}
