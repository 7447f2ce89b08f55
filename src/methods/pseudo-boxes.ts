/**
 * Pseudo boxes from localization maps, as SLT-Net trains its regressor: the
 * map resized to the image grid and min-max normalised exactly as the
 * evaluator does, thresholded, the box of the largest contour (the
 * evaluation spec's single-box mode). The threshold is fixed, or chosen on
 * the val split (which has localization labels) as the one with the best
 * GT-known box accuracy — never on test.
 */
import type { Box, SplitView } from '../datasets/types.js';
import { mapAt, type MapsSplit } from '../artifacts/maps.js';
import { prepareScoremap, quantizeScoremap, thresholdList } from '../evaluation/scoremap.js';
import { boxesAtThresholds } from '../evaluation/box-extraction.js';
import { bestIou } from '../evaluation/iou.js';
import { BoxAccuracy } from '../evaluation/box-accuracy.js';

export interface ImageGrid {
  width: number;
  height: number;
}

/** Single boxes of every map of a split at each threshold: [image][threshold]. */
export function boxesPerThreshold(maps: MapsSplit, grid: ImageGrid, thresholds: readonly number[]): Box[][] {
  const { width, height, count } = maps.entry;
  const out: Box[][] = [];
  for (let i = 0; i < count; i++) {
    const map = prepareScoremap(mapAt(maps, i), width, height, grid.width, grid.height);
    out.push(boxesAtThresholds(quantizeScoremap(map), grid.width, grid.height, thresholds, 'single').map((b) => b[0]!));
  }
  return out;
}

export interface ThresholdChoice {
  tau: number;
  /** GT-known box accuracy (IoU >= 0.5, %) at tau on the split it was chosen on. */
  accuracy: number;
  curve: number[];
}

/** The threshold with the best GT-known box accuracy (first maximum) on a labelled split. */
export function chooseThreshold(maps: MapsSplit, split: SplitView, grid: ImageGrid, step: number): ThresholdChoice {
  const thresholds = thresholdList(step);
  const acc = new BoxAccuracy(thresholds, [50]);
  const perImage = boxesPerThreshold(maps, grid, thresholds);
  perImage.forEach((boxes, i) => acc.add(boxes.map((b) => bestIou([b], split.boxes(i)))));
  const best = acc.max(50);
  return { tau: best.tau, accuracy: best.value, curve: acc.curve(50) };
}

/** The single box of each map at one threshold. */
export function pseudoBoxes(maps: MapsSplit, grid: ImageGrid, tau: number): Box[] {
  return boxesPerThreshold(maps, grid, [tau]).map((b) => b[0]!);
}
