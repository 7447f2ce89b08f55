/**
 * Everything the evaluation spec defines, over a split of a dataset and the
 * maps (and/or boxes, class scores) of a method. Pure computation on arrays:
 * the evaluate/localization node adapts artifacts to these types.
 *
 * Threshold choice is honest: GT-known / Top-1 / Top-5 Loc use a τ chosen on
 * the `choose` split (the dataset's val split), never on the evaluated one.
 * MaxBoxAcc and MaxBoxAccV2 are maxima over τ by definition.
 */
import type { Box, ImageSize, SplitView } from '../datasets/types.js';
import { BoxAccuracy, type MaxBoxAcc } from './box-accuracy.js';
import { boxesAtLevel, type BoxMode } from './box-extraction.js';
import { BoxSweeper } from './box-sweep.js';
import { ContourTracer } from './contours.js';
import { binaryMetrics, topKAccuracy, trueClassRank, type BinaryMetrics } from './classification.js';
import { iou } from './iou.js';
import { diceScores, PixelAccumulator, type PixelCurve } from './pixel-metrics.js';
import { resizeBicubic, resizeBilinear } from './resize.js';
import { float32Of, maxOf, normalizeScoremap, quantizeScoremap, quantizedLevel, scoremapProblem, thresholdList, type ScoreValues } from './scoremap.js';
import { argmax, nearRegion, stlLocalizationAp } from './stl-localization.js';
import { MapInputError } from '../core/errors.js';

/** The ground truth of one split, as a DatasetView split provides it. */
export type GroundTruth = Pick<SplitView, 'count' | 'ids' | 'labels' | 'boxes' | 'mask' | 'ignoreMask'>;

/** A method's maps of one split as the evaluator reads them: size, the raw map of each image, and whose class the maps are. */
export interface MapSet {
  width: number;
  height: number;
  /**
   * Raw map of image i (row-major, height x width). float64 maps (imported
   * score maps) are evaluated in float64 with preprocess none, as the tool
   * evaluates a float64 .npy; the resize-normalize path is float32.
   */
  map(i: number): ScoreValues;
  /** Whose class each map is. */
  target: 'gt' | 'predicted' | 'agnostic';
}

/** Class scores: count x classes, logits or probabilities. */
export interface Scores {
  classes: number;
  values: Float32Array;
}

/** How evaluateLocalization evaluates: evaluation size, threshold step, IoU deltas, map preprocessing, NaN handling, which metric families. */
export interface LocalizationOptions {
  /** The evaluation size (the dataset's stored image size). */
  imageSize: ImageSize;
  /** τ in arange(0, 1, thresholdStep). */
  thresholdStep: number;
  /** IoU thresholds δ (percent) of MaxBoxAccV2. */
  deltas: number[];
  /** `resize-normalize`: raw maps of any size (the reference's inference path); `none`: maps are score maps already (evaluation size, [0, 1]). */
  preprocess: 'resize-normalize' | 'none';
  /** A raw map with NaN or infinity: an error naming the image, or all zeros as the reference's normalisation makes it. */
  nanMaps: 'error' | 'zero';
  /** Compute single-box metrics (MaxBoxAcc v1, GT-known, Top-1/5 Loc): one contour pass per threshold and image. */
  singleBox: boolean;
  /** STL localization AP tolerance in pixels of the evaluation grid. */
  stlTolerance: number;
  /** A fixed τ for GT-known / Top-k Loc instead of choosing it on the choice split. */
  fixedTau: number | null;
  signal?: AbortSignal;
  progress?(fraction: number, message: string): void;
}

