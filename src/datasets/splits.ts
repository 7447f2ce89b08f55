/**
 * Carving the validation split (localization labels, for choosing
 * thresholds and layers) out of an official training split, stratified by
 * class and seeded, so the same params always give the same split.
 */
import { rng } from '../core/random.js';

/** How many images of each class carveValidation moves from the official training split to `val`: a count per class or a fraction. */
export interface ValidationCarve {
  /** Images per class moved to `val` (used when `fraction` is not given). */
  perClass?: number;
  /** Fraction of each class moved to `val`, rounded to the nearest count. Overrides perClass. */
  fraction?: number;
}

/** The result of carveValidation: which images of the official training split stay in `train` and which go to `val`. */
export interface CarvedSplit {
  /** Indices into the input, ascending. */
  train: number[];
  val: number[];
}

/**
 * Splits `labels` (one class index per training image) into train and val.
 * Each class keeps at least one training image, so a class is never absent
 * from training because of the carve.
 */
export function carveValidation(labels: readonly number[], carve: ValidationCarve, seed: number): CarvedSplit {
  const byClass = new Map<number, number[]>();
  labels.forEach((c, i) => {
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  });
  const inVal = new Uint8Array(labels.length);
  for (const [c, members] of [...byClass].sort((a, b) => a[0] - b[0])) {
    const wanted = carve.fraction !== undefined ? Math.round(carve.fraction * members.length) : (carve.perClass ?? 0);
    const k = Math.max(0, Math.min(wanted, members.length - 1));
    const shuffled = rng(seed, 'val-carve', c).shuffle([...members]);
    for (const i of shuffled.slice(0, k)) inVal[i] = 1;
  }
  const train: number[] = [];
  const val: number[] = [];
  inVal.forEach((v, i) => (v ? val : train).push(i));
  return { train, val };
}
