/**
 * A classifier trained with cross-entropy: backbone + a head that makes
 * class scores (GAP + FC by default). The CAM baseline of every paper, and
 * SLT-Net's separately trained classifier.
 */
import type { Tf } from '../../tensor/backends/init.js';
import type { DatasetView } from '../../datasets/types.js';
import type { HeadConfig } from '../../tensor/models/network.js';
import type { StepInfo } from '../../training/loop.js';
import type { AugmentParams } from '../augment.js';
import { crossEntropy } from '../losses.js';
import { buildTrainableNetwork, fitClassifier, trainingBatch, type Hooks, type TrainedModel } from '../fit.js';
import { networkConfig, type TrainingParams } from '../network-params.js';

/** The params of train/classifier: the shared training params, the head and the augmentation. */
export type ClassifierParams = TrainingParams & { head: HeadConfig; augment: AugmentParams };

export async function trainClassifier(tf: Tf, data: DatasetView, p: ClassifierParams, hooks: Hooks): Promise<TrainedModel> {
  const net = await buildTrainableNetwork(tf, networkConfig(p, data.info, p.head), p, hooks);
  const train = data.split('train');
  const step = (indices: readonly number[], info: StepInfo) => {
    const { x, y } = trainingBatch(tf, data, indices, p.augment, info.random);
    return { loss: crossEntropy(tf, net.forward(x, true).logits!, y) };
  };
  return fitClassifier(tf, net, p, { train, val: data.split('val') }, step, hooks);
}
