import { defineNode, pathParams } from '../contract.js';
import { pretrainedWeights } from '../required-data.js';
import { trainingProperties, withDefaults } from '../../methods/network-params.js';
import { sltLocalizerProperties, type SltLocalizerParams } from '../../methods/trainers/slt-localizer.js';
import { hooksOf, INIT_INPUT, runClassifierTraining, trainerSchema, withInit } from '../method-io.js';

const schema = trainerSchema({ ...withDefaults(trainingProperties, { lr: 0.01 }), ...sltLocalizerProperties }, ['logits', 'classMaps'], 'gap-fc');

/**
 * SLT-Net's localizer: a network with class maps trained with the
 * semantic-tolerance loss (α·CE when the true class is in the top K) and the
 * visual-stimuli tolerance loss (β·MSE between the CAM and the
 * inverse-transformed CAM of a jittered, flipped, scaled copy).
 * `smt: false, vst: false` is the CAM baseline, so the paper's ablation is a
 * matrix over these switches.
 */
export const sltLocalizerNode = defineNode<SltLocalizerParams>({
  type: 'train/slt-localizer',
  version: 5,
  description: "Trains SLT-Net's localizer: semantic tolerance (alpha, topK) and visual-stimuli tolerance (beta), each switchable.",
  get params() {
    return schema();
  },
  inputs: { dataset: { kind: 'dataset' }, init: INIT_INPUT },
  output: 'model',
  dataFiles: pathParams('pretrained'),
  requiredPaths: pretrainedWeights,
  env: ['backend'],
  async run(ctx) {
    const { trainSltLocalizer } = await import('../../methods/trainers/slt-localizer.js');
    return runClassifierTraining(ctx, (tf, data) => trainSltLocalizer(tf, data, withInit(ctx), hooksOf(ctx)), {
      method: ctx.params.localizationMap,
      options: { topK: ctx.params.topK },
    });
  },
});
