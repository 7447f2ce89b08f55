import { defineNode, pathParams } from '../contract.js';
import { pretrainedWeights } from '../required-data.js';
import { trainingProperties, withDefaults } from '../../methods/network-params.js';
import { stlProperties, type StlParams } from '../../methods/trainers/stl.js';
import { hooksOf, INIT_INPUT, runClassifierTraining, withInit } from '../method-io.js';

/**
 * Self-transfer learning: shared trunk, classifier branch (optional) and
 * localizer branch (1x1 conv to class maps + global max/avg/LSE pooling),
 * loss (1-α)·CE_cls + α·CE_loc with α rising from alphaStart to alphaEnd.
 */
export const stlNode = defineNode<StlParams>({
  type: 'train/stl',
  version: 5,
  description: 'Trains STL: trunk + classifier branch + localizer branch (1x1 conv maps + global pooling), alpha moving from 0.1 to 0.9.',
  params: { type: 'object', properties: { ...withDefaults(trainingProperties, { lr: 0.01 }), ...stlProperties }, additionalProperties: false },
  inputs: { dataset: { kind: 'dataset' }, init: INIT_INPUT },
  output: 'model',
  dataFiles: pathParams('pretrained'),
  requiredPaths: pretrainedWeights,
  env: ['backend'],
  async run(ctx) {
    const { trainStl } = await import('../../methods/trainers/stl.js');
    return runClassifierTraining(ctx, (tf, data) => trainStl(tf, data, withInit(ctx), hooksOf(ctx)), { method: 'cam', options: {} });
  },
});
