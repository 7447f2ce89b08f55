/**
 * DGL, dual-gradient localization (Tan et al., seed 003): training-free maps
 * at any convolutional layer S of a trained classifier.
 *
 *   G = ∂l_c/∂S                         pixel-level class selection (l_c: logit of the target class)
 *   E = ∂CE(softmax(l), α·onehot(c))/∂S  the gradient that would raise class c
 *   A = S/‖S‖ − E/‖E‖                   class-aware enhanced activation (norms over H, W and channels of one image)
 *   map = Σ_k G_k ⊙ A_k                  no ReLU; min-max normalised per image
 *
 * α scales E, and the l2 normalisation removes that scale: α > 0 changes
 * nothing (kept for fidelity with the paper, tested). Ablations:
 * `enhanced: false` (A = S) and `selection: "gradcam"` (G averaged over H
 * and W per channel, as Grad-CAM weights, without Grad-CAM's ReLU).
 *
 * The two gradients are two vector-Jacobian products from the logits
 * (cotangents onehot(c) and the CE gradient α·(softmax(l) − onehot(c))),
 * each one forward and one backward pass of the batch, and every requested
 * layer gets its gradients from those same passes through zero probes added
 * to its output (Backbone.applyProbed).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { JsonSchema } from '../../core/json.js';
import type { Tf } from '../../tensor/backends/init.js';
import type { Network } from '../../tensor/models/network.js';
import { oneHot } from '../losses.js';
import { defineMapMethod, layerOf, unknownLayer, type MapOptions } from './map-method.js';

type T4 = TfCore.Tensor4D;
type T3 = TfCore.Tensor3D;

/** DGL's params: the enhanced activation or plain S, pixel-level or Grad-CAM-style class selection, and α, the scale of E. */
export interface DglOptions {
  enhanced: boolean;
  selection: 'pixel' | 'gradcam';
  alpha: number;
}

/** DGL's params (maps/cam's `method: dgl` and sweep/dgl-layers share them). */
export const DGL_PARAM_SCHEMAS = {
  enhanced: { type: 'boolean', default: true, description: 'dgl: class-aware enhanced maps A = l2(S) − l2(∂CE/∂S) (false: A = S, the ablation).' },
  selection: {
    enum: ['pixel', 'gradcam'],
    default: 'pixel',
    description: 'dgl: pixel-level selection by ∂l_c/∂S (pixel), or its spatial mean per channel (gradcam, the ablation; no ReLU).',
  },
  alpha: {
    type: 'number',
    exclusiveMinimum: 0,
    default: 10,
    description: "dgl: scale α of the one-hot target in the enhanced map's cross-entropy (cancelled by the l2 normalisation).",
  },
  memoryMB: {
    type: 'integer',
    minimum: 16,
    default: 1024,
    description: 'dgl: memory a batch may take (activations, gradients and maps at every layer): the batch is the largest that fits, at most batchSize.',
  },
} as const;
export const DGL_PARAMS: Record<string, JsonSchema> = DGL_PARAM_SCHEMAS;

/** The DGL options out of maps/cam's merged params. */
export function dglOptions(o: MapOptions): DglOptions {
  return { enhanced: o.enhanced !== false, selection: o.selection === 'gradcam' ? 'gradcam' : 'pixel', alpha: typeof o.alpha === 'number' ? o.alpha : 10 };
}

/** The variant's name in artifacts: `dgl`, `dgl-plain` (A = S), `dgl-gradcam`, `dgl-plain-gradcam`. */
export function dglLabel(o: Pick<DglOptions, 'enhanced' | 'selection'>): string {
  return `dgl${o.enhanced ? '' : '-plain'}${o.selection === 'gradcam' ? '-gradcam' : ''}`;
}

/** Per-image l2 normalisation over H, W and channels (an all-zero activation stays zero). */
function l2Normalise(tf: Tf, t: T4): T4 {
  const norm = tf.sqrt(tf.sum(tf.square(t), [1, 2, 3], true));
  return tf.div(t, tf.maximum(norm, 1e-12)) as T4;
}

/** Per-image min-max normalisation to [0, 1] (a constant map becomes zeros). */
export function minMaxNormalise(tf: Tf, m: T3): T3 {
  const lo = tf.min(m, [1, 2], true);
  const range = tf.sub(tf.max(m, [1, 2], true), lo);
  return tf.div(tf.sub(m, lo), tf.maximum(range, 1e-12)) as T3;
}

/** The DGL map from one layer's activation S, class gradient G and enhancing gradient E (all [N, h, w, K]). */
export function dglFromGradients(tf: Tf, s: T4, g: T4, e: T4, o: DglOptions): T3 {
  const a = o.enhanced ? (tf.sub(l2Normalise(tf, s), l2Normalise(tf, e)) as T4) : s;
  const selection = o.selection === 'gradcam' ? tf.mean(g, [1, 2], true) : g;
  return minMaxNormalise(tf, tf.sum(tf.mul(selection, a), 3) as T3);
}

