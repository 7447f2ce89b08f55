/**
 * Training kernels for tfjs's `wasm` backend, which ships forward kernels only
 * (see docs/backends.md): Conv2DBackpropFilter, the depthwise
 * gradients and UnsortedSegmentSum are missing, MaxPoolGrad is wrong (loses
 * the gradient of negative maxima, misplaces ties) and Conv2DBackpropInput is
 * a slow scalar loop.
 *
 * The kernels in this file are the portable ones (plain JS and tfjs's own
 * kernels); with wsol-run's kernel module (../kernels, used through
 * wasm-fast-kernels.ts) the hot ones run there instead and these remain the
 * fallback for shapes the module does not take, or if it fails.
 *
 * Rules for code in here: work on TensorInfos, never create tf.Tensors (the
 * tape would capture them); free every intermediate with disposeData; read
 * heap views only after the last makeOutput (allocation can move the heap).
 */
import { ArenaFull, type KernelModule } from '../kernels/module.js';
import { BATCH_NORM_KERNELS, jsBatchNormKernels, moduleBatchNormKernels } from './wasm-batch-norm.js';
import * as fast from './wasm-fast-kernels.js';
import type { FastKernel } from './wasm-fast-kernels.js';
import {
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/** The part of tfjs's BackendWasm that kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackendLike;
  attrs: NamedAttrMap;
}

/** The backend's own kernels, captured after it has initialised. */
interface NativeKernels {
  conv2d: KernelFunc;
  transpose: KernelFunc;
  slice: KernelFunc;
}

function nativeKernel(name: string): KernelFunc {
  const k = getKernel(name, 'wasm');
  if (!k) throw new Error(`the wasm backend has no ${name} kernel`);
  return k.kernelFunc;
}

function call(fn: KernelFunc, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap, backend: WasmBackendLike): TensorInfo {
  return fn({ inputs, attrs, backend: backend as never }) as TensorInfo;
}

function floats(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/**
 * dW[kh,kw,c,k] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, c] · dy[n,oh,ow,k],
 * computed as ONE native convolution: channels of x become the batch, the
 * batch becomes the channels, dy is the filter, and the forward stride
 * becomes the dilation.
 */
function conv2dBackpropFilter(native: NativeKernels) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
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
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w } = info;
    const { top, left } = info.padInfo;
    // Bottom/right padding so that the valid output is exactly kh x kw (crop later if the forward pass left rows unused).
    const bottom = Math.max(0, kh + (oh - 1) * sh - h - top);
    const right = Math.max(0, kw + (ow - 1) * sw - w - left);
    const xT = call(native.transpose, { x }, { perm: [3, 1, 2, 0] }, backend); // [C,H,W,N]
    const dyT = call(native.transpose, { x: dy }, { perm: [1, 2, 0, 3] }, backend); // [OH,OW,N,K]
    const conv = call(
      native.conv2d,
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        dilations: [sh, sw],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dimRoundingMode: 'floor',
      } as unknown as NamedAttrMap,
      backend,
    ); // [C, >=KH, >=KW, K]
    backend.disposeData(xT.dataId);
    backend.disposeData(dyT.dataId);
    let cropped = conv;
    if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
      cropped = call(native.slice, { x: conv }, { begin: [0, 0, 0, 0], size: [conv.shape[0]!, kh, kw, conv.shape[3]!] }, backend);
      backend.disposeData(conv.dataId);
    }
    const out = call(native.transpose, { x: cropped }, { perm: [1, 2, 0, 3] }, backend); // [KH,KW,C,K]
    backend.disposeData(cropped.dataId);
    return out;
  };
}

/**
 * dx = conv(dy, flipped filter with in/out swapped), for stride 1: one
 * native convolution instead of the shipped scalar loop. Strided convolutions
 * keep the shipped kernel (correct, slower).
 */
