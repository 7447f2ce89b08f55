/**
 * The wsolevaluation metadata layout (clovaai/wsolevaluation):
 * metadata/<DATASET>/<split>/ holding, one record a line, comma-separated:
 *   image_ids.txt       image_id (a path relative to the image root)
 *   class_labels.txt    image_id,class_index
 *   image_sizes.txt     image_id,width,height
 *   localization.txt    boxes:  image_id,x0,y0,x1,y1   (a line per box)
 *                       masks:  image_id,mask_path,ignore_path
 *                               (a line per instance mask; the ignore path on
 *                               an image's first line only, empty after)
 * localization.txt may be absent for the training split (weak supervision).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetInputError, at } from '../../core/errors.js';
import { SPLIT_NAMES, type DatasetInfo, type SplitName } from '../types.js';
import { indexRows, intField, numberField, readTable, type Row } from './text-table.js';
import { writeFileDataset, type ImageRecord } from './file-dataset.js';

/**
 * Where a dataset in wsolevaluation's metadata layout lives and how to store
 * it: metadata and image folders, split folders, class names, stored side in
 * pixels.
 */
export interface WsolMetadataOptions {
  /** metadata/<DATASET>: the folder holding one folder per split. */
  metadata: string;
  /** Folder the image ids are relative to. */
  imageRoot: string;
  /** Folder the mask paths are relative to (default: imageRoot). */
  maskRoot?: string;
  /** Folder name of each of our splits under `metadata`; "" for a split the dataset does not have (it stays empty). */
  splitDirs: Record<SplitName, string>;
  /** Class names; when absent, classes are named by index and counted from the labels. */
  classNames?: readonly string[];
  imageSize: number;
  name: string;
  concurrency?: number;
  signal?: AbortSignal;
  progress?: (done: number, total: number) => void;
}

const WHERE_FROM =
  'expected the metadata folder of one dataset in the wsolevaluation layout (e.g. metadata/CUB or metadata/OpenImages from the clovaai/wsolevaluation repository), ' +
  'with one folder per split holding image_ids.txt, class_labels.txt, image_sizes.txt and localization.txt';

type Localization = { kind: 'boxes'; rows: Map<string, Row[]> } | { kind: 'masks'; rows: Map<string, Row[]> } | { kind: 'none' };

async function readLocalization(file: string, ids: ReadonlyMap<string, Row>, split: string): Promise<Localization> {
  if (!existsSync(file)) {
    if (split === 'train') return { kind: 'none' };
    throw new DatasetInputError(`${file} is missing`, `the ${split} split needs localization labels (boxes or masks); ${WHERE_FROM}`);
  }
  const rows = await readTable(file, { separator: 'comma', fields: [2, 3, 5], layout: 'image_id,x0,y0,x1,y1 or image_id,mask_path,ignore_path' }, WHERE_FROM);
  if (rows.length === 0) throw new DatasetInputError(`${file} is empty`, 'list a box or mask for every image');
  const kind = rows[0]!.fields.length === 5 ? 'boxes' : 'masks';
  for (const r of rows) {
    if ((r.fields.length === 5) !== (kind === 'boxes')) {
      throw new DatasetInputError(
        `${at(r.file, r.line)}: mixes ${kind === 'boxes' ? 'a mask line into box lines' : 'a box line into mask lines'}`,
        'a localization.txt holds either boxes (5 fields) or masks (3 fields)',
      );
    }
  }
  const byId = indexRows(rows, ids, 'image_ids.txt', file, { many: true });
  if (kind === 'masks') {
    for (const list of byId.values()) {
      for (const r of list.slice(1)) {
        if ((r.fields[2] ?? '') !== '')
          throw new DatasetInputError(
            `${at(r.file, r.line)}: an ignore path on a later line of image '${r.fields[0]}'`,
            `the ignore path belongs on the image's first line (line ${list[0]!.line}); leave the third field empty here`,
          );
      }
    }
  }
  return { kind, rows: byId };
}

