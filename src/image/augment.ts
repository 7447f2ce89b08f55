/**
 * Augmentations as data. A sampled augmentation is a plain object (crop
 * rectangle, flip, colour factors), a pure function of a random stream, so a
 * trainer can log it, replay it, or apply the same geometry to tensors.
 *
 * Geometry. A spatial transform is an axis-aligned crop of the input,
 * resized to the output, then optionally mirrored left-right. The crop is in
 * fractions of the input's width and height, so one transform applies to an
 * image and to a map of any resolution (a CAM at 1/8 of the image). It may
 * extend beyond [0, 1] (zooming out): outside the input is padding (0).
 * Pixels are sampled at their centres: output pixel u of N looks at
 *   p = (u + 0.5) / N, mirrored p -> 1 - p, X = crop.x + p * crop.width,
 * i.e. input pixel coordinate X * W - 0.5 (bilinear, clamped to the edge
 * pixels), or pixel floor(X * W) (nearest).
 * The inverse maps a map of the transformed image back onto the original
 * grid with the inverse of that coordinate map; pixels whose centre falls
 * outside the crop were not seen, are set to 0, and are 0 in keptMask().
 * inverse(forward(m)) equals m exactly on keptMask with nearest sampling
 * whenever the transform enlarges (the crop, in pixels, is smaller than the
 * output: a random resized crop back to the stored size, zoom > 1) or keeps
 * the scale with whole-pixel offsets (flips, shifts); and, with bilinear, for
 * any transform on maps that are affine in x and y, away from the borders.
 * (At exactly scale 1 with a fractional offset, nearest sampling can tie.)
 *
 * Tensors: every transform is separable, out = R · in · Cᵀ per channel, with
 * R and C small dense matrices (forwardMatrices / inverseMatrices). Batched
 * matMuls apply exactly the geometry of forward() and inverse().
 */
import type { Rng } from './random.js';
import { sameKind, type Raster } from './raster.js';
import type { ImageSize } from '../datasets/types.js';

/** A rectangle in fractions of the input's width and height. */
export interface UnitRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SpatialTransform {
  crop: UnitRect;
  /** Mirror left-right after the crop. */
  flip: boolean;
}

export const COLOUR_OPS = ['brightness', 'contrast', 'saturation', 'hue'] as const;
export type ColourOp = (typeof COLOUR_OPS)[number];

/** torchvision ColorJitter semantics: factors 1 (and hue 0) change nothing. */
export interface ColourJitter {
  brightness: number;
  contrast: number;
  saturation: number;
  /** Hue shift in turns, in [-0.5, 0.5]. */
  hue: number;
  order: ColourOp[];
}

export interface Augmentation {
  spatial: SpatialTransform;
  colour: ColourJitter | null;
}

export interface AugmentParams {
  /** torchvision RandomResizedCrop: area fraction and aspect-ratio ranges. */
  randomResizedCrop?: { scale: [number, number]; ratio: [number, number] } | null;
  /** Probability of a horizontal flip. */
  flip?: number;
  /** Zoom factor range about the crop's centre (> 1 zooms in, < 1 zooms out with padding). */
  zoom?: [number, number] | null;
  /** Maximum changes, as torchvision: brightness/contrast/saturation factors in [1-b, 1+b], hue shift in [-h, h]. */
  colourJitter?: { brightness: number; contrast: number; saturation: number; hue: number } | null;
}

export type Interpolation = 'bilinear' | 'nearest';

export const IDENTITY: SpatialTransform = { crop: { x: 0, y: 0, width: 1, height: 1 }, flip: false };

// ------------------------------------------------------------------ sampling

