/**
 * Cluttered two-digit numbers: 100 classes "00".."99". The object is a number
 * written with two real handwritten MNIST digits side by side at the same
 * scale (tens digit left, units digit right, a small random gap, a small
 * random vertical jitter); ONE box and ONE mask cover both digits (mask = the
 * union of their pixels, resized intensity > 0.5; box = its tight box).
 * Around it: whole single digits from the same split's pool (distractors,
 * never within a margin of the object's box, so they never read as a third
 * digit of the number) and fragments of digits (clutter, as in cluttered
 * MNIST). A single digit is a class-discriminative part that covers half the
 * object, so a map that lights up one digit fails at IoU 0.5 (the failure
 * WSOL methods claim to fix), classes sharing a digit are similar, and the
 * distractors make "the largest ink blob" a poor localizer. Images are grey,
 * stored as 3 equal channels; a mirrored number is not a number, so images
 * must not be flipped.
 *
 * Source digits follow cluttered MNIST's pools (partitionPools): no source
 * digit appears in two splits; within a split a digit is reused at new
 * positions and scales (the package has 10,000 digits).
 */
import { type Rng, rng } from '../../core/random.js';
import { UserError } from '../../core/errors.js';
import { resizeBilinear, greyToRgb } from '../../image/raster.js';
import { maskBox } from '../boxes.js';
import type { SplitSample } from '../store.js';
import type { Box, SplitName } from '../types.js';
import { partitionPools } from './cluttered-mnist.js';
import { cutFragment, DIGIT_SIDE, type SourceDigit } from './mnist-source.js';

/** The parameters of a two-digit-numbers dataset: canvas, images per split, digit scale and gap, distractors, clutter, labelling and seed. */
export interface TwoDigitNumbersOptions {
  /** Canvas side in pixels. */
  size: number;
  counts: Record<SplitName, number>;
  /** Range of each digit's 28-pixel MNIST frame side, as fractions of the canvas side (both digits of a number share one scale). */
  digitScale: readonly [number, number];
  /** Range of the gap between the two digits' ink boxes, as fractions of the digit frame side. */
  gap: readonly [number, number];
  /** Range of whole distractor digits per image (fewer when they do not fit). */
  distractors: readonly [number, number];
  /** Clutter fragments per 64 x 64 pixels of canvas (scaled with the canvas area). */
  clutterDensity: number;
  /** Side of a clutter fragment, as a fraction of the canvas side. */
  fragmentSize: number;
  /**
   * What an image's label names: `number` (the 100 classes "00".."99") or `place` (20 classes: "3_" = the tens
   * digit is 3, "_7" = the units digit is 7; each image carries one of its two places, chosen by a seeded draw,
   * so a classifier learns which digit sits where without ever seeing the 100 number labels: a pretraining task).
   */
  labels: TwoDigitLabels;
  /**
   * The numbers drawn, in label order (`labels: "number"`: class i is numbers[i], named by the number); absent = all
   * 100, "00".."99". A subset makes regimes: numbers that differ in one digit only are similar classes, numbers whose
   * two digits agree (00, 11, …) keep their label when either digit is hidden.
   */
  numbers?: readonly number[];
  seed: number;
}

/** How two-digit-numbers labels an image: by its whole number (100 classes) or by one of its two digit places (20 classes). */
export type TwoDigitLabels = 'number' | 'place';

/** Which source digits (package indices) an image used. */
export interface TwoDigitProvenance {
  /** [tens, units]. */
  digits: [number, number];
  distractors: number[];
  clutter: number[];
}

/** The pieces of an image, in stored pixels (inclusive boxes, like every box of the dataset). */
export interface TwoDigitParts {
  /** [tens digit's box, units digit's box]; their union is the ground-truth box. */
  parts: [Box, Box];
  /** Each distractor digit's box. */
  distractors: Box[];
}

/** A generated two-digit-numbers image for the store, with the source digits it used and the boxes of its digits and distractors. */
export interface TwoDigitSample extends SplitSample {
  provenance: TwoDigitProvenance;
  parts: TwoDigitParts;
}

export const TWO_DIGIT_CLASS_NAMES: readonly string[] = Array.from({ length: 100 }, (_, c) => String(c).padStart(2, '0'));