export async function buildWsolMetadata(outDir: string, o: WsolMetadataOptions): Promise<DatasetInfo> {
  const metaRoot = resolve(o.metadata);
  const imageRoot = resolve(o.imageRoot);
  const maskRoot = resolve(o.maskRoot ?? o.imageRoot);
  if (!existsSync(metaRoot) || !statSync(metaRoot).isDirectory()) throw new DatasetInputError(`metadata folder ${metaRoot} does not exist`, WHERE_FROM);
  if (!existsSync(imageRoot) || !statSync(imageRoot).isDirectory())
    throw new DatasetInputError(
      `image root ${imageRoot} does not exist`,
      'point imageRoot at the folder the image ids are relative to (e.g. dataset/CUB or dataset/OpenImages)',
    );

  const records: ImageRecord[] = [];
  let maxLabel = -1;
  let localizationKind: 'boxes' | 'masks' | 'none' = 'none';
  if (SPLIT_NAMES.every((split) => o.splitDirs[split] === ''))
    throw new DatasetInputError('every split is mapped to "" (absent)', 'map at least one split to its folder with the splitDirs param');
  for (const split of SPLIT_NAMES) {
    // An absent split (e.g. a test set of photographs with no training data) holds no image.
    if (o.splitDirs[split] === '') continue;
    const dir = join(metaRoot, o.splitDirs[split]);
    if (!existsSync(dir))
      throw new DatasetInputError(
        `split folder ${dir} is missing`,
        `${WHERE_FROM}; or map our split '${split}' to an existing folder with the splitDirs param, or set splitDirs.${split} to "" if the dataset has no such split (an evaluation-only set: test alone, or val and test)`,
      );
    const comma = (file: string, n: number[], layout: string): Promise<Row[]> =>
      readTable(join(dir, file), { separator: 'comma', fields: n, layout }, WHERE_FROM);
    const idRows = await comma('image_ids.txt', [1], 'image_id');
    const ids = new Map<string, Row>();
    for (const r of idRows) {
      const first = ids.get(r.fields[0]!);
      if (first)
        throw new DatasetInputError(`${at(r.file, r.line)}: image id '${r.fields[0]}' appears twice (first at line ${first.line})`, 'keep one line per image');
      ids.set(r.fields[0]!, r);
    }
    const labels = indexRows(await comma('class_labels.txt', [2], 'image_id,class_index'), ids, 'image_ids.txt', join(dir, 'class_labels.txt'));
    const sizes = indexRows(await comma('image_sizes.txt', [3], 'image_id,width,height'), ids, 'image_ids.txt', join(dir, 'image_sizes.txt'));
    const loc = await readLocalization(join(dir, 'localization.txt'), ids, split);
    if (loc.kind !== 'none') {
      if (localizationKind !== 'none' && localizationKind !== loc.kind)
        throw new DatasetInputError(
          `${join(dir, 'localization.txt')} holds ${loc.kind} but another split holds ${localizationKind}`,
          'every split of one dataset uses the same kind of localization',
        );
      localizationKind = loc.kind;
    }
    for (const [id, row] of ids) {
      const labelRow = labels.get(id)![0]!;
      const label = intField(labelRow, 1, 'class index');
      if (label < 0) throw new DatasetInputError(`${at(labelRow.file, labelRow.line)}: class index ${label} is negative`, `fix line ${labelRow.line}`);
      if (o.classNames && label >= o.classNames.length) {
        throw new DatasetInputError(
          `${at(labelRow.file, labelRow.line)}: class index ${label} is not one of the ${o.classNames.length} class names given`,
          'give a name for every class index (classNames param), or fix the label',
        );
      }
      maxLabel = Math.max(maxLabel, label);
      const sizeRow = sizes.get(id)![0]!;
      const size = { width: intField(sizeRow, 1, 'width'), height: intField(sizeRow, 2, 'height') };
      const record: ImageRecord = {
        split,
        id,
        label,
        imagePath: join(imageRoot, id),
        source: { file: row.file, line: row.line },
        boxes: [],
        maskPaths: [],
        ignorePath: null,
        declaredSize: { size, source: { file: sizeRow.file, line: sizeRow.line } },
      };
      if (loc.kind === 'boxes') {
        record.boxes = loc.rows.get(id)!.map((r) => ({
          box: [1, 2, 3, 4].map((k) => numberField(r, k, ['x0', 'y0', 'x1', 'y1'][k - 1]!)) as [number, number, number, number],
          source: { file: r.file, line: r.line },
        }));
      } else if (loc.kind === 'masks') {
        const list = loc.rows.get(id)!;
        record.maskPaths = list.map((r) => join(maskRoot, r.fields[1]!));
        const ignore = list[0]!.fields[2] ?? '';
        record.ignorePath = ignore ? join(maskRoot, ignore) : null;
      }
      records.push(record);
    }
  }
  const classNames = o.classNames ? [...o.classNames] : Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  if (classNames.length === 0) throw new DatasetInputError(`${metaRoot} lists no image`, WHERE_FROM);
  // The wsolevaluation datasets (CUB, ILSVRC, OpenImages) are colour photographs whose classes survive a mirror.
  const header = { name: o.name, classNames, imageSize: { width: o.imageSize, height: o.imageSize }, channels: 3 as const, grey: false, flippable: true };
  return writeFileDataset(outDir, header, records, {
    foreground: 'grey-half',
    ignoreMasks: localizationKind === 'masks',
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
    // As the params give them (not resolved): a clone elsewhere builds the same bytes.
    extra: { metadata: o.metadata, imageRoot: o.imageRoot, maskRoot: o.maskRoot ?? o.imageRoot, localization: localizationKind },
  });
}

/**
 * The files a build reads, without reading any image: the metadata folder's
 * files of the mapped splits, the images their image_ids.txt name, and the
 * masks their localization.txt names (relative to each root). Unreadable
 * metadata yields what could be listed: the build reports the problem.
 */
export async function wsolMetadataFiles(
  o: Pick<WsolMetadataOptions, 'metadata' | 'splitDirs'>,
): Promise<{ metadata: string[]; images: string[]; masks: string[] }> {
  const { readFile } = await import('node:fs/promises');
  const lines = async (file: string): Promise<string[][]> =>
    (await readFile(file, 'utf8').catch(() => ''))
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .map((l) => l.split(',').map((f) => f.trim()));
  const metadata: string[] = [];
  const images = new Set<string>();
  const masks = new Set<string>();
  for (const split of SPLIT_NAMES) {
    const folder = o.splitDirs[split];
    if (folder === '') continue;
    for (const name of ['image_ids.txt', 'class_labels.txt', 'image_sizes.txt', 'localization.txt']) metadata.push(`${folder}/${name}`);
    for (const [id] of await lines(join(resolve(o.metadata), folder, 'image_ids.txt'))) if (id) images.add(id);
    for (const row of await lines(join(resolve(o.metadata), folder, 'localization.txt'))) {
      if (row.length !== 3) continue; // boxes: no files
      for (const path of row.slice(1)) if (path) masks.add(path);
    }
  }
  // Absent localization.txt of a train split is allowed: list only what exists, a missing file elsewhere is the build's error.
  const present = metadata.filter((m) => existsSync(join(resolve(o.metadata), m)) || !m.endsWith('localization.txt'));
  return { metadata: present, images: [...images], masks: [...masks] };
}
