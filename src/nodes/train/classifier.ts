import { defineNode, pathParams } from '../contract.js';
import { pretrainedWeights } from '../required-data.js';
import { trainingProperties } from '../../methods/network-params.js';
import { augmentSchema } from '../../methods/augment.js';
import type { ClassifierParams } from '../../methods/trainers/classifier.js';
import { hooksOf, INIT_INPUT, runClassifierTraining, trainerSchema, withInit } from '../method-io.js';

const schema = trainerSchema({ ...trainingProperties, augment: augmentSchema }, ['logits'], 'gap-fc');

/**
 * Backbone + a class-score head (GAP + FC by default) trained with
 * cross-entropy: the CAM baseline of every paper, and SLT-Net's separately
 * trained classifier.
 */
export const classifierNode = defineNode<ClassifierParams>({
  type: 'train/classifier',
  version: 4,
  description: "Trains backbone + head (GAP + FC by default) with cross-entropy (the CAM baseline; SLT-Net's classifier).",
  get params() {
    return schema();
  },
  inputs: { dataset: { kind: 'dataset' }, init: INIT_INPUT },
  output: 'model',
  dataFiles: pathParams('pretrained'),
  requiredPaths: pretrainedWeights,
  env: ['backend'],
  async run(ctx) {
    const { trainClassifier } = await import('../../methods/trainers/classifier.js');
    return runClassifierTraining(ctx, (tf, data) => trainClassifier(tf, data, withInit(ctx), hooksOf(ctx)), { method: 'cam', options: {} });
  },
});
