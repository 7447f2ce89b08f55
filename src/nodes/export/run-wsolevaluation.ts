/** export/wsolevaluation's work, loaded only inside run(). */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError, type NodeContext, type NodeResult } from '../contract.js';
import { openDataset } from '../../datasets/store.js';
import type { Box, SplitName } from '../../datasets/types.js';
import { readMapsManifest, readMapsSplit } from '../../artifacts/maps.js';
import { encodeNpy } from '../../evaluation/npy.js';
import { evaluationMap } from '../../evaluation/localization.js';
import { presentSplits, splitsItHas } from '../absent-splits.js';
import { mapSetOf, resolvePreprocess } from '../evaluate/maps-input.js';
import type { WsolevaluationExportParams } from './wsolevaluation.js';

/** The tool rescales ground truth to this size (its _RESIZE_LENGTH). */
const TOOL_SIZE = 224;

/** An image id used as a relative path must stay inside the export folder. */
function safeRelative(id: string): string {
  const parts = id.split(/[\\/]/);
  if (id.startsWith('/') || parts.some((p) => p === '..' || p === ''))
    throw new UserError(
      `image id "${id}" cannot be used as a relative path`,
      'export needs image ids that are relative paths without ".." (e.g. class/name.jpg)',
    );
  return parts.join('/');
}

export async function exportWsolevaluation(ctx: NodeContext<WsolevaluationExportParams>): Promise<NodeResult> {
  const p = ctx.params;
  const { encodePng } = await import('../../image/decode.js');
  const dataset = await openDataset(ctx.inputs.dataset![0]!.dir);
  const mapsDir = ctx.inputs.maps![0]!.dir;
  const manifest = await readMapsManifest(mapsDir);
  const { width, height } = dataset.info.imageSize;
  const preprocess = resolvePreprocess(p.preprocess, manifest);
  // The tool rescales boxes from image_sizes to 224 x 224. At that evaluation size the true
  // original sizes and boxes reproduce ours; at another size we write boxes in our grid and
  // declare images of 224 x 224, so the tool's rescaling leaves them as they are.
  const originalGeometry = width === TOOL_SIZE && height === TOOL_SIZE;
  if (!originalGeometry)
    ctx.log(
      `the evaluation size is ${width}x${height}, not 224x224: image_sizes.txt declares 224,224 and boxes are in the ${width}x${height} grid, so the tool's rescaling keeps our ground truth`,
    );
  let written = 0;
  const total = p.splits.reduce((n, s) => n + dataset.split(s).count, 0);
  // One choice for all splits: the tool's evaluator follows the dataset name.
  const anyBoxes = (p.splits as SplitName[]).some((s) => {
    const v = dataset.split(s);
    for (let i = 0; i < v.count; i++) if (v.boxesOriginal(i).length > 0) return true;
    return false;
  });
  const useMasks = p.localization === 'masks' || (p.localization === 'auto' && !anyBoxes);
  if (useMasks && !dataset.info.hasMasks) throw new UserError('the dataset has no masks to export', `export boxes: --set ${ctx.nodeId}.localization=boxes`);
  const name = p.name === 'auto' ? (useMasks ? 'OpenImages' : 'CUB') : p.name;
  if (useMasks !== (name === 'OpenImages'))
    ctx.log(
      `dataset name ${name} makes wsolevaluation evaluate ${name === 'OpenImages' ? 'masks' : 'boxes'}, but localization.txt holds ${useMasks ? 'masks' : 'boxes'}`,
    );
  for (const split of p.splits as SplitName[]) {
    if (dataset.split(split).count === 0) {
      // An evaluation-only dataset (e.g. test alone) is exported as the splits it has.
      const present = presentSplits(dataset);
      throw new UserError(
        `the dataset has no ${split} images ${splitsItHas(dataset)}`,
        `export the splits it has: --set ${ctx.nodeId}.splits='${JSON.stringify(present)}'`,
      );
    }
    const stored = await readMapsSplit(mapsDir, split);
    if (!stored)
      throw new UserError(
        `the maps artifact has no maps of split ${split} (it has ${Object.keys(manifest.splits).join(', ') || 'none'})`,
        `export the splits it has: --set ${ctx.nodeId}.splits='["test"]'`,
      );
    const view = dataset.split(split);
    if (stored.entry.count !== view.count || stored.entry.ids.some((id, i) => id !== view.ids[i]))
      throw new UserError(
        `the maps of split ${split} are not for the dataset's images (count or ids differ)`,
        'make the maps from this dataset (same split, same order)',
      );
    const maps = mapSetOf(stored, manifest.target);
    const ids: string[] = [],
      labels: string[] = [],
      sizes: string[] = [],
      localization: string[] = [];
    for (let i = 0; i < view.count; i++) {
      ctx.signal.throwIfAborted();
      const id = view.ids[i]!;
      const rel = safeRelative(id);
      const map = evaluationMap(maps, i, id, { imageSize: dataset.info.imageSize, preprocess, nanMaps: p.nanMaps });
      const file = join(ctx.outDir, 'scoremaps', `${rel}.npy`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, encodeNpy(map, [height, width]));
      ids.push(id);
      labels.push(`${id},${view.labels[i]}`);
      const size = originalGeometry ? view.originalSizes[i]! : { width: TOOL_SIZE, height: TOOL_SIZE };
      sizes.push(`${id},${size.width},${size.height}`);
      if (useMasks) {
        const mask = view.mask(i);
        if (!mask) throw new UserError(`image ${id} of split ${split} has no mask`, `export boxes instead: --set ${ctx.nodeId}.localization=boxes`);
        const maskPath = `masks/${rel}.png`;
        // The tool reads masks under <mask_root>/OpenImages.
        await writePng(join(ctx.outDir, 'OpenImages', maskPath), mask, width, height, encodePng);
        const ignore = view.ignoreMask(i);
        let ignorePath = '';
        if (ignore) {
          ignorePath = `ignore/${rel}.png`;
          await writePng(join(ctx.outDir, 'OpenImages', ignorePath), ignore, width, height, encodePng);
        }
        localization.push(`${id},${maskPath},${ignorePath}`);
      } else {
        const boxes: readonly Box[] = originalGeometry ? view.boxesOriginal(i) : view.boxes(i);
        for (const b of boxes) localization.push(`${id},${b.join(',')}`);
      }
      written++;
      if (written % 32 === 0 || written === total) ctx.progress({ fraction: written / total, message: `${written}/${total} maps` });
    }
    const dir = join(ctx.outDir, 'metadata', name, p.splitDirs[split]);
    await mkdir(dir, { recursive: true });
    const lines = (xs: string[]): string => (xs.length ? `${xs.join('\n')}\n` : '');
    await writeFile(join(dir, 'image_ids.txt'), lines(ids));
    await writeFile(join(dir, 'class_labels.txt'), lines(labels));
    await writeFile(join(dir, 'image_sizes.txt'), lines(sizes));
    await writeFile(join(dir, 'localization.txt'), lines(localization));
  }
  return { metrics: { maps: written, datasetName: name } };
}

async function writePng(
  file: string,
  mask: Uint8Array,
  width: number,
  height: number,
  encodePng: (w: number, h: number, c: 1 | 3, d: Uint8Array) => Promise<Buffer>,
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(
    file,
    await encodePng(
      width,
      height,
      1,
      Uint8Array.from(mask, (v) => (v ? 255 : 0)),
    ),
  );
}
