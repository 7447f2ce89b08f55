/**
 * GAP-FC networks trained for their class activation maps: the CAM
 * baseline and SLT-Net's classifier (plain cross-entropy), and SLT-Net's
 * localizer (semantic-tolerance loss and visual-stimuli tolerance loss,
 * each switchable so the paper's ablation is a matrix of params).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tf } from '../../tensor/backends/init.js';

import type { DatasetView } from '../../datasets/types.js';
import type { Network } from '../../tensor/models/network.js';
import type { EpochRecord, StepInfo, StepLosses } from '../../training/loop.js';
import { crossEntropy, normalizedVisualStimuliLoss, oneHot, semanticToleranceLoss, visualStimuliLoss } from '../losses.js';
import { applyVst, drawVst, invertVstMaps, type VstParams } from '../vst.js';
import { batchTensor, buildTrainableNetwork, fitClassifier, type Hooks } from '../fit.js';
import { networkConfig, type TrainingParams } from '../network-params.js';
import { UserError } from '../../core/errors.js';

export interface CamTrainingParams extends TrainingParams {
  /** Semantic tolerance: α·CE when the true class is in the top-K. */
  smt: boolean;
  alpha: number;
  topK: number;
  /** Visual-stimuli tolerance: + β·L_VST. */
  vst: boolean;
  beta: number;
  /**
   * Fraction of training after which the VST loss switches on (absent or 0 =
   * the paper: from the first step). Trained from scratch, VST from the start
   * drives the CAMs (and the classifier) to constants, which are invariant to
   * every stimulus: the paper starts from an ImageNet-pretrained backbone
   * whose CAMs already carry the object.
   */
  vstFrom?: number;
  /** Compare L2-normalised maps (normalizedVisualStimuliLoss) instead of raw CAMs. */
  vstNormalize?: boolean;
  vstStimuli: VstParams;
}

export interface TrainedNetwork {
  net: Network;
  log: EpochRecord[];
  /** Validation top-1 accuracy (%) after the last epoch. */
  valTop1: number;
}

export async function trainCamNetwork(tf: Tf, data: DatasetView, p: CamTrainingParams, hooks: Hooks): Promise<TrainedNetwork> {
  const net = await buildTrainableNetwork(tf, networkConfig(p, data.info, { kind: 'gap-fc' }), p, hooks);
  const train = data.split('train');
  const val = data.split('val');
  const { height, width } = data.info.imageSize;
  const classes = data.info.classNames.length;
  if (p.vst && tf.getBackend() === 'cpu' && height !== width) {
    net.dispose();
    throw new UserError('the VST loss cannot train on the cpu backend with non-square images: its bilinear-resize gradient swaps height and width', 'use --backend wasm (or tensorflow), or square images');
  }
  const step = (indices: readonly number[], info: StepInfo): StepLosses => {
    const x = batchTensor(tf, train, indices, data.info.imageSize, data.info.channels);
    const y = oneHot(tf, indices.map((i) => train.labels[i]!), classes);
    const out = net.forward(x, true);
    const cls = p.smt ? semanticToleranceLoss(tf, out.logits!, y, p.alpha, p.topK) : crossEntropy(tf, out.logits!, y);
    if (!p.vst || info.progress < (p.vstFrom ?? 0)) return { loss: cls, parts: p.vst ? { [p.smt ? 'smt' : 'ce']: cls } : {} };
    const draw = drawVst(p.vstStimuli, indices.length, height, width, net.backbone.stride, info.random);
    const transformed = net.forward(applyVst(tf, x, draw), true);
    const original = net.classMaps(out);
    const back = invertVstMaps(tf, net.classMaps(transformed), draw, original.shape[1], original.shape[2]);
    const vst = p.vstNormalize ? normalizedVisualStimuliLoss(tf, original, back) : visualStimuliLoss(tf, original, back);
    return { loss: tf.add(cls, tf.mul(vst, p.beta)) as TfCore.Scalar, parts: { [p.smt ? 'smt' : 'ce']: cls, vst } };
  };
  return fitClassifier(tf, net, p, { train, val }, step, hooks);
}
