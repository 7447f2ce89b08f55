/**
 * Convolutional backbones as ordered lists of named stages. A stage is a
 * point where the network can be cut: `apply(x, {until})` stops after it and
 * `applyFrom(name, s)` continues from its activation. That is what DGL needs
 * (activations and gradients at any conv layer) and what CAM uses (the last
 * stage's features). Names follow Keras (`block4_conv2`, `conv4_block6_out`),
 * so weights converted from Keras' VGG16/ResNet50 load by name.
 */
import type { Tf } from '../backends/init.js';
import { BatchNorm } from '../nn/batch-norm.js';
import { Conv2d, maxPool } from '../nn/layers.js';
import type { ParamStore, Tensor } from '../nn/params.js';

/** A backbone as a NetworkConfig (and so a model artifact) records it: the small CNN's layout, VGG16 with an optional extra conv, or ResNet-50. */
export type BackboneConfig =
  | {
      kind: 'small';
      /** Filters of each 3x3 conv layer, in order. */
      channels: number[];
      /** 0-based indices of the conv layers followed by a 2x2 max pool. */
      poolAfter: number[];
      batchNorm: boolean;
    }
  | {
      /** VGG16 up to block5_conv3 without pool5 (CAM's VGG16-GAP: 1/16 resolution), plus an optional extra 3x3 conv. */
      kind: 'vgg16';
      /** Filters of the extra conv (`conv6`, CAM uses 1024), 0 for none. */
      extraConv: number;
    }
  | {
      kind: 'resnet50';
      /** Stride of the last stage: 1 keeps 1/16 resolution (the usual WSOL choice), 2 is the ImageNet network. */
      lastStride: 1 | 2;
      /** The batch norms' epsilon: Keras 2.3+ builds ResNet50 with 1.001e-5 (the default), Keras 2.2 with 1e-3. */
      bnEpsilon?: number;
    };

/** One named stage of a backbone: a point where the network can be cut, with its channels, total stride, and whether DGL may sweep it. */
export interface Stage {
  name: string;
  /** Channels of this stage's output. */
  channels: number;
  /** Total stride from the input to this stage's output. */
  stride: number;
  /** True for a conv layer's (or residual block's) activation: the layers DGL may sweep. */
  conv: boolean;
  /** This stage's output side from its input side (absent: unchanged), so heads know the feature map's size before any forward pass. */
  outSide?: (side: number) => number;
  apply(x: Tensor, training: boolean): Tensor;
}

/** Output side of a 'valid' window of `k` at `stride` over `side` (after `pad` on each border). */
function windowed(side: number, k: number, stride: number, pad = 0): number {
  return Math.floor((side + 2 * pad - k) / stride) + 1;
}

export class Backbone {
  constructor(
    private readonly tf: Tf,
    readonly config: BackboneConfig,
    readonly stages: readonly Stage[],
  ) {}

  get outChannels(): number {
    return this.stages.at(-1)!.channels;
  }

  get stride(): number {
    return this.stages.at(-1)!.stride;
  }

  /** Height and width of the last stage's output for an input of `size`. */
  outputSize(size: { height: number; width: number }): { height: number; width: number } {
    const side = (v: number): number => this.stages.reduce((s, stage) => (stage.outSide ? stage.outSide(s) : s), v);
    return { height: side(size.height), width: side(size.width) };
  }

  stageNames(): string[] {
    return this.stages.map((s) => s.name);
  }

  indexOf(name: string): number {
    const i = this.stages.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`no layer named ${name}; layers: ${this.stageNames().join(', ')}`);
    return i;
  }

  /** Runs the stages up to and including `until` (default: all). */
  apply(x: Tensor, training: boolean, until?: string): Tensor {
    const last = until === undefined ? this.stages.length - 1 : this.indexOf(until);
    let h = x;
    for (let i = 0; i <= last; i++) h = this.stages[i]!.apply(h, training);
    return h;
  }

  /** Every stage's output shape [h, w, channels] for an input of `size`, in order. */
  stageShapes(size: { height: number; width: number }): { name: string; conv: boolean; shape: [number, number, number] }[] {
    let h = size.height;
    let w = size.width;
    return this.stages.map((stage) => {
      if (stage.outSide) {
        h = stage.outSide(h);
        w = stage.outSide(w);
      }
      return { name: stage.name, conv: stage.conv, shape: [h, w, stage.channels] };
    });
  }

  /**
   * Runs every stage, adding `probes.get(name)` to the output of each stage
   * so named and handing that output to `seen`. Probes of zeros make the
   * gradient of anything downstream w.r.t. each probe the gradient w.r.t.
   * that stage's activation: one backward pass gives them at every layer.
   */
  applyProbed(x: Tensor, training: boolean, probes: ReadonlyMap<string, Tensor>, seen?: (name: string, activation: Tensor) => void): Tensor {
    let h = x;
    for (const stage of this.stages) {
      h = stage.apply(h, training);
      const probe = probes.get(stage.name);
      if (probe) {
        seen?.(stage.name, h);
        h = this.tf.add(h, probe);
      }
    }
    return h;
  }

  /** Continues from the activation `s` of stage `name` to the last stage. */
  applyFrom(name: string, s: Tensor, training: boolean): Tensor {
    let h = s;
    for (let i = this.indexOf(name) + 1; i < this.stages.length; i++) h = this.stages[i]!.apply(h, training);
    return h;
  }
}

