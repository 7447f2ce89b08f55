import { existsSync } from 'node:fs';
/**
 * Reading image files from disk: decode + resize in one sharp (libvips)
 * pipeline for JPEG/PNG/…, our own decoder for BMP (src/image/bmp.ts).
 * Images come out as RGB uint8 at the requested size; label images (masks,
 * annotations) come out as one grey/index value per pixel at original size,
 * so the caller decides what foreground means and resizes with nearest.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharpModule from 'sharp';
import { BmpError, decodeBmp } from './bmp.js';
import type { ImageSize } from '../core/geometry.js';
import { ImageReadError } from '../core/errors.js';

const sharp = sharpModule;
// Each file is read once; libvips's operation cache would only hold memory.
sharp.cache(false);

/** An image file decoded and resized to the requested size, as RGB bytes, with its size before resizing. */
export interface ResizedImage {
  originalSize: ImageSize;
  /** size.height x size.width x 3, RGB. */
  rgb: Uint8Array;
}

/** A mask or annotation file decoded at its original size: one grey level or palette index per pixel. */
export interface LabelImage {
  width: number;
  height: number;
  /** One value per pixel: grey level, or palette index for palette BMPs. */
  values: Uint8Array;
}

function isBmp(path: string): boolean {
  return extname(path).toLowerCase() === '.bmp';
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageReadError(path, code ?? String(e), code === 'ENOENT');
  }
}

async function readBmp(path: string): Promise<ReturnType<typeof decodeBmp>> {
  const bytes = await readBytes(path);
  try {
    return decodeBmp(bytes);
  } catch (e) {
    if (e instanceof BmpError) throw new ImageReadError(path, e.message, false);
    throw e;
  }
}

function sharpFailure(path: string, e: unknown): ImageReadError {
  const message = e instanceof Error ? e.message : String(e);
  // Ask the file system, not sharp's message: libvips does not always report a missing file as missing.
  return new ImageReadError(path, message, !existsSync(path));
}

/** Decodes `path` and resizes it to `size` (aspect ratio not kept, as wsolevaluation does), RGB. */
export async function readImageResized(path: string, size: ImageSize): Promise<ResizedImage> {
  if (isBmp(path)) {
    const bmp = await readBmp(path);
    const rgb = await sharp(bmp.rgb, { raw: { width: bmp.width, height: bmp.height, channels: 3 } })
      .resize(size.width, size.height, { fit: 'fill' })
      .raw()
      .toBuffer();
    return { originalSize: { width: bmp.width, height: bmp.height }, rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength) };
  }
  try {
    const image = sharp(path, { failOn: 'warning' });
    const meta = await image.metadata();
    if (!meta.width || !meta.height) throw new Error('no width/height in the header');
    // Orientation is deliberately not applied: annotation coordinates refer to the stored pixels.
    const { data, info } = await image
      .removeAlpha()
      .toColourspace('srgb')
      .resize(size.width, size.height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { originalSize: { width: meta.width, height: meta.height }, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    throw sharpFailure(path, e);
  }
}

/** Decodes a label image (mask, annotation) at its original size, one value per pixel. */
export async function readLabelImage(path: string): Promise<LabelImage> {
  if (isBmp(path)) {
    const bmp = await readBmp(path);
    let values = bmp.indices;
    if (!values) {
      values = new Uint8Array(bmp.width * bmp.height);
      for (let i = 0; i < values.length; i++) values[i] = bmp.rgb[3 * i]!;
    }
    return { width: bmp.width, height: bmp.height, values };
  }
  try {
    const { data, info } = await sharp(path, { failOn: 'warning' }).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, values: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    throw sharpFailure(path, e);
  }
}

/** Encodes RGB (or grey) pixels as PNG. */
export async function encodePng(width: number, height: number, channels: 1 | 3, data: Uint8Array): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels } }).png({ compressionLevel: 6 }).toBuffer();
}

/** Encodes RGB pixels as JPEG (fixtures, benchmarks). */
export async function encodeJpeg(width: number, height: number, data: Uint8Array, quality = 90): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}
