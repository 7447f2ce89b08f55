/**
 * Runs a trained network over dataset splits and collects one localization
 * map per image (CAM of a class, top-K ACAM, or Grad-CAM at a layer) and
 * the class scores used for Top-1/Top-5 Loc.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';
import type { Network } from '../tensor/models/network.js';
import type { SplitView } from '../datasets/types.js';
import type { MapsSplit } from '../artifacts/maps.js';
import { gradCam, selectClassMaps, topKAveragedMaps } from './class-maps.js';
import { batchTensor, range } from './fit.js';

export interface MapOptions {
  method: 'cam' | 'acam' | 'gradcam';
  /** acam: classes averaged. */
  topK: number;
  /** gradcam: backbone stage name (default: the last). */
  layer: string;
  /** Whose class map: the ground truth (GT-known) or the top-1 prediction. */
  target: 'gt' | 'predicted';
  batchSize: number;
}

/**
 * Maps of one split. `classifier` (optional) supplies the class scores and
 * the predicted class (SLT-Net classifies with a separate network);
 * otherwise the localizer's own scores are used.
 */
export function makeSplitMaps(tf: Tf, net: Network, classifier: Network | null, split: SplitView, o: MapOptions, signal: AbortSignal): MapsSplit {
  const { height, width } = net.config.inputSize;
  const classes = net.config.classes;
  const chunks: Float32Array[] = [];
  const scoreChunks: Float32Array[] = [];
  let mapH = 0;
  let mapW = 0;
  for (let start = 0; start < split.count; start += o.batchSize) {
    signal.throwIfAborted();
    const indices = range(start, Math.min(split.count, start + o.batchSize));
    const result = tf.tidy(() => {
      const x = batchTensor(tf, split, indices, { height, width }, net.config.inChannels);
      const out = net.forward(x, false);
      const scores = (classifier ? classifier.forward(x, false).logits! : out.logits!) as TfCore.Tensor2D;
      const predicted = Array.from(tf.argMax(scores, 1).dataSync());
      const target = o.target === 'gt' ? indices.map((i) => split.labels[i]!) : predicted;
      let maps: TfCore.Tensor3D;
      if (o.method === 'gradcam') maps = gradCam(tf, net, x, o.layer || net.backbone.stageNames().at(-1)!, target);
      else if (o.method === 'acam') maps = topKAveragedMaps(tf, net.classMaps(out), out.logits!, o.topK);
      else maps = selectClassMaps(tf, net.classMaps(out), target);
      return { maps: maps.dataSync() as Float32Array, shape: maps.shape, scores: scores.dataSync() as Float32Array };
    });
    mapH = result.shape[1];
    mapW = result.shape[2];
    chunks.push(result.maps);
    scoreChunks.push(result.scores);
  }
  return {
    entry: { count: split.count, height: mapH, width: mapW, ids: [...split.ids], classes },
    maps: concat(chunks),
    scores: concat(scoreChunks),
  };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
