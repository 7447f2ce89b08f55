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
import { float32Of, maxOf, prepareScoremap, quantizedLevel, quantizeScoremap, thresholdList } from '../evaluation/scoremap.js';
import { boxesAtLevel } from '../evaluation/box-extraction.js';
import { BoxAccuracy } from '../evaluation/box-accuracy.js';
import { BoxSweeper } from '../evaluation/box-sweep.js';
import { ContourTracer } from '../evaluation/contours.js';

/** The pixel grid pseudo boxes are made in: the dataset's stored image size, which the maps are resized to. */
export interface ImageGrid {
  width: number;
  height: number;
}

/** A map prepared exactly as the evaluator prepares it (bicubic resize to the grid, min-max normalisation), quantised. */
function quantised(maps: MapsSplit, i: number, grid: ImageGrid): Uint8Array {
  const { width, height } = maps.entry;
  return quantizeScoremap(prepareScoremap(float32Of(mapAt(maps, i)), width, height, grid.width, grid.height));
}

/** The τ chooseThreshold found on the val split, its GT-known box accuracy (%), and the accuracy at every τ tried. */
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
  const sweeper = new BoxSweeper(grid.width, grid.height);
  for (let i = 0; i < maps.entry.count; i++) acc.add(sweeper.singleBestIou(quantised(maps, i, grid), thresholds, split.boxes(i)));
  const best = acc.max(50);
  return { tau: best.tau, accuracy: best.value, curve: acc.curve(50) };
}

/** The single box of each map at one threshold. */
export function pseudoBoxes(maps: MapsSplit, grid: ImageGrid, tau: number): Box[] {
  const tracer = new ContourTracer(grid.width, grid.height);
  return Array.from({ length: maps.entry.count }, (_, i) => {
    const q = quantised(maps, i, grid);
    return boxesAtLevel(tracer, q, quantizedLevel(tau, maxOf(q)), 'single')[0]!;
  });
}
