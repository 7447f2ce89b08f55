/**
 * SLT-Net's box regressor: backbone + GAP + FC + ReLU + FC(4), trained with
 * smooth-L1 on pseudo boxes. Box edges (not pixel indices: x0, y0, x1+1,
 * y1+1) are normalised to [0, 1] and then, as in the paper (p = x / m, m the
 * network's downsampling), expressed in feature-map cells: multiplied by
 * W/m and H/m. In [0, 1] every error would stay in smooth-L1's quadratic part
 * with tiny gradients.
 */
import type { Tf } from '../../tensor/backends/init.js';
import type { Box, DatasetView } from '../../datasets/types.js';
import type { Network } from '../../tensor/models/network.js';
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

/** Multipliers from normalised x and y to feature-map cells: [W/m, H/m]. */
export function boxScale(net: Network): [number, number] {
  const m = net.backbone.stride;
  return [net.config.inputSize.width / m, net.config.inputSize.height / m];
}

/** `targets[i]` = the pseudo box of train image i, in the dataset's imageSize grid. */
export async function trainRegressor(tf: Tf, data: DatasetView, targets: readonly Box[], p: RegressorParams, hooks: Hooks): Promise<TrainedNetwork> {
  const net = await buildTrainableNetwork(tf, networkConfig(p, data.info, { kind: 'regressor', hidden: p.hidden }), p, hooks);
  const train = data.split('train');
  const { width, height } = data.info.imageSize;
  const cells = boxScale(net);
  const normalised = targets.map((b) => normaliseBox(b, width, height).map((v, k) => v * cells[k % 2]!));
  const step = (indices: readonly number[]) => {
    const x = batchTensor(tf, train, indices, data.info.imageSize, data.info.channels);
    const y = tf.tensor2d(indices.map((i) => normalised[i]!));
    return { loss: smoothL1(tf, net.forward(x, true).boxes!, y) };
  };
  const log = await fit(tf, net, p, train, step, hooks);
  return { net, log, valTop1: Number.NaN };
}
