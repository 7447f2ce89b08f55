import { defineNode } from '../contract.js';
import { trainingSchema } from '../../methods/network-params.js';
import type { StlParams } from '../../methods/trainers/stl.js';
import { hooksOf, INIT_INPUT, runClassifierTraining, withInit } from '../method-io.js';

/**
 * Self-transfer learning: shared trunk, classifier branch (optional) and
 * localizer branch (1x1 conv to class maps + global max/avg/LSE pooling),
 * loss (1-α)·CE_cls + α·CE_loc with α rising from alphaStart to alphaEnd.
 */
export const stlNode = defineNode<StlParams>({
  type: 'train/stl',
  version: 1,
  description: 'Trains STL: trunk + classifier branch + localizer branch (1x1 conv maps + global pooling), alpha moving from 0.1 to 0.9.',
  params: {
    type: 'object',
    properties: {
      ...trainingSchema({ lr: 0.01 }),
      pooling: { enum: ['max', 'avg', 'lse'], default: 'max', description: 'Global pooling of the localizer maps into class scores.' },
      lseR: { type: 'number', exclusiveMinimum: 0, default: 5, description: 'Sharpness of log-sum-exp pooling.' },
      classifierBranch: { type: 'boolean', default: true, description: 'With the classifier branch (STL); false is the plain localizer network the paper compares against.' },
      hidden: { type: 'integer', minimum: 1, default: 256, description: 'Units of the classifier branch\'s hidden FC layer.' },
      alphaSchedule: { enum: ['step', 'linear'], default: 'step', description: 'step: the paper (α jumps at alphaSwitchAt); linear: a ramp over training.' },
      alphaStart: { type: 'number', minimum: 0, maximum: 1, default: 0.1 },
      alphaEnd: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
      alphaSwitchAt: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Fraction of training where the step schedule switches.' },
    },
    additionalProperties: false,
  },
  inputs: { dataset: { kind: 'dataset' }, init: INIT_INPUT },
  output: 'model',
  env: ['backend'],
  async run(ctx) {
    const { trainStl } = await import('../../methods/trainers/stl.js');
    return runClassifierTraining(ctx, (tf, data) => trainStl(tf, data, withInit(ctx), hooksOf(ctx)), { method: 'cam', topK: 1 });
  },
});