/** Raw map -> evaluation-ready score map, with the checks the spec requires. */
export function evaluationMap(maps: MapSet, i: number, id: string, options: Pick<LocalizationOptions, 'imageSize' | 'preprocess' | 'nanMaps'>): ScoreValues {
  const raw = maps.map(i);
  const { width, height } = options.imageSize;
  if (options.preprocess === 'none') {
    if (maps.width !== width || maps.height !== height) {
      throw new MapInputError(
        `score map of image ${i} (${id}) is ${maps.height}x${maps.width}, the evaluation size is ${height}x${width} (H x W)`,
        'score maps evaluated as they are must have the dataset\'s image size; set preprocess to "resize-normalize" to resize them',
      );
    }
    const problem = scoremapProblem(raw, width, height);
    if (problem)
      throw new MapInputError(
        `score map of image ${i} (${id}) ${problem}`,
        'score maps evaluated as they are must be finite and in [0, 1]; set preprocess to "resize-normalize" to min-max normalise raw maps',
      );
    return raw;
  }
  for (let k = 0; k < raw.length; k++) {
    if (!Number.isFinite(raw[k]!)) {
      if (options.nanMaps === 'zero') return new Float32Array(width * height);
      throw new MapInputError(
        `map of image ${i} (${id}) has ${raw[k]} at (x=${k % maps.width}, y=${Math.floor(k / maps.width)})`,
        'fix the method that made the maps, or set nanMaps to "zero" to score such a map as all zeros (what wsolevaluation\'s inference does)',
      );
    }
  }
  return normalizeScoremap(resizeBicubic(float32Of(raw), maps.width, maps.height, width, height));
}

/** One pass over a split's maps: everything later metrics need, per image. */
export interface SplitSweep {
  thresholds: number[];
  /** Images with ground-truth boxes (the others take no part in box metrics). */
  boxImages: number[];
  /** Best IoU per threshold, multi-box, for each box image. */
  multi: Float64Array[];
  /** Same in single-box mode (empty when single-box metrics are off). */
  single: Float64Array[];
  pixels: PixelAccumulator | null;
  /** Per mask image: F1+, F1- (fractions). */
  dice: { index: number; f1Pos: number; f1Neg: number }[];
  /** Per image with boxes or a mask: does the bilinear map's maximum fall near the ground truth? */
  stlFound: (boolean | null)[];
}

/** What a sweep computes: multi-box and single-box IoU curves, pixel metrics, STL's argmax test. */
export interface SweepParts {
  multi: boolean;
  single: boolean;
  pixels: boolean;
  stl: boolean;
}

export function sweepSplit(gt: GroundTruth, maps: MapSet, options: LocalizationOptions, label: string, parts: SweepParts): SplitSweep {
  const thresholds = thresholdList(options.thresholdStep);
  const { width, height } = options.imageSize;
  const sweeper = new BoxSweeper(width, height);
  const out: SplitSweep = { thresholds, boxImages: [], multi: [], single: [], pixels: null, dice: [], stlFound: [] };
  for (let i = 0; i < gt.count; i++) {
    options.signal?.throwIfAborted();
    const id = gt.ids[i]!;
    const map = evaluationMap(maps, i, id, options);
    const boxes = gt.boxes(i);
    const mask = parts.pixels || parts.stl ? gt.mask(i) : null;
    if (boxes.length > 0 && (parts.multi || parts.single)) {
      const q = quantizeScoremap(map);
      out.boxImages.push(i);
      if (parts.multi) out.multi.push(sweeper.multiBestIou(q, thresholds, boxes));
      if (parts.single) out.single.push(sweeper.singleBestIou(q, thresholds, boxes));
    }
    if (mask && parts.pixels) {
      const ignore = gt.ignoreMask(i);
      out.pixels ??= new PixelAccumulator(thresholds);
      out.pixels.add(map, mask, ignore);
      out.dice.push({ index: i, ...diceScores(map, mask, ignore) });
    }
    if (!parts.stl) out.stlFound.push(null);
    else if (boxes.length > 0 || mask) {
      // STL takes the maximum of the raw map upsampled bilinearly.
      // STL's own metric (not the tool's), defined on float32 maps.
      const up = resizeBilinear(float32Of(maps.map(i)), maps.width, maps.height, width, height);
      const k = argmax(up);
      out.stlFound.push(nearRegion(k % width, Math.floor(k / width), options.stlTolerance, boxes, mask, width, height));
    } else out.stlFound.push(null);
    if (i % 16 === 15 || i === gt.count - 1) options.progress?.((i + 1) / gt.count, `${label}: ${i + 1}/${gt.count} maps`);
  }
  return out;
}

