import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Box, SplitName } from '../datasets/types.js';

/**
 * A `boxes` artifact: predicted boxes per image of each split it covers, in
 * the pixel grid of the dataset's stored `imageSize` (inclusive corners),
 * plus optionally class scores per image.
 *
 *   boxes.json   BoxesArtifact (one file: boxes are small)
 */
export const BOXES_FILE = 'boxes.json';

/** One split of a boxes artifact: image ids and, per image, its predicted boxes and optionally its class scores. */
export interface BoxesSplit {
  ids: string[];
  /** Boxes of each image, best first (single-box methods give one). */
  boxes: Box[][];
  /** Class scores per image (for Top-1/Top-5 Loc), or absent. */
  scores?: number[][];
}

/** The contents of boxes.json (version 1), written by the pseudo-box and box-prediction nodes and read by evaluation and the regressor's training. */
export interface BoxesArtifact {
  format: 'wsol-run-boxes';
  version: 1;
  /** Width and height of the grid the boxes are in. */
  imageSize: { width: number; height: number };
  /** How they were made, e.g. `pseudo:cam@0.2`, `regressor`. */
  method: string;
  splits: Partial<Record<SplitName, BoxesSplit>>;
}

export async function writeBoxesArtifact(dir: string, artifact: Omit<BoxesArtifact, 'format' | 'version'>): Promise<void> {
  const full: BoxesArtifact = { format: 'wsol-run-boxes', version: 1, ...artifact };
  await writeFile(join(dir, BOXES_FILE), JSON.stringify(full));
}

export async function readBoxesArtifact(dir: string): Promise<BoxesArtifact> {
  const artifact = JSON.parse(await readFile(join(dir, BOXES_FILE), 'utf8')) as BoxesArtifact;
  if (artifact.format !== 'wsol-run-boxes' || artifact.version !== 1) throw new Error(`${join(dir, BOXES_FILE)} is not a wsol-run boxes artifact (version 1)`);
  return artifact;
}
