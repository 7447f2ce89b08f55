/**
 * The methods' losses, as tfjs functions of logits/maps. Each is checked
 * against a hand-computed value in test/methods/losses.test.ts.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';

type T = TfCore.Tensor;
type Scalar = TfCore.Scalar;

/** One-hot float32 targets (tf.oneHot's float output is broken on wasm: make int, then cast). */
export function oneHot(tf: Tf, labels: Int32Array | readonly number[], classes: number): TfCore.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes), 'float32') as TfCore.Tensor2D);
}

/** Cross-entropy of softmax(logits) against one-hot targets, per example: [N]. */
export function crossEntropyPerExample(tf: Tf, logits: T, targets: T): TfCore.Tensor1D {
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1)) as TfCore.Tensor1D;
}

export function crossEntropy(tf: Tf, logits: T, targets: T): Scalar {
  return tf.mean(crossEntropyPerExample(tf, logits, targets)) as Scalar;
}

/**
 * Whether each example's true class is among its top-K scores: [N] of 0/1.
 * The rank of the true class is the number of classes scoring strictly
 * higher. A constant for the gradient: comparisons have no gradient in
 * tfjs, so the computation runs inside a custom gradient of zero.
 */
export function trueClassInTopK(tf: Tf, logits: T, targets: T, k: number): TfCore.Tensor1D {
  const indicator = tf.customGrad(((l: T, y: T) => {
    const trueScore = tf.sum(tf.mul(l, y), 1, true);
    const higher = tf.sum(tf.cast(tf.greater(l, trueScore), 'float32'), 1);
    const value = tf.cast(tf.less(higher, k), 'float32');
    return { value, gradFunc: () => [tf.zerosLike(l), tf.zerosLike(y)] };
  }) as unknown as Parameters<Tf['customGrad']>[0]);
  return indicator(logits, targets) as TfCore.Tensor1D;
}

/**
 * SLT-Net's semantic-tolerance loss: α·CE for examples whose true class is
 * within the top-K predictions, CE otherwise; mean over the batch.
 * K = 1 and α = 1 is plain cross-entropy.
 */
export function semanticToleranceLoss(tf: Tf, logits: T, targets: T, alpha: number, k: number): Scalar {
  const ce = crossEntropyPerExample(tf, logits, targets);
  const inTopK = trueClassInTopK(tf, logits, targets, k);
  // weight = 1 - (1 - α)·[in top-K]
  const weight = tf.sub(1, tf.mul(inTopK, 1 - alpha));
  return tf.mean(tf.mul(weight, ce)) as Scalar;
}

/** STL: (1 - α)·CE(classifier branch) + α·CE(localizer branch); without a classifier branch, CE(localizer). */
export function selfTransferLoss(tf: Tf, localizerLogits: T, classifierLogits: T | undefined, targets: T, alpha: number): Scalar {
  const loc = crossEntropy(tf, localizerLogits, targets);
  if (!classifierLogits) return loc;
  return tf.add(tf.mul(crossEntropy(tf, classifierLogits, targets), 1 - alpha), tf.mul(loc, alpha)) as Scalar;
}

/** STL's α at a point of training: a step from `start` to `end` at `switchAt`, or a linear ramp; `progress` in [0, 1]. */
export function stlAlpha(schedule: 'step' | 'linear', start: number, end: number, switchAt: number, progress: number): number {
  if (schedule === 'step') return progress >= switchAt ? end : start;
  return start + (end - start) * Math.min(1, Math.max(0, progress));
}

/**
 * SLT-Net's visual-stimuli tolerance loss: (1 / (W·H))·‖M^o − M^it‖² per
 * example, summed over pixels and classes (`sum`, Eq. 13 read literally), or
 * also divided by the number of classes (`mean`, what a PyTorch MSELoss over
 * the maps computes), averaged over the batch. Pixels the transform did not
 * keep (`valid` = 0) are left out.
 */
export function visualStimuliLoss(tf: Tf, original: T, inverted: T, valid?: T, reduction: 'sum' | 'mean' = 'sum'): Scalar {
  const [, h, w, c] = original.shape as [number, number, number, number];
  let diff = tf.square(tf.sub(original, inverted));
  if (valid) diff = tf.mul(diff, valid);
  return tf.div(tf.mean(tf.sum(diff, [1, 2, 3])), reduction === 'sum' ? h * w : h * w * c) as Scalar;
}

/**
 * A scale-free variant of the VST loss (our option, not the paper's): each
 * example's maps are L2-normalised over (h, w, classes) before the squared
 * difference, so shrinking every map toward zero no longer lowers the loss.
 * Value in [0, 4] per example; mean over the batch.
 */
export function normalizedVisualStimuliLoss(tf: Tf, original: T, inverted: T): Scalar {
  const unit = (m: T): T => tf.div(m, tf.add(tf.sqrt(tf.sum(tf.square(m), [1, 2, 3], true)), 1e-6));
  return tf.mean(tf.sum(tf.square(tf.sub(unit(original), unit(inverted))), [1, 2, 3])) as Scalar;
}

/** Smooth-L1 (Huber with δ = 1, as Fast R-CNN), summed over the 4 coordinates, mean over the batch. */
export function smoothL1(tf: Tf, predicted: T, target: T): Scalar {
  const d = tf.abs(tf.sub(predicted, target));
  const quadratic = tf.minimum(d, 1);
  const linear = tf.sub(d, quadratic);
  return tf.mean(tf.sum(tf.add(tf.mul(tf.square(quadratic), 0.5), linear), 1)) as Scalar;
}