/** What DGL needs at one layer, from one forward and two backward passes (dglGradients): the activation and its two gradients. */
export interface LayerGradients {
  /** The activation S [N, h, w, K]. */
  s: T4;
  /** G = ∂l_c/∂S. */
  g: T4;
  /** E = ∂CE(softmax(l), α·onehot(c))/∂S. */
  e: T4;
}

/**
 * S, G and E at each of `layers` for the images x (in [0, 1]), with
 * `logits` the network's own logits of x (for the CE gradient) and
 * `classes` the target class per image. Call inside tf.tidy.
 */
export function dglGradients(
  tf: Tf,
  net: Network,
  x: T4,
  logits: TfCore.Tensor2D,
  classes: readonly number[],
  layers: readonly string[],
  alpha: number,
): Map<string, LayerGradients> {
  const input = net.input(x);
  const target = oneHot(tf, classes, net.config.classes);
  // ∂(−α·log softmax(l)_c)/∂l = α·(softmax(l) − onehot(c)).
  const ceGradient = tf.mul(tf.sub(tf.softmax(logits), target), alpha) as TfCore.Tensor2D;
  const shapes = new Map(net.backbone.stageShapes({ height: input.shape[1], width: input.shape[2] }).map((s) => [s.name, s.shape]));
  const probes = layers.map((l) => tf.zeros([x.shape[0], ...shapes.get(l)!]) as T4);
  const activations = new Map<string, T4>();
  const vjp = (cotangent: TfCore.Tensor2D, keep: boolean): T4[] =>
    tf.grads((...zs: TfCore.Tensor[]) => {
      const byName = new Map(layers.map((l, i) => [l, zs[i]!]));
      const seen = keep ? (name: string, h: TfCore.Tensor) => activations.set(name, tf.keep(h) as T4) : undefined;
      return net.applyHead(net.backbone.applyProbed(input, false, byName, seen) as T4, false).logits!;
    })(probes, cotangent) as T4[];
  // Two vector-Jacobian products from the logits, each a forward and a backward pass of the batch (as many
  // operations as one pass of the batch stacked twice, without the copies that stacking and splitting cost).
  const g = vjp(target, true);
  const e = vjp(ceGradient, false);
  const out = new Map<string, LayerGradients>();
  layers.forEach((layer, i) => {
    const kept = activations.get(layer)!;
    // A copy owned by the caller's tidy; the kept original is released here.
    const s = tf.clone(kept);
    kept.dispose();
    out.set(layer, { s, g: g[i]!, e: e[i]! });
  });
  return out;
}

/** DGL maps [N, h_l, w_l] at each of `layers` (see dglGradients). Call inside tf.tidy. */
export function dglLayerMaps(
  tf: Tf,
  net: Network,
  x: T4,
  logits: TfCore.Tensor2D,
  classes: readonly number[],
  layers: readonly string[],
  o: DglOptions,
): Map<string, T3> {
  const grads = dglGradients(tf, net, x, logits, classes, layers, o.alpha);
  return new Map(
    layers.map((layer) => {
      const { s, g, e } = grads.get(layer)!;
      return [layer, dglFromGradients(tf, s, g, e, o)];
    }),
  );
}

/**
 * Images per batch whose DGL passes at these layers fit in `memoryMB`: a
 * pass keeps every stage's output for the backward pass (×3 for what a
 * stage holds inside: convolution, batch norm and activation outputs; ×2
 * for the gradients flowing back), plus S, G, E and A at each swept layer.
 */
export function dglBatchLimit(net: Network, layers: readonly string[], memoryMB: number): number {
  const shapes = net.backbone.stageShapes(net.config.inputSize);
  const floats = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
  const all = shapes.reduce((sum, s) => sum + floats(s.shape), 0);
  const swept = shapes.filter((s) => layers.includes(s.name)).reduce((sum, s) => sum + floats(s.shape), 0);
  const bytesPerImage = 4 * (2 * 3 * all + 2 * 4 * swept);
  return Math.max(1, Math.floor((memoryMB * 2 ** 20) / bytesPerImage));
}

export const dglMethod = defineMapMethod({
  name: 'dgl',
  description: 'DGL at `layer` (empty = the last backbone layer): Σ_k ∂l_c/∂S_k ⊙ (l2(S) − l2(∂CE/∂S))_k, min-max normalised (enhanced, selection: ablations).',
  params: DGL_PARAMS,
  needs: ['logits'],
  label: (net, o) => `${dglLabel(dglOptions(o))}@${layerOf(net, o)}`,
  problem: unknownLayer,
  maxBatch: (net, o) => dglBatchLimit(net, [layerOf(net, o)], typeof o.memoryMB === 'number' ? o.memoryMB : 1024),
  compute: ({ tf, net, x, out, classes, options }) => {
    const layer = layerOf(net, options);
    return dglLayerMaps(tf, net, x, out.logits! as TfCore.Tensor2D, classes, [layer], dglOptions(options)).get(layer)!;
  },
});
