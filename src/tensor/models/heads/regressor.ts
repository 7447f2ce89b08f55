/**
 * SLT-Net's box regressor head: GAP + FC(hidden) + ReLU + FC(4), the box in
 * feature-map cells (see methods/trainers/regressor.ts for the encoding).
 */
import { Dense, globalAveragePool } from '../../nn/layers.js';
import { defineHead, type HeadConfigOf } from './head.js';

export const regressorHeadParams = {
  hidden: { type: 'integer', minimum: 1, default: 256, description: 'Units of the hidden FC layer.' },
} as const;

export const regressorHead = defineHead<HeadConfigOf<'regressor', typeof regressorHeadParams>>({
  kind: 'regressor',
  description: 'Box regressor: GAP + FC(hidden) + ReLU + FC(4).',
  params: regressorHeadParams,
  provides: ['boxes'],
  build(tf, store, input, config) {
    const hidden = new Dense(tf, store, 'reg_fc1', input.channels, config.hidden, 'he');
    const out = new Dense(tf, store, 'reg_fc2', config.hidden, 4, 'small');
    return { apply: (features) => ({ boxes: out.apply(tf.relu(hidden.apply(globalAveragePool(tf, features)))) }) };
  },
});
