/**
 * Resizing score maps exactly as the reference does: OpenCV's
 * cv2.resize(map, size, interpolation=INTER_CUBIC) on a float32 map.
 * Reproduced facts of that implementation (checked against opencv-js in
 * test/evaluation/resize.test.ts):
 * - Keys' cubic kernel with a = -0.75, coefficients computed in float32;
 * - pixel-centre alignment: src = (dst + 0.5) * scale - 0.5, where
 *   scale = 1 / (dstSize / srcSize) in double, then rounded to float32;
 * - border pixels replicated (indices clamped);
 * - separable: a horizontal pass into float32 rows, then a vertical pass,
 *   each a left-to-right sum of four float32 products, rounded to float32
 *   after every operation;
 * - a map already at the target size is copied unchanged.
 */
const f = Math.fround;

/** The four cubic weights of fractional offset x (float32 arithmetic, as OpenCV's interpolateCubic). */
export function cubicWeights(x: number): [number, number, number, number] {
  const A = -0.75;
  const x1 = f(x + 1);
  const c0 = f(f(f(f(f(f(A * x1) - f(5 * A)) * x1) + f(8 * A)) * x1) - f(4 * A));
  const c1 = f(f(f(f(f(f(A + 2) * x) - f(A + 3)) * x) * x) + 1);
  const ox = f(1 - x);
  const c2 = f(f(f(f(f(f(A + 2) * ox) - f(A + 3)) * ox) * ox) + 1);
  const c3 = f(f(f(1 - c0) - c1) - c2);
  return [c0, c1, c2, c3];
}

interface AxisTable {
  /** Source index of tap k for output i: idx[4i + k], clamped to [0, n-1]. */
  idx: Int32Array;
  /** Weight of tap k for output i. */
  w: Float32Array;
}

function axisTable(srcLen: number, dstLen: number): AxisTable {
  const scale = 1 / (dstLen / srcLen);
  const idx = new Int32Array(dstLen * 4);
  const w = new Float32Array(dstLen * 4);
  for (let d = 0; d < dstLen; d++) {
    const fx = f((d + 0.5) * scale - 0.5);
    const s = Math.floor(fx);
    const weights = cubicWeights(f(fx - s));
    for (let k = 0; k < 4; k++) {
      idx[4 * d + k] = Math.min(Math.max(s - 1 + k, 0), srcLen - 1);
      w[4 * d + k] = weights[k];
    }
  }
  return { idx, w };
}

/** Bicubic resize of a row-major float32 map (OpenCV INTER_CUBIC semantics). */
export function resizeBicubic(src: Float32Array, width: number, height: number, outWidth: number, outHeight: number): Float32Array {
  if (src.length !== width * height) throw new RangeError(`map has ${src.length} values, expected ${width}x${height}`);
  if (width === outWidth && height === outHeight) return Float32Array.from(src);
  const tx = axisTable(width, outWidth);
  const ty = axisTable(height, outHeight);
  // Horizontal pass over every source row (the vertical pass reads them all).
  const rows = new Float32Array(height * outWidth);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    const out = y * outWidth;
    for (let x = 0; x < outWidth; x++) {
      const k = 4 * x;
      let v = f(src[base + tx.idx[k]!]! * tx.w[k]!);
      v = f(v + f(src[base + tx.idx[k + 1]!]! * tx.w[k + 1]!));
      v = f(v + f(src[base + tx.idx[k + 2]!]! * tx.w[k + 2]!));
      rows[out + x] = f(v + f(src[base + tx.idx[k + 3]!]! * tx.w[k + 3]!));
    }
  }
  const dst = new Float32Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    const k = 4 * y;
    const r0 = ty.idx[k]! * outWidth,
      r1 = ty.idx[k + 1]! * outWidth,
      r2 = ty.idx[k + 2]! * outWidth,
      r3 = ty.idx[k + 3]! * outWidth;
    const b0 = ty.w[k]!,
      b1 = ty.w[k + 1]!,
      b2 = ty.w[k + 2]!,
      b3 = ty.w[k + 3]!;
    const out = y * outWidth;
    for (let x = 0; x < outWidth; x++) {
      let v = f(rows[r0 + x]! * b0);
      v = f(v + f(rows[r1 + x]! * b1));
      v = f(v + f(rows[r2 + x]! * b2));
      dst[out + x] = f(v + f(rows[r3 + x]! * b3));
    }
  }
  return dst;
}

/**
 * Bilinear resize with pixel-centre alignment and replicated borders, in
 * double precision. STL's localization AP upsamples the map this way before
 * taking its maximum; it needs no bit-exact reference.
 */
export function resizeBilinear(src: Float32Array, width: number, height: number, outWidth: number, outHeight: number): Float32Array {
  if (width === outWidth && height === outHeight) return Float32Array.from(src);
  const dst = new Float32Array(outWidth * outHeight);
  const sx = width / outWidth;
  const sy = height / outHeight;
  for (let y = 0; y < outHeight; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy),
      y1 = Math.min(y0 + 1, height - 1),
      wy = fy - y0;
    for (let x = 0; x < outWidth; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
      const x0 = Math.floor(fx),
        x1 = Math.min(x0 + 1, width - 1),
        wx = fx - x0;
      const top = src[y0 * width + x0]! * (1 - wx) + src[y0 * width + x1]! * wx;
      const bottom = src[y1 * width + x0]! * (1 - wx) + src[y1 * width + x1]! * wx;
      dst[y * outWidth + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return dst;
}
