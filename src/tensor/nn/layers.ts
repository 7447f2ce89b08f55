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
    return this.applyWith(x, this.kernel as unknown as T4, this.bias ?? undefined, activation);
  }

  /** This convolution's geometry with another filter and bias (a batch norm folded in). */
  applyWith(x: Tensor, filter: T4, bias: Tensor | undefined, activation: 'linear' | 'relu'): T4 {
    return this.tf.fused.conv2d({
      x: x as T4,
      filter,
      strides: this.o.stride ?? 1,
      pad: this.o.padding ?? 'same',
      ...(bias ? { bias } : {}),
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
