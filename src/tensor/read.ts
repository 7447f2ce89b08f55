/**
 * Reading tensors back without blocking: `await tensor.data()` works on
 * every backend, while dataSync/arraySync cannot work on webgpu in Node
 * (tfjs reads GPU buffers synchronously through an OffscreenCanvas). Code
 * that must read values in the middle of a computation uses `tidyAsync`
 * for the tensors it makes on the way.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from './backends/init.js';

/**
 * `fn` inside a tensor scope that may span awaits: every tensor it makes is
 * freed at the end, as tf.tidy does for synchronous code. Nothing else may
 * make tensors in this thread meanwhile (a node's computation is one chain
 * of awaits in its worker).
 */
export async function tidyAsync<T>(tf: Tf, fn: () => Promise<T>): Promise<T> {
  tf.engine().startScope();
  try {
    return await fn();
  } finally {
    tf.engine().endScope();
  }
}

/** The values of a tensor as a Float32Array (or Int32Array for int32). */
export async function readFloats(t: TfCore.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}
