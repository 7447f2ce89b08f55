/**
 * Training augmentation of a mini-batch, on tensors: each image shifted by
 * up to `shift` pixels in each direction (zero padding, what a crop of a
 * padded image gives) and flipped horizontally with probability 1/2 where
 * the data allows it (digits do not). Draws come from the epoch's seeded
 * augmentation stream, so training stays a pure function of the seed.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { FromSchema } from 'json-schema-to-ts';
import type { Tf } from '../tensor/backends/init.js';

export const augmentSchema = {
  type: 'object',
  properties: {
    shift: { type: 'integer', minimum: 0, default: 0, description: 'Largest random shift in pixels, per image and direction (0 = none).' },
    flip: {
      enum: ['auto', true, false],
      default: false,
      description: 'Random horizontal flips: auto = where the dataset says its images may be flipped (not digits), true = always, false = never.',
    },
  },
  additionalProperties: false,
  default: {},
  description: 'Training augmentation (train split only; the val accuracy is measured on plain images).',
} as const;

/** A trainer's `augment` param as its schema gives it: the largest shift in pixels and whether to flip. */
export type AugmentParams = FromSchema<typeof augmentSchema>;

/** Whether an augmentation does anything on a dataset (the batch is passed through untouched otherwise, with no draws). */
export function augments(p: AugmentParams, flippable: boolean): boolean {
  return p.shift > 0 || flips(p, flippable);
}

/** Whether a flip setting flips on a dataset: `auto` follows the dataset's own fact (absent in artifacts older than it: flippable). */
export function flips(p: { flip: 'auto' | boolean }, flippable: boolean): boolean {
  return p.flip === true || (p.flip === 'auto' && flippable);
}

export function augmentBatch(tf: Tf, x: TfCore.Tensor4D, p: AugmentParams, flippable: boolean, random: () => number): TfCore.Tensor4D {
  if (!augments(p, flippable)) return x;
  const [, h, w] = x.shape;
  const s = p.shift;
  const padded =
    s > 0
      ? (tf.pad(x, [
          [0, 0],
          [s, s],
          [s, s],
          [0, 0],
        ]) as TfCore.Tensor4D)
      : x;
  const images = tf.unstack(padded).map((image) => {
    const dy = s > 0 ? Math.floor(random() * (2 * s + 1)) : 0;
    const dx = s > 0 ? Math.floor(random() * (2 * s + 1)) : 0;
    let out = s > 0 ? tf.slice(image, [dy, dx, 0], [h, w, -1]) : image;
    if (flips(p, flippable) && random() < 0.5) out = tf.reverse(out, 1);
    return out;
  });
  return tf.stack(images) as TfCore.Tensor4D;
}
