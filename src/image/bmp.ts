/**
 * Windows BMP reading and writing. sharp (libvips) does not read BMP, and
 * GlaS ships its images and annotations as BMP, so this is our own decoder.
 *
 * Read: uncompressed 1/4/8-bit palette, 24-bit BGR and 32-bit BGRX/BGRA
 * (BI_RGB, or BI_BITFIELDS with byte-aligned masks), bottom-up (positive
 * height) and top-down (negative height), rows padded to 4 bytes; the
 * BITMAPCOREHEADER (12 bytes) and INFO/V4/V5 headers. RLE compression is
 * refused with a clear error. Write: 24-bit and 8-bit palette (for fixtures).
 */

/** A decoded BMP file: its size, RGB pixels, and palette indices for palette images. */
export interface BmpImage {
  width: number;
  height: number;
  /** RGB, row-major, top row first. */
  rgb: Uint8Array;
  /** Palette indices for palette images (GlaS annotations store gland numbers here), else null. */
  indices: Uint8Array | null;
}

export class BmpError extends Error {}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

/** Decodes a BMP file's bytes. Throws BmpError saying what is wrong. */
export function decodeBmp(buf: Uint8Array): BmpImage {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 26 || buf[0] !== 0x42 || buf[1] !== 0x4d) throw new BmpError('not a BMP file (no "BM" signature)');
  const dataOffset = dv.getUint32(10, true);
  const dibSize = dv.getUint32(14, true);
  let width: number;
  let rawHeight: number;
  let bpp: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  let paletteEntrySize = 4;
  if (dibSize === 12) {
    width = dv.getUint16(18, true);
    rawHeight = dv.getInt16(20, true);
    bpp = dv.getUint16(24, true);
    paletteEntrySize = 3;
  } else if (dibSize >= 40) {
    if (buf.length < 14 + 40) throw new BmpError('truncated BMP header');
    width = dv.getInt32(18, true);
    rawHeight = dv.getInt32(22, true);
    bpp = dv.getUint16(28, true);
    compression = dv.getUint32(30, true);
    colorsUsed = dv.getUint32(46, true);
  } else {
    throw new BmpError(`unsupported BMP header of ${dibSize} bytes`);
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new BmpError(`bad BMP size ${width}x${rawHeight}`);
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new BmpError(`compressed BMP (compression ${compression}: RLE or embedded JPEG/PNG) is not supported; save it uncompressed`);
  }

  // Channel masks for 32-bit images (24-bit is always BGR).
  let masks = [0x00ff0000, 0x0000ff00, 0x000000ff];
  if (compression !== BI_RGB) {
    if (bpp !== 32) throw new BmpError(`BI_BITFIELDS with ${bpp} bits per pixel is not supported (only 32)`);
    const at = dibSize >= 52 ? 14 + 40 : 14 + dibSize;
    if (buf.length < at + 12) throw new BmpError('truncated BMP bit masks');
    masks = [dv.getUint32(at, true), dv.getUint32(at + 4, true), dv.getUint32(at + 8, true)];
  }
  const shifts = masks.map((m) => {
    const s = Math.log2(m & -m);
    if (!Number.isInteger(s) || s % 8 !== 0 || m >>> s !== 0xff) throw new BmpError(`BMP bit mask 0x${m.toString(16)} is not one whole byte`);
    return s;
  });

  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    if (![1, 4, 8].includes(bpp)) throw new BmpError(`unsupported BMP depth ${bpp}`);
    const count = colorsUsed || 1 << bpp;
    const start = 14 + dibSize;
    if (start + count * paletteEntrySize > buf.length) throw new BmpError('truncated BMP palette');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < count; i++) {
      const p = start + i * paletteEntrySize;
      palette[3 * i] = buf[p + 2]!;
      palette[3 * i + 1] = buf[p + 1]!;
      palette[3 * i + 2] = buf[p]!;
    }
  } else if (bpp !== 24 && bpp !== 32) {
    throw new BmpError(`unsupported BMP depth ${bpp} (supported: 1, 4, 8, 24, 32 bits)`);
  }

  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new BmpError(`truncated BMP pixel data (${buf.length} bytes, need ${dataOffset + stride * height})`);
  const rgb = new Uint8Array(width * height * 3);
  const indices = palette ? new Uint8Array(width * height) : null;
  for (let row = 0; row < height; row++) {
    const y = topDown ? row : height - 1 - row;
    const src = dataOffset + row * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (palette) {
        const bit = x * bpp;
        const byte = buf[src + (bit >> 3)]!;
        const idx = bpp === 8 ? byte : (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        indices![y * width + x] = idx;
        rgb[o] = palette[3 * idx]!;
        rgb[o + 1] = palette[3 * idx + 1]!;
        rgb[o + 2] = palette[3 * idx + 2]!;
      } else if (bpp === 24) {
        const p = src + 3 * x;
        rgb[o] = buf[p + 2]!;
        rgb[o + 1] = buf[p + 1]!;
        rgb[o + 2] = buf[p]!;
      } else {
        const v = dv.getUint32(src + 4 * x, true);
        rgb[o] = (v >>> shifts[0]!) & 0xff;
        rgb[o + 1] = (v >>> shifts[1]!) & 0xff;
        rgb[o + 2] = (v >>> shifts[2]!) & 0xff;
      }
    }
  }
  return { width, height, rgb, indices };
}