function conv2dBackpropInput(native: NativeKernels, shipped: KernelFunc) {
  return (args: KernelArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
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
    if (info.strideHeight !== 1 || info.strideWidth !== 1) return call(shipped, inputs, attrs, backend);
    const { filterHeight: kh, filterWidth: kw, inChannels: c, outChannels: k } = info;
    // Flip spatially and swap in/out channels: [KH,KW,C,K] -> [KH,KW,K,C] reversed in KH and KW.
    const flipped = backend.makeOutput([kh, kw, k, c], 'float32');
    const src = floats(backend, filter);
    const dst = floats(backend, flipped);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const from = (i * kw + j) * c * k;
        const to = ((kh - 1 - i) * kw + (kw - 1 - j)) * k * c;
        for (let ci = 0; ci < c; ci++) for (let ki = 0; ki < k; ki++) dst[to + ki * c + ci] = src[from + ci * k + ki]!;
      }
    }
    const { top, left, bottom, right } = info.padInfo;
    const out = call(
      native.conv2d,
      { x: dy, filter: flipped },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [kh - 1 - top, kh - 1 - bottom],
          [kw - 1 - left, kw - 1 - right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dimRoundingMode: 'floor',
      } as unknown as NamedAttrMap,
      backend,
    );
    backend.disposeData(flipped.dataId);
    return out;
  };
}

/**
 * Max-pool gradient: each output's gradient goes to the FIRST maximum of its
 * window in row-major order (what the cpu backend and TensorFlow do),
 * whatever the sign of the maximum.
 */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const info = backend_util.computePool2DInfo(
    input.shape as Shape4,
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  const out = backend.makeOutput(input.shape as number[], 'float32');
  const x = floats(backend, input);
  const g = floats(backend, dy);
  const dx = floats(backend, out);
  dx.fill(0);
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
    strideHeight: sh,
    strideWidth: sw,
    filterHeight: fh,
    filterWidth: fw,
  } = info;
  const { top, left } = info.padInfo;
  // Channels are innermost in memory, so scan the window pixel by pixel and
  // keep a running max per channel: contiguous reads instead of strided ones.
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const i0 = Math.max(0, y * sh - top);
      const i1 = Math.min(h, y * sh - top + fh);
      for (let xo = 0; xo < ow; xo++) {
        const j0 = Math.max(0, xo * sw - left);
        const j1 = Math.min(w, xo * sw - left + fw);
        at.fill(-1);
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) {
            const base = ((b * h + i) * w + j) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch]!;
              // Strictly greater keeps the first maximum in row-major order.
              if (at[ch]! < 0 || v > best[ch]!) {
                best[ch] = v;
                at[ch] = base + ch;
              }
            }
          }
        }
        const gBase = ((b * oh + y) * ow + xo) * c;
        for (let ch = 0; ch < c; ch++) if (at[ch]! >= 0) dx[at[ch]!]! += g[gBase + ch]!;
      }
    }
  }
  return out;
}

/**
 * Sum over leading axes (bias gradients: dy [N,H,W,K] -> [K]) as one pass
 * over contiguous rows; the shipped kernel transposes first. Other
 * reductions keep the shipped kernel.
 */
function sumLeadingAxes(shipped: KernelFunc) {
  return (args: KernelArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const rank = x.shape.length;
    const axes = (Array.isArray(attrs.axis) ? (attrs.axis as number[]) : [attrs.axis as number]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return call(shipped, inputs, attrs, backend);
    const innerShape = x.shape.slice(axes.length);
    const inner = innerShape.reduce((a, b) => a * b, 1);
    const outShape = attrs.keepDims ? [...axes.map(() => 1), ...innerShape] : innerShape;
    const out = backend.makeOutput(outShape, 'float32');
    const src = floats(backend, x);
    const dst = floats(backend, out);
    const acc = new Float64Array(inner);
    for (let i = 0; i < src.length; i += inner) for (let j = 0; j < inner; j++) acc[j]! += src[i + j]!;
    dst.set(acc);
    return out;
  };
}

/** Depthwise conv gradients (filter [KH,KW,C,M]) as direct loops: exact, and rare in our models. */
function depthwiseInfo(xShape: Shape4, filterShape: Shape4, attrs: NamedAttrMap): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides as [number, number],
    (attrs.dilations as [number, number] | undefined) ?? 1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | undefined,
    true,
    'channelsLast',
  );
}

/** Calls fn(xIndex, dyIndex, filterIndex) for every multiply of a depthwise convolution. */
function forEachDepthwiseTap(info: backend_util.Conv2DInfo, fn: (xi: number, gi: number, fi: number) => void): void {
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
    outChannels: oc,
    strideHeight: sh,
    strideWidth: sw,
    filterHeight: fh,
    filterWidth: fw,
    dilationHeight: dh,
    dilationWidth: dw,
  } = info;
  const m = oc / c;
  const { top, left } = info.padInfo;
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let i = 0; i < fh; i++) {
          const yi = y * sh - top + i * dh;
          if (yi < 0 || yi >= h) continue;
          for (let j = 0; j < fw; j++) {
            const xi = xo * sw - left + j * dw;
            if (xi < 0 || xi >= w) continue;
            for (let ch = 0; ch < c; ch++)
              for (let q = 0; q < m; q++) fn(((b * h + yi) * w + xi) * c + ch, ((b * oh + y) * ow + xo) * oc + ch * m + q, ((i * fw + j) * c + ch) * m + q);
          }
        }
}

