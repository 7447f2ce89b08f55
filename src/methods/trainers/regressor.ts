/**
 * SLT-Net's box regressor: backbone + GAP + FC + ReLU + FC(4), trained with
 * smooth-L1 on pseudo boxes normalised to [0, 1] (edges, not pixel indices:
 * (x0/W, y0/H, (x1+1)/W, (y1+1)/H)).
 */
import type { Tf } from '../../tensor/backends/init.js';
import type { Box, DatasetView } from '../../datasets/types.js';
import { smoothL1 } from '../losses.js';
import { batchTensor, buildTrainableNetwork, fit, type Hooks } from '../fit.js';
import { networkConfig, type TrainingParams } from '../network-params.js';
import type { TrainedNetwork } from './cam-network.js';

export interface RegressorParams extends TrainingParams {
  hidden: number;
}

export function normaliseBox(b: Box, width: number, height: number): [number, number, number, number] {
  return [b[0] / width, b[1] / height, (b[2] + 1) / width, (b[3] + 1) / height];
}

/** Normalised regressor output -> an inclusive pixel box inside the image. */
export function denormaliseBox(v: ArrayLike<number>, width: number, height: number): Box {
  const clamp = (x: number, max: number): number => Math.min(max, Math.max(0, x));
  const x0 = clamp(Math.round(v[0]! * width), width - 1);
  const y0 = clamp(Math.round(v[1]! * height), height - 1);
  const x1 = clamp(Math.round(v[2]! * width) - 1, width - 1);
  const y1 = clamp(Math.round(v[3]! * height) - 1, height - 1);
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
}

/** `targets[i]` = the pseudo box of train image i, in the dataset's imageSize grid. */
export async function trainRegressor(tf: Tf, data: DatasetView, targets: readonly Box[], p: RegressorParams, hooks: Hooks): Promise<TrainedNetwork> {
  const net = await buildTrainableNetwork(tf, networkConfig(p, data.info, { kind: 'regressor', hidden: p.hidden }), p, hooks);
  const train = data.split('train');
  const { width, height } = data.info.imageSize;
  const normalised = targets.map((b) => normaliseBox(b, width, height));
  const step = (indices: readonly number[]) => {
    const x = batchTensor(tf, train, indices, data.info.imageSize, data.info.channels);
    const y = tf.tensor2d(indices.map((i) => normalised[i]!));
    return { loss: smoothL1(tf, net.forward(x, true).boxes!, y) };
  };
  try {
    const log = await fit(tf, net, p, train, step, hooks);
    return { net, log, valTop1: Number.NaN };
  } catch (e) {
    net.dispose();
    throw e;
  }
}
