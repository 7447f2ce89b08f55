import { defineNode } from '../contract.js';
import { trainingSchema } from '../../methods/network-params.js';
import type { CamTrainingParams } from '../../methods/trainers/cam-network.js';
import { hooksOf, INIT_INPUT, runClassifierTraining, withInit } from '../method-io.js';

/**
 * SLT-Net's localizer: a GAP-FC network trained with the semantic-tolerance
 * loss (α·CE when the true class is in the top K) and the visual-stimuli
 * tolerance loss (β·MSE between the CAM and the inverse-transformed CAM of a
 * jittered, flipped, scaled copy). `smt: false, vst: false` is the CAM
 * baseline, so the paper's ablation is a matrix over these switches.
 */
export type SltLocalizerParams = CamTrainingParams & { localizationMap: 'acam' | 'cam' };

export const sltLocalizerNode = defineNode<SltLocalizerParams>({
  type: 'train/slt-localizer',
  version: 1,
  description: 'Trains SLT-Net\'s localizer: semantic tolerance (alpha, topK) and visual-stimuli tolerance (beta), each switchable.',
  params: {
    type: 'object',
    properties: {
      ...trainingSchema({ lr: 0.01 }),
      smt: { type: 'boolean', default: true, description: 'Semantic-tolerance loss (else plain cross-entropy).' },
      alpha: { type: 'number', minimum: 0, maximum: 1, default: 0.4, description: 'Loss factor when the true class is in the top K (paper: 0.4 CUB, 0.2 ILSVRC).' },
      topK: { type: 'integer', minimum: 1, default: 3, description: 'K of the semantic tolerance (paper: 30 of 200 CUB classes, 100 of 1000 ILSVRC).' },
      vst: { type: 'boolean', default: true, description: 'Visual-stimuli tolerance loss.' },
      localizationMap: { enum: ['acam', 'cam'], default: 'acam', description: 'The map this localizer is read with (maps/cam method "auto"): the mean CAM of the top-K classes (SLT-Net) or the CAM of one class.' },
      beta: { type: 'number', minimum: 0, default: 10, description: 'Weight of the VST loss (paper: 10).' },
      // No default: leaving it out keeps the paper's behaviour and the cache keys of pipelines written before it existed.
      vstNormalize: { type: 'boolean', description: 'Compare L2-normalised maps in the VST loss (absent or false = the paper\'s raw CAMs). Raw CAMs let training from scratch minimise the loss by shrinking every map to zero.' },
      vstFrom: { type: 'number', minimum: 0, maximum: 1, description: 'Fraction of training after which the VST loss switches on (absent or 0 = the paper). From scratch, VST from the first step collapses the maps to constants.' },
      vstStimuli: {
        type: 'object',
        properties: {
          flip: { type: 'boolean', default: true },
          scales: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, default: [0.75, 1, 1.25] },
          brightness: { type: 'number', minimum: 0, default: 0.3 },
          contrast: { type: 'number', minimum: 0, default: 0.3 },
          saturation: { type: 'number', minimum: 0, default: 0.3 },
          hue: { type: 'number', minimum: 0, maximum: 0.5, default: 0.05 },
        },
        additionalProperties: false,
        default: {},
        description: 'Transforms of the VST loss: flip, scales (input side multipliers), colour jitter amounts.',
      },
    },
    additionalProperties: false,
  },
  inputs: { dataset: { kind: 'dataset' }, init: INIT_INPUT },
  output: 'model',
  env: ['backend'],
  async run(ctx) {
    const { trainCamNetwork } = await import('../../methods/trainers/cam-network.js');
    return runClassifierTraining(ctx, (tf, data) => trainCamNetwork(tf, data, withInit(ctx), hooksOf(ctx)), { method: ctx.params.localizationMap, topK: ctx.params.topK });
  },
});