/** torchvision's RandomResizedCrop in pixels (10 tries, then a centre crop with the ratio clamped), as a unit rectangle. */
function randomResizedCrop(r: Rng, size: ImageSize, scale: [number, number], ratio: [number, number]): UnitRect {
  const { width: W, height: H } = size;
  const area = W * H;
  const [lo, hi] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * r.uniform(scale[0], scale[1]);
    const aspect = Math.exp(r.uniform(lo, hi));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= W && h <= H) {
      const x = r.int(W - w + 1);
      const y = r.int(H - h + 1);
      return { x: x / W, y: y / H, width: w / W, height: h / H };
    }
  }
  const inRatio = W / H;
  let w = W;
  let h = H;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { x: Math.floor((W - w) / 2) / W, y: Math.floor((H - h) / 2) / H, width: w / W, height: h / H };
}

function sampleColour(r: Rng, j: NonNullable<AugmentParams['colourJitter']>): ColourJitter {
  const factor = (m: number): number => (m > 0 ? r.uniform(Math.max(0, 1 - m), 1 + m) : 1);
  const brightness = factor(j.brightness);
  const contrast = factor(j.contrast);
  const saturation = factor(j.saturation);
  const hue = j.hue > 0 ? r.uniform(-Math.min(j.hue, 0.5), Math.min(j.hue, 0.5)) : 0;
  return { brightness, contrast, saturation, hue, order: r.shuffle([...COLOUR_OPS]) };
}

/**
 * Draws one augmentation for an input of `size` from `r` (e.g.
 * rng(seed, epoch, imageIndex)): random resized crop, then zoom about the
 * crop's centre, then flip, then colour jitter. Same stream, same result.
 */
export function sampleAugmentation(params: AugmentParams, size: ImageSize, r: Rng): Augmentation {
  let crop: UnitRect = { ...IDENTITY.crop };
  if (params.randomResizedCrop) crop = randomResizedCrop(r, size, params.randomResizedCrop.scale, params.randomResizedCrop.ratio);
  if (params.zoom) {
    const z = r.uniform(params.zoom[0], params.zoom[1]);
    const cx = crop.x + crop.width / 2;
    const cy = crop.y + crop.height / 2;
    crop = { x: cx - crop.width / (2 * z), y: cy - crop.height / (2 * z), width: crop.width / z, height: crop.height / z };
  }
  const flip = params.flip ? r.chance(params.flip) : false;
  const colour = params.colourJitter ? sampleColour(r, params.colourJitter) : null;
  return { spatial: { crop, flip }, colour };
}

// ------------------------------------------------------------------ geometry

/** Per output index along one axis: two source taps and weights (w0 + w1 = 1), or invalid (padding / unseen). */
interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float32Array;
  valid: Uint8Array;
}

/**
 * `source(u)` gives, for output index u, the position in [0, 1] of the
 * source axis it looks at, or NaN when there is nothing there.
 */
function taps(outN: number, inN: number, source: (u: number) => number, interpolation: Interpolation): AxisTaps {
  const t: AxisTaps = { i0: new Int32Array(outN), i1: new Int32Array(outN), w1: new Float32Array(outN), valid: new Uint8Array(outN) };
  for (let u = 0; u < outN; u++) {
    const q = source(u);
    if (!(q >= 0 && q <= 1)) continue;
    t.valid[u] = 1;
    if (interpolation === 'nearest') {
      const i = Math.min(Math.floor(q * inN), inN - 1);
      t.i0[u] = t.i1[u] = i;
      continue;
    }
    const s = Math.min(Math.max(q * inN - 0.5, 0), inN - 1);
    const i0 = Math.floor(s);
    t.i0[u] = i0;
    t.i1[u] = Math.min(i0 + 1, inN - 1);
    t.w1[u] = s - i0;
  }
  return t;
}

/** Forward along x: output column u of outW -> input position. */
function forwardAxis(start: number, extent: number, flip: boolean, outN: number): (u: number) => number {
  return (u) => {
    let p = (u + 0.5) / outN;
    if (flip) p = 1 - p;
    return start + p * extent;
  };
}

/** Inverse along an axis: original-grid pixel x of outN -> position in the transformed map. */
function inverseAxis(start: number, extent: number, flip: boolean, outN: number): (x: number) => number {
  return (x) => {
    const p = ((x + 0.5) / outN - start) / extent;
    if (!(p >= 0 && p <= 1)) return NaN;
    return flip ? 1 - p : p;
  };
}

