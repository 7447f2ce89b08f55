/**
 * WILDCAT pooling (Durand et al.): a class score from the spatial class map
 * = mean of its top k_max activations + α · mean of its bottom k_min ones.
 * k = round(fraction · h·w) for a fraction below 1 (WILDCAT's rounding:
 * 0.09 of 64 cells is 6), a count otherwise, at least 1 (0 for k_min: no
 * bottom term). Optional dropout on the selected (sorted) activations in
 * training, inverted (kept ones scaled by 1/(1 − rate)).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../backends/init.js';

type T4 = TfCore.Tensor4D;
type T2 = TfCore.Tensor2D;

/** How many of `n` cells a fraction (< 1) or a count (≥ 1) selects. */
export function selectedCells(k: number, n: number, atLeastOne: boolean): number {
  if (k <= 0) return 0;
  const count = k < 1 ? Math.round(k * n) : Math.floor(k);
  return Math.min(n, Math.max(atLeastOne ? 1 : 0, count));
}

/** WILDCAT pooling's params: k_max and k_min (fractions below 1 of the cells, else counts), α on the bottom term, and optional dropout. */
export interface WildcatOptions {
  kmax: number;
  kmin: number;
  alpha: number;
  /** Dropout rate on the selected activations (training only) and the seed of its mask. */
  dropout?: { rate: number; seed: number };
}

/**
 * Mean of the k largest values along the last axis of x [R, n], with gradients to the selected entries
 * only. tfjs has no TopK gradient, and webgpu in Node cannot read the indices back to rebuild them as
 * a constant: the selection runs inside one custom gradient whose backward pass scatters dy to the
 * selected cells (what gather's gradient does), the indices staying on the device.
 */
function meanOfTop(tf: Tf, x: T2, k: number, dropout: WildcatOptions['dropout'], largest: boolean): TfCore.Tensor1D {
  const [rows, n] = x.shape;
  const select = tf.customGrad(((xx: TfCore.Tensor, save: TfCore.GradSaveFunc) => {
    const top = tf.topk(largest ? xx : tf.neg(xx), k).indices;
    // Row r's cells are r·n … r·n + n − 1 of the flattened x.
    const flat = tf.reshape(tf.add(top, tf.mul(tf.reshape(tf.range(0, rows, 1, 'int32'), [rows, 1]), tf.scalar(n, 'int32'))), [rows * k]);
    save([flat]);
    return {
      value: tf.reshape(tf.gather(tf.reshape(xx, [rows * n]), flat), [rows, k]),
      gradFunc: (dy: TfCore.Tensor, saved: TfCore.Tensor[]) =>
        tf.reshape(tf.unsortedSegmentSum(tf.reshape(dy, [rows * k]), saved[0] as TfCore.Tensor1D, rows * n), [rows, n]),
    };
  }) as unknown as Parameters<Tf['customGrad']>[0]);
  let picked = select(x) as T2;
  if (dropout && dropout.rate > 0) {
    const keep = tf.cast(tf.greaterEqual(tf.randomUniform([rows, k], 0, 1, 'float32', dropout.seed), dropout.rate), 'float32');
    picked = tf.div(tf.mul(picked, keep), 1 - dropout.rate) as T2;
  }
  return tf.mean(picked, 1) as TfCore.Tensor1D;
}

/** Class scores [N, C] of class maps [N, h, w, C]. */
export function wildcatPool(tf: Tf, maps: T4, o: WildcatOptions): T2 {
  const [n, h, w, c] = maps.shape;
  const cells = h * w;
  // [N, h, w, C] -> [N·C, h·w]: one row per image and class.
  const rows = tf.reshape(tf.transpose(tf.reshape(maps, [n, cells, c]), [0, 2, 1]), [n * c, cells]) as T2;
  const kmax = selectedCells(o.kmax, cells, true);
  let score = meanOfTop(tf, rows, kmax, o.dropout, true);
  const kmin = selectedCells(o.kmin, cells, false);
  if (kmin > 0 && o.alpha !== 0) {
    const bottomDropout = o.dropout && { rate: o.dropout.rate, seed: o.dropout.seed + 1 };
    score = tf.add(score, tf.mul(meanOfTop(tf, rows, kmin, bottomDropout, false), o.alpha)) as TfCore.Tensor1D;
  }
  return tf.reshape(score, [n, c]) as T2;
}