function header(
  width: number,
  height: number,
  bpp: number,
  paletteSize: number,
  topDown: boolean,
): { bytes: Uint8Array; dv: DataView; stride: number; dataOffset: number } {
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const dataOffset = 14 + 40 + paletteSize * 4;
  const bytes = new Uint8Array(dataOffset + stride * height);
  const dv = new DataView(bytes.buffer);
  bytes[0] = 0x42;
  bytes[1] = 0x4d;
  dv.setUint32(2, bytes.length, true);
  dv.setUint32(10, dataOffset, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, width, true);
  dv.setInt32(22, topDown ? -height : height, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, bpp, true);
  dv.setUint32(30, BI_RGB, true);
  dv.setUint32(34, stride * height, true);
  dv.setInt32(38, 2835, true);
  dv.setInt32(42, 2835, true);
  dv.setUint32(46, paletteSize, true);
  return { bytes, dv, stride, dataOffset };
}

/** 24-bit BMP of an RGB buffer (row-major, top row first). */
export function encodeBmp24(width: number, height: number, rgb: Uint8Array, options: { topDown?: boolean } = {}): Uint8Array {
  const topDown = options.topDown ?? false;
  const { bytes, stride, dataOffset } = header(width, height, 24, 0, topDown);
  for (let row = 0; row < height; row++) {
    const y = topDown ? row : height - 1 - row;
    for (let x = 0; x < width; x++) {
      const p = dataOffset + row * stride + 3 * x;
      const o = (y * width + x) * 3;
      bytes[p] = rgb[o + 2]!;
      bytes[p + 1] = rgb[o + 1]!;
      bytes[p + 2] = rgb[o]!;
    }
  }
  return bytes;
}

/** 8-bit palette BMP: `indices` per pixel, `palette` as RGB triples (a grey ramp by default). */
export function encodeBmp8(width: number, height: number, indices: Uint8Array, options: { topDown?: boolean; palette?: Uint8Array } = {}): Uint8Array {
  const topDown = options.topDown ?? false;
  const palette = options.palette ?? Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3));
  const entries = palette.length / 3;
  const { bytes, stride, dataOffset } = header(width, height, 8, entries, topDown);
  for (let i = 0; i < entries; i++) {
    bytes[54 + 4 * i] = palette[3 * i + 2]!;
    bytes[54 + 4 * i + 1] = palette[3 * i + 1]!;
    bytes[54 + 4 * i + 2] = palette[3 * i]!;
  }
  for (let row = 0; row < height; row++) {
    const y = topDown ? row : height - 1 - row;
    bytes.set(indices.subarray(y * width, (y + 1) * width), dataOffset + row * stride);
  }
  return bytes;
}
