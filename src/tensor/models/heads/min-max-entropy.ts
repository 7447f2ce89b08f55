/**
 * Min-Max Entropy's two heads on one backbone (the authors' code shares it):
 * the localizer M and the classifier C, each a WILDCAT head — a 1x1 conv to
 * C·M maps (M modalities per class), their mean per class, WILDCAT pooling
 * to class scores. The network's outputs are M's (its scores and class
 * maps); C, which classifies the masked images, is `classify`.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../../backends/init.js';
import { Conv2d } from '../../nn/layers.js';
import type { ParamStore } from '../../nn/params.js';
import { wildcatPool } from '../../nn/wildcat.js';
import { defineHead, type Head, type HeadConfigOf } from './head.js';

type T4 = TfCore.Tensor4D;
type T2 = TfCore.Tensor2D;

/** The head's params (also the trainer's: train/min-max-entropy builds the head from them). */
export const minMaxEntropyHeadParams = {
  modalities: { type: 'integer', minimum: 1, default: 5, description: 'Maps per class, averaged (WILDCAT: 5).' },
  kmax: {
    type: 'number',
    exclusiveMinimum: 0,
    default: 0.09,
    description: 'Top activations averaged: a fraction of the cells (rounded, at least 1) or a count.',
  },
  kmin: { type: 'number', minimum: 0, default: 0, description: 'Bottom activations averaged (0: none).' },
  alphaWildcat: { type: 'number', default: 0, description: "Weight of the bottom activations' mean (authors: 0)." },
  dropout: {
    type: 'number',
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0,
    description: 'Dropout rate on the selected activations in training (paper: 0.75 GlaS, 0.85 CUB5).',
  },
} as const;

/** The config of a `min-max-entropy` head, as a NetworkConfig records it: its kind and its params. */
export type MinMaxEntropyHeadConfig = HeadConfigOf<'min-max-entropy', typeof minMaxEntropyHeadParams>;

/** One WILDCAT branch: class maps and their scores. */
class WildcatBranch {
  private readonly conv: Conv2d;
  private calls = 0;
  constructor(
    private readonly tf: Tf,
    store: ParamStore,
    name: string,
    channels: number,
    private readonly classes: number,
    private readonly config: MinMaxEntropyHeadConfig,
    private readonly seed: number,
  ) {
    this.conv = new Conv2d(tf, store, name, { inChannels: channels, filters: classes * config.modalities, kernel: 1, padding: 'valid' });
  }

  /** Class maps [N, h, w, C]: the mean of each class's modalities. */
  maps(features: T4): T4 {
    const tf = this.tf;
    const [n, h, w] = features.shape;
    const all = tf.reshape(this.conv.apply(features), [n, h, w, this.classes, this.config.modalities]);
    return tf.mean(all, 4) as T4;
  }

  scores(maps: T4, training: boolean): T2 {
    const c = this.config;
    // A fresh dropout mask per training call, from a seed fixed by the network's seed: a run is reproducible.
    const dropout = training && c.dropout > 0 ? { rate: c.dropout, seed: this.seed + 7919 * this.calls++ } : undefined;
    return wildcatPool(this.tf, maps, { kmax: c.kmax, kmin: c.kmin, alpha: c.alphaWildcat, ...(dropout ? { dropout } : {}) });
  }
}

/** Min-Max Entropy's built head: the localizer M as the network's outputs, plus the classifier C for the masked images. */
export interface MinMaxEntropyHead extends Head {
  /** C's class scores [N, C] for backbone features (of masked images). */
  classify(features: T4, training: boolean): T2;
}

export function isMinMaxEntropyHead(head: Head): head is MinMaxEntropyHead {
  return typeof (head as Partial<MinMaxEntropyHead>).classify === 'function';
}

export const minMaxEntropyHead = defineHead<MinMaxEntropyHeadConfig>({
  kind: 'min-max-entropy',
  description:
    "Min-Max Entropy's localizer and classifier: two WILDCAT heads (1x1 conv to C·M maps, modality mean, top-kmax pooling); outputs are the localizer's.",
  params: minMaxEntropyHeadParams,
  provides: ['logits', 'classMaps'],
  build(tf, store, input, config) {
    const loc = new WildcatBranch(tf, store, 'loc_conv', input.channels, input.classes, config, store.seed * 2 + 1);
    const cls = new WildcatBranch(tf, store, 'cls_conv', input.channels, input.classes, config, store.seed * 2 + 2);
    const head: MinMaxEntropyHead = {
      apply: (features, training) => {
        const maps = loc.maps(features);
        return { logits: loc.scores(maps, training), maps };
      },
      classMaps: (features, out) => out.maps ?? loc.maps(features),
      classify: (features, training) => cls.scores(cls.maps(features), training),
    };
    return head;
  },
});
