/**
 * CUB-200-2011 (Caltech-UCSD Birds): the directory of the official
 * CUB_200_2011.tgz. Space-separated, 1-indexed files:
 *   images.txt (id relpath), image_class_labels.txt (id class),
 *   train_test_split.txt (id is_train), bounding_boxes.txt (id x y w h, floats),
 *   classes.txt (id name); images under images/; optional
 *   segmentations/<class>/<name>.png (grey levels averaged over annotators).
 * Boxes become (x, y, x + w, y + h). `val` is carved out of the official
 * train split per class; `test` is the official test split.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetInputError, at } from '../../core/errors.js';
import { carveValidation, type ValidationCarve } from '../splits.js';
import type { DatasetInfo, SplitName } from '../types.js';
import { indexRows, intField, numberField, readTable, type Row } from './text-table.js';
import { writeFileDataset, type ImageRecord } from './file-dataset.js';

/**
 * The parameters of building a CUB-200-2011 dataset from its folder: root,
 * stored side in pixels, class subset, whether to use segmentations, and the
 * val carve.
 */
export interface CubOptions {
  root: string;
  imageSize: number;
  /** Class names (as in classes.txt, with or without the `NNN.` prefix); all 200 when absent. */
  classes?: readonly string[];
  segmentations: 'auto' | 'required' | 'none';
  val: ValidationCarve;
  seed: number;
  concurrency?: number;
  signal?: AbortSignal;
  progress?: (done: number, total: number) => void;
}

const FILES = ['images.txt', 'image_class_labels.txt', 'train_test_split.txt', 'bounding_boxes.txt', 'classes.txt'];
const WHERE_FROM =
  'expected the CUB_200_2011 directory of the Caltech-UCSD Birds-200-2011 archive (CUB_200_2011.tgz, from the Caltech Vision Lab: https://www.vision.caltech.edu/datasets/cub_200_2011/), holding ' +
  `${FILES.join(', ')} and images/; point the root param at it (\`wsol-run plan\` names the --set to type)`;

function checkRoot(root: string): void {
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new DatasetInputError(`CUB-200-2011 root ${root} does not exist or is not a directory`, WHERE_FROM);
  if (!existsSync(join(root, 'images.txt')) && existsSync(join(root, 'CUB_200_2011', 'images.txt'))) {
    throw new DatasetInputError(`${join(root, 'images.txt')} is missing`, `the dataset is one level down: set root to ${join(root, 'CUB_200_2011')}`);
  }
}

/** `001.Black_footed_Albatross` -> `Black_footed_Albatross`. */
function shortName(name: string): string {
  return name.replace(/^\d+\./, '');
}

function selectClasses(rows: readonly Row[], wanted: readonly string[] | undefined): Map<number, number> {
  const all = rows.map((r) => ({ id: intField(r, 0, 'class id'), name: r.fields[1]! }));
  const chosen = new Set<number>();
  for (const name of wanted ?? all.map((c) => c.name)) {
    const hit = all.find((c) => c.name === name || shortName(c.name) === name);
    if (!hit) {
      const lower = name.toLowerCase();
      const close = all.filter((c) => c.name.toLowerCase().includes(lower) || lower.includes(shortName(c.name).toLowerCase())).map((c) => c.name);
      throw new DatasetInputError(
        `unknown CUB class name '${name}' (not in ${rows[0]?.file ?? 'classes.txt'})`,
        `${close.length ? `did you mean ${close.slice(0, 3).join(', ')}? ` : ''}names are as in classes.txt, e.g. '${all[0]?.name}' or '${shortName(all[0]?.name ?? '')}'`,
      );
    }
    chosen.add(hit.id);
  }
  // Class indices follow classes.txt order, whatever order the subset was given in.
  const ids = [...chosen].sort((a, b) => a - b);
  return new Map(ids.map((id, k) => [id, k]));
}

