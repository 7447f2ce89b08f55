/**
 * The networks the methods train: a backbone plus one head (heads/). A
 * network is fully described by its NetworkConfig (stored in the model
 * artifact), so a saved model is rebuilt from config + named weights.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../backends/init.js';
import { ParamStore, type Tensor } from '../nn/params.js';
import { type Backbone, buildBackbone, type BackboneConfig } from './backbones.js';
import type { Head, HeadConfig, HeadOutput } from './heads/head.js';
import { headType } from './heads/registry.js';

type T4 = TfCore.Tensor4D;

export type { HeadConfig } from './heads/head.js';

/** Everything a network is rebuilt from (stored in the model artifact): input size and channels, classes, backbone, head and input preprocessing. */
export interface NetworkConfig {
  /** Input height and width the network was trained at. */
  inputSize: { height: number; width: number };
  inChannels: number;
  classes: number;
  backbone: BackboneConfig;
  head: HeadConfig;
  /**
   * How an image in [0, 1] is fed to the network: `centered` subtracts 0.5
   * (networks trained from scratch); `caffe` is Keras' VGG16/ResNet50
   * preprocessing (BGR, 0-255, ImageNet channel means subtracted), for their
   * pretrained weights.
   */
  preprocess: 'centered' | 'caffe';
}

/** A network's forward pass: the head's outputs and the last backbone activation they came from. */
export interface NetworkOutput extends HeadOutput {
  /** Last backbone activation [N, h, w, K]. */
  features: T4;
}

export class Network {
  readonly backbone: Backbone;
  readonly head: Head;
  /** Names of the backbone's parameters (the rest belong to the head). */
  readonly backboneParamNames: ReadonlySet<string>;

  constructor(
    readonly tf: Tf,
    readonly config: NetworkConfig,
    readonly params: ParamStore,
  ) {
    this.backbone = buildBackbone(tf, params, config.backbone, config.inChannels);
    this.backboneParamNames = new Set(params.names());
    const input = {
      channels: this.backbone.outChannels,
      stride: this.backbone.stride,
      inputSize: config.inputSize,
      featureSize: this.backbone.outputSize(config.inputSize),
      classes: config.classes,
    };
    this.head = headType(config.head.kind).build(tf, params, input, config.head);
  }

  forward(x: Tensor, training: boolean): NetworkOutput {
    return this.applyHead(this.backbone.apply(this.input(x), training) as T4, training);
  }

  /** The preprocessed network input for images in [0, 1] (what backbone.apply expects). */
  input(x: Tensor): T4 {
    const tf = this.tf;
    if (this.config.preprocess === 'centered') return tf.sub(x, 0.5) as T4;
    if (x.shape[3] !== 3) return tf.sub(tf.mul(x, 255), 116.779) as T4;
    // RGB -> BGR and x 255 as one [3, 3] matrix product per pixel: the wasm backend's Reverse took
    // 100 ms of a 1.7 s ResNet-50 forward pass at 224 px, batch 16.
    const [n, h, w] = x.shape as [number, number, number, number];
    const bgr255 = tf.tensor2d([0, 0, 255, 0, 255, 0, 255, 0, 0], [3, 3]);
    const pixels = tf.matMul(tf.reshape(x, [n * h * w, 3]) as TfCore.Tensor2D, bgr255);
    return tf.reshape(tf.sub(pixels, tf.tensor1d([103.939, 116.779, 123.68])), [n, h, w, 3]) as T4;
  }

  /** The head on top of backbone features (also the continuation of a cut at any layer, after backbone.applyFrom). */
  applyHead(features: T4, training: boolean): NetworkOutput {
    return { ...this.head.apply(features, training), features };
  }

  /** Class maps [N, h, w, C] of a forward output (CAM for GAP-FC heads, the localizer's maps for STL). */
  classMaps(out: NetworkOutput): T4 {
    if (!this.head.classMaps) throw new Error(`a network with a ${this.config.head.kind} head has no class maps`);
    return this.head.classMaps(out.features, out);
  }

  /** Variables an optimizer should train. */
  trainable(): TfCore.Variable[] {
    return this.params.trainable();
  }

  dispose(): void {
    this.params.dispose();
  }
}

export function buildNetwork(tf: Tf, config: NetworkConfig, seed: number): Network {
  return new Network(tf, config, new ParamStore(tf, seed));
}
