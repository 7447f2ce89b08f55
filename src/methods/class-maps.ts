/**
 * Localization maps from a trained network: CAM of one class per image,
 * SLT-Net's top-K averaged CAM, and Grad-CAM at any named backbone stage.
 * All return [N, h, w] maps at the chosen layer's resolution; the evaluator
 * resizes and normalises them.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';
import type { Network } from '../tensor/models/network.js';
import { oneHot } from './losses.js';

type T3 = TfCore.Tensor3D;
type T4 = TfCore.Tensor4D;

/** The map of class `classes[i]` for each image i: [N, h, w]. */
export function selectClassMaps(tf: Tf, maps: T4, classes: readonly number[]): T3 {
  const c = maps.shape[3];
  return tf.sum(tf.mul(maps, tf.reshape(oneHot(tf, classes, c), [classes.length, 1, 1, c])), 3) as T3;
}

/**
 * SLT-Net's top-K ACAM: the mean of the CAMs of the K highest-scoring
 * classes of each image (K = 1 is the CAM of the predicted class).
 */
export function topKAveragedMaps(tf: Tf, maps: T4, logits: TfCore.Tensor2D, k: number): T3 {
  const c = maps.shape[3];
  const kk = Math.min(k, c);
  // Top-k by value only: TopK has no gradient in tfjs and none is needed here.
  const { indices } = tf.topk(logits, kk);
  const weights = tf.div(tf.sum(tf.cast(tf.oneHot(indices, c), 'float32'), 1), kk);
  return tf.sum(tf.mul(maps, tf.reshape(weights, [maps.shape[0], 1, 1, c])), 3) as T3;
}

/**
 * Grad-CAM (Selvaraju et al.) at backbone stage `layer`: channel weights =
 * spatial mean of ∂logit_c/∂S, map = ReLU(Σ_k weight_k · S_k).
 */
export function gradCam(tf: Tf, net: Network, x: T4, layer: string, classes: readonly number[]): T3 {
  const { output: s } = net.backbone.apply(net.input(x), false, { until: layer });
  const mask = oneHot(tf, classes, net.config.classes);
  const g = tf.grad((a: TfCore.Tensor) => {
    const out = net.head(net.backbone.applyFrom(layer, a, false) as T4);
    return tf.sum(tf.mul(out.logits!, mask));
  })(s);
  const weights = tf.mean(g, [1, 2], true);
  return tf.relu(tf.sum(tf.mul(weights, s), 3)) as T3;
}
