/**
 * Inference batches are bounded by memory, not by a fixed default: the
 * small networks keep the batch asked for, ResNet50 at 224 px gets one that
 * fits the budget (64 images would need ~6 GB of a 4 GB heap), and the
 * classifier run on the same images counts too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { buildNetwork, type NetworkConfig } from '../../src/tensor/models/network.js';
import { INFERENCE_MEMORY_MB, inferenceBatchSize } from '../../src/methods/inference.js';

const config = (backbone: NetworkConfig['backbone'], side: number): NetworkConfig => ({
  inputSize: { height: side, width: side },
  inChannels: 3,
  classes: 10,
  backbone,
  head: { kind: 'gap-fc' },
  preprocess: 'centered',
});

test('the small networks keep the batch asked for; ResNet50 at 224 px is lowered to what fits; a classifier beside it lowers it more', async () => {
  const tf = await initTensorBackend('cpu');
  const small = buildNetwork(tf, config({ kind: 'small', channels: [16, 32, 64, 128], poolAfter: [0, 1, 2], batchNorm: false }, 64), 1);
  assert.equal(inferenceBatchSize(64, [small]), 64);
  assert.equal(inferenceBatchSize(64, [small, small]), 64);
  assert.equal(inferenceBatchSize(5, [small]), 5, 'a smaller request wins');
  const resnet = buildNetwork(tf, config({ kind: 'resnet50', lastStride: 2 }, 224), 1);
  const alone = inferenceBatchSize(64, [resnet]);
  assert.ok(alone >= 1 && alone < 64, `ResNet50 batch ${alone}`);
  // Measured peak: ~96 MB an image at batch 1 (methods/inference.ts); the bound keeps the batch within the budget.
  assert.ok(alone * 96 <= INFERENCE_MEMORY_MB, `${alone} images x 96 MB within ${INFERENCE_MEMORY_MB} MB`);
  // imagenet-photos maps its six photos in one batch, as its lock was computed.
  assert.ok(alone >= 6, `ResNet50 batch ${alone} holds imagenet-photos' six photos`);
  const both = inferenceBatchSize(64, [resnet, resnet]);
  assert.ok(both < alone && both >= 1, `with a classifier: ${both}`);
  small.dispose();
  resnet.dispose();
});
