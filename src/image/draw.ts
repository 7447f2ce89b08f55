/** Drawing on RGB rasters, for dataset previews: mask tints, box outlines, contact sheets. */
import { createRaster, type Raster } from './raster.js';
import type { Box } from '../core/geometry.js';

/** An RGB colour, each channel 0..255, for preview tints and box outlines. */
export type Colour = readonly [number, number, number];

/** Blends `colour` into the pixels where `mask` is non-zero (same width x height), with opacity `alpha`. */
export function tint(image: Raster, mask: Uint8Array, colour: Colour, alpha: number): void {
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    for (let k = 0; k < 3; k++) image.data[3 * i + k] = Math.round(image.data[3 * i + k]! * (1 - alpha) + colour[k]! * alpha);
  }
}

/** Outline of an inclusive box (pixel corners), clipped to the image. */
export function strokeBox(image: Raster, box: Box, colour: Colour, thickness = 1): void {
  const [x0, y0, x1, y1] = box.map(Math.round) as [number, number, number, number];
  const put = (x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
    const o = 3 * (y * image.width + x);
    image.data[o] = colour[0];
    image.data[o + 1] = colour[1];
    image.data[o + 2] = colour[2];
  };
  for (let t = 0; t < thickness; t++) {
    for (let x = x0; x <= x1; x++) {
      put(x, y0 + t);
      put(x, y1 - t);
    }
    for (let y = y0; y <= y1; y++) {
      put(x0 + t, y);
      put(x1 - t, y);
    }
  }
}

/** Box from a grid of `from` pixels to a grid scaled by `scale` (a pixel becomes a scale x scale block). */
export function scaleBox(box: Box, scaleX: number, scaleY: number): Box {
  return [Math.floor(box[0] * scaleX), Math.floor(box[1] * scaleY), Math.ceil((box[2] + 1) * scaleX) - 1, Math.ceil((box[3] + 1) * scaleY) - 1];
}

/** Tiles equally sized RGB cells into a grid, `gap` pixels apart, on `background`. */
export function contactSheet(cells: readonly Raster[], columns: number, gap: number, background: Colour): Raster {
  if (cells.length === 0) throw new Error('a contact sheet needs at least one image');
  const { width: cw, height: ch } = cells[0]!;
  const rows = Math.ceil(cells.length / columns);
  const sheet = createRaster(columns * cw + (columns + 1) * gap, rows * ch + (rows + 1) * gap, 3);
  for (let i = 0; i < sheet.width * sheet.height; i++) sheet.data.set(background, 3 * i);
  cells.forEach((cell, k) => {
    if (cell.width !== cw || cell.height !== ch || cell.channels !== 3) throw new Error('contact sheet cells must be RGB and of one size');
    const ox = gap + (k % columns) * (cw + gap);
    const oy = gap + Math.floor(k / columns) * (ch + gap);
    for (let y = 0; y < ch; y++) sheet.data.set(cell.data.subarray(y * cw * 3, (y + 1) * cw * 3), 3 * ((oy + y) * sheet.width + ox));
  });
  return sheet;
}
