/**
 * tfjs's webgpu kernels that add floats with atomics, in whatever order the
 * GPU's threads arrive, routed to ones that add in a fixed order, so that
 * two runs on one adapter give the same bits (a cache key promises that):
 *
 * - matrix products with few output tiles and a long inner dimension
 *   (dense layers on 2,048 features) take the split-K program, whose
 *   partial sums meet in atomicAdd: every product takes the tiled program;
 * - UnsortedSegmentSum (the gradient of gather, e.g. WILDCAT's top-k
 *   pooling) scatters with atomicAdd: it becomes a one-hot matrix product.
 *
 * Scatter, bincount and sparse-segment kernels also use atomics; no method
 * of wsol-run calls them (the gradient suite would show a new use).
 */
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { Tf } from '../init.js';
import { replaceKernel, shippedKernel as kernel } from './programs.js';

/** tfjs's MatMulProgramType.MatMulPackedProgram: 32x32 output tiles, each summed by one thread in order. */
const MATMUL_PACKED_PROGRAM = 3;

interface Backend {
  disposeData(dataId: object): boolean;
}
type Args = { inputs: Record<string, TensorInfo>; backend: Backend; attrs: NamedAttrMap };

function run(fn: KernelFunc, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap, backend: Backend): TensorInfo {
  return fn({ inputs, attrs, backend: backend as never }) as TensorInfo;
}

/** The tiled matmul for every product (an environment flag), and the one-hot UnsortedSegmentSum. Once per thread. */
export function routeForDeterminism(tf: Tf): void {
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', MATMUL_PACKED_PROGRAM);
  const shipped = kernel('UnsortedSegmentSum');
  const oneHot = kernel('OneHot');
  const reshape = kernel('Reshape');
  const matMul = kernel('BatchMatMul');
  const segmentSum = (args: Args): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const ids = inputs.segmentIds!;
    if (x.dtype !== 'float32') return run(shipped, inputs, attrs, backend);
    const numSegments = attrs.numSegments as number;
    const m = ids.shape.reduce((a, b) => a * b, 1);
    const innerShape = x.shape.slice(ids.shape.length);
    const inner = innerShape.reduce((a, b) => a * b, 1);
    // Out-of-range ids (negative ones included) give an all-zero row, as the shipped kernel skips them.
    const hot = run(oneHot, { indices: ids }, { depth: numSegments, onValue: 1, offValue: 0, dtype: 'float32' } as unknown as NamedAttrMap, backend);
    const hot3 = run(reshape, { x: hot }, { shape: [1, m, numSegments] }, backend);
    const x3 = run(reshape, { x }, { shape: [1, m, inner] }, backend);
    const sum = run(matMul, { a: hot3, b: x3 }, { transposeA: true, transposeB: false }, backend);
    const out = run(reshape, { x: sum }, { shape: [numSegments, ...innerShape] }, backend);
    for (const t of [hot, hot3, x3, sum]) backend.disposeData(t.dataId);
    return out;
  };
  replaceKernel('UnsortedSegmentSum', segmentSum);
}
