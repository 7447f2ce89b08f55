/**
 * SLT-Net's box regressor head: FC(hidden) + ReLU + FC(4) behind the
 * backbone, on flattened features as the paper's VGG regressor (or
 * average-pooled), the box in feature-map cells (see
 * methods/trainers/regressor.ts for the encoding).
 */
import { Dense } from '../../nn/layers.js';
import { type FeatureReadout, readOut, readoutParam, readoutSize } from './features.js';
import { defineHead, type HeadConfigOf } from './head.js';

export const regressorHeadParams = {
  hidden: { type: 'integer', minimum: 1, default: 256, description: 'Units of the hidden FC layer.' },
  features: readoutParam('What the FC layers read: the backbone output flattened (the paper: position survives) or average-pooled.'),
} as const;

type RegressorHeadConfig = HeadConfigOf<'regressor', typeof regressorHeadParams>;

export const regressorHead = defineHead<RegressorHeadConfig>({
  kind: 'regressor',
  description: 'Box regressor: FC(hidden) + ReLU + FC(4) on flattened (or pooled) features.',
  params: regressorHeadParams,
  provides: ['boxes'],
  build(tf, store, input, config) {
    // Models saved before the param existed read pooled features.
    const readout: FeatureReadout = (config as Partial<RegressorHeadConfig>).features ?? 'gap';
    const hidden = new Dense(tf, store, 'reg_fc1', readoutSize(input, readout), config.hidden, 'he');
    const out = new Dense(tf, store, 'reg_fc2', config.hidden, 4, 'small');
    return { apply: (features) => ({ boxes: out.apply(tf.relu(hidden.apply(readOut(tf, features, readout)))) }) };
  },
});
