/** SLT-Net's top-K averaged CAM: the mean of the CAMs of each image's K highest-scoring classes, the same map whatever the class. */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../../tensor/backends/init.js';
import { defineMapMethod } from './map-method.js';

/** Mean of the maps of the K highest-scoring classes of each image (K = 1: the predicted class's map). */
export function topKAveragedMaps(tf: Tf, maps: TfCore.Tensor4D, logits: TfCore.Tensor2D, k: number): TfCore.Tensor3D {
  const c = maps.shape[3];
  const kk = Math.min(k, c);
  // Top-k by value only: TopK has no gradient in tfjs and none is needed here.
  const { indices } = tf.topk(logits, kk);
  const weights = tf.div(tf.sum(tf.cast(tf.oneHot(indices, c), 'float32'), 1), kk);
  return tf.sum(tf.mul(maps, tf.reshape(weights, [maps.shape[0], 1, 1, c])), 3) as TfCore.Tensor3D;
}

export const acamMethod = defineMapMethod({
  name: 'acam',
  description: 'top-K ACAM (SLT-Net): the mean CAM of the top-K predicted classes (`topK`).',
  params: {},
  needs: ['classMaps', 'logits'],
  agnostic: true,
  label: (_net, o) => `acam-top${o.topK}`,
  compute: ({ tf, net, out, options }) => topKAveragedMaps(tf, net.classMaps(out), out.logits!, options.topK),
});
