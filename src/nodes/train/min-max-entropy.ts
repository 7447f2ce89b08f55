import { defineNode, pathParams } from '../contract.js';
import { pretrainedWeights } from '../required-data.js';
import { trainingProperties, withDefaults } from '../../methods/network-params.js';
import { minMaxEntropyProperties, type MinMaxEntropyParams } from '../../methods/trainers/min-max-entropy.js';
import { hooksOf, INIT_INPUT, runClassifierTraining, withInit } from '../method-io.js';

/**
 * Min-Max Entropy (Belharbi et al.): localizer and classifier WILDCAT heads
 * on one backbone, the localizer's mask M+ splitting each image into X+
 * (classified) and X− (pushed to maximal entropy), recursive erasing with
 * trust coefficients. Defaults follow the authors' code (SGD + Nesterov,
 * lr 1e-3, weight decay 1e-5, batch 8).
 */
export const minMaxEntropyNode = defineNode<MinMaxEntropyParams>({
  type: 'train/min-max-entropy',
  version: 2,
  description:
    'Trains Min-Max Entropy: WILDCAT localizer M and classifier C on a shared backbone, mask M+ = sigmoid(ω(T − σ′)), CE on X⊙M+, max entropy on X⊙M−, CE of M, recursive erasing (depth u) with trust coefficients.',
  params: {
    type: 'object',
    properties: { ...withDefaults(trainingProperties, { optimizer: 'nesterov', lr: 0.001, weightDecay: 1e-5, batchSize: 8 }), ...minMaxEntropyProperties },
    additionalProperties: false,
  },
  inputs: { dataset: { kind: 'dataset' }, init: INIT_INPUT },
  output: 'model',
  dataFiles: pathParams('pretrained'),
  requiredPaths: pretrainedWeights,
  env: ['backend'],
  async run(ctx) {
    const { trainMinMaxEntropy } = await import('../../methods/trainers/min-max-entropy.js');
    const p = ctx.params;
    // erasingSteps: how many of the u erasing passes a batch ran on average in the last epoch (trust ends them early).
    return runClassifierTraining(
      ctx,
      (tf, data) => trainMinMaxEntropy(tf, data, withInit(ctx), hooksOf(ctx)),
      { method: 'mme-positive', options: { omega: p.omega, sigmaPrime: p.sigmaPrime } },
      ['erasingSteps'],
    );
  },
});
