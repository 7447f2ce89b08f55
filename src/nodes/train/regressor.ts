import { defineNode, UserError, pathParams } from '../contract.js';
import { pretrainedWeights } from '../required-data.js';
import { trainingProperties, withDefaults } from '../../methods/network-params.js';
import { regressorProperties, type RegressorParams } from '../../methods/trainers/regressor.js';
import type { Box } from '../../datasets/types.js';
import { hooksOf, INIT_INPUT, inputDataset, round, sameImageIds, saveTrained, single, withInit } from '../method-io.js';

/**
 * SLT-Net's box regressor: backbone + GAP + FC + ReLU + FC(4), smooth-L1 on
 * the pseudo boxes of the train split (normalised). Its backbone can start
 * from another model's (e.g. the localizer's) through the `init` input.
 */
export const regressorNode = defineNode<RegressorParams>({
  type: 'train/regressor',
  version: 5,
  description: 'Trains a box regressor (backbone + 2 FC) with smooth-L1 on pseudo boxes of the train split.',
  params: { type: 'object', properties: { ...withDefaults(trainingProperties, { lr: 0.01 }), ...regressorProperties }, additionalProperties: false },
  inputs: {
    dataset: { kind: 'dataset' },
    boxes: { kind: 'boxes', description: 'Pseudo boxes (boxes/pseudo) covering the train split.' },
    init: INIT_INPUT,
  },
  output: 'model',
  dataFiles: pathParams('pretrained'),
  requiredPaths: pretrainedWeights,
  env: ['backend'],
  async run(ctx) {
    const { tensorsFor } = await import('../../tensor/backends/for-node.js');
    const { trainRegressor } = await import('../../methods/trainers/regressor.js');
    const { readBoxesArtifact } = await import('../../artifacts/boxes.js');
    const tf = await tensorsFor(ctx.env);
    const data = await inputDataset(ctx);
    const boxesInput = single(ctx, 'boxes');
    const pseudo = await readBoxesArtifact(boxesInput.dir);
    const train = data.split('train');
    const split = pseudo.splits.train;
    if (!split)
      throw new UserError(
        `the boxes of node ${boxesInput.node} do not cover the train split`,
        'make the pseudo boxes from maps of the train split (maps/cam with "train" in splits)',
      );
    if (!sameImageIds(split.ids, train))
      throw new UserError(
        `the boxes of node ${boxesInput.node} are for other images than the dataset's train split`,
        'wire the pseudo boxes made from this dataset',
      );
    if (pseudo.imageSize.width !== data.info.imageSize.width || pseudo.imageSize.height !== data.info.imageSize.height)
      throw new UserError(
        `the boxes of node ${boxesInput.node} are in a ${pseudo.imageSize.width}x${pseudo.imageSize.height} grid, the dataset's images are ${data.info.imageSize.width}x${data.info.imageSize.height}`,
      );
    const targets: Box[] = split.boxes.map((b) => b[0] ?? [0, 0, data.info.imageSize.width - 1, data.info.imageSize.height - 1]);
    const { net, log } = await trainRegressor(tf, data, targets, withInit(ctx), hooksOf(ctx));
    try {
      await saveTrained(ctx, net, data, log);
    } finally {
      net.dispose();
    }
    return { metrics: { finalLoss: round(log.at(-1)!.loss, 5) } };
  },
});
