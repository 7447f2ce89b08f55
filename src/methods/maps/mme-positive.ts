/**
 * Min-Max Entropy's M+ (min-max-mask.ts) as a map: at the input's
 * resolution, already in [0, 1], so it is recorded as a score map
 * (`scoremaps:` label) and the evaluator takes it as it is — F1+ is then the
 * Dice of M+ at 0.5, as the paper scores it. Class-agnostic: M+ weighs every
 * class by M's posterior.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { SCOREMAP_LABEL_PREFIX, defineMapMethod } from './map-method.js';
import { positiveMask } from '../min-max-mask.js';

export const mmePositiveMethod = defineMapMethod({
  name: 'mme-positive',
  description: "Min-Max Entropy's mask M+ = sigmoid(ω·(T − σ')) at input resolution (a score map in [0, 1]; class-agnostic).",
  params: {
    omega: { type: 'number', exclusiveMinimum: 0, default: 8, description: "mme-positive: the mask sigmoid's sharpness ω." },
    sigmaPrime: { type: 'number', default: 0.5, description: "mme-positive: the mask sigmoid's threshold σ' on the min-max normalised map." },
  },
  needs: ['logits', 'classMaps'],
  agnostic: true,
  label: () => `${SCOREMAP_LABEL_PREFIX}mme-positive`,
  compute: ({ tf, net, x, out, options }) => {
    const omega = typeof options.omega === 'number' ? options.omega : 8;
    const sigmaPrime = typeof options.sigmaPrime === 'number' ? options.sigmaPrime : 0.5;
    const mask = positiveMask(tf, out.logits! as TfCore.Tensor2D, net.classMaps(out), { height: x.shape[1], width: x.shape[2] }, { omega, sigmaPrime });
    return tf.squeeze(mask, [3]) as TfCore.Tensor3D;
  },
});
