/**
 * A value computed from tensors inside a gradient tape that the gradient
 * must not flow through (a constant of the step, like Min-Max Entropy's
 * trust). tfjs has no stop-gradient op, and reading the inputs back to build
 * a constant cannot work on webgpu; a custom gradient whose inner ops are
 * not taped, with zero gradients to its inputs, is both.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../backends/init.js';

export function detached<T extends TfCore.Tensor>(tf: Tf, fn: (...inputs: TfCore.Tensor[]) => T, ...inputs: TfCore.Tensor[]): T {
  const op = tf.customGrad(((...args: unknown[]) => {
    const xs = args.slice(0, inputs.length) as TfCore.Tensor[];
    return { value: fn(...xs), gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
  }) as unknown as Parameters<Tf['customGrad']>[0]);
  return op(...inputs) as T;
}
