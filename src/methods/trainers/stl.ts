/**
 * Self-transfer learning (Hwang & Kim): a shared trunk with a classifier
 * branch and a localizer branch (the `stl` head), trained on
 * (1-α)·CE_cls + α·CE_loc with α moving from its start to its end value by
 * a step or a linear ramp. Without the classifier branch it is the plain
 * localizer network the paper compares against.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { Tf } from '../../tensor/backends/init.js';
import type { DatasetView } from '../../datasets/types.js';
import { stlHeadParams } from '../../tensor/models/heads/stl.js';
import type { StepInfo } from '../../training/loop.js';
import { selfTransferLoss, stlAlpha } from '../losses.js';
import { buildTrainableNetwork, fitClassifier, trainingBatch, type Hooks, type TrainedModel } from '../fit.js';
import { augmentSchema } from '../augment.js';
import { networkConfig, type TrainingParams } from '../network-params.js';

export const stlProperties = {
  ...stlHeadParams,
  augment: augmentSchema,
  alphaSchedule: { enum: ['step', 'linear'], default: 'step', description: 'step: the paper (α jumps at alphaSwitchAt); linear: a ramp over training.' },
  alphaStart: { type: 'number', minimum: 0, maximum: 1, default: 0.1 },
  alphaEnd: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
  alphaSwitchAt: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Fraction of training where the step schedule switches.' },
} as const;

/** The params of train/stl: the shared training params plus the stl head's, the augmentation, and the α schedule. */
export type StlParams = TrainingParams & FromSchema<{ type: 'object'; properties: typeof stlProperties; additionalProperties: false }>;

export async function trainStl(tf: Tf, data: DatasetView, p: StlParams, hooks: Hooks): Promise<TrainedModel> {
  const head = { kind: 'stl', pooling: p.pooling, lseR: p.lseR, classifierBranch: p.classifierBranch, hidden: p.hidden, branchFeatures: p.branchFeatures };
  const net = await buildTrainableNetwork(tf, networkConfig(p, data.info, head), p, hooks);
  const train = data.split('train');
  const step = (indices: readonly number[], info: StepInfo) => {
    const { x, y } = trainingBatch(tf, data, indices, p.augment, info.random);
    const out = net.forward(x, true);
    const alpha = stlAlpha(p.alphaSchedule, p.alphaStart, p.alphaEnd, p.alphaSwitchAt, info.progress);
    return { loss: selfTransferLoss(tf, out.logits!, out.classifierLogits, y, alpha) };
  };
  // The paper reports the localizer's probabilities: accuracy is the localizer branch's.
  return fitClassifier(tf, net, p, { train, val: data.split('val') }, step, hooks);
}
