/**
 * Batch normalisation in training on the wasm backend, as three kernels of
 * wsol-run's own (the tfjs side of src/tensor/kernels/batch_norm.c):
 *
 *   WsolChannelMoments     x [..., C] -> mean [C], variance [C] (population, two passes)
 *   WsolBatchNormForward   x, mean, variance, gamma, beta -> y = (x - mean) · gamma / √(variance + ε) + beta, ReLU'd with attrs.relu
 *   WsolBatchNormBackward  x, dy, mean, variance, gamma, beta -> dx, dgamma, dbeta (the whole batch-norm gradient, mean and variance included)
 *
 * src/tensor/nn/batch-norm.ts strings them together with tf.customGrad when
 * they are registered. Broadcasting ops (the other backends' way) take
 * about twelve passes over the activations forward and backward, single
 * threaded; these take five, on every thread, and fuse the ReLU that
 * follows most batch norms (its gradient mask is recomputed from x).
 *
 * Each kernel has a plain-JS twin with the same arithmetic in float64,
 * used when the kernel module is absent, failed, or out of memory.
 */
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { BN_VECTOR, BN_VECTORS, J, OP, REDUCTION_BLOCKS } from '../kernels/layout.js';
import type { KernelModule } from '../kernels/module.js';
import { copyIn } from './wasm-fast-kernels.js';
import type { WasmBackendLike } from './wasm-training-kernels.js';

export const BATCH_NORM_KERNELS = {
  moments: 'WsolChannelMoments',
  forward: 'WsolBatchNormForward',
  backward: 'WsolBatchNormBackward',
} as const;

/** What tfjs passes one of wsol-run's batch-norm kernels on the wasm backend: the input tensors by name, the backend, and the attributes. */
export interface BatchNormKernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackendLike;
  attrs: NamedAttrMap;
}
/** A kernel's outputs, or undefined for what the module version does not take (the caller falls back). */
export type BatchNormKernel = (args: BatchNormKernelArgs) => TensorInfo[] | undefined;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const roundUp = (a: number, m: number): number => Math.ceil(a / m) * m;

function floats(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

function need(inputs: BatchNormKernelArgs['inputs'], name: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`batch-norm kernel: input ${name} is missing`);
  return t;
}

/** Per-channel coefficients, in float64: y = x·scale + shift. */
function coefficients(mean: Float32Array, variance: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number) {
  const c = mean.length;
  const invStd = new Float64Array(c);
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    invStd[i] = 1 / Math.sqrt(variance[i]! + epsilon);
    scale[i] = gamma[i]! * invStd[i]!;
    shift[i] = beta[i]! - mean[i]! * scale[i]!;
  }
  return { invStd, scale, shift };
}

/**
 * From the sums of g and of g·(x − mean) over the P rows: dbeta = Σg,
 * dgamma = Σg(x−μ)/σ, and dx = a·g − a·Σg/P − a·Σg(x−μ)/(σ²P)·(x−μ), a = γ/σ:
 * dx = DY·g + DX_X·(x − μ) + DX_C.
 */
function gradientCoefficients(sumG: Float64Array | Float32Array, sumGx: Float64Array | Float32Array, invStd: Float64Array, scale: Float64Array, rows: number) {
  const c = invStd.length;
  const dgamma = new Float32Array(c);
  const dbeta = new Float32Array(c);
  const dxX = new Float64Array(c);
  const dxC = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    dbeta[i] = sumG[i]!;
    dgamma[i] = sumGx[i]! * invStd[i]!;
    dxX[i] = (-scale[i]! * invStd[i]! * invStd[i]! * sumGx[i]!) / rows;
    dxC[i] = (-scale[i]! * sumG[i]!) / rows;
  }
  return { dgamma, dbeta, dy: scale, dxX, dxC };
}

function output(backend: WasmBackendLike, shape: number[], values: ArrayLike<number>): TensorInfo {
  const t = backend.makeOutput(shape, 'float32');
  floats(backend, t).set(values);
  return t;
}

// ---------------------------------------------------------------- plain JS

