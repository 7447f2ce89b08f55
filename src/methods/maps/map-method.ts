/**
 * A localization-map method: how a trained network's forward pass (and,
 * for gradient methods, its backward pass) becomes one map per image at
 * some layer's resolution. Each method is one module exporting a
 * MapMethod, registered in registry.ts (or by a plugin); maps/cam runs any
 * of them, and a trainer names the one its model is read with.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { JsonObject, JsonSchema } from '../../core/json.js';
import type { Tf } from '../../tensor/backends/init.js';
import type { HeadCapability } from '../../tensor/models/heads/head.js';
import type { Network, NetworkOutput } from '../../tensor/models/network.js';

/** The options every method gets (maps/cam's shared params) plus the method's own params. */
export interface MapOptions extends JsonObject {
  /** Classes averaged by top-K methods. */
  topK: number;
  /** Backbone layer the map is taken at (empty = the method's default, usually the last). */
  layer: string;
  /** Whose class map: the ground truth (GT-known) or the top-1 prediction. */
  target: 'gt' | 'predicted';
}

/** What a map method's compute gets for one batch: the network, the images, its forward pass, the class per image and the options. */
export interface MapRequest {
  tf: Tf;
  net: Network;
  /** The images in [0, 1], NHWC. */
  x: TfCore.Tensor4D;
  /** The network's forward pass of x (inference mode). */
  out: NetworkOutput;
  /** The class whose map is wanted, per image (ground truth or prediction, per `target`). */
  classes: readonly number[];
  options: MapOptions;
}

/**
 * A localization-map method (CAM, Grad-CAM, DGL, ACAM…) as maps/cam runs it:
 * its params, what it needs of the head, its label, and how it computes maps.
 */
export interface MapMethod {
  name: string;
  description: string;
  /** Params this method adds to maps/cam (besides topK, layer, target), with defaults. */
  params: Record<string, JsonSchema>;
  /** What the network's head must provide. */
  needs: readonly HeadCapability[];
  /** The same map whatever the class (SLT-Net's top-K ACAM): evaluated class-agnostically. */
  agnostic?: boolean;
  /** The method as recorded in the maps artifact, e.g. `acam-top3`, `gradcam@conv3`. */
  label(net: Network, options: MapOptions): string;
  /** Problems the user can fix before any map is computed (e.g. an unknown layer), as [message, hint]. */
  problem?(net: Network, options: MapOptions): [string, string] | undefined;
  /** The most images one batch may hold (memory-bound methods); maps/cam's batchSize applies below it. */
  maxBatch?(net: Network, options: MapOptions): number;
  /** Maps [N, h, w] at the method's layer resolution (called inside tf.tidy). */
  compute(r: MapRequest): TfCore.Tensor3D;
}

/**
 * A method label starting with this marks score maps: at the dataset's image size and in [0, 1]
 * already, so the evaluator's `auto` preprocessing takes them as they are (as maps imported from .npy).
 */
export const SCOREMAP_LABEL_PREFIX = 'scoremaps:';

export function defineMapMethod(method: MapMethod): MapMethod {
  return method;
}

/** The backbone layer a layer-based method uses: the named one, or the last. */
export function layerOf(net: Network, options: MapOptions): string {
  return options.layer || net.backbone.stageNames().at(-1)!;
}

/** The check layer-based methods share: the layer exists in the model's backbone. */
export function unknownLayer(net: Network, options: MapOptions): [string, string] | undefined {
  if (!options.layer || net.backbone.stageNames().includes(options.layer)) return undefined;
  return [`layer ${options.layer} is not in the model's backbone`, `layers: ${net.backbone.stageNames().join(', ')}`];
}
