/**
 * tfjs kernels backed by wsol-run's own kernel module (src/tensor/kernels):
 * convolution forward (plain and fused with bias/relu), its input and filter
 * gradients, the max-pool gradient, bias gradients and matrix products, on
 * all cores.
 *
 * Each kernel copies its inputs from tfjs's wasm heap into the module's
 * shared memory, runs the job on every thread and copies the result into a
 * tfjs output. A kernel returns undefined for what it does not handle (the
 * caller then uses the previous kernel).
 */
import { backend_util, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { CONV_TILES, DW_CHUNK, J, MM_BLOCK, OP, WG_TRANSFORM_FLOATS, REDUCTION_BLOCKS, WG4F_TILES, WG4_TILES, WG_TILES, WGF_TILES } from '../kernels/layout.js';
import { GUARD_BYTES, type KernelModule } from '../kernels/module.js';
import type { WasmBackendLike } from './wasm-training-kernels.js';

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

/** What tfjs passes a kernel backed by the kernel module on the wasm backend: the input tensors by name, the backend, and the attributes. */
export interface FastKernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackendLike;
  attrs: NamedAttrMap;
}
/** A wasm kernel backed by the kernel module: its output, or undefined when it does not handle the case and the previous kernel runs. */
export type FastKernel = (args: FastKernelArgs) => TensorInfo | undefined;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const roundUp = (a: number, m: number): number => Math.ceil(a / m) * m;

function isNhwc(attrs: NamedAttrMap): boolean {
  const f = attrs.dataFormat as string | undefined;
  return f === undefined || f === 'NHWC' || f === 'channelsLast';
}

/** Starts a kernel call with these float32 tensors in the module's memory (copied unless still resident); their offsets. */
export function copyIn(mod: KernelModule, backend: WasmBackendLike, ...ts: TensorInfo[]): number[] {
  return mod.startCall(ts.map((t) => ({ key: t.dataId, floats: size(t.shape), fill: (dst) => dst.set(backend.typedArrayFromHeap(t) as Float32Array) })));
}

/** A tfjs output holding `length` floats of the arena at `at`. */
function copyOut(mod: KernelModule, backend: WasmBackendLike, at: number, shape: number[]): TensorInfo {
  const t = performance.now();
  const out = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).set(mod.f32(at, size(shape)));
  mod.time.copyOut += performance.now() - t;
  return out;
}

/** Per-thread scratch of `bytes` (each followed by a guarded gap); sets the job's scratch fields. */
function threadScratch(mod: KernelModule, fields: Int32Array, bytes: number): void {
  const stride = roundUp(bytes + GUARD_BYTES, 64);
  const scratch = mod.alloc(stride * mod.threads);
  for (let t = 0; t < mod.threads; t++) mod.guard(scratch + t * stride + bytes);
  fields[J.SCRATCH] = scratch;
  fields[J.SCRATCH_BYTES] = stride;
}

/** A tfjs output [n, h, w, c] of +0 except pixel (y·sh, x·sw) = grid[y][x] for the grid [n, gh, gw, c] at `at`. */
function scatterOnGrid(
  mod: KernelModule,
  backend: WasmBackendLike,
  at: number,
  [n, gh, gw, c]: Shape4,
  [h, w]: [number, number],
  [sh, sw]: [number, number],
): TensorInfo {
  const t = performance.now();
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  const src = mod.f32(at, n * gh * gw * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < gh; y++)
      for (let x = 0; x < gw; x++) {
        const from = ((b * gh + y) * gw + x) * c;
        dst.set(src.subarray(from, from + c), ((b * h + y * sh) * w + x * sw) * c);
      }
  mod.time.copyOut += performance.now() - t;
  return out;
}

/** Zero row for padding taps and per-thread scratch, common to every convolution job. */
function convCommon(mod: KernelModule, fields: Int32Array, rowFloats: number, scratchBytes: number): void {
  const zero = mod.alloc(rowFloats * 4 + 16);
  mod.f32(zero, rowFloats + 4).fill(0);
  fields[J.ZERO] = zero;
  threadScratch(mod, fields, scratchBytes);
}

