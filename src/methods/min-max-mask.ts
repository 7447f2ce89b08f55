/**
 * Min-Max Entropy's mask (seed 001, Eq. 10-11): T = Σ_k softmax(s_M)_k · A_k
 * (M's class maps weighted by M's posterior), normalised to [0, 1] by its
 * minimum and maximum — WILDCAT maps are unbounded, and the sigmoid's
 * threshold σ' = 0.5 presumes a bounded T. The paper does not say over what;
 * the authors' code (deepmil/models.py) takes the minimum and maximum of the
 * whole batch in training and evaluates one image at a time, so `batch`
 * normalises over the batch and `image` per image (what maps are made with).
 * Then upsampled bilinearly to the input (half-pixel centres; a bilinear
 * upsampling keeps the minimum and maximum, so the order does not matter), then
 * M+ = sigmoid(ω·(T − σ')). Everything here is computed outside any loss:
 * the mask is data for the classifier (the paper detaches it).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';

type T4 = TfCore.Tensor4D;

/** The params of Min-Max Entropy's mask M+ = sigmoid(ω·(T − σ')), and what T is normalised over. */
export interface MaskParams {
  omega: number;
  sigmaPrime: number;
  /** Over what T's minimum and maximum are taken (default: each image). */
  maskNormalization?: 'image' | 'batch';
}

/** M+ [N, H, W, 1] in (0, 1) at `size` from M's scores [N, C] and class maps [N, h, w, C]. */
export function positiveMask(tf: Tf, logits: TfCore.Tensor2D, maps: T4, size: { height: number; width: number }, p: MaskParams): T4 {
  return tf.tidy(() => {
    const [n, , , c] = maps.shape;
    const posterior = tf.reshape(tf.softmax(logits), [n, 1, 1, c]);
    const t = tf.sum(tf.mul(maps, posterior), 3, true) as T4;
    const axes = p.maskNormalization === 'batch' ? [0, 1, 2, 3] : [1, 2, 3];
    const lo = tf.min(t, axes, true);
    const range = tf.sub(tf.max(t, axes, true), lo);
    const normalised = tf.div(tf.sub(t, lo), tf.maximum(range, 1e-12)) as T4;
    const up = tf.image.resizeBilinear(normalised, [size.height, size.width], false, true);
    return tf.sigmoid(tf.mul(tf.sub(up, p.sigmaPrime), p.omega)) as T4;
  });
}
