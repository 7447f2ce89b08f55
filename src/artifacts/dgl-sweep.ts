import { writeFile } from 'node:fs/promises';
import { readJsonFile } from '../core/files.js';
import { EVALUATION_FILES } from './evaluation.js';
import { join } from 'node:path';
import type { SplitName } from '../datasets/types.js';

/**
 * A DGL layer sweep artifact (sweep/dgl-layers), beside its metrics.json:
 *
 *   sweep.json        SweepDocument: the method, the splits, how the layer was chosen, one row per layer
 *   evaluation.json   the chosen layer's evaluation (headline and detail), as evaluate/localization's
 *
 * The one writer and reader of sweep.json: the sweep node writes it, the HTML report reads it.
 */
export const SWEEP_FILE = 'sweep.json';

/** One layer's row: its name (ours and the paper's), its map size, its figures on the choice split (null when none) and on the reported split. */
export interface SweepLayerRow {
  layer: string;
  paperName: string | null;
  /** `<width>x<height>` of the layer's maps. */
  mapSize: string;
  choice: Record<string, number | null> | null;
  reported: Record<string, number | null>;
}

/** sweep.json: the sweep's method label and target, its splits, the choice (or the fixed τ) and every layer's row, the chosen one marked. */
export interface SweepDocument {
  method: string;
  target: string;
  reportedSplit: SplitName;
  chooseSplit: SplitName | null;
  chooseBy: string | null;
  fixedTau: number | null;
  chosen: string | null;
  layers: (SweepLayerRow & { chosen: boolean })[];
}

/** Writes sweep.json, the chosen row marked; and evaluation.json with `evaluation` (the headline layer's). */
export async function writeSweepArtifact(
  dir: string,
  sweep: Omit<SweepDocument, 'layers'> & { layers: readonly SweepLayerRow[] },
  evaluation: Record<string, unknown>,
): Promise<void> {
  const document: SweepDocument = { ...sweep, layers: sweep.layers.map((r) => ({ ...r, chosen: r.layer === sweep.chosen })) };
  await writeFile(join(dir, SWEEP_FILE), JSON.stringify(document, null, 1));
  await writeFile(join(dir, EVALUATION_FILES.document), JSON.stringify(evaluation, null, 1));
}

/** The sweep in `dir`, or null when it has no readable sweep.json with layers: the input is not a DGL sweep. */
export async function readSweepArtifact(dir: string): Promise<SweepDocument | null> {
  const document = await readJsonFile<SweepDocument>(join(dir, SWEEP_FILE));
  return Array.isArray(document?.layers) ? document : null;
}
