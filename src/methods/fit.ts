/**
 * What every trainer does around its loss: build the network (with
 * pretrained weights if asked), split parameters into backbone and head
 * groups, run the shared loop (disposing the network if it fails), and
 * measure validation accuracy per epoch. Every trainer returns a
 * TrainedModel.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../tensor/backends/init.js';
import { buildNetwork, type Network, type NetworkConfig } from '../tensor/models/network.js';
import { loadPretrainedWeights, readModelDescription } from '../tensor/models/model-io.js';
import type { ProgressUpdate } from '../core/progress.js';
import { trainLoop, type EpochRecord, type ParamGroup, type TrainStep } from '../training/loop.js';
import type { TrainingParams } from './network-params.js';
import type { DatasetView, SplitView } from '../datasets/types.js';
import { labelledBatch, splitAccuracy } from './inference.js';
import { augmentBatch, type AugmentParams } from './augment.js';
import { UserError } from '../core/errors.js';
import type { CheckpointTarget } from '../training/checkpoint.js';

/** What a trainer hands back: the trained network (the caller disposes it), its per-epoch log, its final validation top-1. */
export interface TrainedModel {
  net: Network;
  log: EpochRecord[];
  /** Validation top-1 accuracy (%) after the last epoch (NaN for networks without class scores). */
  valTop1: number;
}

/** What a trainer gets from its node: the cancel signal, where progress, log lines and timings go, and where to checkpoint. */
export interface Hooks {
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  log(message: string): void;
  /** Wall-clock durations for the run store (never saved with the model). */
  timing?(name: string, seconds: number): void;
  /** Where to checkpoint the training, and how often (the engine's per-key directory). */
  checkpoint?: CheckpointTarget;
}

/**
 * A wsol-run model given as pretrained weights (e.g. `model/pretrained`'s ResNet50) also brings the settings
 * its weights were made with: the backbone's own config (batch-norm epsilon, last stride) and its
 * preprocessing, when it has the backbone kind the params ask for. The small backbone stays as the params
 * say (its channels must match anyway, or the weights do not load).
 */
export async function withPretrainedSettings(config: NetworkConfig, pretrained: string): Promise<NetworkConfig> {
  if (!pretrained || config.backbone.kind === 'small') return config;
  let description: Awaited<ReturnType<typeof readModelDescription>>;
  try {
    description = await readModelDescription(pretrained);
  } catch {
    return config; // a tfjs LayersModel directory: the params decide
  }
  if (description.network.backbone.kind !== config.backbone.kind) return config;
  return { ...config, backbone: description.network.backbone, preprocess: description.network.preprocess };
}

export async function buildTrainableNetwork(tf: Tf, requested: NetworkConfig, p: TrainingParams, hooks: Hooks): Promise<Network> {
  const config = await withPretrainedSettings(requested, p.pretrained);
  const net = buildNetwork(tf, config, p.seed);
  if (p.pretrained) {
    try {
      const report = await loadPretrainedWeights(tf, net, p.pretrained);
      if (report.assigned.length === 0)
        throw new Error(`none of its weights matches a layer of the ${config.backbone.kind} network (its weights: ${report.unused.slice(0, 5).join(', ')}…)`);
      hooks.log(
        `pretrained: ${report.assigned.length} tensors from ${p.pretrained}; ${report.untouched.length} initialised fresh${report.unused.length ? `; ${report.unused.length} unused` : ''}`,
      );
    } catch (e) {
      net.dispose();
      throw new UserError(
        `cannot load pretrained weights: ${e instanceof Error ? e.message : String(e)}`,
        'set `pretrained` to a tfjs LayersModel directory (model.json + shards) whose layer names match the backbone, or to "" to train from scratch',
      );
    }
  }
  return net;
}

/** Backbone and head parameter groups (the head may learn faster), and the kernels under weight decay. */
export function parameterGroups(net: Network, p: TrainingParams): { groups: ParamGroup[]; decayed: TfCore.Variable[] } {
  const backbone: TfCore.Variable[] = [];
  const head: TfCore.Variable[] = [];
  const decayed: TfCore.Variable[] = [];
  const trainable = new Set(net.params.trainable());
  for (const name of net.params.names()) {
    const v = net.params.get(name);
    if (!trainable.has(v)) continue;
    (net.backboneParamNames.has(name) ? backbone : head).push(v);
    if (name.endsWith('/kernel')) decayed.push(v);
  }
  const groups: ParamGroup[] =
    p.headLrMultiplier === 1
      ? [{ variables: [...backbone, ...head], lrMultiplier: 1 }]
      : [
          { variables: backbone, lrMultiplier: 1 },
          { variables: head, lrMultiplier: p.headLrMultiplier },
        ];
  return { groups, decayed };
}

export async function fit(
  tf: Tf,
  net: Network,
  p: TrainingParams,
  train: SplitView,
  step: TrainStep,
  hooks: Hooks,
  onEpochEnd?: (epoch: number) => Promise<Record<string, number>> | Record<string, number>,
): Promise<EpochRecord[]> {
  const { groups, decayed } = parameterGroups(net, p);
  const { checkpoint, ...loopHooks } = hooks;
  try {
    return await trainLoop({
      tf,
      epochs: p.epochs,
      batchSize: p.batchSize,
      count: train.count,
      seed: p.seed,
      optimizer: p,
      groups,
      decayed,
      step,
      ...loopHooks,
      ...(onEpochEnd ? { onEpochEnd } : {}),
      ...(checkpoint
        ? {
            checkpoint: {
              ...checkpoint,
              parameters: () => net.params.snapshot(),
              restore: (values) => {
                net.params.assign(values);
              },
            },
          }
        : {}),
    });
  } catch (e) {
    // A failed run leaves nothing to save: free the network's weights.
    net.dispose();
    throw e;
  }
}

/** Trains a classifier-like network (validation top-1 after each epoch) and returns it. */
export async function fitClassifier(
  tf: Tf,
  net: Network,
  p: TrainingParams,
  data: { train: SplitView; val: SplitView },
  step: TrainStep,
  hooks: Hooks,
): Promise<TrainedModel> {
  const accuracy = async (): Promise<Record<string, number>> => ({
    valTop1: await splitAccuracy(tf, data.val, p.batchSize, net, (x) => net.forward(x, false).logits!),
  });
  const log = await fit(tf, net, p, data.train, step, hooks, accuracy);
  return { net, log, valTop1: log.at(-1)?.eval.valTop1 ?? Number.NaN };
}

/** A training mini-batch: images (augmented as `augment` says, from the step's seeded stream) and one-hot labels. */
export function trainingBatch(
  tf: Tf,
  data: DatasetView,
  indices: readonly number[],
  augment: AugmentParams,
  random: () => number,
): { x: TfCore.Tensor4D; y: TfCore.Tensor2D } {
  const { x, y } = labelledBatch(tf, data.split('train'), indices, data.info);
  return { x: augmentBatch(tf, x, augment, flippableData(data), random), y };
}

/** Whether a dataset's images may be flipped (artifacts older than the fact: yes, as before). */
export function flippableData(data: DatasetView): boolean {
  return data.info.flippable ?? true;
}
