/**
 * Global average pooling + one dense layer: the CAM classifier (and
 * SLT-Net's localizer and classifier). Its class maps are CAM: Σ_k w[k,c]·S_k
 * over the features, without the bias.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { Dense, globalAveragePool } from '../../nn/layers.js';
import { defineHead, type HeadConfigOf } from './head.js';

const params = {} as const;

export const gapFcHead = defineHead<HeadConfigOf<'gap-fc', typeof params>>({
  kind: 'gap-fc',
  description: 'GAP + FC to class scores; class maps by CAM (Σ_k w[k,c]·S_k).',
  params,
  provides: ['logits', 'classMaps'],
  build(tf, store, input) {
    const fc = new Dense(tf, store, 'fc', input.channels, input.classes);
    return {
      apply: (features) => ({ logits: fc.apply(globalAveragePool(tf, features)) }),
      classMaps: (features) => {
        const [n, h, w, k] = features.shape;
        const flat = tf.reshape(features, [n * h * w, k]) as TfCore.Tensor2D;
        return tf.reshape(tf.matMul(flat, fc.kernel as unknown as TfCore.Tensor2D), [n, h, w, input.classes]) as TfCore.Tensor4D;
      },
    };
  },
});