function accuracyOf(rows: readonly Float64Array[], thresholds: number[], deltas: number[]): BoxAccuracy {
  const acc = new BoxAccuracy(thresholds, deltas);
  for (const r of rows) acc.add(r);
  return acc;
}

/** One image's line in per-image.json: its class and prediction, and the IoU and box each metric family found for it. */
export interface PerImageResult {
  id: string;
  label: number;
  /** Top-1 predicted class, when scores are given. */
  predicted?: number;
  /** Rank of the true class (0 = top-1). */
  trueRank?: number;
  /** Multi-box: best IoU and the box reaching it at the τ of MaxBoxAccV2's headline δ. */
  multi?: { tau: number; iou: number; box: Box };
  /** Single-box at the τ chosen on the choice split (GT-known). */
  gtKnown?: { tau: number; iou: number; box: Box; hit: boolean };
  /** Boxes input: IoU of the first (best) box with the ground truth. */
  boxes?: { iou: number; box: Box | null; hit: boolean };
  f1Pos?: number;
  f1Neg?: number;
  stlFound?: boolean;
}

/** What evaluateLocalization returns: headline metrics in percent, the full detail, the curves over thresholds, per-image results and notes. */
export interface LocalizationReport {
  /** Headline metrics (percent), only those that apply. */
  headline: Record<string, number>;
  /** Everything, with the τ chosen and the split that chose it. */
  detail: Record<string, unknown>;
  curves: {
    thresholds: number[];
    boxAccMulti?: Record<string, number[]>;
    boxAccSingle?: Record<string, number[]>;
    boxAccSingleChoice?: number[];
    pixel?: PixelCurve;
  };
  perImage: PerImageResult[];
  notes: string[];
}

/** One split to evaluate: its ground truth, the method's maps, boxes and class scores, and the split thresholds are chosen on. */
export interface LocalizationInput {
  split: string;
  gt: GroundTruth;
  maps: MapSet | null;
  /** Predicted boxes per image (best first), in the evaluation grid. */
  boxes: readonly (readonly Box[])[] | null;
  scores: Scores | null;
  /** The split τ is chosen on (with its maps), when single-box metrics need one. */
  choose: { split: string; gt: GroundTruth; maps: MapSet } | null;
  /** Why there is no `choose`, for the note (the caller knows whether the split or only its maps are missing). */
  noChoiceNote?: string;
  /** Number of classes of the dataset (binary metrics when 2). */
  classes: number;
}

/** Computes every metric that applies to the inputs. */
export function evaluateLocalization(input: LocalizationInput, options: LocalizationOptions): LocalizationReport {
  const { gt } = input;
  const notes: string[] = [];
  const headline: Record<string, number> = {};
  const detail: Record<string, unknown> = { split: input.split, images: gt.count, thresholdStep: options.thresholdStep, deltas: options.deltas };
  const perImage: PerImageResult[] = Array.from({ length: gt.count }, (_, i) => ({ id: gt.ids[i]!, label: gt.labels[i]! }));
  const thresholds = thresholdList(options.thresholdStep);
  const curves: LocalizationReport['curves'] = { thresholds };

  // Classification.
  let ranks: Int32Array | null = null;
  if (input.scores) {
    const { classes, values } = input.scores;
    if (values.length !== classes * gt.count)
      throw new MapInputError(
        `class scores hold ${values.length} values, expected ${gt.count} images x ${classes} classes`,
        'make the scores from this dataset split',
      );
    ranks = new Int32Array(gt.count);
    for (let i = 0; i < gt.count; i++) {
      const row = values.subarray(i * classes, (i + 1) * classes);
      ranks[i] = trueClassRank(row, gt.labels[i]!);
      perImage[i]!.trueRank = ranks[i]!;
      perImage[i]!.predicted = argmax(row);
    }
    headline.top1Cls = topKAccuracy(ranks, 1);
    if (classes > 5) headline.top5Cls = topKAccuracy(ranks, 5);
    if (input.classes === 2 && classes === 2) {
      const positives = gt.labels.filter((l) => l === 1).length;
      if (positives > 0 && positives < gt.count) {
        const b: BinaryMetrics = binaryMetrics(values, gt.labels);
        Object.assign(headline, { acc: b.acc, auc: b.auc, apPos: b.apPos, apNeg: b.apNeg });
      } else notes.push(`split ${input.split} holds one class only: AUC and AP skipped`);
    }
  }

  if (input.maps) evaluateMaps(input, input.maps, options, { headline, detail, curves, perImage, notes, ranks });
  if (input.boxes) evaluateBoxList(input, input.boxes, { headline, detail, perImage, notes, ranks });
  return { headline, detail, curves, perImage, notes };
}

