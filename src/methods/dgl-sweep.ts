/**
 * DGL's layer sweep, the computing half: maps of one split at every swept
 * layer, one stacked forward/backward pass per batch serving all layers
 * (maps/dgl.ts), plus the class scores. The evaluation half (τ and layer
 * chosen on val) is sweep/dgl-layers.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { MapsSplit } from '../artifacts/maps.js';
import type { SplitView } from '../datasets/types.js';
import type { Tf } from '../tensor/backends/init.js';
import type { Network } from '../tensor/models/network.js';
import { batches, batchTensor } from './inference.js';
import { concatFloats } from './make-maps.js';
import { dglBatchLimit, dglLayerMaps, type DglOptions } from './maps/dgl.js';
import { readFloats, tidyAsync } from '../tensor/read.js';

/** How DGL's layer sweep computes one split's maps: DGL's options, whose class, and the batch bound in images and in MB of tensor memory. */
export interface SweepMapsOptions extends DglOptions {
  target: 'gt' | 'predicted';
  /** Upper bound of images per batch; the memory bound may lower it. */
  batchSize: number;
  memoryMB: number;
}

/** Maps of `split` at each of `layers` (each a MapsSplit with the same class scores). */
export async function sweepSplitMaps(
  tf: Tf,
  net: Network,
  classifier: Network | null,
  split: SplitView,
  layers: readonly string[],
  o: SweepMapsOptions,
  signal: AbortSignal,
  progress?: (done: number) => void,
): Promise<Map<string, MapsSplit>> {
  const { height, width } = net.config.inputSize;
  const batch = Math.min(o.batchSize, dglBatchLimit(net, layers, o.memoryMB));
  const chunks = new Map<string, Float32Array[]>(layers.map((l) => [l, []]));
  const sizes = new Map<string, [number, number]>();
  const scoreChunks: Float32Array[] = [];
  let done = 0;
  for (const indices of batches(split.count, batch)) {
    signal.throwIfAborted();
    const result = await tidyAsync(tf, async () => {
      const x = batchTensor(tf, split, indices, { height, width }, net.config.inChannels);
      const logits = net.forward(x, false).logits! as TfCore.Tensor2D;
      const scores = classifier ? (classifier.forward(x, false).logits! as TfCore.Tensor2D) : logits;
      const classes = o.target === 'gt' ? indices.map((i) => split.labels[i]!) : Array.from(await readFloats(tf.argMax(scores, 1)));
      const maps = dglLayerMaps(tf, net, x, logits, classes, layers, o);
      const read: (readonly [string, Float32Array, number[]])[] = [];
      for (const [l, m] of maps) read.push([l, await readFloats(m), m.shape] as const);
      return { maps: read, scores: await readFloats(scores) };
    });
    for (const [layer, values, shape] of result.maps) {
      chunks.get(layer)!.push(values);
      sizes.set(layer, [shape[1], shape[2]]);
    }
    scoreChunks.push(result.scores);
    done += indices.length;
    progress?.(done);
  }
  const scores = concatFloats(scoreChunks);
  return new Map(
    layers.map((layer) => {
      const [h, w] = sizes.get(layer) ?? [0, 0];
      return [
        layer,
        {
          entry: { count: split.count, height: h, width: w, ids: [...split.ids], classes: net.config.classes },
          maps: concatFloats(chunks.get(layer)!),
          scores,
        },
      ];
    }),
  );
}
