/**
 * The on-disk form of a `dataset` artifact, and its reader.
 *
 * A dataset is decoded and resized once, by its loader node, and stored as
 * flat binary arrays, so training and evaluation read bytes instead of
 * decoding images again. Layout of an artifact directory:
 *
 *   dataset.json              DatasetManifest (written last: its presence means complete)
 *   <split>.ids.txt           image ids, one a line
 *   <split>.labels.i32        class index per image            (int32)
 *   <split>.sizes.u32         original width, height per image (uint32 pairs)
 *   <split>.box-index.u32     count + 1 offsets into the boxes (uint32)
 *   <split>.boxes.f64         x0, y0, x1, y1 per box, original pixels (float64)
 *   <split>.images.u8         count x H x W x C, HWC, uint8
 *   <split>.masks.u8          count x H x W, 0/1 (only for splits with masks)
 *   <split>.ignore.u8         count x H x W, 0/1 (only for splits with ignore masks)
 *
 * Numbers are little-endian (the byte order of every platform Node runs on
 * here; the writer and reader refuse a big-endian host rather than guess).
 * Every split of SPLIT_NAMES is present, possibly with zero images.
 * `info.grey` and `info.flippable` (augmentation facts) are optional: artifacts
 * written before they existed lack them and open as before (unknown).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdir, open, readFile, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { rescaleBox } from './boxes.js';
import { SPLIT_NAMES, type Box, type DatasetInfo, type DatasetView, type ImageSize, type SplitName, type SplitView } from './types.js';

export const DATASET_MANIFEST = 'dataset.json';
export const DATASET_FORMAT = 'wsol-run-dataset';
export const DATASET_FORMAT_VERSION = 1;

/** What a loader states once, before adding images. */
export interface DatasetHeader {
  name: string;
  classNames: readonly string[];
  imageSize: ImageSize;
  channels: 1 | 3;
  /** Every image's channels are equal (checked on add). Recorded in the info when given; readers treat absence as unknown. */
  grey?: boolean;
  /** A horizontal flip keeps an image's class (a valid augmentation). Recorded in the info when given. */
  flippable?: boolean;
}

/** One image with its labels, as a loader hands it to the writer. */
export interface DatasetSample {
  /** Unique within the dataset; no line breaks. */
  id: string;
  label: number;
  originalSize: ImageSize;
  /** Boxes in original pixels (may be empty). */
  boxes: readonly Box[];
  /** imageSize.height x imageSize.width x channels bytes, HWC. */
  image: Uint8Array;
  /** imageSize.height x imageSize.width, non-zero = foreground. All images of a split have one, or none does. */
  mask?: Uint8Array | null;
  /** Same shape; non-zero = left out of PxAP. */
  ignoreMask?: Uint8Array | null;
}

/** A sample with the split it goes to, as generators and loaders stream them into the dataset writer. */
export interface SplitSample extends DatasetSample {
  split: SplitName;
}

/** One split's entry in dataset.json: how many images and boxes it holds, and whether its mask and ignore-mask files exist. */
export interface SplitEntry {
  count: number;
  masks: boolean;
  ignoreMasks: boolean;
  /** Total boxes in the split. */
  boxes: number;
}

/** The contents of dataset.json, written last by the dataset writer: format and version, the dataset's info and an entry per split. */
export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  version: typeof DATASET_FORMAT_VERSION;
  info: DatasetInfo;
  splits: Record<SplitName, SplitEntry>;
  /** Loader facts worth keeping (source directory, generator params…); not read by the store. */
  extra?: Record<string, unknown>;
}

/** Streaming writer: images go straight to disk, only the small per-image facts stay in memory. */
export interface DatasetWriter {
  add(split: SplitName, sample: DatasetSample): Promise<void>;
  /** Writes the metadata and the manifest; returns the dataset's info. */
  finish(extra?: Record<string, unknown>): Promise<DatasetInfo>;
  /** Closes open files after a failure (the directory is left incomplete: no manifest). */
  abort(): Promise<void>;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('the dataset store supports little-endian hosts only');
}

function fileOf(split: SplitName, what: string): string {
  return `${split}.${what}`;
}