interface Sink {
  headline: Record<string, number>;
  detail: Record<string, unknown>;
  perImage: PerImageResult[];
  notes: string[];
  ranks: Int32Array | null;
}

function evaluateMaps(input: LocalizationInput, maps: MapSet, options: LocalizationOptions, sink: Sink & { curves: LocalizationReport['curves'] }): void {
  const { gt } = input;
  const { headline, detail, curves, perImage, notes } = sink;
  const binary = input.classes === 2 && input.scores?.classes === 2;
  const sweep = sweepSplit(gt, maps, options, input.split, { multi: true, single: options.singleBox, pixels: true, stl: binary && maps.target === 'gt' });
  const thresholds = sweep.thresholds;

  if (sweep.boxImages.length === 0) notes.push(`no image of ${input.split} has ground-truth boxes: box metrics skipped`);
  else {
    if (sweep.boxImages.length < gt.count)
      notes.push(`${gt.count - sweep.boxImages.length} images of ${input.split} have no ground-truth box and take no part in box metrics`);
    const multi = accuracyOf(sweep.multi, thresholds, options.deltas);
    const perDelta: MaxBoxAcc[] = options.deltas.map((d) => multi.max(d));
    headline.maxBoxAccV2 = multi.meanMax();
    for (const m of perDelta) headline[`maxBoxAccV2@${m.delta}`] = m.value;
    detail.maxBoxAccV2 = { value: headline.maxBoxAccV2, mode: 'multi', images: multi.count, perDelta };
    curves.boxAccMulti = Object.fromEntries(options.deltas.map((d) => [String(d), multi.curve(d)]));
    const headDelta = perDelta.find((m) => m.delta === 50) ?? perDelta[0]!;
    let singleTau: number | null = null;

    if (options.singleBox) {
      const single = accuracyOf(sweep.single, thresholds, [...new Set([50, ...options.deltas])]);
      const v1 = single.max(50);
      headline.maxBoxAcc = v1.value;
      detail.maxBoxAcc = { ...v1, mode: 'single' };
      curves.boxAccSingle = Object.fromEntries(single.deltas.map((d) => [String(d), single.curve(d)]));
      singleTau = gtKnown(input, maps, options, sweep, sink, curves);
    }
    fillBoxes(gt, maps, options, sweep.boxImages, headDelta.tau, singleTau, perImage);
  }

  if (sweep.pixels) {
    headline.pxap = sweep.pixels.pxap();
    const piou = sweep.pixels.piou();
    headline.piou = piou.value;
    detail.pxap = { value: headline.pxap, images: sweep.dice.length };
    detail.piou = piou;
    curves.pixel = sweep.pixels.curve();
    let pos = 0,
      neg = 0;
    for (const d of sweep.dice) {
      pos += d.f1Pos;
      neg += d.f1Neg;
      perImage[d.index]!.f1Pos = d.f1Pos * 100;
      perImage[d.index]!.f1Neg = d.f1Neg * 100;
    }
    headline.f1Pos = (pos * 100) / sweep.dice.length;
    headline.f1Neg = (neg * 100) / sweep.dice.length;
  } else notes.push(`no ground-truth masks in ${input.split}: PxAP, PIoU and F1 skipped`);

  if (binary) {
    if (maps.target !== 'gt') notes.push('STL localization AP needs maps of the ground-truth class (target gt): skipped');
    else {
      const images = Array.from({ length: gt.count }, (_, i) => {
        const found = sweep.stlFound[i] ?? false;
        perImage[i]!.stlFound = found;
        const v = input.scores!.values;
        return { score: v[2 * i + 1]! - v[2 * i]!, positive: gt.labels[i] === 1, found };
      });
      if (images.some((im) => im.positive)) {
        headline.stlLocAp = stlLocalizationAp(images);
        detail.stlLocAp = { value: headline.stlLocAp, tolerance: options.stlTolerance };
      }
    }
  }
}

