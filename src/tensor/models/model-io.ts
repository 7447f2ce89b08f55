/**
 * Saving a trained network as a `model` artifact and loading it back, and
 * loading pretrained weights from a tfjs LayersModel directory (model.json +
 * binary shards, e.g. Keras' VGG16 converted with tensorflowjs_converter)
 * straight from disk, without tfjs-node's file handlers.
 *
 * A model artifact is itself tfjs-shaped: model.json carries a standard
 * `weightsManifest` next to our NetworkConfig, and weights.bin the data.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../backends/init.js';
import { buildNetwork, type Network, type NetworkConfig } from './network.js';
import type { JsonObject } from '../../core/json.js';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/**
 * The contents of a model artifact's model.json (version 1): the network
 * config, class names, the trainer, its log, its map, and the weights
 * manifest.
 */
export interface ModelDescription {
  format: 'wsol-run-model';
  version: 1;
  network: NetworkConfig;
  classNames: string[];
  /** Node type that trained it, e.g. `train/classifier`. */
  trainedBy: string;
  /** Per-epoch training log and anything else the trainer records. */
  training: JsonObject;
  /** The localization map the method defines (maps/cam's `auto`): a map method's name and the options it is read with (e.g. SLT-Net's top-K ACAM with its topK). */
  localizationMap?: { method: string; options: JsonObject };
  weightsManifest: { paths: string[]; weights: TfCore.io.WeightsManifestEntry[] }[];
}

export async function saveModel(
  dir: string,
  net: Network,
  meta: Pick<ModelDescription, 'classNames' | 'trainedBy' | 'training' | 'localizationMap'>,
): Promise<void> {
  const tf = net.tf;
  const named = net.params.snapshot();
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(await new Blob(data).arrayBuffer());
  await writeFile(join(dir, WEIGHTS_FILE), bytes);
  const description: ModelDescription = {
    format: 'wsol-run-model',
    version: 1,
    network: net.config,
    ...meta,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  await writeFile(join(dir, MODEL_FILE), JSON.stringify(description, null, 1));
}

export async function readModelDescription(dir: string): Promise<ModelDescription> {
  const file = join(dir, MODEL_FILE);
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ModelDescription>;
  if (parsed.format !== 'wsol-run-model' || parsed.version !== 1 || !parsed.network)
    throw new Error(`${file} is not a wsol-run model (format wsol-run-model, version 1)`);
  return parsed as ModelDescription;
}

/** Rebuilds a saved network with its trained weights. */
export async function loadModel(tf: Tf, dir: string): Promise<{ net: Network; description: ModelDescription }> {
  const description = await readModelDescription(dir);
  const net = buildNetwork(tf, description.network, 0);
  const weights = await readWeights(tf, dir, description.weightsManifest);
  try {
    const { unused } = net.params.assign(weights);
    const missing = net.params.names().filter((n) => !(n in weights));
    if (unused.length || missing.length)
      throw new Error(
        `${join(dir, MODEL_FILE)} does not match its network: unused weights ${unused.join(', ') || 'none'}, missing ${missing.join(', ') || 'none'}`,
      );
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
  return { net, description };
}

/** What loadPretrainedWeights did: the parameters assigned, the file's weights left unused, and the parameters it did not provide. */
export interface PretrainedReport {
  assigned: string[];
  /** Weights in the file with no parameter of that name (e.g. a classifier's fc layers). */
  unused: string[];
  /** Parameters the file did not provide: they keep their initialisation. */
  untouched: string[];
}

/**
 * Copies weights from a tfjs LayersModel directory (or a wsol-run model
 * artifact) into `net` by layer name. A weight named `vgg16/block1_conv1/kernel`
 * or `block1_conv1/kernel_1` still finds `block1_conv1/kernel`.
 */
export async function loadPretrainedWeights(
  tf: Tf,
  net: Network,
  dir: string,
  /** Maps a stored weight name to ours first (e.g. Keras 2.2 names to Keras 2.3+), null for no counterpart. */
  rename?: (stored: string) => string | null,
): Promise<PretrainedReport> {
  const file = join(dir, MODEL_FILE);
  if (!existsSync(file))
    throw new Error(
      `no ${MODEL_FILE} in ${dir}: expected a tfjs LayersModel directory (model.json + weight shards, as written by tensorflowjs_converter --output_format tfjs_layers_model) or a wsol-run model artifact`,
    );
  let manifest: { paths: string[]; weights: TfCore.io.WeightsManifestEntry[] }[];
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { weightsManifest?: typeof manifest };
    if (!Array.isArray(parsed.weightsManifest)) throw new Error('it has no weightsManifest');
    manifest = parsed.weightsManifest;
  } catch (e) {
    throw new Error(`${file} is not a tfjs model: ${e instanceof Error ? e.message : String(e)}`);
  }
  const weights = await readWeights(tf, dir, manifest);
  const known = new Set(net.params.names());
  try {
    // Backbone weights must fit; a head of another task (e.g. 10 classes where the new one has 100) is initialised fresh.
    const { assigned, unused } = net.params.assign(
      weights,
      (name) => matchParamName(rename?.(name) ?? name, known),
      (name) => !net.backboneParamNames.has(name),
    );
    return { assigned, unused, untouched: [...known].filter((n) => !assigned.includes(n)) };
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
}

/** The parameter a stored weight name refers to: strips scopes and Keras' `_1`/`:0` suffixes. */
export function matchParamName(stored: string, known: ReadonlySet<string>): string {
  const clean = stored.replace(/:\d+$/, '');
  const parts = clean.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    const candidate = parts.slice(i).join('/');
    if (known.has(candidate)) return candidate;
    const unsuffixed = candidate.replace(/_\d+$/, '');
    if (known.has(unsuffixed)) return unsuffixed;
  }
  return clean;
}

async function readWeights(
  tf: Tf,
  dir: string,
  manifest: { paths: string[]; weights: TfCore.io.WeightsManifestEntry[] }[],
): Promise<Record<string, TfCore.Tensor>> {
  const out: Record<string, TfCore.Tensor> = {};
  for (const group of manifest) {
    const buffers: Uint8Array[] = [];
    for (const path of group.paths) {
      const shard = join(dir, path);
      if (!existsSync(shard)) throw new Error(`weight shard ${shard} is missing (listed in ${join(dir, MODEL_FILE)})`);
      buffers.push(await readFile(shard));
    }
    const total = buffers.reduce((s, b) => s + b.byteLength, 0);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const b of buffers) {
      joined.set(b, offset);
      offset += b.byteLength;
    }
    const expected = group.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * bytesPerValue(w), 0);
    if (expected !== total)
      throw new Error(
        `weight shards ${group.paths.join(', ')} in ${dir} hold ${total} bytes but the manifest describes ${expected}: a shard is truncated or from another model`,
      );
    Object.assign(out, tf.io.decodeWeights(joined.buffer, group.weights));
  }
  return out;
}

function bytesPerValue(w: TfCore.io.WeightsManifestEntry): number {
  if (w.quantization) return w.quantization.dtype === 'uint8' ? 1 : 2;
  return w.dtype === 'float32' || w.dtype === 'int32' ? 4 : w.dtype === 'bool' ? 1 : 4;
}