class SplitAccumulator {
  readonly ids: string[] = [];
  readonly labels: number[] = [];
  readonly sizes: number[] = [];
  readonly boxIndex: number[] = [0];
  readonly boxes: number[] = [];
  masks: boolean | undefined;
  ignoreMasks: boolean | undefined;
  images: FileHandle | undefined;
  maskFile: FileHandle | undefined;
  ignoreFile: FileHandle | undefined;
}

class StreamingDatasetWriter implements DatasetWriter {
  private readonly splits = new Map<SplitName, SplitAccumulator>(SPLIT_NAMES.map((s) => [s, new SplitAccumulator()]));
  private readonly seenIds = new Set<string>();
  private readonly imageBytes: number;
  private readonly maskBytes: number;
  private finished = false;

  constructor(
    private readonly dir: string,
    private readonly header: DatasetHeader,
  ) {
    this.maskBytes = header.imageSize.width * header.imageSize.height;
    this.imageBytes = this.maskBytes * header.channels;
  }

  async add(split: SplitName, s: DatasetSample): Promise<void> {
    if (this.finished) throw new Error('dataset writer: add() after finish()');
    const acc = this.splits.get(split);
    if (!acc) throw new Error(`dataset writer: unknown split '${split}' (expected one of ${SPLIT_NAMES.join(', ')})`);
    const where = `dataset writer, image '${s.id}'`;
    if (!s.id || /[\r\n]/.test(s.id)) throw new Error(`${where}: an id must be non-empty and on one line`);
    if (this.seenIds.has(s.id)) throw new Error(`${where}: the id appears twice`);
    if (!Number.isInteger(s.label) || s.label < 0 || s.label >= this.header.classNames.length)
      throw new Error(`${where}: label ${s.label} is not a class index (0..${this.header.classNames.length - 1})`);
    if (s.image.length !== this.imageBytes)
      throw new Error(
        `${where}: ${s.image.length} image bytes, expected ${this.imageBytes} (${this.header.imageSize.width}x${this.header.imageSize.height}x${this.header.channels})`,
      );
    const hasMask = s.mask != null;
    const hasIgnore = s.ignoreMask != null;
    if (acc.masks !== undefined && acc.masks !== hasMask) throw new Error(`${where}: every image of split ${split} must have a mask, or none`);
    if (acc.ignoreMasks !== undefined && acc.ignoreMasks !== hasIgnore)
      throw new Error(`${where}: every image of split ${split} must have an ignore mask, or none`);
    if (hasIgnore && !hasMask) throw new Error(`${where}: an ignore mask needs a foreground mask`);
    if (s.mask && s.mask.length !== this.maskBytes) throw new Error(`${where}: mask has ${s.mask.length} pixels, expected ${this.maskBytes}`);
    if (s.ignoreMask && s.ignoreMask.length !== this.maskBytes)
      throw new Error(`${where}: ignore mask has ${s.ignoreMask.length} pixels, expected ${this.maskBytes}`);
    for (const b of s.boxes) if (b.length !== 4 || !b.every(Number.isFinite)) throw new Error(`${where}: box (${b.join(', ')}) is not 4 finite numbers`);
    if (this.header.grey && this.header.channels === 3) {
      const im = s.image;
      for (let k = 0; k < im.length; k += 3)
        if (im[k] !== im[k + 1] || im[k] !== im[k + 2])
          throw new Error(`${where}: the header says the images are grey, but pixel ${k / 3} has channels ${im[k]}, ${im[k + 1]}, ${im[k + 2]}`);
    }
    this.seenIds.add(s.id);
    acc.masks = hasMask;
    acc.ignoreMasks = hasIgnore;

    acc.images ??= await open(join(this.dir, fileOf(split, 'images.u8')), 'w');
    await acc.images.write(s.image);
    if (s.mask) {
      acc.maskFile ??= await open(join(this.dir, fileOf(split, 'masks.u8')), 'w');
      await acc.maskFile.write(binary(s.mask));
    }
    if (s.ignoreMask) {
      acc.ignoreFile ??= await open(join(this.dir, fileOf(split, 'ignore.u8')), 'w');
      await acc.ignoreFile.write(binary(s.ignoreMask));
    }
    acc.ids.push(s.id);
    acc.labels.push(s.label);
    acc.sizes.push(s.originalSize.width, s.originalSize.height);
    for (const b of s.boxes) acc.boxes.push(b[0], b[1], b[2], b[3]);
    acc.boxIndex.push(acc.boxes.length / 4);
  }

