/**
 * Bilinear resampling of NHWC tensors with pixel centres aligned (the
 * convention of OpenCV's INTER_LINEAR and of src/evaluation/resize.ts:
 * source coordinate (i + 0.5) * n / m - 0.5, clamped to the border), as two
 * small sampling matrices applied with plain matMuls: out = R · x · Cᵀ per
 * image and channel.
 *
 * Why not tf.image.resizeBilinear: without halfPixelCenters it samples with
 * corner alignment, so a map taken to another size and back sits up to a
 * pixel off its original cells; and tfjs 4.22's ResizeBilinearGrad ignores
 * halfPixelCenters on wasm and cpu, so the flag would give a wrong gradient
 * that a wasm-vs-cpu check cannot see. MatMul and transpose have exact
 * gradients on every backend.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';

/** The m x n matrix that resamples a length-n signal to length m (each row sums to 1). */
export function samplingMatrix(n: number, m: number): Float32Array {
  const out = new Float32Array(m * n);
  const scale = n / m;
  for (let i = 0; i < m; i++) {
    const src = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), n - 1);
    const lo = Math.floor(src);
    const hi = Math.min(lo + 1, n - 1);
    const frac = src - lo;
    out[i * n + lo]! += 1 - frac;
    out[i * n + hi]! += frac;
  }
  return out;
}

/** Resamples [N, h, w, C] to [N, size[0], size[1], C]. */
export function resampleBilinear(tf: Tf, x: TfCore.Tensor4D, size: readonly [number, number]): TfCore.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [outH, outW] = size;
  if (outH === h && outW === w) return x;
  const rows = tf.tensor2d(samplingMatrix(h, outH), [outH, h]);
  const cols = tf.tensor2d(samplingMatrix(w, outW), [outW, w]);
  // Rows: [h, N*w*C] -> R · that -> [outH, N, w, C].
  const byRow = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]) as TfCore.Tensor2D;
  const r = tf.reshape(tf.matMul(rows, byRow), [outH, n, w, c]);
  // Columns: [w, N*outH*C] -> C · that -> [outW, N, outH, C] -> [N, outH, outW, C].
  const byCol = tf.reshape(tf.transpose(r, [2, 1, 0, 3]), [w, n * outH * c]) as TfCore.Tensor2D;
  const out = tf.reshape(tf.matMul(cols, byCol), [outW, n, outH, c]);
  return tf.transpose(out, [1, 2, 0, 3]) as TfCore.Tensor4D;
}
