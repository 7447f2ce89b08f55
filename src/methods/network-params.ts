/**
 * The params every trainer shares (backbone, optimisation, batches, seed,
 * pretrained weights) as JSON Schema, and their translation to a NetworkConfig.
 */
import type { JsonSchema } from '../core/json.js';
import { optimizerSchema, type OptimizerParams } from '../training/optimizer.js';
import type { BackboneConfig } from '../tensor/models/backbones.js';
import type { HeadConfig, NetworkConfig } from '../tensor/models/network.js';
import type { DatasetInfo } from '../datasets/types.js';

export interface BackboneParams {
  backbone: 'small' | 'vgg16' | 'resnet50';
  /** small: filters of each 3x3 conv. */
  channels: number[];
  /** small: 0-based conv indices followed by a 2x2 max pool. */
  poolAfter: number[];
  batchNorm: boolean;
  /** vgg16: filters of the extra conv6 (CAM's VGG16-GAP uses 1024), 0 for none. */
  extraConv: number;
  /** A tfjs LayersModel directory (or a wsol-run model artifact) to initialise from, by layer name. */
  pretrained: string;
}

export interface TrainingParams extends BackboneParams, OptimizerParams {
  epochs: number;
  batchSize: number;
  seed: number;
}

export function trainingSchema(defaults: Partial<TrainingParams> = {}): Record<string, JsonSchema> {
  return {
    backbone: { enum: ['small', 'vgg16', 'resnet50'], default: defaults.backbone ?? 'small', description: 'small: a configurable conv net for CPU; vgg16: VGG16-GAP (1/16 maps); resnet50: ResNet-50 with last stride 1.' },
    channels: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: defaults.channels ?? [32, 64, 128], description: 'small backbone: filters of each 3x3 conv layer.' },
    poolAfter: { type: 'array', items: { type: 'integer', minimum: 0 }, default: defaults.poolAfter ?? [0, 1], description: 'small backbone: conv layers (0-based) followed by a 2x2 max pool.' },
    batchNorm: { type: 'boolean', default: defaults.batchNorm ?? false, description: 'small backbone: batch norm after each conv (about halves wasm training speed).' },
    extraConv: { type: 'integer', minimum: 0, default: defaults.extraConv ?? 0, description: 'vgg16: filters of an extra 3x3 conv after block5_conv3 (CAM used 1024), 0 for none.' },
    pretrained: { type: 'string', default: defaults.pretrained ?? '', description: 'Directory of a tfjs LayersModel (model.json + shards) or a wsol-run model whose weights initialise layers of the same name; empty for none.' },
    epochs: { type: 'integer', minimum: 1, default: defaults.epochs ?? 10 },
    batchSize: { type: 'integer', minimum: 2, default: defaults.batchSize ?? 32 },
    seed: { type: 'integer', default: defaults.seed ?? 0, description: 'Seed of the initial weights, shuffling and augmentation draws.' },
    ...optimizerSchema(defaults),
  };
}

export function backboneConfig(p: BackboneParams): BackboneConfig {
  switch (p.backbone) {
    case 'small':
      return { kind: 'small', channels: p.channels, poolAfter: p.poolAfter, batchNorm: p.batchNorm };
    case 'vgg16':
      return { kind: 'vgg16', extraConv: p.extraConv };
    case 'resnet50':
      return { kind: 'resnet50', lastStride: 1 };
  }
}

export function networkConfig(p: BackboneParams, info: DatasetInfo, head: HeadConfig): NetworkConfig {
  return {
    inputSize: { height: info.imageSize.height, width: info.imageSize.width },
    inChannels: info.channels,
    classes: info.classNames.length,
    backbone: backboneConfig(p),
    head,
    // Keras' caffe preprocessing only makes sense with Keras' pretrained weights; from scratch it feeds 0-255 inputs and VGG16 diverges.
    preprocess: p.backbone !== 'small' && p.pretrained ? 'caffe' : 'centered',
  };
}
