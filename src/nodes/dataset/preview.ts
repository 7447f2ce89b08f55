import type { FromSchema } from 'json-schema-to-ts';
import { UserError, defineNode } from '../contract.js';
import { seedParam } from './common.js';

/** Colours of the overlays: boxes green, foreground masks red, ignore masks blue. */
const BOX = [40, 230, 60] as const;
const MASK = [255, 40, 40] as const;
const IGNORE = [60, 120, 255] as const;

const params = {
  type: 'object',
  properties: {
    split: { enum: ['train', 'val', 'test'], default: 'val', description: 'Split to show.' },
    count: { type: 'integer', minimum: 1, maximum: 1024, default: 16, description: 'Images on the sheet (fewer if the split is smaller).' },
    columns: { type: 'integer', minimum: 0, maximum: 64, default: 0, description: 'Columns of the grid (0: about square).' },
    cellSize: {
      type: 'integer',
      minimum: 16,
      maximum: 1024,
      default: 128,
      description: 'Side of each cell in pixels (images are scaled with nearest neighbour).',
    },
    pick: { enum: ['first', 'random'], default: 'random', description: 'The first images of the split, or a seeded random sample.' },
    boxes: { type: 'boolean', default: true, description: 'Draw ground-truth boxes.' },
    masks: { type: 'boolean', default: true, description: 'Tint masks.' },
    seed: seedParam,
  },
  additionalProperties: false,
} as const;

/**
 * The params of a dataset/preview node, as its schema gives them: which split
 * and images, the sheet's layout, what to draw, and the seed of the pick.
 */
export type PreviewParams = FromSchema<typeof params>;

export const previewNode = defineNode<PreviewParams>({
  type: 'dataset/preview',
  // 2: cells resized in OpenCV's INTER_NEAREST arithmetic, shared with the mask loaders.
  version: 2,
  description:
    "Contact sheet (PNG) of N images of a dataset split with their ground-truth boxes (green), masks (red) and ignore masks (blue) drawn; a JSON legend gives each cell's id and class.",
  params,
  inputs: { dataset: { kind: 'dataset', description: 'The dataset to preview.' } },
  output: 'report',
  async run(ctx) {
    const { openDataset } = await import('../../datasets/store.js');
    const { rng } = await import('../../core/random.js');
    const { resizeNearest, greyToRgb } = await import('../../image/raster.js');
    const { contactSheet, scaleBox, strokeBox, tint } = await import('../../image/draw.js');
    const { encodePng } = await import('../../image/decode.js');
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const p = ctx.params;
    const dataset = await openDataset(ctx.inputs.dataset![0]!.dir);
    const split = dataset.split(p.split);
    if (split.count === 0) throw new UserError(`split ${p.split} of the dataset is empty`, 'preview another split: --set <node>.split=train');
    const all = Array.from({ length: split.count }, (_, i) => i);
    const chosen = (p.pick === 'random' ? rng(p.seed, 'preview').shuffle(all) : all).slice(0, p.count);
    const { width, height } = dataset.info.imageSize;
    const cellW = p.cellSize;
    const cellH = Math.max(1, Math.round((p.cellSize * height) / width));
    const cells = chosen.map((i) => {
      const rgb = dataset.info.channels === 3 ? Uint8Array.from(split.image(i)) : greyToRgb(split.image(i));
      const cell = resizeNearest({ width, height, channels: 3, data: rgb }, cellW, cellH);
      const ignore = split.ignoreMask(i);
      const mask = split.mask(i);
      if (p.masks && ignore) tint(cell, resizeNearest({ width, height, channels: 1, data: ignore }, cellW, cellH).data, IGNORE, 0.45);
      if (p.masks && mask) tint(cell, resizeNearest({ width, height, channels: 1, data: mask }, cellW, cellH).data, MASK, 0.4);
      if (p.boxes) for (const b of split.boxes(i)) strokeBox(cell, scaleBox(b, cellW / width, cellH / height), BOX, cellW >= 96 ? 2 : 1);
      return cell;
    });
    const columns = p.columns || Math.ceil(Math.sqrt(cells.length));
    const sheet = contactSheet(cells, columns, 4, [32, 32, 32]);
    await writeFile(join(ctx.outDir, 'contact-sheet.png'), await encodePng(sheet.width, sheet.height, 3, sheet.data));
    const legend = chosen.map((i, k) => ({
      row: Math.floor(k / columns),
      column: k % columns,
      index: i,
      id: split.ids[i],
      label: split.labels[i],
      className: dataset.info.classNames[split.labels[i]!],
      boxes: split.boxes(i),
    }));
    await writeFile(
      join(ctx.outDir, 'contact-sheet.json'),
      JSON.stringify(
        { dataset: dataset.info.name, split: p.split, cellSize: [cellW, cellH], colours: { box: BOX, mask: MASK, ignore: IGNORE }, cells: legend },
        null,
        1,
      ),
    );
    return { metrics: { images: cells.length, columns } };
  },
});
