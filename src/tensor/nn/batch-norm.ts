/**
 * Batch normalisation over the channel axis (NHWC), as the methods' networks
 * use it: in training from the batch moments (moving the running ones), in
 * inference from the running ones — folded into the convolution before it
 * when it follows one (`afterConv`), so inference costs no extra pass.
 *
 * Training on the wasm backend runs wsol-run's batch-norm kernels
 * (src/tensor/backends/wasm-batch-norm.ts) under one custom gradient, with
 * the following ReLU fused; elsewhere it is broadcasting ops, whose gradient
 * tfjs derives (tests check both give the same values and gradients).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../backends/init.js';
import type { Conv2d } from './layers.js';
import type { ParamStore, Tensor, Variable } from './params.js';

type T4 = TfCore.Tensor4D;
/** The activation that follows a batch norm (fused into the wasm kernels): none, or ReLU. */
export type Activation = 'linear' | 'relu';

/** Kernel names of src/tensor/backends/wasm-batch-norm.ts (not imported: nn sits below the backends' registration code). */
const KERNELS = { moments: 'WsolChannelMoments', forward: 'WsolBatchNormForward', backward: 'WsolBatchNormBackward' } as const;

function hasFusedKernels(tf: Tf): boolean {
  return tf.getKernel(KERNELS.forward, tf.getBackend()) !== undefined;
}

/**
 * (x - mean) · gamma / sqrt(variance + ε) + beta with broadcasting ops.
 * Not tf.batchNorm: its gradient tiles mean, variance and gamma to the
 * input's shape, and the wasm backend's Tile took two thirds of a training
 * step of a batch-norm network (411 of 635 ms at 64 px); broadcasting ops
 * differentiate into sums over the leading axes.
 */
export function normalise(tf: Tf, x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): T4 {
  const scale = tf.mul(tf.rsqrt(tf.add(variance, epsilon)), gamma);
  return tf.add(tf.mul(tf.sub(x, mean), scale), beta) as T4;
}

/** A batch norm in training (trainingBatchNorm): the output, and the batch's mean and population variance per channel for the running moments. */
export interface TrainingBatchNorm {
  y: T4;
  mean: TfCore.Tensor1D;
  variance: TfCore.Tensor1D;
}

/** Batch norm from the batch's own moments (population variance), then the activation; differentiable in x, gamma and beta. */
export function trainingBatchNorm(tf: Tf, x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number, activation: Activation): TrainingBatchNorm {
  if (!hasFusedKernels(tf)) {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const y = normalise(tf, x, mean, variance, gamma, beta, epsilon);
    return { y: activation === 'relu' ? tf.relu(y) : y, mean: mean as TfCore.Tensor1D, variance: variance as TfCore.Tensor1D };
  }
  const engine = tf.engine();
  const attrs = { epsilon, relu: activation === 'relu' };
  // Outside the custom gradient: the moments are not inputs of the op below, whose gradient already accounts for them.
  const [mean, variance] = engine.runKernel(KERNELS.moments, { x }) as [TfCore.Tensor1D, TfCore.Tensor1D];
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, g, b, save] = args as [Tensor, Tensor, Tensor, (ts: Tensor[]) => void];
    save([xi, g, b, mean, variance]);
    // The kernel returns a list (of one), as all three do.
    const [value] = engine.runKernel(KERNELS.forward, { x: xi, mean, variance, gamma: g, beta: b }, attrs) as [T4];
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sg, sb, sm, sv] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
        return engine.runKernel(KERNELS.backward, { x: sx, dy, mean: sm, variance: sv, gamma: sg, beta: sb }, attrs) as Tensor[];
      },
    };
  });
  return { y: op(x, gamma, beta) as T4, mean, variance };
}

/**
 * Batch normalisation with Keras' parameters (gamma, beta, moving mean and
 * variance, momentum): in training mode it uses the batch statistics and
 * moves the running ones; otherwise the running ones. The running
 * statistics are non-trainable parameters, so they are saved with the model.
 */
export class BatchNorm {
  /** Fold into the preceding convolution at inference (`afterConv`); off only to measure what folding saves (bench:resnet50). */
  static foldAtInference = true;
  readonly gamma: Variable;
  readonly beta: Variable;
  readonly movingMean: Variable;
  readonly movingVariance: Variable;
  constructor(
    private readonly tf: Tf,
    store: ParamStore,
    readonly name: string,
    channels: number,
    readonly momentum = 0.9,
    readonly epsilon = 1e-3,
  ) {
    this.gamma = store.create(`${name}/gamma`, [channels], { kind: 'ones' });
    this.beta = store.create(`${name}/beta`, [channels], { kind: 'zeros' });
    this.movingMean = store.create(`${name}/moving_mean`, [channels], { kind: 'zeros' }, false);
    this.movingVariance = store.create(`${name}/moving_variance`, [channels], { kind: 'ones' }, false);
  }

  apply(x: Tensor, training: boolean, activation: Activation = 'linear'): T4 {
    const tf = this.tf;
    if (!training) {
      const y = tf.batchNorm(x as T4, this.movingMean, this.movingVariance, this.beta, this.gamma, this.epsilon) as T4;
      return activation === 'relu' ? tf.relu(y) : y;
    }
    const { y, mean, variance } = trainingBatchNorm(tf, x, this.gamma, this.beta, this.epsilon, activation);
    // Side effect on non-trainable state: assign is not recorded on the gradient tape.
    const m = this.momentum;
    this.movingMean.assign(tf.add(tf.mul(this.movingMean, m), tf.mul(mean, 1 - m)));
    this.movingVariance.assign(tf.add(tf.mul(this.movingVariance, m), tf.mul(variance, 1 - m)));
    return y;
  }

  /**
   * conv → batch norm → activation. In inference the batch norm folds into
   * the convolution (filter · γ/σ per output channel, bias (b − μ)·γ/σ + β):
   * one fused convolution instead of a convolution and a batch norm.
   * `readsInput`: the convolution reads the network's input (Conv2d.applyToInput).
   */
  afterConv(conv: Conv2d, x: Tensor, training: boolean, activation: Activation = 'linear', readsInput = false): T4 {
    if (training || !BatchNorm.foldAtInference) return this.apply(readsInput ? conv.applyToInput(x, 'linear', training) : conv.apply(x), training, activation);
    const tf = this.tf;
    return tf.tidy(() => {
      const scale = tf.mul(tf.rsqrt(tf.add(this.movingVariance, this.epsilon)), this.gamma);
      const bias = tf.add(tf.mul(conv.bias ? tf.sub(conv.bias, this.movingMean) : tf.neg(this.movingMean), scale), this.beta);
      return conv.applyWith(x, tf.mul(conv.kernel, scale) as T4, bias as TfCore.Tensor1D, activation);
    });
  }
}
