/**
 * The networks the methods train: a backbone plus one head. A network is
 * fully described by its NetworkConfig (stored in the model artifact), so a
 * saved model is rebuilt from config + named weights.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../backends/init.js';
import { Conv2d, Dense, globalAveragePool, globalLsePool, globalMaxPool } from '../nn/layers.js';
import { ParamStore, type Tensor } from '../nn/params.js';
import { Backbone, buildBackbone, type BackboneConfig } from './backbones.js';

type T2 = TfCore.Tensor2D;
type T4 = TfCore.Tensor4D;

export type GlobalPooling = 'max' | 'avg' | 'lse';

export type HeadConfig =
  /** GAP + FC: the CAM classifier (and SLT-Net's localizer and classifier). */
  | { kind: 'gap-fc' }
  /**
   * STL: localizer branch = 1x1 conv to one map per class + global pooling;
   * classifier branch = GAP + FC(hidden) + ReLU + FC(classes), or none.
   */
  | { kind: 'stl'; pooling: GlobalPooling; lseR: number; classifierBranch: boolean; hidden: number }
  /** Box regressor: GAP + FC(hidden) + ReLU + FC(4) -> normalised (x0, y0, x1, y1). */
  | { kind: 'regressor'; hidden: number };

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

export interface NetworkOutput {
  /** Class scores the method reports: [N, C] (the localizer's for STL); absent for the regressor. */
  logits?: T2;
  /** STL's classifier-branch scores [N, C]. */
  classifierLogits?: T2;
  /** Class maps [N, h, w, C] where the head makes them directly (STL's localizer). */
  maps?: T4;
  /** Regressor output [N, 4]. */
  boxes?: T2;
  /** Last backbone activation [N, h, w, K]. */
  features: T4;
}

export class Network {
  readonly backbone: Backbone;
  /** Names of the backbone's parameters (the rest belong to the head). */
  readonly backboneParamNames: ReadonlySet<string>;
  private readonly fc?: Dense;
  private readonly locConv?: Conv2d;
  private readonly hidden?: Dense;
  private readonly out?: Dense;

  constructor(
    readonly tf: Tf,
    readonly config: NetworkConfig,
    readonly params: ParamStore,
  ) {
    this.backbone = buildBackbone(tf, params, config.backbone, config.inChannels);
    this.backboneParamNames = new Set(params.names());
    const k = this.backbone.outChannels;
    const head = config.head;
    switch (head.kind) {
      case 'gap-fc':
        this.fc = new Dense(tf, params, 'fc', k, config.classes);
        break;
      case 'stl':
        this.locConv = new Conv2d(tf, params, 'loc_conv', { inChannels: k, filters: config.classes, kernel: 1, padding: 'valid' });
        if (head.classifierBranch) {
          this.hidden = new Dense(tf, params, 'cls_fc1', k, head.hidden, 'he');
          this.out = new Dense(tf, params, 'cls_fc2', head.hidden, config.classes);
        }
        break;
      case 'regressor':
        this.hidden = new Dense(tf, params, 'reg_fc1', k, head.hidden, 'he');
        this.out = new Dense(tf, params, 'reg_fc2', head.hidden, 4, 'small');
        break;
    }
  }

  forward(x: Tensor, training: boolean): NetworkOutput {
    return this.head(this.backbone.apply(this.input(x), training).output as T4);
  }

  /** The preprocessed network input for images in [0, 1] (what backbone.apply expects). */
  input(x: Tensor): T4 {
    const tf = this.tf;
    if (this.config.preprocess === 'centered') return tf.sub(x, 0.5) as T4;
    const bgr = x.shape[3] === 3 ? tf.reverse(x, 3) : x;
    return tf.sub(tf.mul(bgr, 255), tf.tensor1d(x.shape[3] === 3 ? [103.939, 116.779, 123.68] : [116.779])) as T4;
  }

  /** The head on top of backbone features (also the continuation used by DGL after applyFrom). */
  head(features: T4): NetworkOutput {
    const tf = this.tf;
    const head = this.config.head;
    switch (head.kind) {
      case 'gap-fc':
        return { features, logits: this.fc!.apply(globalAveragePool(tf, features)) };
      case 'stl': {
        const maps = this.locConv!.apply(features);
        const logits = head.pooling === 'max' ? globalMaxPool(tf, maps) : head.pooling === 'avg' ? globalAveragePool(tf, maps) : globalLsePool(tf, maps, head.lseR);
        const out: NetworkOutput = { features, maps, logits };
        if (this.hidden && this.out) out.classifierLogits = this.out.apply(tf.relu(this.hidden.apply(globalAveragePool(tf, features))));
        return out;
      }
      case 'regressor':
        return { features, boxes: this.out!.apply(tf.relu(this.hidden!.apply(globalAveragePool(tf, features)))) };
    }
  }

  /**
   * Class activation maps [N, h, w, C] of a forward output: CAM (Σ_k w[k,c]·S_k,
   * without the bias) for GAP-FC heads, the localizer's maps for STL.
   */
  classMaps(out: NetworkOutput): T4 {
    const tf = this.tf;
    if (out.maps) return out.maps;
    if (!this.fc) throw new Error('this network has no class maps (a box regressor)');
    const [n, h, w, k] = out.features.shape;
    const flat = tf.reshape(out.features, [n * h * w, k]) as T2;
    return tf.reshape(tf.matMul(flat, this.fc.kernel as unknown as T2), [n, h, w, this.config.classes]) as T4;
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
