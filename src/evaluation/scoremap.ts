/**
 * Score maps as the evaluator sees them: H x W float32 in [0, 1].
 * prepareScoremap is the reference's inference-side path (resize bicubic to
 * the evaluation size, then min-max normalise); checkScoremap is the
 * evaluator-side validation (an invalid map is an error, never a silent zero).
 */
import { resizeBicubic } from './resize.js';

const f = Math.fround;

export interface Scoremap {
  width: number;
  height: number;
  /** width * height float32 values, row-major. */
  data: Float32Array;
}

/** Why a score map cannot be evaluated, or null when it can. */
export function scoremapProblem(map: Float32Array, width: number, height: number): string | null {
  if (map.length !== width * height) return `has ${map.length} values, expected ${height}x${width} (H x W)`;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (Number.isNaN(v)) return `has NaN at (x=${i % width}, y=${Math.floor(i / width)})`;
    if (!(v >= 0 && v <= 1)) return `has ${v} at (x=${i % width}, y=${Math.floor(i / width)}), outside [0, 1]`;
  }
  return null;
}

/** Throws a RangeError naming the map when it is not a valid score map. */
export function checkScoremap(map: Float32Array, width: number, height: number, name = 'score map'): void {
  const problem = scoremapProblem(map, width, height);
  if (problem) throw new RangeError(`${name} ${problem}`);
}

/**
 * Min-max normalisation in float32 (cam -= min; cam /= max). A map with a
 * NaN, or with min == max, becomes all zeros, as the reference does.
 */
export function normalizeScoremap(map: Float32Array): Float32Array {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (Number.isNaN(v)) return new Float32Array(map.length);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo < hi)) return new Float32Array(map.length);
  const out = new Float32Array(map.length);
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = f(map[i]! - lo);
    out[i] = v;
    if (v > max) max = v;
  }
  for (let i = 0; i < out.length; i++) out[i] = f(out[i]! / max);
  return out;
}

/** Raw map of any size -> evaluation-ready score map: bicubic resize, then normalise. */
export function prepareScoremap(raw: Float32Array, width: number, height: number, outWidth: number, outHeight: number): Float32Array {
  return normalizeScoremap(resizeBicubic(raw, width, height, outWidth, outHeight));
}

/** uint8(floor(map * 255)) with the product rounded to float32, as numpy does for a float32 map. */
export function quantizeScoremap(map: Float32Array): Uint8Array {
  const q = new Uint8Array(map.length);
  for (let i = 0; i < map.length; i++) q[i] = Math.trunc(f(map[i]! * 255));
  return q;
}

/** np.arange(0, 1, step): 0 included, 1 excluded, values i * step in double. */
export function thresholdList(step: number): number[] {
  if (!(step > 0 && step < 1)) throw new RangeError(`threshold step ${step} must be in (0, 1)`);
  const n = Math.ceil(1 / step);
  return Array.from({ length: n }, (_, i) => i * step);
}

/** The uint8 level a threshold τ gives for a quantised map: int(τ * max(q)). Foreground is q > level. */
export function quantizedLevel(tau: number, maxQ: number): number {
  return Math.trunc(tau * maxQ);
}

export function maxOf(q: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < q.length; i++) if (q[i]! > m) m = q[i]!;
  return m;
}
