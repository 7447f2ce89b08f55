/**
 * The part every on-disk loader shares: given image records (path, label,
 * boxes, mask files) read from a dataset's annotation files, decode and
 * resize each image, check its boxes and sizes against the decoded file,
 * load its masks, and stream it into the dataset store in record order.
 */
import { DatasetInputError, ImageReadError, at } from '../../core/errors.js';
import { boxProblem, maskBox } from '../boxes.js';
import { mapOrdered } from '../ordered-map.js';
import { createDatasetWriter, type DatasetHeader, type DatasetSample } from '../store.js';
import type { Box, DatasetInfo, ImageSize, SplitName } from '../types.js';
import { readImageResized, readLabelImage, type LabelImage } from '../../image/decode.js';
import { resizeNearest } from '../../image/raster.js';

/** Where a fact came from, for messages: `file` and `line`. */
export interface Source {
  file: string;
  line: number;
}

/** Which mask pixel values count as foreground when a loader's mask files are read. */
export type ForegroundRule =
  /** Grey levels 0..255, foreground above 127.5 (the evaluation spec; CUB's averaged annotations). */
  | 'grey-half'
  /** Any non-zero value (GlaS: glands numbered 1..n). */
  | 'non-zero';

/** One image as an on-disk loader read it from the annotation files: its split, id, label, image and mask files, and boxes in original pixels. */
export interface ImageRecord {
  split: SplitName;
  id: string;
  label: number;
  imagePath: string;
  /** Where the image was listed. */
  source: Source;
  boxes: { box: Box; source: Source }[];
  /** Mask files OR-ed into the foreground; empty = the split has no masks. */
  maskPaths: string[];
  /** File of pixels to leave out of PxAP (ignore AND NOT foreground), or null. */
  ignorePath: string | null;
  /** Size the annotation files claim, checked against the decoded image. */
  declaredSize?: { size: ImageSize; source: Source };
  /** Also make one box per distinct non-zero mask value (GlaS gland instances), in original pixels. */
  boxesFromMaskInstances?: boolean;
}

/** How writeFileDataset reads a loader's records: the foreground rule for masks, whether to write ignore masks, concurrency and progress. */
export interface FileDatasetOptions {
  foreground: ForegroundRule;
  /** Whether ignore masks are written for splits with masks (wsolevaluation masks: yes). */
  ignoreMasks: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  progress?: (done: number, total: number) => void;
  extra?: Record<string, unknown>;
}

function imageError(e: unknown, source: Source, what: string): never {
  if (e instanceof ImageReadError) {
    throw new DatasetInputError(
      `${e.message} (${what} listed at ${at(source.file, source.line)})`,
      e.missing
        ? 'check the root/image-root param and that the dataset was extracted completely'
        : 'the file is corrupt or not an image: restore it from the original archive, or remove its lines from the annotation files',
    );
  }
  throw e;
}

function foreground(values: Uint8Array, rule: ForegroundRule): Uint8Array {
  const out = new Uint8Array(values.length);
  if (rule === 'non-zero') for (let i = 0; i < values.length; i++) out[i] = values[i]! > 0 ? 1 : 0;
  else for (let i = 0; i < values.length; i++) out[i] = values[i]! > 127.5 ? 1 : 0;
  return out;
}

/** Tight boxes of each distinct non-zero value, in ascending value order. */
function instanceBoxes(label: LabelImage): Box[] {
  const values = [...new Set(label.values)].filter((v) => v > 0).sort((a, b) => a - b);
  const boxes: Box[] = [];
  for (const v of values) {
    const box = maskBox(
      label.values.map((x) => (x === v ? 1 : 0)),
      label.width,
      label.height,
    );
    if (box) boxes.push(box);
  }
  return boxes;
}

async function loadRecord(r: ImageRecord, size: ImageSize, options: FileDatasetOptions): Promise<DatasetSample> {
  const image = await readImageResized(r.imagePath, size).catch((e: unknown) => imageError(e, r.source, `image '${r.id}'`));
  const original = image.originalSize;
  if (r.declaredSize && (r.declaredSize.size.width !== original.width || r.declaredSize.size.height !== original.height)) {
    const d = r.declaredSize;
    throw new DatasetInputError(
      `${at(d.source.file, d.source.line)}: image '${r.id}' is declared ${d.size.width}x${d.size.height} but ${r.imagePath} is ${original.width}x${original.height}`,
      'the metadata and the image files come from different versions of the dataset; regenerate the metadata or use the matching images',
    );
  }
  for (const { box, source } of r.boxes) {
    const problem = boxProblem(box, original);
    if (problem)
      throw new DatasetInputError(
        `${at(source.file, source.line)}: image '${r.id}': ${problem}`,
        'fix the box or the image; boxes are (x0, y0, x1, y1) in original pixels',
      );
  }
  const boxes = r.boxes.map((b) => b.box);
  let mask: Uint8Array | null = null;
  let ignoreMask: Uint8Array | null = null;
  if (r.maskPaths.length > 0) {
    mask = new Uint8Array(size.width * size.height);
    for (const path of r.maskPaths) {
      const label = await readLabelImage(path).catch((e: unknown) => imageError(e, r.source, `mask of '${r.id}'`));
      if (label.width !== original.width || label.height !== original.height) {
        throw new DatasetInputError(
          `${path}: mask is ${label.width}x${label.height} but image '${r.id}' is ${original.width}x${original.height}`,
          'a mask must have the size of its image',
        );
      }
      if (r.boxesFromMaskInstances) boxes.push(...instanceBoxes(label));
      const fg = resizeNearest(
        { width: label.width, height: label.height, channels: 1, data: foreground(label.values, options.foreground) },
        size.width,
        size.height,
      ).data;
      for (let i = 0; i < fg.length; i++) mask[i] = mask[i]! | fg[i]!;
    }
    if (options.ignoreMasks) {
      ignoreMask = new Uint8Array(size.width * size.height);
      if (r.ignorePath) {
        const label = await readLabelImage(r.ignorePath).catch((e: unknown) => imageError(e, r.source, `ignore mask of '${r.id}'`));
        const ig = resizeNearest(
          { width: label.width, height: label.height, channels: 1, data: foreground(label.values, options.foreground) },
          size.width,
          size.height,
        ).data;
        for (let i = 0; i < ig.length; i++) ignoreMask[i] = ig[i]! && !mask[i] ? 1 : 0;
      }
    }
  }
  return { id: r.id, label: r.label, originalSize: original, boxes, image: image.rgb, mask, ignoreMask };
}

/** Decodes every record and writes the dataset artifact into `dir`. */
export async function writeFileDataset(dir: string, header: DatasetHeader, records: readonly ImageRecord[], options: FileDatasetOptions): Promise<DatasetInfo> {
  const writer = await createDatasetWriter(dir, header);
  try {
    let done = 0;
    for await (const sample of mapOrdered(records, options.concurrency ?? 4, (r) => loadRecord(r, header.imageSize, options), options.signal)) {
      await writer.add(records[done]!.split, sample);
      done++;
      options.progress?.(done, records.length);
    }
    return await writer.finish(options.extra);
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
