/**
 * Named parameters of a network. Every weight is a tf.Variable with a
 * Keras-style name (`block1_conv1/kernel`, `conv1_bn/moving_mean`), so
 * weights converted from Keras models load by name, DGL can address layers,
 * and a saved model is a plain name -> tensor map.
 */
import type { Tf } from '../backends/init.js';
import type * as TfCore from '@tensorflow/tfjs-core';
import { streamSeed } from '../../core/random.js';

/** A tfjs variable: how a ParamStore holds each named weight (trainable or not, e.g. batch-norm moving statistics). */
export type Variable = TfCore.Variable;
/** Any tfjs tensor, as the layers take and return them. */
export type Tensor = TfCore.Tensor;

/** How ParamStore.create initialises a weight: constants, He normal, Glorot uniform, or a normal of a given std, drawn from a seeded stream. */
export type Initializer =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  /** He normal (fan-in), for ReLU convolutions. */
  | { kind: 'he-normal'; fanIn: number }
  /** Glorot uniform, tfjs-layers' default for dense layers. */
  | { kind: 'glorot-uniform'; fanIn: number; fanOut: number }
  | { kind: 'normal'; std: number };

export class ParamStore {
  private readonly vars = new Map<string, Variable>();
  private readonly trainableNames = new Set<string>();

  constructor(
    readonly tf: Tf,
    /** Seed of every initializer; each parameter's stream also depends on its name. */
    readonly seed: number,
  ) {}

  /** Creates a parameter; names must be unique. */
  create(name: string, shape: number[], init: Initializer, trainable = true): Variable {
    if (this.vars.has(name)) throw new Error(`parameter ${name} defined twice`);
    const tf = this.tf;
    const seed = streamSeed(this.seed, 'init', name);
    const value = tf.tidy(() => {
      switch (init.kind) {
        case 'zeros':
          return tf.zeros(shape);
        case 'ones':
          return tf.ones(shape);
        case 'he-normal':
          // Truncating at 2σ shrinks the standard deviation to 0.8796σ; compensate as Keras does.
          return tf.truncatedNormal(shape, 0, Math.sqrt(2 / init.fanIn) / 0.87962566, 'float32', seed);
        case 'glorot-uniform': {
          const limit = Math.sqrt(6 / (init.fanIn + init.fanOut));
          return tf.randomUniform(shape, -limit, limit, 'float32', seed);
        }
        case 'normal':
          return tf.randomNormal(shape, 0, init.std, 'float32', seed);
      }
    });
    // No tfjs name: tfjs registers variable names engine-wide, and a worker may hold several networks with the same layer names.
    const v = tf.variable(value, trainable);
    value.dispose();
    this.vars.set(name, v);
    if (trainable) this.trainableNames.add(name);
    return v;
  }

  get(name: string): Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Trainable variables, optionally only those whose name starts with one of `prefixes`. */
  trainable(prefixes?: readonly string[]): Variable[] {
    return [...this.trainableNames].filter((n) => !prefixes || prefixes.some((p) => n.startsWith(p))).map((n) => this.vars.get(n)!);
  }

  /** Number of trainable scalars. */
  countTrainable(): number {
    return this.trainable().reduce((s, v) => s + v.size, 0);
  }

  /**
   * Copies `values` into the parameters of the same name. Returns which names
   * were assigned and which were skipped; a shape mismatch is an error.
   */
  assign(
    values: Record<string, Tensor>,
    rename: (name: string) => string = (n) => n,
    /** Parameters whose shape may differ (left as initialised, reported as unused): a new head on a pretrained backbone. */
    mayDiffer: (name: string) => boolean = () => false,
  ): { assigned: string[]; unused: string[] } {
    const assigned: string[] = [];
    const unused: string[] = [];
    for (const [rawName, value] of Object.entries(values)) {
      const name = rename(rawName);
      const v = this.vars.get(name);
      if (!v) {
        unused.push(rawName);
        continue;
      }
      if (v.shape.join('x') !== value.shape.join('x')) {
        if (mayDiffer(name)) {
          unused.push(rawName);
          continue;
        }
        throw new Error(`weight ${rawName} has shape [${value.shape.join(', ')}] but parameter ${name} expects [${v.shape.join(', ')}]`);
      }
      v.assign(value.dtype === 'float32' ? value : this.tf.cast(value, 'float32'));
      assigned.push(name);
    }
    return { assigned, unused };
  }

  /** Name -> current value (the variables themselves; do not dispose them). */
  snapshot(): Record<string, Variable> {
    return Object.fromEntries(this.vars);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.trainableNames.clear();
  }
}