function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const filterShape = attrs.filterShape as unknown as Shape4;
  const info = depthwiseInfo(x.shape as Shape4, filterShape, attrs);
  const out = backend.makeOutput(filterShape, 'float32');
  const xs = floats(backend, x);
  const g = floats(backend, dy);
  const dw = floats(backend, out);
  dw.fill(0);
  forEachDepthwiseTap(info, (xi, gi, fi) => (dw[fi]! += xs[xi]! * g[gi]!));
  return out;
}

function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = attrs.inputShape as unknown as Shape4;
  const info = depthwiseInfo(inputShape, filter.shape as Shape4, attrs);
  const out = backend.makeOutput(inputShape, 'float32');
  const f = floats(backend, filter);
  const g = floats(backend, dy);
  const dx = floats(backend, out);
  dx.fill(0);
  forEachDepthwiseTap(info, (xi, gi, fi) => (dx[xi]! += f[fi]! * g[gi]!));
  return out;
}

/** out[s, ...] = Σ_{i: segmentIds[i] = s} x[i, ...] (the gradient of gather). */
function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = attrs.numSegments as number;
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype as 'float32');
  const src = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const dst = backend.typedArrayFromHeap(out);
  dst.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    for (let j = 0; j < inner; j++) dst[s * inner + j]! += src[i * inner + j]!;
  }
  return out;
}

/**
 * Identity, and Cast to the dtype the tensor already has, as a second
 * reference to the same data (what Reshape does on this backend and what the
 * cpu backend does for both): tensors are immutable, and the shipped kernels'
 * copies cost a pass over every activation per step (the relu gradient casts
 * its float mask to float).
 */
function shareData(shipped: KernelFunc) {
  return (args: KernelArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    // Identity gets no attrs at all.
    const dtype = (attrs as NamedAttrMap | undefined)?.dtype;
    if (x.dtype === 'string' || (dtype !== undefined && dtype !== x.dtype)) return call(shipped, inputs, attrs, backend);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/**
 * Slice of a float32 or int32 tensor by contiguous runs: the innermost axes
 * the slice keeps whole are one copy each. tfjs's wasm Slice walks element
 * by element: 59 ms of a ResNet-50 step went to the one slice in its
 * backward pass (the stem's pooling pad, 4M floats). A copy has the same
 * bits whatever way it is done.
 */
function fastSlice(shipped: KernelFunc) {
  return (args: KernelArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) return call(shipped, inputs, attrs, backend);
    const [begin, size] = backend_util.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]) as [number[], number[]];
    const shape = x.shape as number[];
    const out = backend.makeOutput(size, x.dtype);
    const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
    if (dst.length === 0) return out;
    // One copy (a run) per index of the axes before `axis`: the axes after it are taken whole, so
    // size[axis] of their blocks lie one after another.
    let axis = shape.length - 1;
    while (axis > 0 && size[axis] === shape[axis]) axis--;
    const run = size.slice(axis).reduce((a, b) => a * b, 1);
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const outer = size.slice(0, axis);
    const index = new Array<number>(axis).fill(0);
    for (let at = 0; at < dst.length; at += run) {
      let from = begin[axis]! * strides[axis]!;
      for (let i = 0; i < axis; i++) from += (begin[i]! + index[i]!) * strides[i]!;
      dst.set(src.subarray(from, from + run), at);
      for (let i = axis - 1; i >= 0; i--) {
        if (++index[i]! < outer[i]!) break;
        index[i] = 0;
      }
    }
    return out;
  };
}

let registered = false;

/**
 * Our kernel module's version of a kernel in front of `fallback`: the fallback
 * runs for what the module does not handle, for calls too large for its
 * memory, and for everything once the module has failed (one warning, then
 * the previous kernels, never a crash).
 */