  async finish(extra?: Record<string, unknown>): Promise<DatasetInfo> {
    if (this.finished) throw new Error('dataset writer: finish() called twice');
    this.finished = true;
    await this.closeAll();
    const entries = {} as Record<SplitName, SplitEntry>;
    for (const [name, acc] of this.splits) {
      const count = acc.ids.length;
      if (count === 0) await writeFile(join(this.dir, fileOf(name, 'images.u8')), new Uint8Array(0));
      await writeFile(join(this.dir, fileOf(name, 'ids.txt')), acc.ids.join('\n'));
      await writeFile(join(this.dir, fileOf(name, 'labels.i32')), bytesOf(Int32Array.from(acc.labels)));
      await writeFile(join(this.dir, fileOf(name, 'sizes.u32')), bytesOf(Uint32Array.from(acc.sizes)));
      await writeFile(join(this.dir, fileOf(name, 'box-index.u32')), bytesOf(Uint32Array.from(acc.boxIndex)));
      await writeFile(join(this.dir, fileOf(name, 'boxes.f64')), bytesOf(Float64Array.from(acc.boxes)));
      entries[name] = { count, masks: acc.masks ?? false, ignoreMasks: acc.ignoreMasks ?? false, boxes: acc.boxes.length / 4 };
    }
    const info: DatasetInfo = {
      name: this.header.name,
      classNames: [...this.header.classNames],
      imageSize: { width: this.header.imageSize.width, height: this.header.imageSize.height },
      channels: this.header.channels,
      ...(this.header.grey !== undefined ? { grey: this.header.grey } : {}),
      ...(this.header.flippable !== undefined ? { flippable: this.header.flippable } : {}),
      hasMasks: SPLIT_NAMES.some((s) => entries[s].masks),
      hasIgnoreMasks: SPLIT_NAMES.some((s) => entries[s].ignoreMasks),
      counts: { train: entries.train.count, val: entries.val.count, test: entries.test.count },
    };
    const manifest: DatasetManifest = { format: DATASET_FORMAT, version: DATASET_FORMAT_VERSION, info, splits: entries, ...(extra ? { extra } : {}) };
    await writeFile(join(this.dir, DATASET_MANIFEST), JSON.stringify(manifest, null, 1));
    return info;
  }

  async abort(): Promise<void> {
    this.finished = true;
    await this.closeAll();
  }

  private async closeAll(): Promise<void> {
    for (const acc of this.splits.values()) {
      for (const fh of [acc.images, acc.maskFile, acc.ignoreFile]) await fh?.close();
      acc.images = acc.maskFile = acc.ignoreFile = undefined;
    }
  }
}

/** Masks are stored as exactly 0/1, whatever non-zero value the loader used. */
function binary(mask: Uint8Array): Uint8Array {
  for (let i = 0; i < mask.length; i++) if (mask[i]! > 1) return mask.map((v) => (v ? 1 : 0));
  return mask;
}

function bytesOf(a: Int32Array | Uint32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Starts a dataset in `dir` (created if missing). */
export async function createDatasetWriter(dir: string, header: DatasetHeader): Promise<DatasetWriter> {
  assertLittleEndian();
  const { width, height } = header.imageSize;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`dataset writer: bad image size ${width}x${height}`);
  if (header.channels !== 1 && header.channels !== 3) throw new Error(`dataset writer: channels must be 1 or 3, not ${String(header.channels)}`);
  if (header.classNames.length === 0) throw new Error('dataset writer: a dataset needs at least one class');
  await mkdir(dir, { recursive: true });
  return new StreamingDatasetWriter(dir, header);
}

