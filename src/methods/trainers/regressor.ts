/**
 * SLT-Net's box regressor: backbone + the `regressor` head, trained with
 * smooth-L1 on pseudo boxes. Box edges are normalised to [0, 1] and then,
 * as in the paper (p = x / m, m the network's downsampling), expressed in
 * feature-map cells (inference.ts): in [0, 1] every error would stay in
 * smooth-L1's quadratic part with tiny gradients.
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { Tf } from '../../tensor/backends/init.js';
import type { Box, DatasetView } from '../../datasets/types.js';
import { regressorHeadParams } from '../../tensor/models/heads/regressor.js';
import { smoothL1 } from '../losses.js';
import { buildTrainableNetwork, fit, type Hooks, type TrainedModel } from '../fit.js';
import { batchTensor, boxScale, normaliseBox } from '../inference.js';
import { networkConfig, type TrainingParams } from '../network-params.js';

export const regressorProperties = { ...regressorHeadParams } as const;

/** The params of train/regressor: the shared training params plus the regressor head's. */
export type RegressorParams = TrainingParams & FromSchema<{ type: 'object'; properties: typeof regressorProperties; additionalProperties: false }>;

/** `targets[i]` = the pseudo box of train image i, in the dataset's imageSize grid. */
export async function trainRegressor(tf: Tf, data: DatasetView, targets: readonly Box[], p: RegressorParams, hooks: Hooks): Promise<TrainedModel> {
  const net = await buildTrainableNetwork(tf, networkConfig(p, data.info, { kind: 'regressor', hidden: p.hidden, features: p.features }), p, hooks);
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