function preferFast<Out extends TensorInfo | TensorInfo[]>(
  fast: (args: KernelArgs) => Out | undefined,
  fallback: (args: KernelArgs) => Out,
  health: KernelModule,
): (args: KernelArgs) => Out {
  return (args) => {
    if (!health.failed) {
      try {
        const out = fast(args);
        if (out) return out;
      } catch (e) {
        if (e instanceof ArenaFull) {
          // Too large for the module's memory: this call only goes to the fallback.
          if (!warnedArenaFull) process.emitWarning(`${e.message}; kernels this large use the slower kernels`, 'WsolKernels');
          warnedArenaFull = true;
        } else {
          health.failed = true;
          process.emitWarning(
            `wsol-run's kernel module failed (${e instanceof Error ? e.message : String(e)}); using the slower kernels from now on`,
            'WsolKernels',
          );
        }
      }
    }
    return fallback(args);
  };
}
let warnedArenaFull = false;

/**
 * Registers (or replaces) the training kernels on the wasm backend. Call after
 * `await tf.setBackend('wasm')`. With a kernel module, the hot kernels
 * (convolutions and their gradients, max-pool gradient, bias gradient) run on
 * it, the others as before.
 */
export function registerWasmTrainingKernels(mod?: KernelModule): void {
  if (registered) return;
  const native: NativeKernels = { conv2d: nativeKernel('Conv2D'), transpose: nativeKernel('Transpose'), slice: nativeKernel('Slice') };
  const shippedBackpropInput = nativeKernel('Conv2DBackpropInput');
  const shippedSum = nativeKernel('Sum');
  const kernels: [string, (args: KernelArgs) => TensorInfo][] = [
    ['Conv2DBackpropFilter', conv2dBackpropFilter(native)],
    ['Conv2DBackpropInput', conv2dBackpropInput(native, shippedBackpropInput)],
    ['MaxPoolGrad', maxPoolGrad],
    ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter],
    ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput],
    ['UnsortedSegmentSum', unsortedSegmentSum],
    ['Sum', sumLeadingAxes(shippedSum)],
    ['Slice', fastSlice(nativeKernel('Slice'))],
    ['Identity', shareData(nativeKernel('Identity'))],
    ['Cast', shareData(nativeKernel('Cast'))],
  ];
  if (mod) {
    const byName = new Map(kernels);
    const nativeFused = nativeKernel('FusedConv2D');
    const shippedMatMul = nativeKernel('BatchMatMul');
    const fastKernels: [string, FastKernel, (args: KernelArgs) => TensorInfo][] = [
      ['Conv2D', fast.conv2d(mod), (a) => call(native.conv2d, a.inputs, a.attrs, a.backend)],
      ['FusedConv2D', fast.conv2d(mod), (a) => call(nativeFused, a.inputs, a.attrs, a.backend)],
      ['Conv2DBackpropInput', fast.conv2dBackpropInput(mod), byName.get('Conv2DBackpropInput')!],
      ['Conv2DBackpropFilter', fast.conv2dBackpropFilter(mod), byName.get('Conv2DBackpropFilter')!],
      ['MaxPoolGrad', fast.maxPoolGrad(mod), maxPoolGrad],
      ['Sum', fast.sumLeadingAxes(mod), byName.get('Sum')!],
      ['BatchMatMul', fast.batchMatMul(mod), (a) => call(shippedMatMul, a.inputs, a.attrs, a.backend)],
    ];
    for (const [name, f, fallback] of fastKernels) byName.set(name, preferFast(f, fallback, mod));
    kernels.splice(0, kernels.length, ...byName);
  }
  // Batch norm in training: wsol-run's own kernels (no tfjs kernel does this), on the module when there is one.
  const moduleBatchNorm = mod && moduleBatchNormKernels(mod);
  const batchNorm: [string, (args: KernelArgs) => TensorInfo[]][] = (Object.keys(BATCH_NORM_KERNELS) as (keyof typeof BATCH_NORM_KERNELS)[]).map((k) => {
    const js = jsBatchNormKernels[k];
    return [BATCH_NORM_KERNELS[k], mod && moduleBatchNorm ? preferFast(moduleBatchNorm[k], js, mod) : js];
  });
  for (const [kernelName, fn] of [...kernels, ...batchNorm]) {
    // Replacing a shipped kernel needs the old registration gone first.
    if (getKernel(kernelName, 'wasm')) unregisterKernel(kernelName, 'wasm');
    registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as KernelFunc } as KernelConfig);
  }
  registered = true;
}
