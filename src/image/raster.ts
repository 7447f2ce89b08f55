/** Plain pixel buffers (row-major, interleaved channels) and the resampling the loaders need. */

/** A pixel buffer, row-major with interleaved channels: uint8 for images and masks, float32 for the generators' bilinear resampling. */
export interface Raster<T extends Uint8Array | Float32Array = Uint8Array> {
  width: number;
  height: number;
  channels: number;
  data: T;
}

export function createRaster(width: number, height: number, channels: number): Raster {
  return { width, height, channels, data: new Uint8Array(width * height * channels) };
}

/**
 * The source index of every destination index under OpenCV's INTER_NEAREST
 * (cv::resize with an explicit dsize, the call wsolevaluation makes for
 * masks). OpenCV does not compute floor(x * src / dst) in integers: it stores
 * the scale dst / src as a double, inverts it, and floors x times that
 * inverse, clamped to the last source index. The two roundings make some
 * indices one lower than the exact quotient (36 -> 224: x = 168 reads 26, not
 * 27), so the doubles are reproduced step for step here; JavaScript numbers
 * are IEEE doubles like OpenCV's, so the results are the same bits.
 */
export function nearestSourceIndices(srcSize: number, dstSize: number): Int32Array {
  const scale = dstSize / srcSize;
  const inverse = 1 / scale;
  const out = new Int32Array(dstSize);
  for (let x = 0; x < dstSize; x++) out[x] = Math.min(Math.floor(x * inverse), srcSize - 1);
  return out;
}

/**
 * Nearest-neighbour resize with OpenCV's INTER_NEAREST arithmetic
 * (nearestSourceIndices), so masks stored at a given size hold exactly the
 * pixels wsolevaluation's cv2.resize would read.
 */
export function resizeNearest<T extends Uint8Array | Float32Array>(src: Raster<T>, width: number, height: number): Raster<T> {
  const { channels: c } = src;
  const data = sameKind(src.data, width * height * c);
  const xs = nearestSourceIndices(src.width, width);
  const ys = nearestSourceIndices(src.height, height);
  for (let y = 0; y < height; y++) {
    const srow = ys[y]! * src.width;
    for (let x = 0; x < width; x++) {
      const si = (srow + xs[x]!) * c;
      const di = (y * width + x) * c;
      for (let k = 0; k < c; k++) data[di + k] = src.data[si + k]!;
    }
  }
  return { width, height, channels: c, data };
}

/** A zeroed array of the same element type (a Buffer counts as a Uint8Array). */
export function sameKind<T extends Uint8Array | Float32Array>(like: T, length: number): T {
  return (like instanceof Float32Array ? new Float32Array(length) : new Uint8Array(length)) as T;
}

/** Bilinear resize of a float raster with half-pixel centres (edges clamp). Used for small patches (MNIST digits). */
export function resizeBilinear(src: Raster<Float32Array>, width: number, height: number): Raster<Float32Array> {
  const c = src.channels;
  const out = new Float32Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max(((y + 0.5) * src.height) / height - 0.5, 0), src.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, src.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max(((x + 0.5) * src.width) / width - 0.5, 0), src.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, src.width - 1);
      const wx = fx - x0;
      for (let k = 0; k < c; k++) {
        const v00 = src.data[(y0 * src.width + x0) * c + k]!;
        const v01 = src.data[(y0 * src.width + x1) * c + k]!;
        const v10 = src.data[(y1 * src.width + x0) * c + k]!;
        const v11 = src.data[(y1 * src.width + x1) * c + k]!;
        out[(y * width + x) * c + k] = (v00 * (1 - wx) + v01 * wx) * (1 - wy) + (v10 * (1 - wx) + v11 * wx) * wy;
      }
    }
  }
  return { width, height, channels: c, data: out };
}

/** Grey (1 channel) to RGB by repeating the value. */
export function greyToRgb(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length * 3);
  for (let i = 0; i < grey.length; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = grey[i]!;
  return out;
}