/** Writes a whole dataset from a (possibly async) sequence of samples, in order. */
export async function writeDatasetArtifact(
  dir: string,
  header: DatasetHeader,
  samples: Iterable<SplitSample> | AsyncIterable<SplitSample>,
  extra?: Record<string, unknown>,
): Promise<DatasetInfo> {
  const writer = await createDatasetWriter(dir, header);
  try {
    for await (const s of samples) await writer.add(s.split, s);
    return await writer.finish(extra);
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

// ---------------------------------------------------------------- reading

/** How openDataset reads image and mask files: whole into memory up to a size, else image by image. */
export interface OpenOptions {
  /**
   * Image and mask files up to this size are read into memory once; larger
   * ones (a 224-pixel ILSVRC) are read image by image with positional reads,
   * leaving caching to the OS. Default 1 GiB.
   */
  maxInMemoryBytes?: number;
}

/** Fixed-size records of one binary file: from memory, or by positional reads. */
interface RecordSource {
  /** Record i; a view into shared memory when in memory (treat as read-only). */
  get(i: number): Uint8Array;
  /** Copies records into `out` one after another, without intermediate arrays. */
  forEach(indices: readonly number[], fn: (bytes: Uint8Array, k: number) => void): void;
}

class MemoryRecords implements RecordSource {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly size: number,
  ) {}
  get(i: number): Uint8Array {
    return this.bytes.subarray(i * this.size, (i + 1) * this.size);
  }
  forEach(indices: readonly number[], fn: (bytes: Uint8Array, k: number) => void): void {
    indices.forEach((i, k) => fn(this.get(i), k));
  }
}

// File descriptors of views that were garbage-collected without being used again.
const openFiles = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
});

class FileRecords implements RecordSource {
  private fd: number | undefined;
  private scratch: Uint8Array;
  constructor(
    private readonly path: string,
    private readonly size: number,
  ) {
    this.scratch = new Uint8Array(size);
  }
  private handle(): number {
    if (this.fd === undefined) {
      this.fd = openSync(this.path, 'r');
      openFiles.register(this, this.fd);
    }
    return this.fd;
  }
  private read(i: number, into: Uint8Array): Uint8Array {
    const n = readSync(this.handle(), into, 0, this.size, i * this.size);
    if (n !== this.size) throw new Error(`${this.path}: short read of record ${i} (${n} of ${this.size} bytes); the file is truncated`);
    return into;
  }
  get(i: number): Uint8Array {
    return this.read(i, new Uint8Array(this.size));
  }
  forEach(indices: readonly number[], fn: (bytes: Uint8Array, k: number) => void): void {
    indices.forEach((i, k) => fn(this.read(i, this.scratch), k));
  }
}

function typed<T>(bytes: Uint8Array, Ctor: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, path: string): T {
  if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0)
    throw new Error(`${path}: ${bytes.byteLength} bytes is not a whole number of ${Ctor.BYTES_PER_ELEMENT}-byte values`);
  // Copy into a fresh buffer: a Buffer from readFile may sit at an unaligned offset of a shared pool.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer);
}

const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

class StoredSplit implements SplitView {
  constructor(
    readonly name: SplitName,
    readonly count: number,
    readonly ids: readonly string[],
    readonly labels: Int32Array,
    readonly originalSizes: readonly ImageSize[],
    private readonly boxIndex: Uint32Array,
    private readonly boxValues: Float64Array,
    private readonly imageSize: ImageSize,
    private readonly imageBytes: number,
    private readonly images: RecordSource,
    private readonly masks: RecordSource | null,
    private readonly ignore: RecordSource | null,
  ) {}

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`image index ${i} is outside split ${this.name} (0..${this.count - 1})`);
  }
  boxesOriginal(i: number): readonly Box[] {
    this.check(i);
    const out: Box[] = [];
    for (let b = this.boxIndex[i]!; b < this.boxIndex[i + 1]!; b++) {
      const v = this.boxValues;
      out.push([v[4 * b]!, v[4 * b + 1]!, v[4 * b + 2]!, v[4 * b + 3]!]);
    }
    return out;
  }
  /** Rescaled boxes, computed once per image: evaluators and samplers ask for them inside loops. */
  private readonly rescaled: (readonly Box[] | undefined)[] = [];
  boxes(i: number): readonly Box[] {
    this.rescaled[i] ??= this.boxesOriginal(i).map((b) => rescaleBox(b, this.originalSizes[i]!, this.imageSize));
    return this.rescaled[i];
  }
  image(i: number): Uint8Array {
    this.check(i);
    return this.images.get(i);
  }
  mask(i: number): Uint8Array | null {
    this.check(i);
    return this.masks ? this.masks.get(i) : null;
  }
  ignoreMask(i: number): Uint8Array | null {
    this.check(i);
    return this.ignore ? this.ignore.get(i) : null;
  }
  batch(indices: readonly number[]): Float32Array {
    for (const i of indices) this.check(i);
    const n = this.imageBytes;
    const out = new Float32Array(indices.length * n);
    this.images.forEach(indices, (bytes, k) => {
      const base = k * n;
      for (let j = 0; j < n; j++) out[base + j] = BYTE_TO_UNIT[bytes[j]!]!;
    });
    return out;
  }
}

