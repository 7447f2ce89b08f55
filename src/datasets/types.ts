/**
 * The contract of a `dataset` artifact as every other part of wsol-run sees
 * it. Loaders (src/datasets/loaders/) write one with the dataset store
 * (src/datasets/store.ts); trainers, map makers and the evaluator read it
 * through a DatasetView. The on-disk format is the store's business.
 */

export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
/**
 * `val` carries localization labels and is where thresholds, layers and
 * other hyper-parameters are chosen (wsolevaluation's train-fullsup); never
 * on `test`.
 */
export type SplitName = (typeof SPLIT_NAMES)[number];

import type { Box, ImageSize } from '../core/geometry.js';
export type { Box, ImageSize } from '../core/geometry.js';

/**
 * What a dataset artifact says about itself (dataset.json's `info`): classes,
 * stored image size and channels, augmentation facts, masks and images per
 * split.
 */
export interface DatasetInfo {
  /** Loader name, e.g. `cluttered-mnist`, `cub`. */
  name: string;
  classNames: readonly string[];
  /** Resolution every stored image (and mask) has. */
  imageSize: ImageSize;
  channels: 1 | 3;
  /**
   * Every image is grey (its channels are equal): colour augmentations (saturation, hue) do nothing or, worse,
   * make images the dataset never has. Absent in artifacts written before this fact was recorded: unknown.
   */
  grey?: boolean;
  /**
   * A horizontally mirrored image is still an image of its class (birds, tissue, symmetric shapes), so a flip
   * is a valid augmentation; false for digits and text. Absent in older artifacts: unknown.
   */
  flippable?: boolean;
  hasMasks: boolean;
  hasIgnoreMasks: boolean;
  /** Images per split. */
  counts: Record<SplitName, number>;
}

/** One split of a stored dataset as trainers, map makers and the evaluator read it: ids, labels, boxes, images, masks and batches, by image index. */
export interface SplitView {
  readonly name: SplitName;
  readonly count: number;
  /** Image ids (relative paths for on-disk datasets), unique within the dataset. */
  readonly ids: readonly string[];
  /** Class index per image. */
  readonly labels: Int32Array;
  /** Size of each image before resizing. */
  readonly originalSizes: readonly ImageSize[];
  /** Ground-truth boxes of image i in original pixels. */
  boxesOriginal(i: number): readonly Box[];
  /** Ground-truth boxes of image i rescaled to `imageSize` (x' = trunc(x * W' / W)). */
  boxes(i: number): readonly Box[];
  /** Image i at `imageSize`, HWC, uint8. */
  image(i: number): Uint8Array;
  /** Foreground mask of image i at `imageSize` (1 = foreground), or null without masks. */
  mask(i: number): Uint8Array | null;
  /** Pixels excluded from PxAP at `imageSize` (1 = ignore), or null. */
  ignoreMask(i: number): Uint8Array | null;
  /** Images at `indices` as one NHWC float32 batch scaled to [0, 1]. */
  batch(indices: readonly number[]): Float32Array;
}

/** A stored dataset opened for reading: its info and a view of each split. */
export interface DatasetView {
  readonly info: DatasetInfo;
  split(name: SplitName): SplitView;
}