/** The place classes: "0_".."9_" (tens digit), then "_0".."_9" (units digit). */
export const TWO_DIGIT_PLACE_CLASS_NAMES: readonly string[] = [
  ...Array.from({ length: 10 }, (_, d) => `${d}_`),
  ...Array.from({ length: 10 }, (_, d) => `_${d}`),
];

export function twoDigitClassNames(labels: TwoDigitLabels, numbers?: readonly number[]): readonly string[] {
  if (labels === 'place') return TWO_DIGIT_PLACE_CLASS_NAMES;
  return numbers ? numbers.map((n) => TWO_DIGIT_CLASS_NAMES[n]!) : TWO_DIGIT_CLASS_NAMES;
}

/** The numbers a dataset draws from (all 100 when `numbers` is absent), checked: integers 0..99, each once, at least two. */
export function numberSet(numbers: readonly number[] | undefined): readonly number[] {
  if (!numbers) return Array.from({ length: 100 }, (_, c) => c);
  const seen = new Set<number>();
  for (const n of numbers) {
    if (!Number.isInteger(n) || n < 0 || n > 99) throw new UserError(`numbers: ${n} is not a two-digit number 0..99`, 'list integers from 0 to 99 (7 is "07")');
    if (seen.has(n)) throw new UserError(`numbers: ${n} is listed twice`, 'list each number once: its position is its label');
    seen.add(n);
  }
  if (numbers.length < 2) throw new UserError(`numbers: [${numbers.join(', ')}] has fewer than two classes`, 'list at least two numbers');
  return numbers;
}

/**
 * Image i's label under `labels`: the number's index in the number set (the number itself when all 100 are drawn),
 * or one of its two places (a separate seeded stream, so the images do not change).
 */
function labelOf(number: number, classIndex: number, labels: TwoDigitLabels, o: TwoDigitNumbersOptions, split: SplitName, i: number): number {
  if (labels === 'number') return classIndex;
  return rng(o.seed, 'two-digit-place', split, i).int(2) === 0 ? Math.floor(number / 10) : 10 + (number % 10);
}

/** Augmentation facts of the artifact: grey images; a mirrored number is not its class. */
export const TWO_DIGIT_FACTS = { grey: true, flippable: false } as const;

/** The units digit's vertical offset from the tens digit, as a fraction of the digit frame side (±). */
const JITTER = 0.08;
/**
 * Free space around the object's box and between distractors, as fractions of the number's digit frame side:
 * sideways wider than any gap between the number's digits, so no distractor reads as a third digit or two
 * distractors as another number; above and below, a digit on another line is a separate thing, so less.
 */
const MARGIN = { x: 0.25, y: 0.1 } as const;
const PLACEMENT_TRIES = 30;

/** A digit resized to a square patch, with the box of its ink (> 0.5) and of every pixel it touches (> 0), in patch pixels. */
interface Patch {
  side: number;
  data: Float32Array;
  ink: Box;
  support: Box;
}

function patchBox(data: Float32Array, side: number, level: number): Box | null {
  let x0 = side;
  let y0 = side;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (data[y * side + x]! <= level) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? null : [x0, y0, x1, y1];
}

function scaled(d: SourceDigit, side: number): Float32Array {
  return resizeBilinear({ width: DIGIT_SIDE, height: DIGIT_SIDE, channels: 1, data: d.pixels }, side, side).data;
}

function digitPatch(d: SourceDigit, side: number): Patch {
  const data = scaled(d, side);
  const ink = patchBox(data, side, 0.5);
  const support = patchBox(data, side, 0);
  if (!ink || !support) throw new Error(`MNIST digit ${d.sourceIndex} has no pixel above 0.5 at side ${side}`);
  return { side, data, ink, support };
}

function frameSide(r: Rng, o: TwoDigitNumbersOptions): number {
  return Math.max(8, Math.min(o.size, Math.round(r.uniform(o.digitScale[0], o.digitScale[1]) * o.size)));
}

/** Max-blends a patch whose top-left corner is at (x0, y0), clipped to the canvas. */
function stamp(canvas: Float32Array, n: number, data: Float32Array, side: number, x0: number, y0: number): void {
  const ya = Math.max(0, -y0);
  const yb = Math.min(side, n - y0);
  const xa = Math.max(0, -x0);
  const xb = Math.min(side, n - x0);
  for (let y = ya; y < yb; y++) {
    const row = (y0 + y) * n + x0;
    for (let x = xa; x < xb; x++) {
      const v = data[y * side + x]!;
      if (v > canvas[row + x]!) canvas[row + x] = v;
    }
  }
}