/** GT-known Loc at a τ chosen on the choice split, and Top-1 / Top-5 Loc. */
function gtKnown(
  input: LocalizationInput,
  maps: MapSet,
  options: LocalizationOptions,
  sweep: SplitSweep,
  sink: Sink,
  curves: LocalizationReport['curves'],
): number | null {
  const { headline, detail, perImage, notes, ranks } = sink;
  const thresholds = sweep.thresholds;
  let tauIndex: number;
  let chosenOn: string;
  if (options.fixedTau !== null) {
    tauIndex = nearestIndex(thresholds, options.fixedTau);
    chosenOn = 'fixed by the tau param';
  } else if (input.choose) {
    const choice = sweepSplit(input.choose.gt, input.choose.maps, options, input.choose.split, { multi: false, single: true, pixels: false, stl: false });
    if (choice.single.length === 0) {
      notes.push(`no image of ${input.choose.split} has ground-truth boxes: GT-known / Top-k Loc skipped (give the tau param, or a split with boxes)`);
      return null;
    }
    const acc = accuracyOf(choice.single, thresholds, [50]);
    tauIndex = acc.max(50).tauIndex;
    chosenOn = input.choose.split;
    curves.boxAccSingleChoice = acc.curve(50);
  } else {
    notes.push(input.noChoiceNote ?? 'no split to choose τ on: GT-known / Top-k Loc skipped (wire maps of the val split, or give the tau param)');
    return null;
  }
  const tau = thresholds[tauIndex]!;
  let hits = 0,
    top1 = 0,
    top5 = 0;
  sweep.boxImages.forEach((i, k) => {
    const bestIou = sweep.single[k]![tauIndex]!;
    const hit = bestIou >= 0.5;
    if (hit) hits++;
    if (hit && ranks && ranks[i] === 0) top1++;
    if (hit && ranks && ranks[i]! < 5) top5++;
    // The box itself is filled by the per-image box pass (fillBoxes).
    perImage[i]!.gtKnown = { tau, iou: bestIou, box: [0, 0, 0, 0], hit };
  });
  const n = sweep.boxImages.length;
  detail.tauChoice = { tau, chosenOn, metric: 'single-box BoxAcc(τ, 50)' };
  // A class-agnostic map is the same for the true class: GT-known applies.
  if (maps.target !== 'predicted') {
    headline.gtKnownLoc = (hits * 100) / n;
    detail.gtKnownLoc = { value: headline.gtKnownLoc, tau, chosenOn, error: 100 - headline.gtKnownLoc };
  } else notes.push("maps are of the predicted class: GT-known and Top-5 Loc need the ground-truth class's maps");
  if (ranks) {
    headline.top1Loc = (top1 * 100) / n;
    detail.top1Loc = { value: headline.top1Loc, tau, chosenOn, error: 100 - headline.top1Loc };
    if (maps.target !== 'predicted') {
      headline.top5Loc = (top5 * 100) / n;
      detail.top5Loc = { value: headline.top5Loc, tau, chosenOn, error: 100 - headline.top5Loc };
    }
  }
  return tau;
}

