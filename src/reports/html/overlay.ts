/**
 * The pictures of a report: a localization map blended over its image in
 * the jet colour map (the convention of CAM figures), with the ground-truth
 * boxes in green and the predicted box in red, scaled to a thumbnail.
 */
import type { Box } from '../../core/geometry.js';
import { strokeBox, type Colour } from '../../image/draw.js';
import { createRaster, resizeNearest, type Raster } from '../../image/raster.js';

export const GT_COLOUR: Colour = [0, 200, 0];
export const PREDICTED_COLOUR: Colour = [230, 20, 20];

/** Jet at v in [0, 1] (clamped): dark blue, blue, cyan, yellow, red, dark red; 0-255 per channel. */
export function jet(v: number): Colour {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
  const channel = (centre: number): number => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * x - centre))));
  return [channel(3), channel(2), channel(1)];
}

/** RGB image with `map` (same width x height, values in [0, 1]) blended in jet at opacity `alpha`. */
export function blendMap(image: Raster, map: ArrayLike<number>, alpha: number): Raster {
  if (image.channels !== 3 || map.length !== image.width * image.height)
    throw new RangeError(`map of ${map.length} values for a ${image.width}x${image.height} RGB image`);
  const out = createRaster(image.width, image.height, 3);
  for (let i = 0; i < map.length; i++) {
    const c = jet(map[i]!);
    for (let k = 0; k < 3; k++) out.data[3 * i + k] = Math.round(image.data[3 * i + k]! * (1 - alpha) + c[k]! * alpha);
  }
  return out;
}

/** A box of the image's grid on a grid `scale` times as large (pixel corners stay inside their pixel). */
function scaled(box: Box, scale: number): Box {
  return [Math.floor(box[0] * scale), Math.floor(box[1] * scale), Math.floor((box[2] + 1) * scale) - 1, Math.floor((box[3] + 1) * scale) - 1];
}

/**
 * The overlay as shown: `image` (its grid is the evaluation grid) with the map,
 * resized so its longer side is `side` pixels (nearest neighbour, so boxes
 * stay crisp), then the boxes drawn two pixels wide on top.
 */
export function overlay(o: { image: Raster; map: ArrayLike<number> | null; gt: readonly Box[]; predicted: Box | null; side: number; alpha?: number }): Raster {
  const blended = o.map ? blendMap(o.image, o.map, o.alpha ?? 0.5) : o.image;
  const scale = o.side / Math.max(o.image.width, o.image.height);
  const width = Math.max(1, Math.round(o.image.width * scale));
  const height = Math.max(1, Math.round(o.image.height * scale));
  const out = resizeNearest(blended, width, height);
  for (const b of o.gt) strokeBox(out, scaled(b, width / o.image.width), GT_COLOUR, 2);
  if (o.predicted) strokeBox(out, scaled(o.predicted, width / o.image.width), PREDICTED_COLOUR, 2);
  return out;
}
