/**
 * SLT-Net's visual stimuli for the tolerance loss, on tensors: colour jitter
 * (brightness, contrast, saturation, hue), horizontal flip and scale, drawn
 * per batch from a seeded stream. The spatial part has an exact inverse for
 * class maps: undo the flip, resize the map back to the original map grid.
 * Colour jitter needs no inverse (it does not move pixels).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { FromSchema } from 'json-schema-to-ts';
import type { Tf } from '../tensor/backends/init.js';
import { flips } from './augment.js';
import { resampleBilinear } from './resample.js';

type T4 = TfCore.Tensor4D;

/** The stimuli's settings (a node param; the type derives from it). */
export const vstStimuliSchema = {
  type: 'object',
  properties: {
    flip: { enum: ['auto', true, false], default: 'auto', description: 'Flip stimulus: auto = where the dataset says its images may be flipped (not digits).' },
    scales: {
      type: 'array',
      items: { type: 'number', exclusiveMinimum: 0 },
      minItems: 1,
      default: [0.75, 1, 1.25],
      description: 'Input side multipliers to draw from (1 = no scaling); each scaled side is rounded to a multiple of the network stride.',
    },
    brightness: { type: 'number', minimum: 0, default: 0.3 },
    contrast: { type: 'number', minimum: 0, default: 0.3 },
    saturation: { type: 'number', minimum: 0, default: 0.3 },
    hue: { type: 'number', minimum: 0, maximum: 0.5, default: 0.05, description: 'Maximum hue rotation as a fraction of a full turn (0.5 = any hue).' },
  },
  additionalProperties: false,
  default: {},
  description: 'Transforms of the VST loss: flip, scales (input side multipliers), colour jitter amounts.',
} as const;

/** The visual-stimuli params of SLT-Net's tolerance loss as their schema gives them: flip, input scales and colour jitter amounts. */
export type VstParams = FromSchema<typeof vstStimuliSchema>;

/** One batch's draw of visual stimuli (drawVst): the flip, the scaled input size, and each example's colour jitter factors. */
export interface VstDraw {
  flip: boolean;
  /** Scaled input side (height, width). */
  size: [number, number];
  /** Per-example factors. */
  brightness: number[];
  contrast: number[];
  saturation: number[];
  hue: number[];
}

export function drawVst(p: VstParams, n: number, height: number, width: number, stride: number, random: () => number, flippable = true): VstDraw {
  const scale = p.scales[Math.floor(random() * p.scales.length)] ?? 1;
  const round = (v: number): number => Math.max(stride, Math.round((v * scale) / stride) * stride);
  const factor = (amount: number): number[] => Array.from({ length: n }, () => 1 + (random() * 2 - 1) * amount);
  return {
    flip: flips(p, flippable) && random() < 0.5,
    size: [round(height), round(width)],
    brightness: factor(p.brightness),
    contrast: factor(p.contrast),
    saturation: factor(p.saturation),
    hue: Array.from({ length: n }, () => (random() * 2 - 1) * p.hue),
  };
}

/** Applies the drawn transform to an NHWC batch in [0, 1]. */
export function applyVst(tf: Tf, x: T4, d: VstDraw): T4 {
  const n = x.shape[0];
  const col = (v: number[]): TfCore.Tensor => tf.tensor4d(v, [n, 1, 1, 1]);
  let y: TfCore.Tensor = tf.mul(x, col(d.brightness));
  const mean = tf.mean(y, [1, 2, 3], true);
  y = tf.add(tf.mul(tf.sub(y, mean), col(d.contrast)), mean);
  if (x.shape[3] === 3) {
    const grey = tf.sum(tf.mul(y, tf.tensor1d([0.299, 0.587, 0.114])), 3, true);
    y = tf.add(tf.mul(tf.sub(y, grey), col(d.saturation)), grey);
    y = rotateHue(tf, y as T4, d.hue);
  }
  y = tf.clipByValue(y, 0, 1);
  if (d.flip) y = tf.reverse(y, 2);
  if (d.size[0] !== x.shape[1] || d.size[1] !== x.shape[2]) y = resampleBilinear(tf, y as T4, d.size);
  return y as T4;
}

/** Maps class maps of the transformed image [N, h', w', C] back onto the original map grid [N, h, w, C]. */
export function invertVstMaps(tf: Tf, maps: T4, d: VstDraw, height: number, width: number): T4 {
  let m: T4 = maps;
  if (m.shape[1] !== height || m.shape[2] !== width) m = resampleBilinear(tf, m, [height, width]);
  if (d.flip) m = tf.reverse(m, 2) as T4;
  return m;
}

/** Hue rotation per example in YIQ space (a rotation of the I/Q chroma plane). */
function rotateHue(tf: Tf, x: T4, turns: number[]): T4 {
  const [n, h, w] = x.shape;
  const toYiq = [
    [0.299, 0.587, 0.114],
    [0.596, -0.274, -0.322],
    [0.211, -0.523, 0.312],
  ];
  const toRgb = [
    [1, 0.956, 0.621],
    [1, -0.272, -0.647],
    [1, -1.106, 1.703],
  ];
  const matrices: number[] = [];
  for (const t of turns) {
    const c = Math.cos(2 * Math.PI * t);
    const s = Math.sin(2 * Math.PI * t);
    const rot = [
      [1, 0, 0],
      [0, c, -s],
      [0, s, c],
    ];
    const m = mul3(toRgb, mul3(rot, toYiq));
    // Row-vector convention: pixel [1x3] · mᵀ.
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) matrices.push(m[j]![i]!);
  }
  const flat = tf.reshape(x, [n, h * w, 3]) as TfCore.Tensor3D;
  return tf.reshape(tf.matMul(flat, tf.tensor3d(matrices, [n, 3, 3])), [n, h, w, 3]) as T4;
}

function mul3(a: number[][], b: number[][]): number[][] {
  return a.map((row) => [0, 1, 2].map((j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}