function shift(b: Box, dx: number, dy: number): Box {
  return [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy];
}

/** Whether two inclusive boxes share a pixel once `a` is grown by `mx` pixels sideways and `my` up and down. */
function near(a: Box, b: Box, mx: number, my: number): boolean {
  return a[0] - mx <= b[2] && b[0] <= a[2] + mx && a[1] - my <= b[3] && b[1] <= a[3] + my;
}

/** The number's layout relative to the tens frame's corner: where the units frame goes and the union of the ink boxes. */
function layout(tens: Patch, units: Patch, gap: number, jitter: number): { ux: number; uy: number; union: Box } {
  const ux = tens.ink[2] + 1 + gap - units.ink[0];
  const uy = jitter;
  const u = shift(units.ink, ux, uy);
  const union: Box = [tens.ink[0], Math.min(tens.ink[1], u[1]), u[2], Math.max(tens.ink[3], u[3])];
  return { ux, uy, union };
}

/** A clutter fragment: a window of a scaled digit with some ink (a few tries, then whatever came last). */
function fragment(r: Rng, d: SourceDigit, o: TwoDigitNumbersOptions): { data: Float32Array; side: number } {
  const side = frameSide(r, o);
  const digit = scaled(d, side);
  return cutFragment(r, digit, side, Math.max(2, Math.min(side, Math.round(o.fragmentSize * o.size))));
}

function pickOther(r: Rng, pool: readonly SourceDigit[], avoid: readonly SourceDigit[]): SourceDigit {
  if (pool.length <= avoid.length) return r.pick(pool);
  let d = r.pick(pool);
  while (avoid.includes(d)) d = r.pick(pool);
  return d;
}

function render(
  tensDigit: SourceDigit,
  unitsDigit: SourceDigit,
  pool: readonly SourceDigit[],
  r: Rng,
  o: TwoDigitNumbersOptions,
): Omit<TwoDigitSample, 'split' | 'id' | 'label'> {
  const n = o.size;
  const canvas = new Float32Array(n * n);
  const own = [tensDigit, unitsDigit];

  // The number: one scale for both digits, shrunk (rarely, at the largest scales) until it fits the canvas.
  let side = frameSide(r, o);
  const gapFraction = r.uniform(o.gap[0], o.gap[1]);
  const jitterFraction = r.uniform(-JITTER, JITTER);
  let tens: Patch;
  let units: Patch;
  let lay: ReturnType<typeof layout>;
  for (;;) {
    tens = digitPatch(tensDigit, side);
    units = digitPatch(unitsDigit, side);
    lay = layout(tens, units, Math.max(1, Math.round(gapFraction * side)), Math.round(jitterFraction * side));
    const [x0, y0, x1, y1] = lay.union;
    if ((x1 - x0 < n && y1 - y0 < n) || side <= 8) break;
    side = Math.max(8, Math.floor(side * 0.9));
  }
  const { ux, uy, union } = lay;
  // The tens frame's corner, so that the union of the ink boxes lies inside the canvas.
  const ox = -union[0] + r.int(Math.max(1, n - (union[2] - union[0])));
  const oy = -union[1] + r.int(Math.max(1, n - (union[3] - union[1])));
  const parts: [Box, Box] = [shift(tens.ink, ox, oy), shift(units.ink, ox + ux, oy + uy)];
  const objectBox: Box = shift(union, ox, oy);
  // Sideways, the free space stays wider than the widest gap the options allow.
  const mx = Math.max(2, Math.round(Math.max(MARGIN.x, o.gap[1] + 0.1) * side));
  const my = Math.max(1, Math.round(MARGIN.y * side));

  // Distractors: whole digits away from the number and from each other.
  const distractorBoxes: Box[] = [];
  const distractorSources: number[] = [];
  const taken: Box[] = [];
  const wanted = o.distractors[0] + r.int(o.distractors[1] - o.distractors[0] + 1);
  for (let k = 0; k < wanted; k++) {
    const d = pickOther(r, pool, own);
    const p = digitPatch(d, frameSide(r, o));
    const w = p.ink[2] - p.ink[0];
    const h = p.ink[3] - p.ink[1];
    if (w >= n || h >= n) continue;
    for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      const px = -p.ink[0] + r.int(n - w);
      const py = -p.ink[1] + r.int(n - h);
      const support = shift(p.support, px, py);
      if (near(objectBox, support, mx, my) || taken.some((t) => near(t, support, mx, my))) continue;
      stamp(canvas, n, p.data, p.side, px, py);
      taken.push(support);
      distractorBoxes.push(shift(p.ink, px, py));
      distractorSources.push(d.sourceIndex);
      break;
    }
  }

  // Clutter: fragments of other digits anywhere, as in cluttered MNIST.
  const clutter: number[] = [];
  const fragments = Math.round((o.clutterDensity * n * n) / (64 * 64));
  for (let k = 0; k < fragments; k++) {
    const d = pickOther(r, pool, own);
    const f = fragment(r, d, o);
    stamp(canvas, n, f.data, f.side, r.int(n - f.side + 1), r.int(n - f.side + 1));
    clutter.push(d.sourceIndex);
  }

  // The number itself, and its mask: the union of both digits' pixels.
  const mask = new Uint8Array(n * n);
  for (const [p, x0, y0] of [
    [tens, ox, oy],
    [units, ox + ux, oy + uy],
  ] as const) {
    stamp(canvas, n, p.data, p.side, x0, y0);
    for (let y = p.ink[1]; y <= p.ink[3]; y++) for (let x = p.ink[0]; x <= p.ink[2]; x++) if (p.data[y * p.side + x]! > 0.5) mask[(y0 + y) * n + x0 + x] = 1;
  }
  const box = maskBox(mask, n, n);
  if (!box) throw new Error(`digits ${tensDigit.sourceIndex}, ${unitsDigit.sourceIndex}: empty mask`);
  const grey = new Uint8Array(n * n);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(Math.min(1, canvas[i]!) * 255);
  return {
    originalSize: { width: n, height: n },
    boxes: [box],
    image: greyToRgb(grey),
    mask,
    provenance: { digits: [tensDigit.sourceIndex, unitsDigit.sourceIndex], distractors: distractorSources, clutter },
    parts: { parts, distractors: distractorBoxes },
  };
}

