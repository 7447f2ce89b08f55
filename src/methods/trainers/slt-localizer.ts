/**
 * SLT-Net's localizer: a network with class maps (GAP-FC by default)
 * trained with the semantic-tolerance loss (α·CE when the true class is in
 * the top K) and the visual-stimuli tolerance loss (β·MSE between the class
 * maps and the inverse-transformed maps of a jittered, flipped, scaled
 * copy), each switchable so the paper's ablation is a matrix of params.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { FromSchema } from 'json-schema-to-ts';
import type { Tf } from '../../tensor/backends/init.js';
import type { DatasetView } from '../../datasets/types.js';
import type { HeadConfig } from '../../tensor/models/network.js';
import type { StepInfo, StepLosses } from '../../training/loop.js';
import { crossEntropy, normalizedVisualStimuliLoss, semanticToleranceLoss, visualStimuliLoss } from '../losses.js';
import { applyVst, drawVst, invertVstMaps, vstStimuliSchema } from '../vst.js';
import { buildTrainableNetwork, fitClassifier, flippableData, trainingBatch, type Hooks, type TrainedModel } from '../fit.js';
import { augmentSchema } from '../augment.js';
import { networkConfig, type TrainingParams } from '../network-params.js';

export const sltLocalizerProperties = {
  smt: { type: 'boolean', default: true, description: 'Semantic-tolerance loss (else plain cross-entropy).' },
  alpha: { type: 'number', minimum: 0, maximum: 1, default: 0.4, description: 'Loss factor when the true class is in the top K (paper: 0.4 CUB, 0.2 ILSVRC).' },
  topK: { type: 'integer', minimum: 1, default: 3, description: 'K of the semantic tolerance (paper: 30 of 200 CUB classes, 100 of 1000 ILSVRC).' },
  vst: { type: 'boolean', default: true, description: 'Visual-stimuli tolerance loss.' },
  localizationMap: {
    enum: ['acam', 'cam'],
    default: 'acam',
    description: 'The map this localizer is read with (maps/cam method "auto"): the mean CAM of the top-K classes (SLT-Net) or the CAM of one class.',
  },
  beta: { type: 'number', minimum: 0, default: 10, description: 'Weight of the VST loss (paper: 10).' },
  // No default: leaving it out keeps the paper's behaviour.
  vstNormalize: {
    type: 'boolean',
    description:
      "Compare L2-normalised maps in the VST loss (absent or false = the paper's raw CAMs). Raw CAMs let training from scratch minimise the loss by shrinking every map to zero.",
  },
  vstFrom: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    description:
      'Fraction of training after which the VST loss switches on (absent or 0 = the paper). From scratch, VST from the first step collapses the maps to constants (invariant to every stimulus).',
  },
  vstReduction: {
    enum: ['sum', 'mean'],
    default: 'sum',
    description:
      "How the VST loss reduces over classes: sum (Eq. 13 as written) or mean (PyTorch's MSELoss; with 200 CUB classes the paper's β = 10 plausibly assumes this, since a sum would weigh VST 200 times more).",
  },
  vstStimuli: vstStimuliSchema,
  augment: augmentSchema,
} as const;

/** The params of train/slt-localizer: the shared training params, its map, tolerance-loss, visual-stimuli and augmentation params, and the head. */
export type SltLocalizerParams = TrainingParams &
  FromSchema<{ type: 'object'; properties: typeof sltLocalizerProperties; additionalProperties: false }> & { head: HeadConfig };

export async function trainSltLocalizer(tf: Tf, data: DatasetView, p: SltLocalizerParams, hooks: Hooks): Promise<TrainedModel> {
  const net = await buildTrainableNetwork(tf, networkConfig(p, data.info, p.head), p, hooks);
  const train = data.split('train');
  const { height, width } = data.info.imageSize;
  const clsName = p.smt ? 'smt' : 'ce';
  const step = (indices: readonly number[], info: StepInfo): StepLosses => {
    const { x, y } = trainingBatch(tf, data, indices, p.augment, info.random);
    const out = net.forward(x, true);
    const cls = p.smt ? semanticToleranceLoss(tf, out.logits!, y, p.alpha, p.topK) : crossEntropy(tf, out.logits!, y);
    if (!p.vst || info.progress < (p.vstFrom ?? 0)) return { loss: cls, parts: p.vst ? { [clsName]: cls } : {} };
    const draw = drawVst(p.vstStimuli, indices.length, height, width, net.backbone.stride, info.random, flippableData(data));
    const transformed = net.forward(applyVst(tf, x, draw), true);
    const original = net.classMaps(out);
    const back = invertVstMaps(tf, net.classMaps(transformed), draw, original.shape[1], original.shape[2]);
    const vst = p.vstNormalize ? normalizedVisualStimuliLoss(tf, original, back) : visualStimuliLoss(tf, original, back, undefined, p.vstReduction);
    return { loss: tf.add(cls, tf.mul(vst, p.beta)) as TfCore.Scalar, parts: { [clsName]: cls, vst } };
  };
  return fitClassifier(tf, net, p, { train, val: data.split('val') }, step, hooks);
}
