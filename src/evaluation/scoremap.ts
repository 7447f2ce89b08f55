/**
 * Score maps as the evaluator sees them: H x W in [0, 1], float32 (our
 * maps, and the reference's inference) or float64 (score maps imported from
 * float64 .npy files, which the community tool evaluates in float64).
 * prepareScoremap is the reference's inference-side path (resize bicubic to
 * the evaluation size, then min-max normalise); checkScoremap is the
 * evaluator-side validation (an invalid map is an error, never a silent zero).
 */
import { resizeBicubic } from './resize.js';

const f = Math.fround;

/** The values of a score map: float32, or float64 where the source had float64. */
export type ScoreValues = Float32Array | Float64Array;

/**
 * The values as float32 (the same array when they are float32 already), for
 * the paths defined in float32: the reference's resize and normalisation of
 * raw maps run on float32 tensors whatever a map was saved as.
 */
export function float32Of(values: ScoreValues): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/** A float32 score map with its size: width * height values in [0, 1], row-major. */
export interface Scoremap {
  width: number;
  height: number;
  /** width * height float32 values, row-major. */
  data: Float32Array;
}

/** Why a score map cannot be evaluated, or null when it can. */
export function scoremapProblem(map: ScoreValues, width: number, height: number): string | null {
  if (map.length !== width * height) return `has ${map.length} values, expected ${height}x${width} (H x W)`;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (Number.isNaN(v)) return `has NaN at (x=${i % width}, y=${Math.floor(i / width)})`;
    if (!(v >= 0 && v <= 1)) return `has ${v} at (x=${i % width}, y=${Math.floor(i / width)}), outside [0, 1]`;
  }
  return null;
}

/** Throws a RangeError naming the map when it is not a valid score map. */
export function checkScoremap(map: ScoreValues, width: number, height: number, name = 'score map'): void {
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

/**
 * (map * 255).astype(uint8) as numpy computes it for the map's dtype: for a
 * float32 map the product is rounded to float32 before truncation, for a
 * float64 map it stays a double. The two differ where v * 255 lies just
 * under an integer (float32 rounds it up to the integer, a level higher).
 */
export function quantizeScoremap(map: ScoreValues): Uint8Array {
  const q = new Uint8Array(map.length);
  if (map instanceof Float64Array) for (let i = 0; i < map.length; i++) q[i] = Math.trunc(map[i]! * 255);
  else for (let i = 0; i < map.length; i++) q[i] = Math.trunc(f(map[i]! * 255));
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