export const jsBatchNormKernels: Record<keyof typeof BATCH_NORM_KERNELS, (args: BatchNormKernelArgs) => TensorInfo[]> = {
  moments({ inputs, backend }) {
    const x = need(inputs, 'x');
    const c = x.shape[x.shape.length - 1]!;
    const v = floats(backend, x);
    const rows = v.length / c;
    const mean = new Float64Array(c);
    for (let i = 0; i < v.length; i++) mean[i % c] += v[i]!;
    for (let k = 0; k < c; k++) mean[k] /= rows;
    const sq = new Float64Array(c);
    for (let i = 0; i < v.length; i++) sq[i % c] += (v[i]! - mean[i % c]!) ** 2;
    for (let k = 0; k < c; k++) sq[k] /= rows;
    return [output(backend, [c], mean), output(backend, [c], sq)];
  },
  forward({ inputs, backend, attrs }) {
    const x = need(inputs, 'x');
    const c = x.shape[x.shape.length - 1]!;
    const relu = attrs.relu === true;
    const y = backend.makeOutput(x.shape as number[], 'float32');
    const [v, m, s, g, b, out] = [x, need(inputs, 'mean'), need(inputs, 'variance'), need(inputs, 'gamma'), need(inputs, 'beta'), y].map((t) =>
      floats(backend, t),
    ) as Float32Array[];
    const { scale, shift } = coefficients(m!, s!, g!, b!, attrs.epsilon as number);
    for (let i = 0; i < v!.length; i++) {
      const o = v![i]! * scale[i % c]! + shift[i % c]!;
      out![i] = relu && !(o > 0) ? 0 : o;
    }
    return [y];
  },
  backward({ inputs, backend, attrs }) {
    const x = need(inputs, 'x');
    const c = x.shape[x.shape.length - 1]!;
    const relu = attrs.relu === true;
    const dx = backend.makeOutput(x.shape as number[], 'float32');
    const dgammaOut = backend.makeOutput([c], 'float32');
    const dbetaOut = backend.makeOutput([c], 'float32');
    const [v, dy, m, s, g, b, out] = [
      x,
      need(inputs, 'dy'),
      need(inputs, 'mean'),
      need(inputs, 'variance'),
      need(inputs, 'gamma'),
      need(inputs, 'beta'),
      dx,
    ].map((t) => floats(backend, t)) as Float32Array[];
    const { invStd, scale, shift } = coefficients(m!, s!, g!, b!, attrs.epsilon as number);
    const masked = (i: number): number => (relu && !(v![i]! * scale[i % c]! + shift[i % c]! > 0) ? 0 : dy![i]!);
    const sumG = new Float64Array(c);
    const sumGx = new Float64Array(c);
    for (let i = 0; i < v!.length; i++) {
      const gi = masked(i);
      sumG[i % c] += gi;
      sumGx[i % c] += gi * (v![i]! - m![i % c]!);
    }
    const k = gradientCoefficients(sumG, sumGx, invStd, scale, v!.length / c);
    for (let i = 0; i < v!.length; i++) out![i] = k.dy[i % c]! * masked(i) + k.dxX[i % c]! * (v![i]! - m![i % c]!) + k.dxC[i % c]!;
    floats(backend, dgammaOut).set(k.dgamma);
    floats(backend, dbetaOut).set(k.dbeta);
    return [dx, dgammaOut, dbetaOut];
  },
};

// ---------------------------------------------------------- kernel module

/** Writes the per-channel vectors (each K rounded up to 4) into the arena; their offset. */
function vectors(mod: KernelModule, c: number, values: Partial<Record<keyof typeof BN_VECTOR, ArrayLike<number>>>): number {
  const c4 = roundUp(c, 4);
  const at = mod.alloc(BN_VECTORS * c4 * 4);
  const view = mod.f32(at, BN_VECTORS * c4);
  view.fill(0);
  for (const [name, v] of Object.entries(values) as [keyof typeof BN_VECTOR, ArrayLike<number>][]) view.set(v, BN_VECTOR[name] * c4);
  return at;
}

function rowsJob(mod: KernelModule, op: number, rows: number, c: number): { at: number; fields: Int32Array } {
  const job = mod.job();
  job.fields[J.OP] = op;
  job.fields[J.N] = rows;
  job.fields[J.K] = c;
  job.fields[J.BLOCKS] = REDUCTION_BLOCKS;
  return job;
}

/** Block partials at `parts` (`per` vectors of C4 floats per block), summed in block order. */
function sumParts(mod: KernelModule, parts: number, c: number, per: number): Float32Array[] {
  const c4 = roundUp(c, 4);
  mod.exports.sum_blocks(parts, REDUCTION_BLOCKS, per * c4);
  return Array.from({ length: per }, (_, i) => mod.f32(parts + i * c4 * 4, c).slice());
}

function dims(x: TensorInfo): { c: number; rows: number } | undefined {
  if (x.dtype !== 'float32' || x.shape.length < 2) return undefined;
  const c = x.shape[x.shape.length - 1]!;
  return { c, rows: size(x.shape) / c };
}

