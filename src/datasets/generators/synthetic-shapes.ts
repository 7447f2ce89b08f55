/**
 * Synthetic shapes: procedural classes, one per (shape, texture) pair, drawn
 * on a textured background. Colours are random per image, so only shape and
 * texture tell the classes apart, and the background's own texture keeps
 * "any edge" from being a shortcut. Several instances of the image's class
 * may appear (never overlapping); each gets a box (tight box of its visible
 * pixels) and the mask is their union.
 */
import { rng, type Rng } from '../../core/random.js';
import { maskBox } from '../boxes.js';
import type { SplitSample } from '../store.js';
import type { Box, SplitName } from '../types.js';

export const SHAPES = ['circle', 'square', 'triangle', 'cross', 'ring', 'star'] as const;
export const TEXTURES = ['solid', 'stripes', 'checker', 'dots'] as const;
/** A shape the synthetic-shapes generator can draw; with a texture it makes one class. */
export type Shape = (typeof SHAPES)[number];
/** A fill pattern the synthetic-shapes generator can give a shape; with the shape it makes one class. */
export type Texture = (typeof TEXTURES)[number];

/**
 * The parameters of a synthetic-shapes dataset: image side in pixels, images
 * per split, the shapes and textures that make the classes, instances, scale,
 * noise and seed.
 */
export interface SyntheticShapesOptions {
  size: number;
  counts: Record<SplitName, number>;
  shapes: readonly Shape[];
  textures: readonly Texture[];
  /** Range of instances per image. */
  instances: readonly [number, number];
  /** Range of an instance's diameter, as a fraction of the image side. */
  objectScale: readonly [number, number];
  /** Standard deviation of the pixel noise, in [0, 1] intensity units. */
  noise: number;
  seed: number;
}

/**
 * Augmentation facts of the artifact: colour images; a horizontal flip keeps every class. Each shape has a
 * mirror axis through its centre (the triangle's through its apex, the star's through a point, the others
 * several) and is drawn at a uniformly random rotation in [0, 2π), so its mirror image at any rotation is the
 * same shape at another rotation, a draw of the same class (checked for the triangle and star, the two
 * without a vertical axis at every angle); textures (stripes, checker, dots at a random angle) and the
 * value-noise background are mirror-symmetric in distribution too.
 */
export const SYNTHETIC_SHAPES_FACTS = { grey: false, flippable: true } as const;

export function shapeClassNames(o: Pick<SyntheticShapesOptions, 'shapes' | 'textures'>): string[] {
  return o.shapes.flatMap((s) => o.textures.map((t) => `${s}-${t}`));
}

type Rgb = [number, number, number];

/** Whether the point (u, v), in the instance's frame with radius 1, is inside the shape. */
function inside(shape: Shape, u: number, v: number): boolean {
  const rho = Math.hypot(u, v);
  switch (shape) {
    case 'circle':
      return rho <= 1;
    case 'square':
      return Math.max(Math.abs(u), Math.abs(v)) <= 0.72;
    case 'triangle': {
      // Equilateral, inscribed in the unit circle, apex up: three half-planes.
      const s = Math.sqrt(3) / 2;
      return v <= 0.5 && s * u - 0.5 * v >= -0.5 && -s * u - 0.5 * v >= -0.5;
    }
    case 'cross':
      return (Math.abs(u) <= 0.3 && Math.abs(v) <= 0.95) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 0.95);
    case 'ring':
      return rho <= 1 && rho >= 0.55;
    case 'star': {
      const phi = Math.atan2(v, u);
      const edge = 0.5 + 0.5 * Math.pow(Math.abs(Math.cos((5 * phi) / 2)), 2);
      return rho <= edge;
    }
  }
}

/** Which of two colours a texture shows at (x, y); `period` in pixels, `angle` its orientation. */
function textureBit(texture: Texture, x: number, y: number, period: number, angle: number): 0 | 1 {
  const a = (x * Math.cos(angle) + y * Math.sin(angle)) / period;
  const b = (-x * Math.sin(angle) + y * Math.cos(angle)) / period;
  switch (texture) {
    case 'solid':
      return 0;
    case 'stripes':
      return Math.floor(2 * a) % 2 === 0 ? 0 : 1;
    case 'checker':
      return (Math.floor(a) + Math.floor(b)) % 2 === 0 ? 0 : 1;
    case 'dots': {
      const da = a - Math.round(a);
      const db = b - Math.round(b);
      return Math.hypot(da, db) < 0.28 ? 1 : 0;
    }
  }
}

function randomColour(r: Rng): Rgb {
  return [r.next(), r.next(), r.next()];
}

