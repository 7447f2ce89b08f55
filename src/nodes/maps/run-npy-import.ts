/** maps/npy-import's work, loaded only inside run(). */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError, type NodeContext, type NodeResult } from '../contract.js';
import { openDataset } from '../../datasets/store.js';
import type { SplitName } from '../../datasets/types.js';
import { writeMapsArtifact, type MapsSplit } from '../../artifacts/maps.js';
import { decodeNpy } from '../../evaluation/npy.js';
import { SCOREMAP_LABEL_PREFIX } from '../../methods/maps/map-method.js';
import type { NpyImportParams } from './npy-import.js';
import { choiceSplitAdvice, presentSplits, splitsItHas } from '../absent-splits.js';

/** Where the map of an image id may be: id + .npy (the tool's layout), or the id with its extension replaced. */
export function npyCandidates(root: string, id: string): string[] {
  const first = join(root, `${id}.npy`);
  const dot = id.lastIndexOf('.');
  const slash = Math.max(id.lastIndexOf('/'), id.lastIndexOf('\\'));
  return dot > slash + 1 ? [first, join(root, `${id.slice(0, dot)}.npy`)] : [first];
}

async function readMap(root: string, id: string): Promise<{ path: string; shape: number[]; data: Float32Array | Float64Array; descr: string }> {
  const candidates = npyCandidates(root, id);
  for (const path of candidates) {
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    if (!bytes) continue;
    let array: ReturnType<typeof decodeNpy>;
    try {
      array = decodeNpy(bytes);
    } catch (e) {
      throw new UserError(`${path}: ${(e as Error).message}`, 'save the map with numpy.save as a 2-D float array (H x W)');
    }
    const shape = array.shape.filter((d, k) => !(d === 1 && array.shape.length > 2 && (k === 0 || k === array.shape.length - 1)));
    if (shape.length !== 2) throw new UserError(`${path} holds an array of shape (${array.shape.join(', ')}), not a 2-D map`, 'save one H x W map per image');
    return { path, shape, data: array.data, descr: array.descr };
  }
  throw new UserError(
    `no map for image "${id}": none of ${candidates.join(', ')} exists`,
    'maps must be at <root>/<image id>.npy, as wsolevaluation writes them; check root and the dataset',
  );
}

export async function importNpyMaps(ctx: NodeContext<NpyImportParams>): Promise<NodeResult> {
  const p = ctx.params;
  const root = isAbsolute(p.root) ? p.root : resolve(p.root);
  if (!(await stat(root).catch(() => null))?.isDirectory())
    throw new UserError(
      `map folder ${root} does not exist`,
      'set root to the folder holding the .npy maps (relative paths are taken from where wsol-run runs)',
    );
  const dataset = await openDataset(ctx.inputs.dataset![0]!.dir);
  const splits: Partial<Record<SplitName, MapsSplit>> = {};
  const total = p.splits.reduce((n, s) => n + dataset.split(s).count, 0);
  let done = 0;
  for (const name of p.splits as SplitName[]) {
    const view = dataset.split(name);
    if (view.count === 0) {
      const present = presentSplits(dataset).filter((s) => s !== name);
      const importOthers = present.length ? `import the splits it has: --set ${ctx.nodeId}.splits='${JSON.stringify(present)}'` : 'the dataset has no images';
      // val is the split thresholds are chosen on: without it, say how evaluation goes on honestly.
      const forVal =
        name === 'val'
          ? `; evaluate/localization then reports the metrics that choose no threshold (MaxBoxAcc, PxAP), and for GT-known / Top-k Loc ${choiceSplitAdvice('val', 'its tau param')}`
          : '';
      throw new UserError(`the dataset has no ${name} images ${splitsItHas(dataset)}`, `${importOthers}${forVal}`);
    }
    // float64 files are kept float64 (the tool evaluates them in float64);
    // a split is stored in one dtype, so it may not mix float64 with others.
    let maps: Float32Array | Float64Array | null = null;
    let height = 0,
      width = 0,
      firstPath = '',
      firstDescr = '';
    for (let i = 0; i < view.count; i++) {
      ctx.signal.throwIfAborted();
      const m = await readMap(root, view.ids[i]!);
      if (!maps) {
        [height, width] = m.shape as [number, number];
        firstPath = m.path;
        firstDescr = m.descr;
        maps = m.data instanceof Float64Array ? new Float64Array(view.count * height * width) : new Float32Array(view.count * height * width);
      } else if (m.shape[0] !== height || m.shape[1] !== width) {
        throw new UserError(
          `${m.path} is ${m.shape[0]}x${m.shape[1]}, but ${firstPath} is ${height}x${width} (H x W)`,
          'the maps of one split must share one size; resize them to the evaluation size first',
        );
      } else if (m.data instanceof Float64Array !== maps instanceof Float64Array) {
        throw new UserError(
          `${m.path} holds ${m.descr}, but ${firstPath} holds ${firstDescr}: float64 and narrower maps are mixed in split ${name}`,
          'save every map of a split with one dtype (float64 maps are evaluated in float64, as wsolevaluation does; float32 ones in float32)',
        );
      }
      maps.set(m.data, i * height * width);
      if (++done % 64 === 0 || done === total) ctx.progress({ fraction: done / total, message: `${done}/${total} maps` });
    }
    splits[name] = { entry: { count: view.count, height, width, ids: [...view.ids], classes: 0 }, maps: maps!, scores: null };
  }
  await writeMapsArtifact(ctx.outDir, { target: p.target, method: `${SCOREMAP_LABEL_PREFIX}${p.name}` }, splits);
  return { metrics: { maps: done } };
}
