/**
 * The few layer kinds the methods' networks are made of, as small classes
 * over a ParamStore. Functional tfjs ops only (`tf.conv2d(x, …)`, not
 * chained tensor methods): the chained API is not installed by tfjs-core's
 * Node bundle.
 */
import type { Tf } from '../backends/init.js';
import type { ParamStore, Tensor, Variable } from './params.js';
import type * as TfCore from '@tensorflow/tfjs-core';

type T4 = TfCore.Tensor4D;
type T2 = TfCore.Tensor2D;

export type Padding = 'same' | 'valid';

export interface ConvOptions {
  inChannels: number;
  filters: number;
  kernel: number;
  stride?: number;
  padding?: Padding;
  bias?: boolean;
}

/** 2-D convolution, NHWC, kernel [k, k, in, out] (the Keras layout). */
export class Conv2d {
  readonly kernel: Variable;
  readonly bias: Variable | null;
  constructor(
    private readonly tf: Tf,
    store: ParamStore,
    readonly name: string,
    readonly o: ConvOptions,
  ) {
    const fanIn = o.kernel * o.kernel * o.inChannels;
    this.kernel = store.create(`${name}/kernel`, [o.kernel, o.kernel, o.inChannels, o.filters], { kind: 'he-normal', fanIn });
    this.bias = o.bias === false ? null : store.create(`${name}/bias`, [o.filters], { kind: 'zeros' });
  }

  /** Convolution (+ bias) (+ ReLU) as one fused op: the wasm backend runs it as a single kernel, and its gradient skips broadcasting adds. */
  apply(x: Tensor, activation: 'linear' | 'relu' = 'linear'): T4 {
    const tf = this.tf;
    return tf.fused.conv2d({
      x: x as T4,
      filter: this.kernel as unknown as TfCore.Tensor4D,
      strides: this.o.stride ?? 1,
      pad: this.o.padding ?? 'same',
      ...(this.bias ? { bias: this.bias } : {}),
      activation,
    });
  }
}

/** Fully connected layer, kernel [in, out]. */
export class Dense {
  readonly kernel: Variable;
  readonly bias: Variable;
  constructor(
    private readonly tf: Tf,
    store: ParamStore,
    readonly name: string,
    readonly inFeatures: number,
    readonly units: number,
    init: 'glorot' | 'he' | 'small' = 'glorot',
  ) {
    const initializer =
      init === 'he'
        ? { kind: 'he-normal' as const, fanIn: inFeatures }
        : init === 'small'
          ? { kind: 'normal' as const, std: 0.01 }
          : { kind: 'glorot-uniform' as const, fanIn: inFeatures, fanOut: units };
    this.kernel = store.create(`${name}/kernel`, [inFeatures, units], initializer);
    this.bias = store.create(`${name}/bias`, [units], { kind: 'zeros' });
  }

  apply(x: Tensor): T2 {
    const tf = this.tf;
    return tf.add(tf.matMul(x as T2, this.kernel as unknown as T2), this.bias);
  }
}

/**
 * Batch normalisation over the channel axis. In training mode it uses the
 * batch statistics and moves the running ones (Keras momentum); otherwise
 * the running ones. The running statistics are non-trainable parameters, so
 * they are saved with the model.
 */
export class BatchNorm {
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

  apply(x: Tensor, training: boolean): T4 {
    const tf = this.tf;
    if (!training) return tf.batchNorm(x as T4, this.movingMean, this.movingVariance, this.beta, this.gamma, this.epsilon) as T4;
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    // Side effect on non-trainable state: assign is not recorded on the gradient tape.
    const m = this.momentum;
    this.movingMean.assign(tf.add(tf.mul(this.movingMean, m), tf.mul(mean, 1 - m)));
    this.movingVariance.assign(tf.add(tf.mul(this.movingVariance, m), tf.mul(variance, 1 - m)));
    return normalise(tf, x, mean, variance, this.gamma, this.beta, this.epsilon);
  }
}

/**
 * (x - mean) · gamma / sqrt(variance + ε) + beta with broadcasting ops, for
 * training. tf.batchNorm's gradient tiles mean, variance and gamma to the
 * input's shape, and the wasm backend's Tile took two thirds of a training
 * step of a batch-norm network (411 of 635 ms at 64 px); broadcasting ops
 * differentiate into sums over the leading axes, which the kernel module runs.
 */
export function normalise(tf: Tf, x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): T4 {
  const scale = tf.mul(tf.rsqrt(tf.add(variance, epsilon)), gamma);
  return tf.add(tf.mul(tf.sub(x, mean), scale), beta) as T4;
}

export function maxPool(tf: Tf, x: Tensor, size = 2, stride = size, padding: Padding = 'valid'): T4 {
  return tf.maxPool(x as T4, size, stride, padding);
}

/** Mean over H and W: [N, H, W, C] -> [N, C]. */
export function globalAveragePool(tf: Tf, x: Tensor): T2 {
  return tf.mean(x, [1, 2]) as T2;
}

/** Max over H and W: [N, H, W, C] -> [N, C]. */
export function globalMaxPool(tf: Tf, x: Tensor): T2 {
  return tf.max(x, [1, 2]) as T2;
}

/** Log-sum-exp pooling over H and W with sharpness r (Pinheiro & Collobert): between average (r→0) and max (r→∞). */
export function globalLsePool(tf: Tf, x: Tensor, r: number): T2 {
  const [, h, w] = x.shape as [number, number, number, number];
  return tf.div(tf.sub(tf.logSumExp(tf.mul(x, r), [1, 2]), Math.log(h * w)), r) as T2;
}
