/**
 * How an FC head reads the backbone's last activation: flattened (every
 * position its own weights, as VGG's FC layers and the papers' FC branches),
 * or globally average-pooled (one weight per channel: position is lost, so
 * an FC regressor on GAP features can only learn position from padding
 * effects, and STL's classifier branch sends every position the same error
 * under average pooling).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../../backends/init.js';
import { globalAveragePool } from '../../nn/layers.js';
import type { HeadInput } from './head.js';

/** How an FC head reads the backbone's last activation: flattened, or globally average-pooled. */
export type FeatureReadout = 'flatten' | 'gap';

/** The schema of a readout param (the papers' flattened features by default). */
export function readoutParam(description: string) {
  return { enum: ['flatten', 'gap'], default: 'flatten', description } as const;
}

/** Inputs of the first FC layer for a readout. */
export function readoutSize(input: HeadInput, readout: FeatureReadout): number {
  return readout === 'gap' ? input.channels : input.channels * input.featureSize.height * input.featureSize.width;
}

export function readOut(tf: Tf, features: TfCore.Tensor4D, readout: FeatureReadout): TfCore.Tensor2D {
  if (readout === 'gap') return globalAveragePool(tf, features);
  const [n, h, w, k] = features.shape;
  return tf.reshape(features, [n, h * w * k]) as TfCore.Tensor2D;
}
