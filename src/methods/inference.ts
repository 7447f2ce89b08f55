/**
 * Running a trained network over a split: image batches as tensors, top-1
 * accuracy, and the regressor's boxes decoded back into pixels. Shared by
 * the trainers (validation) and the inference nodes (maps, boxes).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';
import type { Network } from '../tensor/models/network.js';
import type { Box, DatasetInfo, SplitView } from '../datasets/types.js';
import { oneHot } from './losses.js';

export function batchTensor(tf: Tf, split: SplitView, indices: readonly number[], size: { height: number; width: number }, channels: number): TfCore.Tensor4D {
  return tf.tensor4d(split.batch(indices), [indices.length, size.height, size.width, channels]);
}

/** Images and one-hot labels of a mini-batch of a split, as the classifier-like trainers feed them. */
export function labelledBatch(tf: Tf, split: SplitView, indices: readonly number[], info: DatasetInfo): { x: TfCore.Tensor4D; y: TfCore.Tensor2D } {
  const x = batchTensor(tf, split, indices, info.imageSize, info.channels);
  const y = oneHot(
    tf,
    indices.map((i) => split.labels[i]!),
    info.classNames.length,
  );
  return { x, y };
}

/** Consecutive index batches 0..count-1 of at most `size`. */
export function* batches(count: number, size: number): Generator<number[]> {
  for (let start = 0; start < count; start += size) yield range(start, Math.min(count, start + size));
}

export function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/**
 * Memory an inference batch may take (activations of every network run on it), in MiB: a quarter of the
 * 4 GiB wasm heap, as `sweep/dgl-layers`' default `memoryMB`, so a worker's weights and dataset fit beside it.
 */
export const INFERENCE_MEMORY_MB = 1024;

/**
 * Peak bytes of a forward pass per byte of the backbone's stage outputs, measured with tf.profile on the
 * wasm backend at batch 1 and 4 (2026-12-07): the quickstart's and NUM40's small networks at 64 px 1.2-1.5x,
 * VGG16 at 224 px 1.0x (59 MB an image), ResNet50 at 224 px 4.1-4.4x (89-96 MB an image: a bottleneck holds
 * its three convolutions' outputs and the shortcut at once). Rounded up, so the bound errs towards smaller batches.
 */
const PEAK_PER_STAGE_FLOAT: Record<string, number> = { small: 2, vgg16: 2, resnet50: 5 };

/**
 * The batch an inference node uses: the one asked for, lowered so that the
 * forward passes of `nets` (the model and, where one is run on the same
 * images, the classifier) fit INFERENCE_MEMORY_MB. A fixed default such as
 * 64 would overflow the heap for ResNet50 at 224 px (64 x ~96 MB); for the
 * small networks it changes nothing (a bound in the hundreds). Depends only
 * on the networks' configs, which are in the node's key, so the same key
 * batches the same way.
 */
export function inferenceBatchSize(requested: number, nets: readonly Network[]): number {
  const bytesPerImage = nets.reduce((sum, net) => {
    const floats = net.backbone.stageShapes(net.config.inputSize).reduce((a, s) => a + s.shape[0] * s.shape[1] * s.shape[2], 0);
    return sum + 4 * floats * (PEAK_PER_STAGE_FLOAT[net.config.backbone.kind] ?? 5);
  }, 0);
  const fits = Math.max(1, Math.floor((INFERENCE_MEMORY_MB * 2 ** 20) / bytesPerImage));
  return Math.max(1, Math.min(requested, fits));
}

/** Top-1 accuracy (%) of `logitsOf` over a split, in batches. */
export async function splitAccuracy(
  tf: Tf,
  split: SplitView,
  batchSize: number,
  net: Network,
  logitsOf: (x: TfCore.Tensor4D) => TfCore.Tensor2D,
): Promise<number> {
  if (split.count === 0) return Number.NaN;
  const size = net.config.inputSize;
  let correct = 0;
  for (const indices of batches(split.count, batchSize)) {
    const argmax = tf.tidy(() => tf.argMax(logitsOf(batchTensor(tf, split, indices, size, net.config.inChannels)), 1));
    const predicted = await argmax.data();
    argmax.dispose();
    indices.forEach((i, j) => {
      if (predicted[j] === split.labels[i]) correct++;
    });
  }
  return (100 * correct) / split.count;
}

/**
 * Box edges (not pixel indices: x0, y0, x1+1, y1+1) normalised to [0, 1] and
 * then, as SLT-Net's regressor (p = x / m, m the network's downsampling),
 * expressed in feature-map cells: multiplied by W/m and H/m.
 */
export function normaliseBox(b: Box, width: number, height: number): [number, number, number, number] {
  return [b[0] / width, b[1] / height, (b[2] + 1) / width, (b[3] + 1) / height];
}

/** Normalised regressor output -> an inclusive pixel box inside the image. */
export function denormaliseBox(v: ArrayLike<number>, width: number, height: number): Box {
  const clamp = (x: number, max: number): number => Math.min(max, Math.max(0, x));
  const x0 = clamp(Math.round(v[0]! * width), width - 1);
  const y0 = clamp(Math.round(v[1]! * height), height - 1);
  const x1 = clamp(Math.round(v[2]! * width) - 1, width - 1);
  const y1 = clamp(Math.round(v[3]! * height) - 1, height - 1);
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
}

/** Multipliers from normalised x and y to feature-map cells: [W/m, H/m]. */
export function boxScale(net: Network): [number, number] {
  const m = net.backbone.stride;
  return [net.config.inputSize.width / m, net.config.inputSize.height / m];
}

/** The regressor's box for each image of `x`, in the image's pixel grid (the tensors it makes are the caller's to free). */
export async function predictBoxes(net: Network, x: TfCore.Tensor4D, width: number, height: number): Promise<Box[]> {
  const [sx, sy] = boxScale(net);
  const rows = await (net.forward(x, false).boxes! as TfCore.Tensor2D).array();
  return rows.map((v) => denormaliseBox([v[0]! / sx, v[1]! / sy, v[2]! / sx, v[3]! / sy], width, height));
}