/**
 * The samples of every split, in order (train, val, test), each with its provenance and parts. Labels are
 * balanced: each run of as many images as there are numbers (100 by default) holds every number once, in a
 * seeded order. Each class's digits
 * are used in a seeded order, every one once before any twice; everything else about image i of a split
 * draws from its own stream (seed, split, i). The dataset is a pure function of the options.
 */
export function* twoDigitNumbers(o: TwoDigitNumbersOptions): Generator<TwoDigitSample> {
  const numbers = numberSet(o.numbers);
  const k = numbers.length;
  const pools = partitionPools(o);
  for (const split of ['train', 'val', 'test'] as const) {
    const pool = pools[split];
    const count = o.counts[split];
    if (count === 0) continue;
    const byClass = Array.from({ length: 10 }, (_, d) => rng(o.seed, 'two-digit-order', split, d).shuffle(pool.filter((s) => s.label === d)));
    const missing = byClass.findIndex((digits) => digits.length === 0);
    if (missing >= 0)
      throw new UserError(
        `the ${split} pool (${pool.length} source digits) has no digit ${missing}`,
        `the train and val pools split 8,000 digits in proportion to the train and val counts (${o.counts.train}, ${o.counts.val}): make ${split} a larger share`,
      );
    const used = new Array<number>(10).fill(0);
    const next = (d: number): SourceDigit => {
      const digits = byClass[d]!;
      return digits[used[d]!++ % digits.length]!;
    };
    let order: number[] = [];
    for (let i = 0; i < count; i++) {
      // The stream of the default (all 100) is the one datasets were made with before `numbers` existed.
      if (i % k === 0) order = rng(o.seed, 'two-digit-labels', split, i / k).shuffle(Array.from({ length: k }, (_, c) => c));
      const classIndex = order[i % k]!;
      const number = numbers[classIndex]!;
      const tens = next(Math.floor(number / 10));
      const units = next(number % 10);
      const sample = render(tens, units, pool, rng(o.seed, 'two-digit-image', split, i), o);
      yield { ...sample, label: labelOf(number, classIndex, o.labels, o, split, i), split, id: `${split}/${String(i).padStart(5, '0')}` };
    }
  }
}