function nearestIndex(thresholds: number[], tau: number): number {
  let best = 0;
  for (let i = 1; i < thresholds.length; i++) if (Math.abs(thresholds[i]! - tau) < Math.abs(thresholds[best]! - tau)) best = i;
  return best;
}

/**
 * The boxes behind the per-image results, in one light pass (the map is
 * prepared once per image): the multi-box box reaching the best IoU at the
 * MaxBoxAccV2 τ, and the single box at the GT-known τ when there is one.
 */
function fillBoxes(
  gt: GroundTruth,
  maps: MapSet,
  options: LocalizationOptions,
  images: number[],
  multiTau: number,
  singleTau: number | null,
  perImage: PerImageResult[],
): void {
  const tracer = new ContourTracer(options.imageSize.width, options.imageSize.height);
  for (const i of images) {
    const q = quantizeScoremap(evaluationMap(maps, i, gt.ids[i]!, options));
    const truth = gt.boxes(i);
    const multi = bestBoxAt(tracer, q, multiTau, 'multi', truth);
    perImage[i]!.multi = { tau: multiTau, iou: multi.iou, box: multi.box };
    if (singleTau !== null) perImage[i]!.gtKnown!.box = bestBoxAt(tracer, q, singleTau, 'single', truth).box;
  }
}

/** The box of a quantised map at τ with the best IoU against the ground truth (the first box if none overlaps). */
function bestBoxAt(tracer: ContourTracer, q: Uint8Array, tau: number, mode: BoxMode, truth: readonly Box[]): { box: Box; iou: number } {
  const boxes = boxesAtLevel(tracer, q, quantizedLevel(tau, maxOf(q)), mode);
  let best = -1;
  let bestBox: Box = boxes[0]!;
  for (const b of boxes) {
    for (const g of truth) {
      const v = iou(b, g);
      if (v > best) {
        best = v;
        bestBox = b;
      }
    }
  }
  return { box: bestBox, iou: best };
}

/**
 * Predicted boxes (e.g. a regressor's): the first box of an image is its
 * answer, a hit when its IoU with a ground-truth box reaches 0.5 (GT-known
 * Loc); Top-1 / Top-5 Loc add the classification condition.
 */
function evaluateBoxList(input: LocalizationInput, predicted: readonly (readonly Box[])[], sink: Sink): void {
  const { gt } = input;
  const { headline, detail, perImage, notes, ranks } = sink;
  if (predicted.length !== gt.count)
    throw new MapInputError(
      `the boxes input has ${predicted.length} images for split ${input.split}, the dataset ${gt.count}`,
      'make the boxes from this dataset split',
    );
  let n = 0,
    hits = 0,
    top1 = 0,
    top5 = 0,
    anyHits = 0;
  for (let i = 0; i < gt.count; i++) {
    const truth = gt.boxes(i);
    if (truth.length === 0) continue;
    n++;
    const first = predicted[i]![0] ?? null;
    const best = first ? Math.max(...truth.map((g) => iou(first, g))) : 0;
    const hit = best >= 0.5;
    if (hit) hits++;
    if (predicted[i]!.some((b) => truth.some((g) => iou(b, g) >= 0.5))) anyHits++;
    if (hit && ranks && ranks[i] === 0) top1++;
    if (hit && ranks && ranks[i]! < 5) top5++;
    perImage[i]!.boxes = { iou: best, box: first, hit };
  }
  if (n === 0) {
    notes.push(`no image of ${input.split} has ground-truth boxes: boxes input not evaluated`);
    return;
  }
  headline.boxGtKnownLoc = (hits * 100) / n;
  detail.boxes = { images: n, gtKnownLoc: headline.boxGtKnownLoc, anyBoxLoc: (anyHits * 100) / n, rule: 'first box of each image, IoU >= 0.5' };
  if (ranks) {
    headline.boxTop1Loc = (top1 * 100) / n;
    headline.boxTop5Loc = (top5 * 100) / n;
  }
}