class StoredDataset implements DatasetView {
  constructor(
    readonly info: DatasetInfo,
    private readonly splits: Record<SplitName, StoredSplit>,
    readonly manifest: DatasetManifest,
  ) {}
  split(name: SplitName): SplitView {
    const s = this.splits[name];
    if (!s) throw new Error(`unknown split '${String(name)}' (expected one of ${SPLIT_NAMES.join(', ')})`);
    return s;
  }
}

async function records(path: string, recordSize: number, count: number, maxInMemory: number): Promise<RecordSource> {
  const size = (await stat(path).catch(() => null))?.size;
  if (size === undefined) throw new Error(`${path} is missing: the dataset artifact is incomplete`);
  if (size !== recordSize * count)
    throw new Error(`${path}: ${size} bytes, expected ${count} x ${recordSize} = ${recordSize * count}; the dataset artifact is truncated or corrupt`);
  if (size <= maxInMemory) {
    const bytes = await readFile(path);
    // A plain Uint8Array view: consumers get Uint8Arrays, not Buffers (whose constructor differs).
    return new MemoryRecords(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), recordSize);
  }
  return new FileRecords(path, recordSize);
}

export async function readDatasetManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, DATASET_MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`${path} is missing: ${dir} is not a dataset artifact (or its writer did not finish)`);
  }
  const manifest = JSON.parse(text) as DatasetManifest;
  if (manifest.format !== DATASET_FORMAT || manifest.version !== DATASET_FORMAT_VERSION) {
    throw new Error(`${path} is not a ${DATASET_FORMAT} manifest of version ${DATASET_FORMAT_VERSION}`);
  }
  return manifest;
}

/** Opens a dataset artifact: reads the small files and the image data once; no image is decoded. */
export async function openDataset(dir: string, options: OpenOptions = {}): Promise<DatasetView & { readonly manifest: DatasetManifest }> {
  assertLittleEndian();
  const maxInMemory = options.maxInMemoryBytes ?? 2 ** 30;
  const manifest = await readDatasetManifest(dir);
  const { info } = manifest;
  const pixels = info.imageSize.width * info.imageSize.height;
  const imageBytes = pixels * info.channels;
  const splits = {} as Record<SplitName, StoredSplit>;
  for (const name of SPLIT_NAMES) {
    const entry = manifest.splits[name];
    const p = (what: string): string => join(dir, fileOf(name, what));
    const { count } = entry;
    const idsText = await readFile(p('ids.txt'), 'utf8');
    const ids = count === 0 ? [] : idsText.split('\n');
    const labels = typed(await readFile(p('labels.i32')), Int32Array, p('labels.i32'));
    const sizes = typed(await readFile(p('sizes.u32')), Uint32Array, p('sizes.u32'));
    const boxIndex = typed(await readFile(p('box-index.u32')), Uint32Array, p('box-index.u32'));
    const boxValues = typed(await readFile(p('boxes.f64')), Float64Array, p('boxes.f64'));
    if (
      ids.length !== count ||
      labels.length !== count ||
      sizes.length !== 2 * count ||
      boxIndex.length !== count + 1 ||
      boxValues.length !== 4 * entry.boxes ||
      boxIndex[count] !== entry.boxes
    ) {
      throw new Error(
        `${dir}: the metadata files of split ${name} disagree with ${DATASET_MANIFEST} (${count} images, ${entry.boxes} boxes); the artifact is corrupt`,
      );
    }
    const originalSizes: ImageSize[] = [];
    for (let i = 0; i < count; i++) originalSizes.push({ width: sizes[2 * i]!, height: sizes[2 * i + 1]! });
    const images = await records(p('images.u8'), imageBytes, count, maxInMemory);
    const masks = entry.masks ? await records(p('masks.u8'), pixels, count, maxInMemory) : null;
    const ignore = entry.ignoreMasks ? await records(p('ignore.u8'), pixels, count, maxInMemory) : null;
    splits[name] = new StoredSplit(name, count, ids, labels, originalSizes, boxIndex, boxValues, info.imageSize, imageBytes, images, masks, ignore);
  }
  return new StoredDataset(info, splits, manifest);
}
