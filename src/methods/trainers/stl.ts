/**
 * Self-transfer learning (Hwang & Kim): a shared trunk with a classifier
 * branch and a localizer branch (1x1 conv to one map per class + global
 * pooling), trained on (1-α)·CE_cls + α·CE_loc with α moving from its start
 * to its end value by a step or a linear ramp. Without the classifier branch
 * it is the plain localizer network the paper compares against.
 */
import type { Tf } from '../../tensor/backends/init.js';
import type { DatasetView } from '../../datasets/types.js';
import type { GlobalPooling } from '../../tensor/models/network.js';
import { oneHot, selfTransferLoss, stlAlpha } from '../losses.js';
import { batchTensor, buildTrainableNetwork, fitClassifier, type Hooks } from '../fit.js';
import { networkConfig, type TrainingParams } from '../network-params.js';
import type { TrainedNetwork } from './cam-network.js';
import type { StepInfo } from '../../training/loop.js';

export interface StlParams extends TrainingParams {
  pooling: GlobalPooling;
  lseR: number;
  classifierBranch: boolean;
  hidden: number;
  alphaSchedule: 'step' | 'linear';
  alphaStart: number;
  alphaEnd: number;
  /** Fraction of training at which the step schedule switches. */
  alphaSwitchAt: number;
}

export async function trainStl(tf: Tf, data: DatasetView, p: StlParams, hooks: Hooks): Promise<TrainedNetwork> {
  const head = { kind: 'stl' as const, pooling: p.pooling, lseR: p.lseR, classifierBranch: p.classifierBranch, hidden: p.hidden };
  const net = await buildTrainableNetwork(tf, networkConfig(p, data.info, head), p, hooks);
  const train = data.split('train');
  const val = data.split('val');
  const classes = data.info.classNames.length;
  const step = (indices: readonly number[], info: StepInfo) => {
    const x = batchTensor(tf, train, indices, data.info.imageSize, data.info.channels);
    const y = oneHot(tf, indices.map((i) => train.labels[i]!), classes);
    const out = net.forward(x, true);
    const alpha = stlAlpha(p.alphaSchedule, p.alphaStart, p.alphaEnd, p.alphaSwitchAt, info.progress);
    return { loss: selfTransferLoss(tf, out.logits!, out.classifierLogits, y, alpha) };
  };
  // The paper reports the localizer's probabilities: accuracy is the localizer branch's.
  return fitClassifier(tf, net, p, { train, val }, step, hooks);
}
