import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withPretrainedSettings } from '../../src/methods/fit.js';
import type { NetworkConfig } from '../../src/tensor/models/network.js';
import { tempDir } from '../helpers/cli.js';

const requested: NetworkConfig = {
  inputSize: { height: 128, width: 128 },
  inChannels: 3,
  classes: 10,
  backbone: { kind: 'resnet50', lastStride: 1 },
  head: { kind: 'gap-fc' },
  preprocess: 'centered',
};

function modelDir(network: NetworkConfig): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({ format: 'wsol-run-model', version: 1, network, classNames: [], trainedBy: 'model/pretrained', training: {}, weightsManifest: [] }),
  );
  return dir;
}

test('a trainer initialised from a wsol-run model takes its backbone settings and preprocessing, keeping its own input, classes and head', async () => {
  const imagenet: NetworkConfig = {
    ...requested,
    inputSize: { height: 224, width: 224 },
    classes: 1000,
    backbone: { kind: 'resnet50', lastStride: 2, bnEpsilon: 1e-3 },
    preprocess: 'caffe',
  };
  const adopted = await withPretrainedSettings(requested, modelDir(imagenet));
  assert.deepEqual(adopted, { ...requested, backbone: { kind: 'resnet50', lastStride: 2, bnEpsilon: 1e-3 }, preprocess: 'caffe' });
  // Another backbone kind, no pretrained weights, a tfjs LayersModel directory: the params decide.
  assert.deepEqual(await withPretrainedSettings(requested, modelDir({ ...imagenet, backbone: { kind: 'vgg16', extraConv: 0 } })), requested);
  assert.deepEqual(await withPretrainedSettings(requested, ''), requested);
  const layersModel = tempDir();
  writeFileSync(join(layersModel, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [] }));
  assert.deepEqual(await withPretrainedSettings(requested, layersModel), requested);
  // The small backbone keeps the params' layout (its channels must match the weights anyway).
  const small: NetworkConfig = { ...requested, backbone: { kind: 'small', channels: [8], poolAfter: [], batchNorm: false } };
  assert.deepEqual(
    await withPretrainedSettings(small, modelDir({ ...small, backbone: { kind: 'small', channels: [8], poolAfter: [0], batchNorm: true } })),
    small,
  );
});