function small(backend: WasmBackendLike, ...ts: TensorInfo[]): Float32Array[] {
  return ts.map((t) => floats(backend, t).slice());
}

export function moduleBatchNormKernels(mod: KernelModule): Record<keyof typeof BATCH_NORM_KERNELS, BatchNormKernel> {
  return {
    moments({ inputs, backend }) {
      const x = need(inputs, 'x');
      const d = dims(x);
      if (!d) return undefined;
      const c4 = roundUp(d.c, 4);
      const [xAt] = copyIn(mod, backend, x);
      const sums = rowsJob(mod, OP.columnSums, d.rows, d.c);
      const parts = mod.alloc(REDUCTION_BLOCKS * c4 * 4);
      sums.fields[J.X] = xAt!;
      sums.fields[J.Y] = parts;
      mod.runParallel(sums.at);
      const [sum] = sumParts(mod, parts, d.c, 1);
      const mean = sum!.map((s) => s / d.rows);
      const squares = rowsJob(mod, OP.centeredSquares, d.rows, d.c);
      squares.fields[J.X] = xAt!;
      squares.fields[J.BIAS] = vectors(mod, d.c, { mean });
      squares.fields[J.Y] = parts;
      mod.runParallel(squares.at);
      const [sq] = sumParts(mod, parts, d.c, 1);
      return [
        output(backend, [d.c], mean),
        output(
          backend,
          [d.c],
          sq!.map((s) => s / d.rows),
        ),
      ];
    },
    forward({ inputs, backend, attrs }) {
      const x = need(inputs, 'x');
      const d = dims(x);
      if (!d) return undefined;
      const [m, s, g, b] = small(backend, need(inputs, 'mean'), need(inputs, 'variance'), need(inputs, 'gamma'), need(inputs, 'beta'));
      const { scale, shift } = coefficients(m!, s!, g!, b!, attrs.epsilon as number);
      const [xAt] = copyIn(mod, backend, x);
      const job = rowsJob(mod, OP.channelAffine, d.rows, d.c);
      const y = mod.alloc(size(x.shape) * 4);
      job.fields[J.X] = xAt!;
      job.fields[J.BIAS] = vectors(mod, d.c, { scale, shift });
      job.fields[J.Y] = y;
      job.fields[J.ACT] = attrs.relu === true ? 1 : 0;
      mod.runParallel(job.at);
      return [output(backend, x.shape as number[], mod.f32(y, size(x.shape)))];
    },
    backward({ inputs, backend, attrs }) {
      const x = need(inputs, 'x');
      const dy = need(inputs, 'dy');
      const d = dims(x);
      if (!d || dy.dtype !== 'float32') return undefined;
      const [m, s, g, b] = small(backend, need(inputs, 'mean'), need(inputs, 'variance'), need(inputs, 'gamma'), need(inputs, 'beta'));
      const { invStd, scale, shift } = coefficients(m!, s!, g!, b!, attrs.epsilon as number);
      const relu = attrs.relu === true ? 1 : 0;
      const [xAt, dyAt] = copyIn(mod, backend, x, dy);
      const c4 = roundUp(d.c, 4);
      const sums = rowsJob(mod, OP.bnGradSums, d.rows, d.c);
      const parts = mod.alloc(REDUCTION_BLOCKS * 2 * c4 * 4);
      sums.fields[J.X] = xAt!;
      sums.fields[J.WP] = dyAt!;
      sums.fields[J.BIAS] = vectors(mod, d.c, { mean: m!, scale, shift });
      sums.fields[J.Y] = parts;
      sums.fields[J.ACT] = relu;
      mod.runParallel(sums.at);
      const [sumG, sumGx] = sumParts(mod, parts, d.c, 2);
      const k = gradientCoefficients(sumG!, sumGx!, invStd, scale, d.rows);
      const apply = rowsJob(mod, OP.bnGradApply, d.rows, d.c);
      const dx = mod.alloc(size(x.shape) * 4);
      apply.fields[J.X] = xAt!;
      apply.fields[J.WP] = dyAt!;
      apply.fields[J.BIAS] = vectors(mod, d.c, { mean: m!, scale, shift, dy: k.dy, dxX: k.dxX, dxC: k.dxC });
      apply.fields[J.Y] = dx;
      apply.fields[J.ACT] = relu;
      mod.runParallel(apply.at);
      return [output(backend, x.shape as number[], mod.f32(dx, size(x.shape))), output(backend, [d.c], k.dgamma), output(backend, [d.c], k.dbeta)];
    },
  };
}
