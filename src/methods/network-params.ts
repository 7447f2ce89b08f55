/**
 * The params every trainer shares (backbone, optimisation, batches, seed,
 * pretrained weights) as JSON Schema properties — the TypeScript types are
 * derived from them, so a schema edit that breaks a trainer fails to compile
 * — and their translation to a NetworkConfig.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { JsonSchema } from '../core/json.js';
import { optimizerProperties } from '../training/optimizer.js';
import type { BackboneConfig } from '../tensor/models/backbones.js';
import type { HeadConfig, NetworkConfig } from '../tensor/models/network.js';
import type { DatasetInfo } from '../datasets/types.js';

export const backboneProperties = {
  backbone: {
    enum: ['small', 'vgg16', 'resnet50'],
    default: 'small',
    description: 'small: a configurable conv net for CPU; vgg16: VGG16-GAP (1/16 maps); resnet50: ResNet-50 with last stride 1.',
  },
  channels: {
    type: 'array',
    items: { type: 'integer', minimum: 1 },
    minItems: 1,
    default: [32, 64, 128],
    description: 'small backbone: filters of each 3x3 conv layer.',
  },
  poolAfter: {
    type: 'array',
    items: { type: 'integer', minimum: 0 },
    default: [0, 1],
    description: 'small backbone: conv layers (0-based) followed by a 2x2 max pool.',
  },
  batchNorm: {
    type: 'boolean',
    default: false,
    description: 'small backbone: batch norm after each conv (about 1.8x the wasm training time of the same network without).',
  },
  extraConv: { type: 'integer', minimum: 0, default: 0, description: 'vgg16: filters of an extra 3x3 conv after block5_conv3 (CAM used 1024), 0 for none.' },
  pretrained: {
    type: 'string',
    default: '',
    description: 'Directory of a tfjs LayersModel (model.json + shards) or a wsol-run model whose weights initialise layers of the same name; empty for none.',
  },
} as const;

export const trainingProperties = {
  ...backboneProperties,
  epochs: { type: 'integer', minimum: 1, default: 10 },
  batchSize: { type: 'integer', minimum: 2, default: 32 },
  seed: { type: 'integer', default: 0, description: 'Seed of the initial weights, shuffling and augmentation draws.' },
  ...optimizerProperties,
} as const;

/** The backbone params every trainer shares (architecture, small-backbone layout, pretrained weights), as their JSON Schema gives them. */
export type BackboneParams = FromSchema<{ type: 'object'; properties: typeof backboneProperties; additionalProperties: false }>;
/** The params every trainer shares: the backbone's, epochs, batch size, seed and the optimiser's, as their JSON Schema gives them. */
export type TrainingParams = FromSchema<{ type: 'object'; properties: typeof trainingProperties; additionalProperties: false }>;

/** The properties with some defaults replaced (e.g. a trainer's own learning rate); the type is unchanged. */
export function withDefaults<P extends Record<string, JsonSchema>>(properties: P, defaults: { [K in keyof P]?: unknown }): P {
  const out: Record<string, JsonSchema> = { ...properties };
  for (const [name, value] of Object.entries(defaults)) out[name] = { ...properties[name], default: value };
  return out as P;
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
