import type { FromSchema } from 'json-schema-to-ts';
import { defineNode } from '../contract.js';
import { baselineSplitsParam, cellParam, writeBaselineMaps } from './baseline-maps.js';

const params = { type: 'object', properties: { splits: baselineSplitsParam, cell: cellParam }, additionalProperties: false } as const;

/** The params of a maps/intensity node: the splits to make maps for and the cell side in pixels they are pooled to. */
export type IntensityMapsParams = FromSchema<typeof params>;

/**
 * The no-learning floor of a comparison table: each image's own intensity
 * (mean of its channels) as its localization map, optionally pooled to the
 * compared maps' cells. A method that does not beat it learned nothing a
 * brightness prior does not already give.
 */
export const intensityMapsNode = defineNode<IntensityMapsParams>({
  type: 'maps/intensity',
  version: 1,
  description: "No-learning floor: the image's intensity as its map (mean of the channels), pooled to `cell` px cells.",
  params,
  inputs: { dataset: { kind: 'dataset' } },
  output: 'maps',
  async run(ctx) {
    const { intensityMap, poolCells } = await import('../../methods/baselines.js');
    return writeBaselineMaps(ctx, `intensity@${ctx.params.cell}`, (split, i, info) => {
      const size = info.imageSize;
      return poolCells(intensityMap(split.image(i), size, info.channels), size.width, size.height, ctx.params.cell);
    });
  },
});