/**
 * The name a layer has in the papers and the PyTorch code they come with,
 * where it differs from ours: VGG16's `block4_conv2` is the DGL paper's
 * `conv4_2`, CAM's added `conv6` its `conv5_4`; ResNet50's
 * `conv4_block6_out` is torchvision's `layer3.5`.
 */
export function paperLayerName(kind: BackboneConfig['kind'], name: string): string | undefined {
  if (kind === 'vgg16') {
    const m = /^block(\d)_conv(\d)$/.exec(name);
    if (m) return `conv${m[1]}_${m[2]}`;
    if (name === 'conv6') return 'conv5_4';
  }
  if (kind === 'resnet50') {
    const m = /^conv(\d)_block(\d+)_out$/.exec(name);
    if (m) return `layer${Number(m[1]) - 1}.${Number(m[2]) - 1}`;
  }
  return undefined;
}

/**
 * The theoretical receptive field (input pixels one output cell sees) of the small backbone: each 3x3 conv
 * widens it by 2 x the current stride, each 2x2 pool by 1 x the stride, then doubles the stride. A CAM cell
 * can only weigh evidence inside it, so an object wider than this is never seen whole by one cell.
 */
export function smallReceptiveField(config: { channels: readonly number[]; poolAfter: readonly number[] }): number {
  let field = 1;
  let stride = 1;
  config.channels.forEach((_, i) => {
    field += 2 * stride;
    if (config.poolAfter.includes(i)) {
      field += stride;
      stride *= 2;
    }
  });
  return field;
}

export function buildBackbone(tf: Tf, store: ParamStore, config: BackboneConfig, inChannels: number): Backbone {
  switch (config.kind) {
    case 'small':
      return new Backbone(tf, config, smallStages(tf, store, config, inChannels));
    case 'vgg16':
      return new Backbone(tf, config, vggStages(tf, store, config, inChannels));
    case 'resnet50':
      return new Backbone(tf, config, resnetStages(tf, store, config, inChannels));
  }
}

function smallStages(tf: Tf, store: ParamStore, config: Extract<BackboneConfig, { kind: 'small' }>, inChannels: number): Stage[] {
  const stages: Stage[] = [];
  let c = inChannels;
  let stride = 1;
  config.channels.forEach((filters, i) => {
    const name = `conv${i + 1}`;
    const conv = new Conv2d(tf, store, name, { inChannels: c, filters, kernel: 3, bias: !config.batchNorm });
    const bn = config.batchNorm ? new BatchNorm(tf, store, `${name}_bn`, filters) : null;
    stages.push({
      name,
      channels: filters,
      stride,
      conv: true,
      // The first layer reads the image: no training step needs its input gradient.
      apply: (x, training) => (bn ? bn.afterConv(conv, x, training, 'relu', i === 0) : conv.apply(x, 'relu')),
    });
    c = filters;
    if (config.poolAfter.includes(i)) {
      stride *= 2;
      stages.push({ name: `pool${i + 1}`, channels: c, stride, conv: false, outSide: (v) => windowed(v, 2, 2), apply: (x) => maxPool(tf, x) });
    }
  });
  return stages;
}

const VGG16_BLOCKS: readonly [number, number][] = [
  [64, 2],
  [128, 2],
  [256, 3],
  [512, 3],
  [512, 3],
];