function resample<T extends Uint8Array | Float32Array>(src: Raster<T>, outW: number, outH: number, xs: AxisTaps, ys: AxisTaps, fill: number): Raster<T> {
  const c = src.channels;
  const out = sameKind(src.data, outW * outH * c);
  const round = src.data instanceof Uint8Array;
  for (let v = 0; v < outH; v++) {
    const y0 = ys.i0[v]!;
    const y1 = ys.i1[v]!;
    const wy = ys.w1[v]!;
    for (let u = 0; u < outW; u++) {
      const o = (v * outW + u) * c;
      if (!ys.valid[v] || !xs.valid[u]) {
        for (let k = 0; k < c; k++) out[o + k] = fill;
        continue;
      }
      const x0 = xs.i0[u]!;
      const x1 = xs.i1[u]!;
      const wx = xs.w1[u]!;
      for (let k = 0; k < c; k++) {
        const a = src.data[(y0 * src.width + x0) * c + k]!;
        const b = src.data[(y0 * src.width + x1) * c + k]!;
        const d = src.data[(y1 * src.width + x0) * c + k]!;
        const e = src.data[(y1 * src.width + x1) * c + k]!;
        const value = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
        out[o + k] = round ? Math.round(value) : value;
      }
    }
  }
  return { width: outW, height: outH, channels: c, data: out };
}

export interface ResampleOptions {
  interpolation?: Interpolation;
  /** Value of pixels with no source (padding when zoomed out; unseen pixels in the inverse). Default 0. */
  fill?: number;
}

/** Applies the transform to an image or map of any size, giving outW x outH. */
export function forward<T extends Uint8Array | Float32Array>(src: Raster<T>, t: SpatialTransform, outW: number, outH: number, options: ResampleOptions = {}): Raster<T> {
  const interp = options.interpolation ?? 'bilinear';
  const xs = taps(outW, src.width, forwardAxis(t.crop.x, t.crop.width, t.flip, outW), interp);
  const ys = taps(outH, src.height, forwardAxis(t.crop.y, t.crop.height, false, outH), interp);
  return resample(src, outW, outH, xs, ys, options.fill ?? 0);
}

/** Maps a map of the transformed image (any size) back onto the original image's grid at outW x outH. */
export function inverse<T extends Uint8Array | Float32Array>(map: Raster<T>, t: SpatialTransform, outW: number, outH: number, options: ResampleOptions = {}): Raster<T> {
  const interp = options.interpolation ?? 'bilinear';
  const xs = taps(outW, map.width, inverseAxis(t.crop.x, t.crop.width, t.flip, outW), interp);
  const ys = taps(outH, map.height, inverseAxis(t.crop.y, t.crop.height, false, outH), interp);
  return resample(map, outW, outH, xs, ys, options.fill ?? 0);
}

/** 1 where the original grid's pixel (at width x height) was kept by the transform (its centre lies inside the crop). */
export function keptMask(t: SpatialTransform, width: number, height: number): Uint8Array {
  const xs = taps(width, 1, inverseAxis(t.crop.x, t.crop.width, t.flip, width), 'nearest').valid;
  const ys = taps(height, 1, inverseAxis(t.crop.y, t.crop.height, false, height), 'nearest').valid;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) if (ys[y]) for (let x = 0; x < width; x++) out[y * width + x] = xs[x]!;
  return out;
}

/** Dense (outN x inN) matrix of one axis's taps, row-major. */
function axisMatrix(t: AxisTaps, inN: number): Float32Array {
  const n = t.valid.length;
  const m = new Float32Array(n * inN);
  for (let u = 0; u < n; u++) {
    if (!t.valid[u]) continue;
    m[u * inN + t.i0[u]!]! += 1 - t.w1[u]!;
    m[u * inN + t.i1[u]!]! += t.w1[u]!;
  }
  return m;
}

/** out = rows · in · colsᵀ per channel: rows is outH x inH, cols is outW x inW (row-major). */
export interface SeparableResample {
  rows: Float32Array;
  cols: Float32Array;
  outSize: ImageSize;
  inSize: ImageSize;
}