/** Geometry fields of a convolution job: input [n,h,w,c] read with the given taps, strides, dilations and padding. */
function setGeometry(
  f: Int32Array,
  g: {
    n: number;
    h: number;
    w: number;
    c: number;
    k: number;
    kh: number;
    kw: number;
    sh: number;
    sw: number;
    dh: number;
    dw: number;
    ih: number;
    iw: number;
    pt: number;
    pl: number;
    oh: number;
    ow: number;
  },
): void {
  f[J.N] = g.n;
  f[J.H] = g.h;
  f[J.W] = g.w;
  f[J.C] = g.c;
  f[J.K] = g.k;
  f[J.KH] = g.kh;
  f[J.KW] = g.kw;
  f[J.SH] = g.sh;
  f[J.SW] = g.sw;
  f[J.DH] = g.dh;
  f[J.DW] = g.dw;
  f[J.IH] = g.ih;
  f[J.IW] = g.iw;
  f[J.PT] = g.pt;
  f[J.PL] = g.pl;
  f[J.OH] = g.oh;
  f[J.OW] = g.ow;
}

function convScratch(taps: number): number {
  return CONV_TILES * taps * 4 * 4 + 32 * 4;
}

/**
 * How a convolution is computed: direct (indirect GEMM, any shape), or for
 * 3x3 stride-1 undilated ones Winograd F(2x2,3x3) (2.25x fewer multiplies)
 * or F(4x4,3x3) (4x fewer, larger transforms; measured 1.4-1.8x faster than
 * F(2x2) on the reference model's layers).
 *
 * F(4x4)'s rounding error is about 10x F(2x2)'s (~1e-6 vs ~1e-7 of the
 * output scale). That is harmless in gradients, which stay linear, but in the
 * forward pass the output decides relu masks and max-pool winners: on the
 * reference model F(4x4) forward flipped near-ties and moved conv1/conv2
 * gradients by 1e-3 relative to tfjs's own convolution, F(2x2) by 1e-5. So
 * the forward pass uses F(2x2), the input and filter gradients F(4x4)
 * wherever the output fills its 4x4 tiles.
 */
type ConvMethod = 'direct' | 'winograd2' | 'winograd4';

function convMethod(
  purpose: 'forward' | 'gradient',
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  oh: number,
  ow: number,
): ConvMethod {
  if (kh !== 3 || kw !== 3 || sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1) return 'direct';
  return purpose === 'gradient' && oh >= 4 && ow >= 4 ? 'winograd4' : 'winograd2';
}

const PLANES: Record<ConvMethod, number> = { direct: 0, winograd2: 16, winograd4: 36 };

/**
 * Per-thread scratch of a Winograd job: 64 patch addresses and 72 transform
 * vectors (F(4x4); F(2x2) uses 16 addresses), then [planes][tiles] rows of C4
 * floats (V, or X) and of K8 floats (M, or D).
 */
function winogradScratch(method: 'winograd2' | 'winograd4', tiles: number, c: number, k: number): number {
  return (method === 'winograd2' ? 64 : 64 * 4 + 72 * 16) + PLANES[method] * tiles * (roundUp(c, 4) + roundUp(k, 8)) * 4;
}

/**
 * A filter transform (Winograd packing of a filter, unpacking of a filter
 * gradient) as a job on every thread. Each (c, k) pair is transformed alone,
 * as by the single-thread exports of the same name, so the bits do not
 * change; on one thread they cost ~0.6 s of a 3 s ResNet-50 step.
 */
function filterTransform(mod: KernelModule, op: number, src: number, out: number, c: number, k: number, transposed: boolean): void {
  const { at, fields } = mod.job();
  threadScratch(mod, fields, WG_TRANSFORM_FLOATS * 4);
  fields[J.OP] = op;
  fields[J.X] = src;
  fields[J.Y] = out;
  fields[J.C] = c;
  fields[J.K] = k;
  fields[J.ACT] = transposed ? 1 : 0;
  mod.runParallel(at);
}

