/**
 * GlaS (MICCAI 2015 Gland Segmentation Challenge, Warwick-QU): one folder of
 * train_k.bmp, testA_k.bmp, testB_k.bmp, each with a k_anno.bmp annotation
 * (0 background, glands numbered 1..n), and Grade.csv with columns
 * name, patient ID, grade (GlaS), grade (Sirinukunwattana et al. 2015),
 * whose values carry leading spaces. Classes are the GlaS grade (benign,
 * malignant); the mask is every gland; each gland also gives a box (its
 * tight box in original pixels, our addition: the format has no boxes).
 * train_* -> train (val carved out per class), testA_* and testB_* -> test.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetInputError, at } from '../../core/errors.js';
import { carveValidation, type ValidationCarve } from '../splits.js';
import type { DatasetInfo, SplitName } from '../types.js';
import { readTable } from './text-table.js';
import { writeFileDataset, type ImageRecord } from './file-dataset.js';

export const GLAS_CLASSES = ['benign', 'malignant'] as const;

/** The parameters of building the GlaS dataset from its Warwick_QU_Dataset folder: root, stored side in pixels, and the val carve. */
export interface GlasOptions {
  root: string;
  imageSize: number;
  val: ValidationCarve;
  seed: number;
  concurrency?: number;
  signal?: AbortSignal;
  progress?: (done: number, total: number) => void;
}

const WHERE_FROM =
  'expected the Warwick_QU_Dataset folder of the GlaS challenge (MICCAI 2015, University of Warwick) holding train_k.bmp / testA_k.bmp / testB_k.bmp, their _anno.bmp annotations and Grade.csv (https://warwick.ac.uk/fac/cross_fac/tia/data/glascontest/); point the root param at it (`wsol-run plan` names the --set to type)';

export async function buildGlas(outDir: string, o: GlasOptions): Promise<DatasetInfo> {
  const root = resolve(o.root);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new DatasetInputError(`GlaS root ${root} does not exist or is not a directory`, WHERE_FROM);
  const rows = await readTable(
    join(root, 'Grade.csv'),
    { separator: 'comma', fields: [4], layout: 'name, patient ID, grade (GlaS), grade (Sirinukunwattana et al. 2015)' },
    WHERE_FROM,
  );
  const body = rows[0] && rows[0].fields[0]!.toLowerCase() === 'name' ? rows.slice(1) : rows;
  const pool: Record<'train' | 'test', ImageRecord[]> = { train: [], test: [] };
  const seen = new Map<string, number>();
  for (const r of body) {
    const name = r.fields[0]!;
    const grade = r.fields[2]!.toLowerCase();
    const label = (GLAS_CLASSES as readonly string[]).indexOf(grade);
    if (label < 0)
      throw new DatasetInputError(
        `${at(r.file, r.line)}: unknown grade '${r.fields[2]}' for ${name}`,
        `the GlaS grade column holds ${GLAS_CLASSES.join(' or ')}`,
      );
    const first = seen.get(name);
    if (first) throw new DatasetInputError(`${at(r.file, r.line)}: image '${name}' appears twice (first at line ${first})`, 'keep one line per image');
    seen.set(name, r.line);
    const split = /^train_\d+$/.test(name) ? 'train' : /^test[AB]_\d+$/.test(name) ? 'test' : null;
    if (!split)
      throw new DatasetInputError(
        `${at(r.file, r.line)}: image name '${name}' is not train_k, testA_k or testB_k`,
        'GlaS names its images train_k, testA_k and testB_k',
      );
    const source = { file: r.file, line: r.line };
    pool[split].push({
      split,
      id: `${name}.bmp`,
      label,
      imagePath: join(root, `${name}.bmp`),
      source,
      boxes: [],
      maskPaths: [join(root, `${name}_anno.bmp`)],
      ignorePath: null,
      boxesFromMaskInstances: true,
    });
  }
  const carved = carveValidation(
    pool.train.map((r) => r.label),
    o.val,
    o.seed,
  );
  const withSplit = (r: ImageRecord, split: SplitName): ImageRecord => ({ ...r, split });
  const records = [...carved.train.map((i) => withSplit(pool.train[i]!, 'train')), ...carved.val.map((i) => withSplit(pool.train[i]!, 'val')), ...pool.test];
  if (records.length === 0) throw new DatasetInputError(`${join(root, 'Grade.csv')} lists no image`, WHERE_FROM);
  // Colour (H&E) tissue with no handedness: a mirrored gland keeps its grade (grey: false, flippable: true).
  return writeFileDataset(
    outDir,
    { name: 'glas', classNames: [...GLAS_CLASSES], imageSize: { width: o.imageSize, height: o.imageSize }, channels: 3, grey: false, flippable: true },
    records,
    {
      foreground: 'non-zero',
      ignoreMasks: false,
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.progress ? { progress: o.progress } : {}),
      extra: { source: o.root, val: { ...o.val }, seed: o.seed },
    },
  );
}
