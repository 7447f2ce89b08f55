/**
 * Cluttered MNIST: one real handwritten digit at a random scale and position
 * on a black canvas, plus clutter made of fragments of other digits (as in
 * the cluttered MNIST of Mnih et al.'s attention models). Label = the digit;
 * mask = the digit's own pixels (resized intensity > 0.5) after placement;
 * box = the tight box of that mask. Images are grey, stored as 3 equal
 * channels so every backbone takes them like colour images.
 */
import { rng, type Rng } from '../../core/random.js';
import { resizeBilinear, greyToRgb } from '../../image/raster.js';
import { maskBox } from '../boxes.js';
import type { SplitSample } from '../store.js';
import type { SplitName } from '../types.js';
import { cutFragment, DIGIT_SIDE, mnistPools, type SourceDigit } from './mnist-source.js';

/** The parameters of a cluttered MNIST dataset as the dataset/cluttered-mnist node passes them: canvas, split counts, digit scale, clutter, seed. */
export interface ClutteredMnistOptions {
  /** Canvas side in pixels. */
  size: number;
  counts: Record<SplitName, number>;
  /** Range of the digit patch's side (the 28-pixel MNIST frame), as fractions of the canvas side. */
  digitScale: readonly [number, number];
  /** Clutter fragments per 64 x 64 pixels of canvas (scaled with the canvas area). */
  clutterDensity: number;
  /** Side of a clutter fragment, as a fraction of the canvas side. */
  fragmentSize: number;
  seed: number;
}

/** Which source digits an image used: its digit, then the digits its clutter came from. */
export interface Provenance {
  digit: number;
  clutter: number[];
}

export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Augmentation facts of the artifact: grey images (3 equal channels); a mirrored digit is not its class (2, 3, 7…). */
export const CLUTTERED_MNIST_FACTS = { grey: true, flippable: false } as const;

/**
 * Splits the training pool into train and val parts in proportion to the requested counts; the test pool is
 * the fixed one of mnist-source. Shared with the other MNIST generators, so that none puts a digit in two splits.
 */
export function partitionPools(o: Pick<ClutteredMnistOptions, 'seed' | 'counts'>): Record<SplitName, SourceDigit[]> {
  const pools = mnistPools();
  const shuffled = rng(o.seed, 'mnist-pool').shuffle([...pools.train]);
  const { train, val } = o.counts;
  let nVal = train + val === 0 ? 0 : Math.round((shuffled.length * val) / (train + val));
  if (val > 0) nVal = Math.max(1, nVal);
  if (train > 0) nVal = Math.min(nVal, shuffled.length - 1);
  return { train: shuffled.slice(nVal), val: shuffled.slice(0, nVal), test: [...pools.test] };
}

function blendMax(canvas: Float32Array, size: number, patch: Float32Array, pw: number, ph: number, x0: number, y0: number): void {
  for (let y = 0; y < ph; y++) {
    const row = (y0 + y) * size + x0;
    for (let x = 0; x < pw; x++) {
      const v = patch[y * pw + x]!;
      if (v > canvas[row + x]!) canvas[row + x] = v;
    }
  }
}

function scaledDigit(d: SourceDigit, side: number): Float32Array {
  return resizeBilinear({ width: DIGIT_SIDE, height: DIGIT_SIDE, channels: 1, data: d.pixels }, side, side).data;
}

function patchSide(r: Rng, o: ClutteredMnistOptions): number {
  return Math.max(4, Math.min(o.size, Math.round(r.uniform(o.digitScale[0], o.digitScale[1]) * o.size)));
}

/** A fragment: a window of a scaled digit that contains some ink (a few tries, then whatever came last). */
function fragment(r: Rng, d: SourceDigit, o: ClutteredMnistOptions): { data: Float32Array; side: number } {
  const side = patchSide(r, o);
  const scaled = scaledDigit(d, side);
  return cutFragment(r, scaled, side, Math.max(2, Math.min(side, Math.round(o.fragmentSize * o.size))));
}

function render(
  digit: SourceDigit,
  pool: readonly SourceDigit[],
  r: Rng,
  o: ClutteredMnistOptions,
): { sample: Omit<SplitSample, 'split' | 'id'>; provenance: Provenance } {
  const n = o.size;
  const canvas = new Float32Array(n * n);
  const clutter: number[] = [];
  const fragments = Math.round((o.clutterDensity * n * n) / (64 * 64));
  for (let k = 0; k < fragments && pool.length > 1; k++) {
    let other = r.pick(pool);
    while (other === digit) other = r.pick(pool);
    const frag = fragment(r, other, o);
    blendMax(canvas, n, frag.data, frag.side, frag.side, r.int(n - frag.side + 1), r.int(n - frag.side + 1));
    clutter.push(other.sourceIndex);
  }
  const side = patchSide(r, o);
  const patch = scaledDigit(digit, side);
  const x0 = r.int(n - side + 1);
  const y0 = r.int(n - side + 1);
  blendMax(canvas, n, patch, side, side, x0, y0);
  const mask = new Uint8Array(n * n);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) if (patch[y * side + x]! > 0.5) mask[(y0 + y) * n + x0 + x] = 1;
  const box = maskBox(mask, n, n);
  if (!box) throw new Error(`MNIST digit ${digit.sourceIndex} has no pixel above 0.5 at side ${side}`);
  const grey = new Uint8Array(n * n);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(Math.min(1, canvas[i]!) * 255);
  return {
    sample: { label: digit.label, originalSize: { width: n, height: n }, boxes: [box], image: greyToRgb(grey), mask },
    provenance: { digit: digit.sourceIndex, clutter },
  };
}

/**
 * The samples of every split, in order (train, val, test), and which source
 * digits each image used. Each image draws from its own random stream
 * (seed, split, index), so the dataset is a pure function of the options.
 */
export function* clutteredMnist(o: ClutteredMnistOptions, provenance?: Record<SplitName, Provenance[]>): Generator<SplitSample> {
  const pools = partitionPools(o);
  for (const split of ['train', 'val', 'test'] as const) {
    const pool = pools[split];
    const count = o.counts[split];
    if (count > 0 && pool.length === 0) throw new Error(`no source digits for split ${split}`);
    // Every source digit is used once before any is used twice.
    const order = rng(o.seed, 'mnist-order', split).shuffle([...pool]);
    for (let i = 0; i < count; i++) {
      const { sample, provenance: p } = render(order[i % order.length]!, pool, rng(o.seed, 'mnist-image', split, i), o);
      provenance?.[split].push(p);
      yield { ...sample, split, id: `${split}/${String(i).padStart(5, '0')}` };
    }
  }
}
