/**
 * Optimiser settings shared by every trainer: SGD with momentum or Nesterov
 * (the papers' choice), or Adam; L2 weight decay; a learning-rate schedule.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';
import type { FromSchema } from 'json-schema-to-ts';

/** JSON Schema properties of the optimiser settings, for node param schemas (types derive from them). */
export const optimizerProperties = {
  optimizer: { enum: ['sgd', 'nesterov', 'adam'], default: 'sgd', description: 'SGD with momentum, SGD with Nesterov momentum, or Adam.' },
  lr: { type: 'number', exclusiveMinimum: 0, default: 0.01, description: 'Initial learning rate.' },
  momentum: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
  weightDecay: { type: 'number', minimum: 0, default: 5e-4, description: 'L2 penalty on conv and dense kernels.' },
  schedule: {
    enum: ['constant', 'step', 'cosine'],
    default: 'constant',
    description: 'constant; step: ×lrDecay every lrStep epochs; cosine: to 0 over the run.',
  },
  lrStep: { type: 'integer', minimum: 1, default: 30, description: 'Epochs between decays (schedule "step").' },
  lrDecay: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'Decay factor (schedule "step").' },
  headLrMultiplier: {
    type: 'number',
    exclusiveMinimum: 0,
    default: 1,
    description: 'Learning-rate multiplier of the head (layers after the backbone), e.g. 10 when fine-tuning a pretrained backbone.',
  },
} as const;

/**
 * The optimiser settings every trainer takes, as their JSON Schema gives them:
 * algorithm, learning rate and schedule, momentum, decay, head multiplier.
 */
export type OptimizerParams = FromSchema<{ type: 'object'; properties: typeof optimizerProperties; additionalProperties: false }>;

export function learningRate(p: OptimizerParams, epoch: number, epochs: number, fraction = 0): number {
  switch (p.schedule) {
    case 'constant':
      return p.lr;
    case 'step':
      return p.lr * Math.pow(p.lrDecay, Math.floor(epoch / p.lrStep));
    case 'cosine':
      return 0.5 * p.lr * (1 + Math.cos((Math.PI * (epoch + fraction)) / Math.max(1, epochs)));
  }
}

/** A tfjs optimiser as makeOptimizer returns it: the momentum optimisers have setLearningRate, Adam does not (the loop sets its field instead). */
export type Optimizer = TfCore.Optimizer & { setLearningRate(lr: number): void };

export function makeOptimizer(tf: Tf, p: OptimizerParams, lr: number): Optimizer {
  switch (p.optimizer) {
    case 'sgd':
      return tf.train.momentum(lr, p.momentum, false) as unknown as Optimizer;
    case 'nesterov':
      return tf.train.momentum(lr, p.momentum, true) as unknown as Optimizer;
    case 'adam':
      return tf.train.adam(lr) as unknown as Optimizer;
  }
}

/** (weightDecay / 2) · Σ‖W‖² over kernels (biases and batch-norm parameters are not decayed). */
export function l2Penalty(tf: Tf, kernels: readonly TfCore.Variable[], weightDecay: number): TfCore.Scalar | null {
  if (weightDecay === 0 || kernels.length === 0) return null;
  return tf.mul(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))), weightDecay / 2) as TfCore.Scalar;
}
