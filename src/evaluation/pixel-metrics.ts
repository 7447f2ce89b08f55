/**
 * Mask metrics over all pixels of a split together: PxAP (the reference's
 * histogram-based pixel average precision), PIoU (best dataset-level pixel
 * IoU over thresholds) and the pixel precision-recall curve.
 *
 * Histogram bins are the threshold list plus right edges 1, 2, 3, exactly as
 * np.histogram(values, bins=[*arange(0, 1, step), 1, 2, 3]) assigns them.
 */
import { numpySum } from './numpy-sum.js';
import type { ScoreValues } from './scoremap.js';

/** The pixel precision-recall curve of a split, one point per threshold bin (precision is null where no pixel is predicted). */
export interface PixelCurve {
  /** Threshold (bin left edge) of each point, highest first. */
  thresholds: number[];
  precision: (number | null)[];
  recall: number[];
}

export class PixelAccumulator {
  readonly edges: Float64Array;
  private readonly step: number;
  private readonly positives: Float64Array;
  private readonly negatives: Float64Array;

  constructor(thresholds: readonly number[]) {
    this.edges = Float64Array.from([...thresholds, 1, 2, 3]);
    this.step = thresholds.length > 1 ? thresholds[1]! - thresholds[0]! : 1;
    this.positives = new Float64Array(this.edges.length - 1);
    this.negatives = new Float64Array(this.edges.length - 1);
  }

  /** Bin of a value in [0, 1]: the last edge <= value. */
  bin(v: number): number {
    const { edges } = this;
    const last = edges.length - 4; // index of the last threshold
    if (v >= 1) return last + 1;
    let b = Math.min(Math.max(Math.floor(v / this.step), 0), last);
    while (b > 0 && edges[b]! > v) b--;
    while (b < last && edges[b + 1]! <= v) b++;
    return b;
  }

  /**
   * One image: score map in [0, 1], foreground mask (non-zero = object),
   * optional ignore mask (non-zero = left out unless foreground). Values are
   * compared with the float64 edges as they are (a float32 value widens
   * exactly), as np.histogram compares them.
   */
  add(map: ScoreValues, mask: Uint8Array, ignore: Uint8Array | null): void {
    if (mask.length !== map.length || (ignore && ignore.length !== map.length)) throw new RangeError(`mask has ${mask.length} pixels, map ${map.length}`);
    // bin() inlined: this loop runs over every pixel of every image.
    const { edges, positives, negatives } = this;
    const last = edges.length - 4;
    const inverse = 1 / this.step;
    for (let i = 0; i < map.length; i++) {
      const v = map[i]!;
      let b: number;
      if (v >= 1) b = last + 1;
      else {
        b = v > 0 ? Math.min((v * inverse) | 0, last) : 0;
        while (b > 0 && edges[b]! > v) b--;
        while (b < last && edges[b + 1]! <= v) b++;
      }
      if (mask[i]) positives[b]++;
      else if (!ignore?.[i]) negatives[b]++;
    }
  }

  /** The two histograms (foreground, background pixels per bin), e.g. to merge another worker's. */
  histograms(): { positives: Float64Array; negatives: Float64Array } {
    return { positives: this.positives, negatives: this.negatives };
  }

  /** Adds histograms accumulated elsewhere over the same thresholds (counts: the order does not matter). */
  merge(h: { positives: ArrayLike<number>; negatives: ArrayLike<number> }): void {
    if (h.positives.length !== this.positives.length || h.negatives.length !== this.negatives.length) throw new RangeError('histograms of other thresholds');
    for (let i = 0; i < this.positives.length; i++) {
      this.positives[i] += h.positives[i]!;
      this.negatives[i] += h.negatives[i]!;
    }
  }

  /** tp, fp per threshold (highest bin first) and the positive count. */
  private cumulative(): { tp: Float64Array; fp: Float64Array; p: number } {
    const m = this.positives.length;
    const tp = new Float64Array(m);
    const fp = new Float64Array(m);
    let t = 0,
      f = 0;
    for (let k = 0; k < m; k++) {
      t += this.positives[m - 1 - k]!;
      f += this.negatives[m - 1 - k]!;
      tp[k] = t;
      fp[k] = f;
    }
    return { tp, fp, p: numpySum(this.positives) };
  }

  private checked(): { tp: Float64Array; fp: Float64Array; p: number } {
    const c = this.cumulative();
    if (!(c.p > 0)) throw new RangeError('no foreground pixel in the ground-truth masks: PxAP is undefined');
    if (!(c.tp[c.tp.length - 1]! + c.fp[c.fp.length - 1]! > 0)) throw new RangeError('no pixel at all was accumulated: PxAP is undefined');
    return c;
  }

  /** PxAP in percent: sum over i >= 1 with tp+fp > 0 of precision[i] * (recall[i] - recall[i-1]). */
  pxap(): number {
    const { tp, fp, p } = this.checked();
    const terms: number[] = [];
    for (let k = 1; k < tp.length; k++) {
      if (tp[k]! + fp[k]! === 0) continue;
      const precision = tp[k]! / (tp[k]! + fp[k]!);
      terms.push(precision * (tp[k]! / p - tp[k - 1]! / p));
    }
    return numpySum(terms) * 100;
  }

  /** Best dataset-level pixel IoU over thresholds, percent, and the threshold (bin edge) reaching it. */
  piou(): { value: number; tau: number } {
    const { tp, fp, p } = this.checked();
    let best = -1,
      tau = 0;
    const m = tp.length;
    for (let k = 0; k < m; k++) {
      const v = tp[k]! / (p + fp[k]!);
      if (v > best) {
        best = v;
        tau = this.edges[m - 1 - k]!;
      }
    }
    return { value: best * 100, tau };
  }

  curve(): PixelCurve {
    const { tp, fp, p } = this.checked();
    const m = tp.length;
    return {
      thresholds: Array.from({ length: m }, (_, k) => this.edges[m - 1 - k]!),
      precision: Array.from(tp, (t, k) => (t + fp[k]! > 0 ? t / (t + fp[k]!) : null)),
      recall: Array.from(tp, (t) => t / p),
    };
  }
}

/**
 * F1+ and F1- of one image (the Min-Max Entropy paper's Dice scores):
 * prediction = map >= 0.5, ground truth = mask; F1- on the complements.
 * Ignored pixels (not foreground) are left out. Two empty sets agree fully (1).
 */
export function diceScores(map: ScoreValues, mask: Uint8Array, ignore: Uint8Array | null): { f1Pos: number; f1Neg: number } {
  let both = 0,
    pred = 0,
    truth = 0,
    neither = 0,
    total = 0;
  for (let i = 0; i < map.length; i++) {
    const t = mask[i] !== 0;
    if (!t && ignore && ignore[i]) continue;
    const p = map[i]! >= 0.5;
    total++;
    if (p) pred++;
    if (t) truth++;
    if (p && t) both++;
    if (!p && !t) neither++;
  }
  const dice = (inter: number, a: number, b: number): number => (a + b === 0 ? 1 : (2 * inter) / (a + b));
  return { f1Pos: dice(both, pred, truth), f1Neg: dice(neither, total - pred, total - truth) };
}
