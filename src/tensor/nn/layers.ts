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

/** A convolution's or pool's padding, as tfjs names it. */
export type Padding = 'same' | 'valid';

/** The shape of a 2-D convolution layer: input channels, filters, square kernel side, stride, padding, and whether it has a bias. */
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

  /**
   * `apply` for the layer that reads the network's input (the image) in a
   * training step, which differentiates with respect to the variables only.
   * A linear fused convolution's gradient (tfjs's customGrad) computes the
   * input gradient along with the others, and for the first layer nothing
   * uses it: measured 174 ms of a 2.9 s ResNet-50 step at 128 px, batch 16
   * (its 7x7 stem). Here the filter and bias gradients are the same kernel
   * calls on the same tensors as tfjs's, so every bit of training is
   * unchanged, and the input's gradient is zeros, never computed. With a ReLU
   * (no batch norm after the layer) tfjs does not fuse in training, and the
   * tape already skips the input gradient: that case is plain `apply`.
   */
  applyToInput(x: Tensor, activation: 'linear' | 'relu', training: boolean): T4 {
    if (!training || activation !== 'linear') return this.apply(x, activation);
    const tf = this.tf;
    const strides = this.o.stride ?? 1;
    const pad = this.o.padding ?? 'same';
    const filterShape = this.kernel.shape;
    const withGrads = (xi: Tensor, filter: Tensor, bias: Tensor | undefined, save: TfCore.GradSaveFunc) => {
      save([xi]);
      const value = this.applyWith(xi, filter as T4, bias, 'linear');
      const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
        const dFilter = tf.engine().runKernel('Conv2DBackpropFilter', { x: saved[0]!, dy }, {
          strides,
          pad,
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          filterShape,
        } as unknown as TfCore.NamedAttrMap) as Tensor;
        const grads = [tf.zerosLike(saved[0]!), dFilter];
        // tfjs's fused bias gradient: dy summed over the broadcast axes.
        if (bias) grads.push(tf.reshape(tf.sum(dy, [0, 1, 2]), bias.shape));
        return grads;
      };
      return { value, gradFunc };
    };
    if (this.bias) {
      const op = tf.customGrad(((xi: Tensor, filter: Tensor, bias: Tensor, save: TfCore.GradSaveFunc) =>
        withGrads(xi, filter, bias, save)) as unknown as Parameters<Tf['customGrad']>[0]);
      return op(x as TfCore.Tensor, this.kernel, this.bias) as T4;
    }
    const op = tf.customGrad(((xi: Tensor, filter: Tensor, save: TfCore.GradSaveFunc) => withGrads(xi, filter, undefined, save)) as unknown as Parameters<
      Tf['customGrad']
    >[0]);
    return op(x as TfCore.Tensor, this.kernel) as T4;
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