/** Adds parts 1..blocks-1 into part 0 on every thread, each float's parts in block order (sum_blocks' bits). */
function sumBlocks(mod: KernelModule, parts: number, blocks: number, floats: number): void {
  const { at, fields } = mod.job();
  fields[J.OP] = OP.sumBlocks;
  fields[J.Y] = parts;
  fields[J.N] = floats;
  fields[J.BLOCKS] = blocks;
  mod.runParallel(at);
}

/** Packs a 3x3 filter for a convolution method (transposed: the input-gradient filter). */
function packFilter(mod: KernelModule, method: ConvMethod, w: number, out: number, kh: number, kw: number, c: number, k: number, transposed: boolean): void {
  if (method === 'winograd4') filterTransform(mod, OP.packWinograd4, w, out, transposed ? k : c, transposed ? c : k, transposed);
  else if (method === 'winograd2') filterTransform(mod, OP.packWinograd, w, out, transposed ? k : c, transposed ? c : k, transposed);
  else if (transposed) mod.exports.pack_filter_transposed(w, out, kh, kw, c, k);
  else mod.exports.pack_filter(w, out, kh * kw, c, k);
}

const CONV_OP: Record<ConvMethod, number> = { direct: OP.conv, winograd2: OP.winograd, winograd4: OP.winograd4 };

/**
 * Conv2D and FusedConv2D (bias of shape [K], activation linear or relu):
 * y = act(conv(x, filter) + bias), any strides, dilations and padding.
 */
export function conv2d(mod: KernelModule): FastKernel {
  return ({ inputs, backend, attrs }) => {
    const { x, filter, bias, preluActivationWeights } = inputs;
    if (!x || !filter || x.dtype !== 'float32' || filter.dtype !== 'float32' || !isNhwc(attrs) || preluActivationWeights) return undefined;
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    if (activation !== 'linear' && activation !== 'relu') return undefined;
    const k = filter.shape[3]!;
    if (bias && (bias.dtype !== 'float32' || size(bias.shape) !== k)) return undefined;
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides as [number, number],
      (attrs.dilations as [number, number] | number | undefined) ?? 1,
      attrs.pad as Pad,
      attrs.dimRoundingMode as 'floor' | undefined,
      false,
      'channelsLast',
    );
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
    const taps = kh * kw;
    const [xAt, wAt] = copyIn(mod, backend, x, filter);
    const { at: job, fields } = mod.job();
    const method = convMethod('forward', kh, kw, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, oh, ow);
    const packed = mod.alloc(roundUp(k, 8) * (PLANES[method] || taps) * c * 4);
    packFilter(mod, method, wAt, packed, kh, kw, c, k, false);
    let biasAt = 0;
    if (bias) {
      biasAt = mod.alloc(roundUp(k, 8) * 4);
      const b = mod.f32(biasAt, roundUp(k, 8));
      b.fill(0);
      b.set(backend.typedArrayFromHeap(bias) as Float32Array);
    }
    const y = mod.alloc(n * oh * ow * k * 4);
    convCommon(mod, fields, c, method === 'direct' ? convScratch(taps) : winogradScratch(method, method === 'winograd2' ? WG_TILES : WG4_TILES, c, k));
    setGeometry(fields, {
      n,
      h,
      w,
      c,
      k,
      kh,
      kw,
      sh: info.strideHeight,
      sw: info.strideWidth,
      dh: info.dilationHeight,
      dw: info.dilationWidth,
      ih: 1,
      iw: 1,
      pt: info.padInfo.top,
      pl: info.padInfo.left,
      oh,
      ow,
    });
    fields[J.OP] = CONV_OP[method];
    fields[J.ACT] = activation === 'relu' ? 1 : 0;
    fields[J.X] = xAt;
    fields[J.WP] = packed;
    fields[J.BIAS] = biasAt;
    fields[J.Y] = y;
    mod.runParallel(job);
    return copyOut(mod, backend, y, [n, oh, ow, k]);
  };
}