function vggStages(tf: Tf, store: ParamStore, config: Extract<BackboneConfig, { kind: 'vgg16' }>, inChannels: number): Stage[] {
  const stages: Stage[] = [];
  let c = inChannels;
  let stride = 1;
  VGG16_BLOCKS.forEach(([filters, convs], b) => {
    for (let i = 1; i <= convs; i++) {
      const conv = new Conv2d(tf, store, `block${b + 1}_conv${i}`, { inChannels: c, filters, kernel: 3 });
      stages.push({ name: conv.name, channels: filters, stride, conv: true, apply: (x) => conv.apply(x, 'relu') });
      c = filters;
    }
    // CAM's VGG16-GAP drops pool5 so the maps stay at 1/16 of the input.
    if (b < 4) {
      stride *= 2;
      stages.push({ name: `block${b + 1}_pool`, channels: c, stride, conv: false, outSide: (v) => windowed(v, 2, 2), apply: (x) => maxPool(tf, x) });
    }
  });
  if (config.extraConv > 0) {
    const conv = new Conv2d(tf, store, 'conv6', { inChannels: c, filters: config.extraConv, kernel: 3 });
    stages.push({ name: 'conv6', channels: config.extraConv, stride, conv: true, apply: (x) => conv.apply(x, 'relu') });
  }
  return stages;
}

const RESNET50_STAGES: readonly { blocks: number; width: number }[] = [
  { blocks: 3, width: 64 },
  { blocks: 4, width: 128 },
  { blocks: 6, width: 256 },
  { blocks: 3, width: 512 },
];

/** Keras' ResNet50 (v1): 7x7/2 stem, 3x3/2 pool, bottleneck blocks with the stride on the first 1x1 conv. */
function resnetStages(tf: Tf, store: ParamStore, config: Extract<BackboneConfig, { kind: 'resnet50' }>, inChannels: number): Stage[] {
  const eps = config.bnEpsilon ?? 1.001e-5;
  const pad = (x: Tensor, p: number): Tensor =>
    tf.pad(x, [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ]);
  const stem = new Conv2d(tf, store, 'conv1_conv', { inChannels, filters: 64, kernel: 7, stride: 2, padding: 'valid' });
  const stemBn = new BatchNorm(tf, store, 'conv1_bn', 64, 0.9, eps);
  const stages: Stage[] = [
    {
      name: 'pool1_pool',
      channels: 64,
      stride: 4,
      conv: false,
      outSide: (v) => windowed(windowed(v, 7, 2, 3), 3, 2, 1),
      apply: (x, training) => maxPool(tf, pad(stemBn.afterConv(stem, pad(x, 3), training, 'relu', true), 1), 3, 2),
    },
  ];
  let c = 64;
  let stride = 4;
  RESNET50_STAGES.forEach(({ blocks, width }, s) => {
    const out = width * 4;
    for (let b = 1; b <= blocks; b++) {
      const name = `conv${s + 2}_block${b}`;
      const blockStride = b === 1 && s > 0 ? (s === 3 ? config.lastStride : 2) : 1;
      const conv1 = new Conv2d(tf, store, `${name}_1_conv`, { inChannels: c, filters: width, kernel: 1, stride: blockStride, padding: 'valid' });
      const bn1 = new BatchNorm(tf, store, `${name}_1_bn`, width, 0.9, eps);
      const conv2 = new Conv2d(tf, store, `${name}_2_conv`, { inChannels: width, filters: width, kernel: 3 });
      const bn2 = new BatchNorm(tf, store, `${name}_2_bn`, width, 0.9, eps);
      const conv3 = new Conv2d(tf, store, `${name}_3_conv`, { inChannels: width, filters: out, kernel: 1, padding: 'valid' });
      const bn3 = new BatchNorm(tf, store, `${name}_3_bn`, out, 0.9, eps);
      const shortcut =
        b === 1 ? new Conv2d(tf, store, `${name}_0_conv`, { inChannels: c, filters: out, kernel: 1, stride: blockStride, padding: 'valid' }) : null;
      const shortcutBn = b === 1 ? new BatchNorm(tf, store, `${name}_0_bn`, out, 0.9, eps) : null;
      stride *= blockStride;
      stages.push({
        name: `${name}_out`,
        channels: out,
        stride,
        conv: true,
        outSide: (v) => windowed(v, 1, blockStride),
        apply: (x, training) => {
          let h = bn1.afterConv(conv1, x, training, 'relu');
          h = bn2.afterConv(conv2, h, training, 'relu');
          h = bn3.afterConv(conv3, h, training);
          const skip = shortcut && shortcutBn ? shortcutBn.afterConv(shortcut, x, training) : x;
          return tf.relu(tf.add(h, skip));
        },
      });
      c = out;
    }
  });
  return stages;
}