/** The matrices of forward() from an input of `inSize` to `outSize` (fill 0). */
export function forwardMatrices(t: SpatialTransform, inSize: ImageSize, outSize: ImageSize, interpolation: Interpolation = 'bilinear'): SeparableResample {
  const xs = taps(outSize.width, inSize.width, forwardAxis(t.crop.x, t.crop.width, t.flip, outSize.width), interpolation);
  const ys = taps(outSize.height, inSize.height, forwardAxis(t.crop.y, t.crop.height, false, outSize.height), interpolation);
  return { rows: axisMatrix(ys, inSize.height), cols: axisMatrix(xs, inSize.width), inSize, outSize };
}

/** The matrices of inverse() from a transformed map of `mapSize` to the original grid at `outSize` (fill 0). */
export function inverseMatrices(t: SpatialTransform, mapSize: ImageSize, outSize: ImageSize, interpolation: Interpolation = 'bilinear'): SeparableResample {
  const xs = taps(outSize.width, mapSize.width, inverseAxis(t.crop.x, t.crop.width, t.flip, outSize.width), interpolation);
  const ys = taps(outSize.height, mapSize.height, inverseAxis(t.crop.y, t.crop.height, false, outSize.height), interpolation);
  return { rows: axisMatrix(ys, mapSize.height), cols: axisMatrix(xs, mapSize.width), inSize: mapSize, outSize };
}

// ------------------------------------------------------------------ colour

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = ((g - b) / d) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h /= 6;
    if (h < 0) h += 1;
  }
  return [h, max === 0 ? 0 : d / max, max];
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

const grey = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;

/**
 * Colour jitter on RGB values in [0, 1] (HWC, 3 channels), in the sampled
 * order, as torchvision: brightness scales, contrast blends with the image's
 * mean grey level, saturation blends with each pixel's grey, hue rotates in
 * HSV; results are clamped to [0, 1]. Returns a new array. No geometry: maps
 * need no inverse for it.
 */
export function jitterColour(rgb: Float32Array, j: ColourJitter): Float32Array {
  if (rgb.length % 3 !== 0) throw new Error(`colour jitter needs RGB values (a multiple of 3), got ${rgb.length}`);
  const out = Float32Array.from(rgb);
  const n = out.length / 3;
  for (const op of j.order) {
    if (op === 'brightness' && j.brightness !== 1) {
      for (let i = 0; i < out.length; i++) out[i] = clamp01(out[i]! * j.brightness);
    } else if (op === 'contrast' && j.contrast !== 1) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += grey(out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!);
      const mean = sum / n;
      for (let i = 0; i < out.length; i++) out[i] = clamp01(j.contrast * out[i]! + (1 - j.contrast) * mean);
    } else if (op === 'saturation' && j.saturation !== 1) {
      for (let i = 0; i < n; i++) {
        const g = grey(out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!);
        for (let k = 0; k < 3; k++) out[3 * i + k] = clamp01(j.saturation * out[3 * i + k]! + (1 - j.saturation) * g);
      }
    } else if (op === 'hue' && j.hue !== 0) {
      for (let i = 0; i < n; i++) {
        const [h, s, v] = rgbToHsv(out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!);
        const rgbNew = hsvToRgb((((h + j.hue) % 1) + 1) % 1, s, v);
        out[3 * i] = rgbNew[0];
        out[3 * i + 1] = rgbNew[1];
        out[3 * i + 2] = rgbNew[2];
      }
    }
  }
  return out;
}

/** Spatial transform to outW x outH, then colour jitter: one training image (values in [0, 1]). */
export function applyAugmentation(image: Raster<Float32Array>, a: Augmentation, outW: number, outH: number): Raster<Float32Array> {
  const moved = forward(image, a.spatial, outW, outH);
  if (!a.colour || image.channels !== 3) return moved;
  return { ...moved, data: jitterColour(moved.data, a.colour) };
}