/**
 * Conv2DBackpropInput: dx = the convolution of dy, dilated by the forward
 * stride (holes read the zero row, nothing is materialised), with the filter
 * flipped and its channels swapped.
 */
export function conv2dBackpropInput(mod: KernelModule): FastKernel {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs;
    if (!dy || !filter || dy.dtype !== 'float32' || filter.dtype !== 'float32' || !isNhwc(attrs)) return undefined;
    const inputShape = attrs.inputShape as unknown as Shape4;
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as Shape4,
      attrs.strides as [number, number],
      1,
      attrs.pad as Pad,
      attrs.dimRoundingMode as 'floor' | undefined,
      false,
      'channelsLast',
    );
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: k, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
    const taps = kh * kw;
    const [dyAt, wAt] = copyIn(mod, backend, dy, filter);
    const { at: job, fields } = mod.job();
    // The input gradient is a convolution with h x w outputs (the forward input).
    const method = convMethod('gradient', kh, kw, info.strideHeight, info.strideWidth, 1, 1, h, w);
    const packed = mod.alloc(roundUp(c, 8) * (PLANES[method] || taps) * k * 4);
    packFilter(mod, method, wAt, packed, kh, kw, c, k, true);
    // A strided 1x1 convolution (ResNet-50's downsampling) reaches only the input pixels on its stride's grid:
    // the others read nothing but the zero row, and their sums are exactly +0. Those on the grid are a 1x1
    // convolution of dy, whose sums are the same operations in the same order, so it is computed there
    // and scattered into zeros: the same bits with a quarter of the work at stride 2.
    if (kh === 1 && kw === 1 && (info.strideHeight > 1 || info.strideWidth > 1) && info.padInfo.top === 0 && info.padInfo.left === 0) {
      const grid = mod.alloc(n * oh * ow * c * 4);
      convCommon(mod, fields, k, convScratch(1));
      setGeometry(fields, { n, h: oh, w: ow, c: k, k: c, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, ih: 1, iw: 1, pt: 0, pl: 0, oh, ow });
      fields[J.OP] = OP.conv;
      fields[J.X] = dyAt;
      fields[J.WP] = packed;
      fields[J.Y] = grid;
      mod.runParallel(job);
      return scatterOnGrid(mod, backend, grid, [n, oh, ow, c], [h, w], [info.strideHeight, info.strideWidth]);
    }
    const dx = mod.alloc(n * h * w * c * 4);
    convCommon(mod, fields, k, method === 'direct' ? convScratch(taps) : winogradScratch(method, method === 'winograd2' ? WG_TILES : WG4_TILES, k, c));
    // dx[q] = sum over taps t' of D[q - P + t'] * w[kh-1-t'], D = dy dilated by the stride, P = kh-1-top.
    setGeometry(fields, {
      n,
      h: oh,
      w: ow,
      c: k,
      k: c,
      kh,
      kw,
      sh: 1,
      sw: 1,
      dh: 1,
      dw: 1,
      ih: info.strideHeight,
      iw: info.strideWidth,
      pt: kh - 1 - info.padInfo.top,
      pl: kw - 1 - info.padInfo.left,
      oh: h,
      ow: w,
    });
    fields[J.OP] = CONV_OP[method];
    fields[J.X] = dyAt;
    fields[J.WP] = packed;
    fields[J.Y] = dx;
    mod.runParallel(job);
    return copyOut(mod, backend, dx, [n, h, w, c]);
  };
}

/**
 * Conv2DBackpropFilter: dW[tap][c][k] = sum over pixels of in(p, tap)[c] * dy[p][k].
 * 3x3 stride 1 with C >= 8: Winograd F(3x3, 4x4) or F(3x3, 2x2) (the
 * transposes of the forward ones); otherwise an indirect GEMM. Either way
 * the pixels are cut into REDUCTION_BLOCKS blocks with a partial sum each,
 * added in block order at the end (the same bits whatever the thread count).
 */
