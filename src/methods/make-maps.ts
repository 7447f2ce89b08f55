/**
 * Runs a trained network over dataset splits and collects one localization
 * map per image, by any registered map method (maps/registry.ts), and the
 * class scores used for Top-1/Top-5 Loc.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';
import type { Network } from '../tensor/models/network.js';
import type { SplitView } from '../datasets/types.js';
import type { MapsSplit } from '../artifacts/maps.js';
import { batches, batchTensor, inferenceBatchSize } from './inference.js';
import type { MapMethod, MapOptions } from './maps/map-method.js';
import { readFloats, tidyAsync } from '../tensor/read.js';

/**
 * Maps of one split. `classifier` (optional) supplies the class scores and
 * the predicted class (SLT-Net classifies with a separate network);
 * otherwise the localizer's own scores are used.
 */
export async function makeSplitMaps(
  tf: Tf,
  net: Network,
  classifier: Network | null,
  split: SplitView,
  method: MapMethod,
  o: MapOptions,
  batchSize: number,
  signal: AbortSignal,
): Promise<MapsSplit> {
  const { height, width } = net.config.inputSize;
  const chunks: Float32Array[] = [];
  const scoreChunks: Float32Array[] = [];
  let mapH = 0;
  let mapW = 0;
  // A method with a bound of its own (DGL's backward passes) uses it; every other is a forward pass.
  const batch = method.maxBatch ? Math.min(batchSize, method.maxBatch(net, o)) : inferenceBatchSize(batchSize, classifier ? [net, classifier] : [net]);
  for (const indices of batches(split.count, batch)) {
    signal.throwIfAborted();
    const result = await tidyAsync(tf, async () => {
      const x = batchTensor(tf, split, indices, { height, width }, net.config.inChannels);
      const out = net.forward(x, false);
      const scores = (classifier ? classifier.forward(x, false).logits! : out.logits!) as TfCore.Tensor2D;
      const classes = o.target === 'gt' ? indices.map((i) => split.labels[i]!) : Array.from(await readFloats(tf.argMax(scores, 1)));
      const maps = method.compute({ tf, net, x, out, classes, options: o });
      return { maps: await readFloats(maps), shape: maps.shape, scores: await readFloats(scores) };
    });
    mapH = result.shape[1];
    mapW = result.shape[2];
    chunks.push(result.maps);
    scoreChunks.push(result.scores);
  }
  return {
    entry: { count: split.count, height: mapH, width: mapW, ids: [...split.ids], classes: net.config.classes },
    maps: concatFloats(chunks),
    scores: concatFloats(scoreChunks),
  };
}

/** The parts one after the other. */
export function concatFloats(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
