import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SplitName } from '../datasets/types.js';

/**
 * A `maps` artifact: one 2-D localization map per image of each split it
 * covers, plus optionally the model's class scores (for Top-1/Top-5 Loc).
 *
 *   maps.json            MapsManifest
 *   <split>.maps.f32     count x height x width float32, little-endian, row-major
 *   <split>.maps.f64     the same in float64, instead, for a split whose entry says dtype float64
 *   <split>.scores.f32   count x classes float32 (optional)
 *
 * Maps are raw scores (any finite range); the evaluator resizes and
 * normalises them as the evaluation spec says. Our methods make float32
 * maps; float64 is kept for score maps imported from float64 .npy files,
 * which the community tool evaluates in float64 (see evaluation/npy.ts).
 */
export const MAPS_MANIFEST = 'maps.json';

/** One split's entry in maps.json: the shape and dtype of its `<split>.maps.*` file, the image ids, and the width of its scores file. */
export interface MapsSplitEntry {
  count: number;
  height: number;
  width: number;
  /** Image ids in dataset order (the evaluator checks them against the dataset). */
  ids: string[];
  /** Number of classes in the scores file, or 0 when there is none. */
  classes: number;
  /** How the maps are stored; absent means float32 (every artifact written before float64 existed). */
  dtype?: 'float64';
}

/** A split's map values: float32, or float64 for imported float64 score maps. */
export type MapValues = Float32Array | Float64Array;

/** The contents of maps.json (version 1): whose class the maps are, how they were made, and an entry per split stored. */
export interface MapsManifest {
  format: 'wsol-run-maps';
  version: 1;
  /**
   * Whose class each map is: the ground-truth class, the predicted top-1, or
   * no single class (`agnostic`: e.g. SLT-Net's top-K ACAM, the same map
   * whatever the class, which the paper scores as GT-known and Top-1 Loc).
   */
  target: 'gt' | 'predicted' | 'agnostic';
  /** How the maps were made, e.g. `cam`, `acam-top5`, `gradcam@conv2`. */
  method: string;
  splits: Partial<Record<SplitName, MapsSplitEntry>>;
}

/** One split of a maps artifact read into memory: its manifest entry, the map values and the class scores. */
export interface MapsSplit {
  entry: MapsSplitEntry;
  /** count * height * width values. */
  maps: MapValues;
  /** count * classes values, or null. */
  scores: Float32Array | null;
}

/** Map i of a split as its own array (a view, not a copy). */
export function mapAt(split: MapsSplit, i: number): MapValues {
  const size = split.entry.height * split.entry.width;
  return split.maps.subarray(i * size, (i + 1) * size);
}

export async function writeMapsArtifact(
  dir: string,
  manifest: Omit<MapsManifest, 'format' | 'version' | 'splits'>,
  splits: Partial<Record<SplitName, MapsSplit>>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries: Partial<Record<SplitName, MapsSplitEntry>> = {};
  for (const [name, split] of Object.entries(splits) as [SplitName, MapsSplit][]) {
    const { count, height, width, classes } = split.entry;
    if (split.maps.length !== count * height * width)
      throw new Error(`maps of split ${name}: ${split.maps.length} values, expected ${count}x${height}x${width}`);
    if (split.scores && split.scores.length !== count * classes)
      throw new Error(`scores of split ${name}: ${split.scores.length} values, expected ${count}x${classes}`);
    const wide = split.maps instanceof Float64Array;
    await writeFile(join(dir, `${name}.maps.${wide ? 'f64' : 'f32'}`), bytesOf(split.maps));
    if (split.scores) await writeFile(join(dir, `${name}.scores.f32`), float32Bytes(split.scores));
    const entry: MapsSplitEntry = { ...split.entry, classes: split.scores ? classes : 0 };
    // The stored dtype follows the array written, whatever the entry said; float32 entries stay as they always were.
    if (wide) entry.dtype = 'float64';
    else delete entry.dtype;
    entries[name] = entry;
  }
  const full: MapsManifest = { format: 'wsol-run-maps', version: 1, ...manifest, splits: entries };
  await writeFile(join(dir, MAPS_MANIFEST), JSON.stringify(full, null, 1));
}

export async function readMapsManifest(dir: string): Promise<MapsManifest> {
  const manifest = JSON.parse(await readFile(join(dir, MAPS_MANIFEST), 'utf8')) as MapsManifest;
  if (manifest.format !== 'wsol-run-maps' || manifest.version !== 1) throw new Error(`${join(dir, MAPS_MANIFEST)} is not a wsol-run maps manifest (version 1)`);
  return manifest;
}

export async function readMapsSplit(dir: string, name: SplitName): Promise<MapsSplit | null> {
  const manifest = await readMapsManifest(dir);
  const entry = manifest.splits[name];
  if (!entry) return null;
  const maps =
    entry.dtype === 'float64' ? float64From(await readFile(join(dir, `${name}.maps.f64`))) : float32From(await readFile(join(dir, `${name}.maps.f32`)));
  const scores = entry.classes > 0 ? float32From(await readFile(join(dir, `${name}.scores.f32`))) : null;
  return { entry, maps, scores };
}

export function float32Bytes(values: Float32Array): Uint8Array {
  return bytesOf(values);
}

function bytesOf(values: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Copies into a fresh, aligned Float32Array (a Buffer's offset may not be a multiple of 4). */
export function float32From(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The same for float64 (offsets must be multiples of 8). */
export function float64From(bytes: Uint8Array): Float64Array {
  const out = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
