import { defineNode } from '../contract.js';
import { trainingSchema } from '../../methods/network-params.js';
import type { CamTrainingParams } from '../../methods/trainers/cam-network.js';
import { hooksOf, INIT_INPUT, runClassifierTraining, withInit } from '../method-io.js';

export type ClassifierParams = Omit<CamTrainingParams, 'smt' | 'alpha' | 'topK' | 'vst' | 'beta' | 'vstStimuli'>;

/**
 * Backbone + GAP + FC trained with cross-entropy: the CAM baseline of every
 * paper, and SLT-Net's separately trained classifier.
 */
export const classifierNode = defineNode<ClassifierParams>({
  type: 'train/classifier',
  version: 1,
  description: 'Trains backbone + GAP + FC with cross-entropy (the CAM baseline; SLT-Net\'s classifier).',
  params: { type: 'object', properties: trainingSchema(), additionalProperties: false },
  inputs: { dataset: { kind: 'dataset' }, init: INIT_INPUT },
  output: 'model',
  env: ['backend'],
  async run(ctx) {
    const { trainCamNetwork } = await import('../../methods/trainers/cam-network.js');
    return runClassifierTraining(ctx, (tf, data) => trainCamNetwork(tf, data, { ...withInit(ctx), smt: false, alpha: 1, topK: 1, vst: false, beta: 0, vstStimuli: { flip: false, scales: [1], brightness: 0, contrast: 0, saturation: 0, hue: 0 } }, hooksOf(ctx)), { method: 'cam', topK: 1 });
  },
});
