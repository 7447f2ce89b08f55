/**
 * Grad-CAM (Selvaraju et al.) at any backbone stage S: channel weights =
 * spatial mean of ∂logit_c/∂S, map = ReLU(Σ_k weight_k · S_k).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../../tensor/backends/init.js';
import type { Network } from '../../tensor/models/network.js';
import { oneHot } from '../losses.js';
import { defineMapMethod, layerOf, unknownLayer } from './map-method.js';

/** The activation S at `layer` and ∂(Σ_i logit_{c_i})/∂S for the images x. */
export function layerGradients(
  tf: Tf,
  net: Network,
  x: TfCore.Tensor4D,
  layer: string,
  classes: readonly number[],
): { s: TfCore.Tensor4D; g: TfCore.Tensor4D } {
  const s = net.backbone.apply(net.input(x), false, layer) as TfCore.Tensor4D;
  const mask = oneHot(tf, classes, net.config.classes);
  const g = tf.grad((a: TfCore.Tensor) => tf.sum(tf.mul(net.applyHead(net.backbone.applyFrom(layer, a, false) as TfCore.Tensor4D, false).logits!, mask)))(
    s,
  ) as TfCore.Tensor4D;
  return { s, g };
}

export function gradCam(tf: Tf, net: Network, x: TfCore.Tensor4D, layer: string, classes: readonly number[]): TfCore.Tensor3D {
  const { s, g } = layerGradients(tf, net, x, layer, classes);
  return tf.relu(tf.sum(tf.mul(tf.mean(g, [1, 2], true), s), 3)) as TfCore.Tensor3D;
}

export const gradCamMethod = defineMapMethod({
  name: 'gradcam',
  description: 'Grad-CAM at `layer` (empty = the last backbone layer): ReLU(Σ_k mean(∂logit_c/∂S_k)·S_k).',
  params: {},
  needs: ['logits'],
  label: (net, o) => `gradcam@${layerOf(net, o)}`,
  problem: unknownLayer,
  compute: ({ tf, net, x, classes, options }) => gradCam(tf, net, x, layerOf(net, options), classes),
});
