import type { FromSchema } from 'json-schema-to-ts';
import { defineNode, UserError } from '../contract.js';
import { baselineSplitsParam, cellParam, writeBaselineMaps } from './baseline-maps.js';

const params = {
  type: 'object',
  properties: {
    splits: baselineSplitsParam,
    cell: cellParam,
    region: {
      enum: ['box', 'hull'],
      default: 'box',
      description:
        "The object's filled region: its ground-truth box(es), or the convex hull of its mask (needs masks). Not the ink mask: a two-part object's largest contour is one part.",
    },
  },
  additionalProperties: false,
} as const;

/** The params of a maps/oracle node, as its schema gives them: the splits, the cell side in pixels, and which region of the object fills the map. */
export type OracleMapsParams = FromSchema<typeof params>;

/**
 * The ceiling of a comparison table: a map made from the ground truth (the
 * filled box or mask hull), pooled to the compared maps' cells — what a
 * perfect method could reach at that resolution through the evaluator's
 * resize and thresholds.
 */
export const oracleMapsNode = defineNode<OracleMapsParams>({
  type: 'maps/oracle',
  version: 1,
  description: "Ground-truth ceiling: the object's filled box (or mask hull) as its map, pooled to `cell` px cells.",
  params,
  inputs: { dataset: { kind: 'dataset' } },
  output: 'maps',
  async run(ctx) {
    const { boxRegion, hullRegion, poolCells } = await import('../../methods/baselines.js');
    return writeBaselineMaps(ctx, `oracle-${ctx.params.region}@${ctx.params.cell}`, (split, i, info) => {
      const size = info.imageSize;
      let region: Float32Array;
      if (ctx.params.region === 'box') region = boxRegion(split.boxes(i), size);
      else {
        const mask = split.mask(i);
        if (!mask)
          throw new UserError(
            `the ${split.name} split has no masks, so region "hull" has nothing to take the hull of`,
            'use region "box", or a dataset with masks',
          );
        region = hullRegion(mask, size);
      }
      return poolCells(region, size.width, size.height, ctx.params.cell);
    });
  },
});
