import { writeFile } from 'node:fs/promises';
import { readJsonFile } from '../core/files.js';
import { join } from 'node:path';
import type { LocalizationReport, PerImageResult } from '../evaluation/localization.js';
import type { SplitName } from '../datasets/types.js';

/**
 * An evaluation artifact (evaluate/localization), beside its metrics.json:
 *
 *   evaluation.json   EvaluationDocument: headline, every detail (τ chosen, split that chose it), sources, notes, worst cases
 *   curves.json       EvaluationCurves: box accuracy and pixel precision/recall over the thresholds
 *   per-image.json    PerImageResult[]: each image's class, prediction and boxes
 *
 * The one writer and reader of that layout: the evaluate node writes it,
 * the HTML report and evaluate/parts read it.
 */
export const EVALUATION_FILES = { document: 'evaluation.json', curves: 'curves.json', perImage: 'per-image.json' } as const;

/** What was evaluated: the input digests (how a report finds the dataset and maps behind each number), the split, and the map or box method. */
export interface EvaluationSources {
  digests: { dataset: string; maps: string | null; boxes: string | null };
  split: SplitName;
  dataset: string;
  maps: { method: string; target: string; preprocess: string } | null;
  boxes: { method: string } | null;
}

/** evaluation.json: the report's headline and detail spread at the top level, with where the numbers come from. */
export type EvaluationDocument = Record<string, unknown> & {
  headline: Record<string, number>;
  /** The split evaluated (from the detail). */
  split?: SplitName;
  /** The threshold chosen for GT-known / Top-k Loc and where (from the detail). */
  tauChoice?: { tau: number; split?: SplitName };
  sources: EvaluationSources;
  notes: string[];
  /** The ten images with the lowest IoU at the headline τ. */
  worst: { id: string; iou: number }[];
};

/** curves.json: the report's curves over the thresholds. */
export type EvaluationCurves = LocalizationReport['curves'];

/** An evaluation as read back: curves and per-image results are null where their file is missing or unreadable. */
export interface EvaluationArtifact {
  document: EvaluationDocument;
  curves: EvaluationCurves | null;
  perImage: PerImageResult[] | null;
}

/** Writes the three files of an evaluation into `dir`. */
export async function writeEvaluationArtifact(
  dir: string,
  report: LocalizationReport,
  sources: EvaluationSources,
  worst: EvaluationDocument['worst'],
): Promise<void> {
  const document: EvaluationDocument = { headline: report.headline, ...report.detail, sources, notes: report.notes, worst };
  await writeFile(join(dir, EVALUATION_FILES.document), JSON.stringify(document, null, 1));
  await writeFile(join(dir, EVALUATION_FILES.curves), JSON.stringify(report.curves));
  await writeFile(join(dir, EVALUATION_FILES.perImage), JSON.stringify(report.perImage));
}

/** The evaluation in `dir`, or null when it has no (readable) evaluation.json: the input is not an evaluation. */
export async function readEvaluationArtifact(dir: string): Promise<EvaluationArtifact | null> {
  const document = await readJsonFile<EvaluationDocument>(join(dir, EVALUATION_FILES.document));
  if (!document) return null;
  return {
    document,
    curves: await readJsonFile<EvaluationCurves>(join(dir, EVALUATION_FILES.curves)),
    perImage: await readJsonFile<PerImageResult[]>(join(dir, EVALUATION_FILES.perImage)),
  };
}