export function conv2dBackpropFilter(mod: KernelModule): FastKernel {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs;
    if (!x || !dy || x.dtype !== 'float32' || dy.dtype !== 'float32' || !isNhwc(attrs)) return undefined;
    const filterShape = attrs.filterShape as unknown as Shape4;
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filterShape,
      attrs.strides as [number, number],
      1,
      attrs.pad as Pad,
      attrs.dimRoundingMode as 'floor' | undefined,
      false,
      'channelsLast',
    );
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: k, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
    const taps = kh * kw;
    const c4 = roundUp(c, 4);
    const k8 = roundUp(k, 8);
    // F(2x2) with few input channels spends its time transforming dy (measured 14 vs 20 GFLOP/s direct for C=3; F(4x4) 33).
    const wino = convMethod('gradient', kh, kw, info.strideHeight, info.strideWidth, 1, 1, oh, ow);
    const method = wino === 'winograd2' && c < 8 ? 'direct' : wino;
    const partFloats = (PLANES[method] || taps) * c4 * k8;
    const [xAt, dyAt] = copyIn(mod, backend, x, dy);
    const { at: job, fields } = mod.job();
    const parts = mod.alloc(REDUCTION_BLOCKS * partFloats * 4);
    const dw = mod.alloc(taps * c * k * 4);
    // The zero row stands for missing x pixels (C4 floats read) and missing dy pixels (K8 floats read).
    const scratch =
      method === 'direct' ? taps * DW_CHUNK * 4 + k8 * DW_CHUNK * 4 : winogradScratch(method, method === 'winograd2' ? WGF_TILES : WG4F_TILES, c, k);
    convCommon(mod, fields, Math.max(c4, k8), scratch);
    setGeometry(fields, {
      n,
      h,
      w,
      c,
      k,
      kh,
      kw,
      sh: info.strideHeight,
      sw: info.strideWidth,
      dh: 1,
      dw: 1,
      ih: 1,
      iw: 1,
      pt: info.padInfo.top,
      pl: info.padInfo.left,
      oh,
      ow,
    });
    fields[J.OP] = { direct: OP.convFilterGrad, winograd2: OP.winogradFilterGrad, winograd4: OP.winograd4FilterGrad }[method];
    fields[J.X] = xAt;
    fields[J.WP] = dyAt;
    fields[J.Y] = parts;
    fields[J.BLOCKS] = REDUCTION_BLOCKS;
    mod.runParallel(job);
    sumBlocks(mod, parts, REDUCTION_BLOCKS, partFloats);
    if (method === 'winograd4') filterTransform(mod, OP.unpackWinograd4, parts, dw, c, k, false);
    else if (method === 'winograd2') filterTransform(mod, OP.unpackWinograd, parts, dw, c, k, false);
    else mod.exports.unpack_filter_grad(parts, taps, c, k, dw);
    return copyOut(mod, backend, dw, [kh, kw, c, k]);
  };
}

/**
 * BatchMatMul with the bits of tfjs's wasm kernel (matmul.c says how): where
 * tfjs sums in its own blocked loops (a transposed operand or a batch above 1:
 * the gradients of every dense layer, measured 1.8 GFLOP/s there) the blocks
 * of 48, and where it calls XNNPACK (batch 1, no transpose) one sequential
 * sum. Broadcast batches go to tfjs. The test of the gradient suite compares
 * the bits with tfjs's kernel over every transpose and odd sizes.
 */
