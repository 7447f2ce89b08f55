import type * as TfCore from '@tensorflow/tfjs-core';
import type { FromSchema } from 'json-schema-to-ts';
import { defineNode, UserError } from '../contract.js';
import { SPLIT_NAMES, type Box, type SplitName } from '../../datasets/types.js';
import type { BoxesSplit } from '../../artifacts/boxes.js';
import { headType } from '../../tensor/models/heads/registry.js';
import { checkSameClasses, inputDataset, inputModel, optionalInput } from '../method-io.js';

const params = {
  type: 'object',
  properties: {
    splits: { type: 'array', items: { enum: [...SPLIT_NAMES] }, minItems: 1, uniqueItems: true, default: ['val', 'test'] },
    batchSize: {
      type: 'integer',
      minimum: 1,
      default: 64,
      description: 'Most images per batch; lowered so the forward passes fit 1 GiB (methods/inference.ts).',
    },
  },
  additionalProperties: false,
} as const;

/** The params of a predict/boxes node: the splits to predict boxes for and the batch size. */
export type PredictBoxesParams = FromSchema<typeof params>;

/**
 * SLT-Net's inference: the box from the regressor, the class scores from a
 * separately trained classifier (optional input), for each image of the
 * chosen splits.
 */
export const predictBoxesNode = defineNode<PredictBoxesParams>({
  type: 'predict/boxes',
  version: 2,
  description: 'Boxes from a trained regressor (and class scores from an optional classifier) for dataset splits.',
  params,
  inputs: {
    model: { kind: 'model', description: 'A train/regressor model.' },
    dataset: { kind: 'dataset' },
    classifier: { kind: 'model', optional: true, description: 'Classifier for the class scores (Top-1/Top-5 Loc).' },
  },
  output: 'boxes',
  env: ['backend'],
  async run(ctx) {
    const { tensorsFor } = await import('../../tensor/backends/for-node.js');
    const { writeBoxesArtifact } = await import('../../artifacts/boxes.js');
    const { batches, batchTensor, inferenceBatchSize, predictBoxes } = await import('../../methods/inference.js');
    const { tidyAsync } = await import('../../tensor/read.js');
    const tf = await tensorsFor(ctx.env);
    const data = await inputDataset(ctx);
    const model = await inputModel(tf, ctx, 'model');
    const classifier = optionalInput(ctx, 'classifier') ? await inputModel(tf, ctx, 'classifier') : null;
    try {
      if (!headType(model.net.config.head.kind).provides.includes('boxes'))
        throw new UserError(
          `the model of node ${model.node} is not a box regressor (its head is ${model.net.config.head.kind})`,
          'wire a train/regressor node as `model`',
        );
      if (classifier) checkSameClasses(classifier, data);
      const { width, height } = data.info.imageSize;
      const out: Partial<Record<SplitName, BoxesSplit>> = {};
      const batch = inferenceBatchSize(ctx.params.batchSize, classifier ? [model.net, classifier.net] : [model.net]);
      for (const name of ctx.params.splits) {
        const split = data.split(name);
        const boxes: Box[][] = [];
        const scores: number[][] = [];
        for (const indices of batches(split.count, batch)) {
          ctx.signal.throwIfAborted();
          await tidyAsync(tf, async () => {
            const x = batchTensor(tf, split, indices, data.info.imageSize, data.info.channels);
            for (const b of await predictBoxes(model.net, x, width, height)) boxes.push([b]);
            if (classifier) for (const s of await (classifier.net.forward(x, false).logits! as TfCore.Tensor2D).array()) scores.push(s);
          });
        }
        out[name] = { ids: [...split.ids], boxes, ...(classifier ? { scores } : {}) };
      }
      await writeBoxesArtifact(ctx.outDir, { imageSize: { width, height }, method: 'regressor', splits: out });
      return { metrics: { images: Object.values(out).reduce((s, v) => s + v.ids.length, 0) } };
    } finally {
      model.net.dispose();
      classifier?.net.dispose();
    }
  },
});
