import type { FromSchema } from 'json-schema-to-ts';
import { defineNode, UserError } from '../contract.js';
import { SPLIT_NAMES, type Box, type SplitName } from '../../datasets/types.js';
import type { BoxesSplit } from '../../artifacts/boxes.js';
import { inputDataset, round, sameImageIds, single } from '../method-io.js';

const params = {
  type: 'object',
  properties: {
    threshold: {
      oneOf: [{ type: 'number', minimum: 0, exclusiveMaximum: 1 }, { const: 'val' }],
      default: 'val',
      description: 'Threshold of the normalised map, or "val" to choose it on the val split.',
    },
    thresholdStep: { type: 'number', exclusiveMinimum: 0, maximum: 0.5, default: 0.01, description: 'Grid step when choosing on val.' },
    splits: {
      type: 'array',
      items: { enum: [...SPLIT_NAMES] },
      minItems: 1,
      uniqueItems: true,
      default: ['train'],
      description: 'Splits to make boxes for (the regressor trains on train).',
    },
  },
  additionalProperties: false,
} as const;

/** The params of a boxes/pseudo node: a fixed threshold or the step of the search on val, and the splits to make boxes for. */
export type PseudoBoxesParams = FromSchema<typeof params>;

/**
 * SLT-Net's pseudo boxes: each map normalised and thresholded, the box of
 * its largest contour, in the dataset's image grid. With threshold "val"
 * the threshold is chosen on the val split's boxes (never on test).
 */
export const pseudoBoxesNode = defineNode<PseudoBoxesParams>({
  type: 'boxes/pseudo',
  version: 1,
  description: 'Pseudo boxes from maps: normalise, threshold (fixed, or the best GT-known threshold on val), box of the largest contour.',
  params,
  inputs: { maps: { kind: 'maps' }, dataset: { kind: 'dataset' } },
  output: 'boxes',
  async run(ctx) {
    const { readMapsSplit } = await import('../../artifacts/maps.js');
    const { writeBoxesArtifact } = await import('../../artifacts/boxes.js');
    const { chooseThreshold, pseudoBoxes } = await import('../../methods/pseudo-boxes.js');
    const data = await inputDataset(ctx);
    const mapsInput = single(ctx, 'maps');
    const grid = data.info.imageSize;
    const load = async (name: SplitName) => {
      const split = await readMapsSplit(mapsInput.dir, name);
      if (!split) throw new UserError(`the maps of node ${mapsInput.node} do not cover the ${name} split`, `add "${name}" to that maps node's splits`);
      if (!sameImageIds(split.entry.ids, data.split(name)))
        throw new UserError(`the maps of node ${mapsInput.node} are for other images than the dataset's ${name} split`, 'wire the maps made from this dataset');
      return split;
    };
    let tau: number;
    const metrics: Record<string, number> = {};
    if (ctx.params.threshold === 'val') {
      if (data.split('val').count === 0) {
        const { choiceSplitAdvice, splitsItHas } = await import('../absent-splits.js');
        throw new UserError(
          `the dataset has no val images to choose the pseudo-box threshold on ${splitsItHas(data)}`,
          choiceSplitAdvice('val', `--set ${ctx.nodeId}.threshold=<τ>`),
        );
      }
      const choice = chooseThreshold(await load('val'), data.split('val'), grid, ctx.params.thresholdStep);
      tau = choice.tau;
      metrics.valGtKnownLoc = round(choice.accuracy);
      ctx.log(`threshold ${tau} chosen on val (GT-known box accuracy ${choice.accuracy.toFixed(2)}%)`);
    } else tau = ctx.params.threshold;
    const splits: Partial<Record<SplitName, BoxesSplit>> = {};
    for (const name of ctx.params.splits) {
      const maps = await load(name);
      const boxes: Box[] = pseudoBoxes(maps, grid, tau);
      splits[name] = { ids: maps.entry.ids, boxes: boxes.map((b) => [b]) };
    }
    await writeBoxesArtifact(ctx.outDir, { imageSize: { width: grid.width, height: grid.height }, method: `pseudo:${tau}`, splits });
    return { metrics: { threshold: tau, ...metrics } };
  },
});