/** A colour far enough (in RGB) from `avoid` to stay visible. */
function contrastingColour(r: Rng, avoid: readonly Rgb[]): Rgb {
  let best = randomColour(r);
  let bestDistance = -1;
  for (let attempt = 0; attempt < 8; attempt++) {
    const c = randomColour(r);
    const d = Math.min(...avoid.map((a) => Math.hypot(c[0] - a[0], c[1] - a[1], c[2] - a[2])));
    if (d > bestDistance) [best, bestDistance] = [c, d];
    if (d > 0.5) break;
  }
  return best;
}

/** Smooth value noise: a coarse random grid, bilinearly interpolated, in [0, 1]. */
function valueNoise(r: Rng, size: number, cells: number): Float32Array {
  const grid = Float32Array.from({ length: (cells + 1) * (cells + 1) }, () => r.next());
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const gy = (y / size) * cells;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < size; x++) {
      const gx = (x / size) * cells;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const g = (i: number, j: number): number => grid[(y0 + j) * (cells + 1) + x0 + i]!;
      out[y * size + x] = (g(0, 0) * (1 - fx) + g(1, 0) * fx) * (1 - fy) + (g(0, 1) * (1 - fx) + g(1, 1) * fx) * fy;
    }
  }
  return out;
}

interface Placed {
  cx: number;
  cy: number;
  radius: number;
}

function render(label: number, r: Rng, o: SyntheticShapesOptions): Omit<SplitSample, 'split' | 'id'> {
  const n = o.size;
  const shape = o.shapes[Math.floor(label / o.textures.length)]!;
  const texture = o.textures[label % o.textures.length]!;
  const bgA = randomColour(r);
  const bgB = randomColour(r);
  const noiseField = valueNoise(r, n, 4);
  const fine = valueNoise(r, n, Math.max(4, Math.round(n / 6)));
  const rgb = new Float32Array(n * n * 3);
  for (let i = 0; i < n * n; i++) {
    const t = 0.7 * noiseField[i]! + 0.3 * fine[i]!;
    for (let k = 0; k < 3; k++) rgb[3 * i + k] = bgA[k]! * (1 - t) + bgB[k]! * t;
  }
  const fgA = contrastingColour(r, [bgA, bgB]);
  const fgB = contrastingColour(r, [fgA]);
  const period = r.uniform(n / 14, n / 7);
  const angle = r.uniform(0, Math.PI);

  const wanted = o.instances[0] + r.int(o.instances[1] - o.instances[0] + 1);
  const placed: Placed[] = [];
  const mask = new Uint8Array(n * n);
  const boxes: Box[] = [];
  for (let k = 0; k < wanted; k++) {
    let spot: Placed | null = null;
    for (let attempt = 0; attempt < 30 && !spot; attempt++) {
      const radius = (r.uniform(o.objectScale[0], o.objectScale[1]) * n) / 2;
      const cx = r.uniform(radius, n - radius);
      const cy = r.uniform(radius, n - radius);
      if (placed.every((p) => Math.hypot(p.cx - cx, p.cy - cy) > p.radius + radius + 1)) spot = { cx, cy, radius };
    }
    if (!spot) break;
    placed.push(spot);
    const rotation = r.uniform(0, 2 * Math.PI);
    const [c, s] = [Math.cos(rotation), Math.sin(rotation)];
    const own = new Uint8Array(n * n);
    const [x0, x1] = [Math.max(0, Math.floor(spot.cx - spot.radius)), Math.min(n - 1, Math.ceil(spot.cx + spot.radius))];
    const [y0, y1] = [Math.max(0, Math.floor(spot.cy - spot.radius)), Math.min(n - 1, Math.ceil(spot.cy + spot.radius))];
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = (x + 0.5 - spot.cx) / spot.radius;
        const dy = (y + 0.5 - spot.cy) / spot.radius;
        if (!inside(shape, c * dx + s * dy, -s * dx + c * dy)) continue;
        own[y * n + x] = 1;
        mask[y * n + x] = 1;
        const colour = textureBit(texture, x, y, period, angle) ? fgB : fgA;
        for (let ch = 0; ch < 3; ch++) rgb[3 * (y * n + x) + ch] = colour[ch]!;
      }
    }
    const box = maskBox(own, n, n);
    if (box) boxes.push(box);
  }
  const image = new Uint8Array(n * n * 3);
  for (let i = 0; i < image.length; i++) image[i] = Math.round(Math.min(1, Math.max(0, rgb[i]! + o.noise * r.normal())) * 255);
  return { label, originalSize: { width: n, height: n }, boxes, image, mask };
}

/** Every split's samples, in order; image i of a split has class i mod classes (balanced) and draws from stream (seed, split, i). */
export function* syntheticShapes(o: SyntheticShapesOptions): Generator<SplitSample> {
  const classes = o.shapes.length * o.textures.length;
  for (const split of ['train', 'val', 'test'] as const) {
    for (let i = 0; i < o.counts[split]; i++) {
      const label = i % classes;
      yield { ...render(label, rng(o.seed, 'shapes', split, i), o), split, id: `${split}/${String(i).padStart(5, '0')}` };
    }
  }
}