export function batchMatMul(mod: KernelModule): FastKernel {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs;
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
    const transposeA = attrs.transposeA === true;
    const transposeB = attrs.transposeB === true;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const batch = size(a.shape.slice(0, -2));
    if (batch !== size(b.shape.slice(0, -2)) || ra !== rb) return undefined;
    const xnn = batch === 1 && !transposeA && !transposeB;
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    if ((transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) !== k || m * n * k === 0) return undefined;
    const [aAt, bAt] = copyIn(mod, backend, a, b);
    const { at: job, fields } = mod.job();
    const packed = mod.alloc(batch * roundUp(n, 8) * k * 4);
    // B(k, col) lives at k * sK + col * sCol within a batch item of k * n floats.
    mod.exports.pack_matmul_b(bAt, packed, batch, k, n, transposeB ? 1 : n, transposeB ? k : 1, k * n);
    const y = mod.alloc(batch * m * n * 4);
    threadScratch(mod, fields, 32 * 4);
    fields[J.OP] = OP.matmul;
    fields[J.N] = batch;
    fields[J.H] = m;
    fields[J.W] = n;
    fields[J.C] = k;
    fields[J.SH] = transposeA ? 1 : k;
    fields[J.SW] = transposeA ? m : 1;
    fields[J.KH] = m * k;
    fields[J.KW] = xnn ? k : MM_BLOCK;
    fields[J.X] = aAt;
    fields[J.WP] = packed;
    fields[J.Y] = y;
    mod.runParallel(job);
    return copyOut(mod, backend, y, [...a.shape.slice(0, -2), m, n]);
  };
}

/** MaxPoolGrad: the first maximum of each window (row-major) gets the gradient, whatever its sign; threads take whole images. */
export function maxPoolGrad(mod: KernelModule): FastKernel {
  return ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs;
    if (!dy || !input || dy.dtype !== 'float32' || input.dtype !== 'float32') return undefined;
    const info = backend_util.computePool2DInfo(
      input.shape as Shape4,
      attrs.filterSize as [number, number],
      attrs.strides as [number, number],
      1,
      attrs.pad as Pad,
      attrs.dimRoundingMode as 'floor' | undefined,
    );
    const [xAt, dyAt] = copyIn(mod, backend, input, dy);
    const { at: job, fields } = mod.job();
    const dx = mod.alloc(size(input.shape) * 4);
    setGeometry(fields, {
      n: info.batchSize,
      h: info.inHeight,
      w: info.inWidth,
      c: info.inChannels,
      k: info.inChannels,
      kh: info.filterHeight,
      kw: info.filterWidth,
      sh: info.strideHeight,
      sw: info.strideWidth,
      dh: 1,
      dw: 1,
      ih: 1,
      iw: 1,
      pt: info.padInfo.top,
      pl: info.padInfo.left,
      oh: info.outHeight,
      ow: info.outWidth,
    });
    fields[J.OP] = OP.maxPoolGrad;
    fields[J.X] = xAt;
    fields[J.WP] = dyAt;
    fields[J.Y] = dx;
    mod.runParallel(job);
    return copyOut(mod, backend, dx, input.shape as number[]);
  };
}

/**
 * Sum over leading axes (bias gradients: dy [N,H,W,K] -> [K]) as column sums
 * of a [rows, inner] matrix, in REDUCTION_BLOCKS blocks of rows spread over
 * the threads. Other reductions are not handled here.
 */
export function sumLeadingAxes(mod: KernelModule): FastKernel {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x;
    if (x?.dtype !== 'float32') return undefined;
    const rank = x.shape.length;
    const axes = (Array.isArray(attrs.axis) ? (attrs.axis as number[]) : [attrs.axis as number]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    if (axes.length === 0 || axes.length >= rank || !axes.every((a, i) => a === i)) return undefined;
    const innerShape = x.shape.slice(axes.length);
    const inner = size(innerShape);
    const inner4 = roundUp(inner, 4);
    const [xAt] = copyIn(mod, backend, x);
    const { at: job, fields } = mod.job();
    const parts = mod.alloc(REDUCTION_BLOCKS * inner4 * 4);
    fields[J.OP] = OP.columnSums;
    fields[J.BLOCKS] = REDUCTION_BLOCKS;
    fields[J.N] = size(x.shape) / inner;
    fields[J.K] = inner;
    fields[J.X] = xAt;
    fields[J.Y] = parts;
    mod.runParallel(job);
    const out = backend.makeOutput(attrs.keepDims ? [...axes.map(() => 1), ...innerShape] : innerShape, 'float32');
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    sumBlocks(mod, parts, REDUCTION_BLOCKS, inner4);
    dst.set(mod.f32(parts, inner));
    return out;
  };
}