export async function buildCub(outDir: string, o: CubOptions): Promise<DatasetInfo> {
  const root = resolve(o.root);
  checkRoot(root);
  const table = (file: string, n: number[], layout: string): Promise<Row[]> =>
    readTable(join(root, file), { separator: 'whitespace', fields: n, layout }, WHERE_FROM);
  const classRows = await table('classes.txt', [2], '<class_id> <class_name>');
  const imageRows = await table('images.txt', [2], '<image_id> <relative_path>');
  const labelRows = await table('image_class_labels.txt', [2], '<image_id> <class_id>');
  const splitRows = await table('train_test_split.txt', [2], '<image_id> <is_training_image>');
  const boxRows = await table('bounding_boxes.txt', [5], '<image_id> <x> <y> <width> <height>');

  const classIndex = selectClasses(classRows, o.classes);
  const classNames = [...classIndex.keys()].map((id) => classRows.find((r) => Number(r.fields[0]) === id)!.fields[1]!);
  const classIds = new Set(classRows.map((r) => intField(r, 0, 'class id')));

  const images = new Map<string, Row>();
  for (const r of imageRows) {
    intField(r, 0, 'image id');
    const first = images.get(r.fields[0]!);
    if (first)
      throw new DatasetInputError(
        `${at(r.file, r.line)}: image id '${r.fields[0]}' appears twice (first at line ${first.line})`,
        'keep one line per image in images.txt',
      );
    images.set(r.fields[0]!, r);
  }
  const labels = indexRows(labelRows, images, 'images.txt', join(root, 'image_class_labels.txt'));
  const splits = indexRows(splitRows, images, 'images.txt', join(root, 'train_test_split.txt'));
  const boxes = indexRows(boxRows, images, 'images.txt', join(root, 'bounding_boxes.txt'));

  const segRoot = join(root, 'segmentations');
  const useMasks = o.segmentations === 'required' || (o.segmentations === 'auto' && existsSync(segRoot));
  if (o.segmentations === 'required' && !existsSync(segRoot)) {
    throw new DatasetInputError(
      `${segRoot} is missing`,
      'the segmentations come separately (segmentations.tgz of CUB-200-2011); extract them into the root, or set segmentations to "auto" or "none"',
    );
  }

  const pool: Record<'train' | 'test', ImageRecord[]> = { train: [], test: [] };
  for (const [id, row] of images) {
    const labelRow = labels.get(id)![0]!;
    const classId = intField(labelRow, 1, 'class id');
    if (!classIds.has(classId))
      throw new DatasetInputError(
        `${at(labelRow.file, labelRow.line)}: class id ${classId} is not in classes.txt`,
        'the annotation files come from different versions of the dataset',
      );
    const label = classIndex.get(classId);
    if (label === undefined) continue;
    const splitRow = splits.get(id)![0]!;
    const isTrain = intField(splitRow, 1, 'is_training_image');
    if (isTrain !== 0 && isTrain !== 1)
      throw new DatasetInputError(`${at(splitRow.file, splitRow.line)}: is_training_image must be 0 or 1, not ${isTrain}`, `fix line ${splitRow.line}`);
    const boxRow = boxes.get(id)![0]!;
    const [x, y, w, h] = [1, 2, 3, 4].map((k) => numberField(boxRow, k, ['x', 'y', 'width', 'height'][k - 1]!)) as [number, number, number, number];
    const rel = row.fields[1]!;
    pool[isTrain ? 'train' : 'test'].push({
      split: isTrain ? 'train' : 'test',
      id: rel,
      label,
      imagePath: join(root, 'images', rel),
      source: { file: row.file, line: row.line },
      boxes: [{ box: [x, y, x + w, y + h], source: { file: boxRow.file, line: boxRow.line } }],
      maskPaths: useMasks ? [join(segRoot, rel.replace(/\.[^./]+$/, '.png'))] : [],
      ignorePath: null,
    });
  }
  const carved = carveValidation(
    pool.train.map((r) => r.label),
    o.val,
    o.seed,
  );
  const withSplit = (r: ImageRecord, split: SplitName): ImageRecord => ({ ...r, split });
  const records = [...carved.train.map((i) => withSplit(pool.train[i]!, 'train')), ...carved.val.map((i) => withSplit(pool.train[i]!, 'val')), ...pool.test];
  if (records.length === 0) throw new DatasetInputError(`${join(root, 'images.txt')} lists no image of the chosen classes`, 'check the classes param');
  // Colour photographs; a mirrored bird is the same species (grey: false, flippable: true).
  const header = { name: 'cub', classNames, imageSize: { width: o.imageSize, height: o.imageSize }, channels: 3 as const, grey: false, flippable: true };
  return writeFileDataset(outDir, header, records, {
    foreground: 'grey-half',
    ignoreMasks: false,
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
    // As the params give them (not resolved): a clone elsewhere builds the same bytes.
    extra: { source: o.root, segmentations: useMasks, val: { ...o.val }, seed: o.seed },
  });
}
