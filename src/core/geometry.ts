/** The geometry every layer speaks: image sizes and boxes. A leaf module. */

/** (x0, y0, x1, y1): inclusive pixel corners, wsolevaluation's convention. */
export type Box = readonly [number, number, number, number];

/** Width and height in pixels: of an image file, a dataset's stored grid, or a map. */
export interface ImageSize {
  width: number;
  height: number;
}
