import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { buildNetwork, type NetworkConfig } from '../../src/tensor/models/network.js';
import { trainLoop, type StepLosses, type TrainStep } from '../../src/training/loop.js';
import { crossEntropy, oneHot } from '../../src/methods/losses.js';
import { batchTensor } from '../../src/methods/inference.js';
import { tinyDataset } from '../helpers/tiny-dataset.js';

const hooks = { signal: new AbortController().signal, progress: () => {}, log: () => {} };
/** A two-conv network for 16x16 images of two classes. */
function tinyNetwork(batchNorm: boolean): NetworkConfig {
  return {
    inputSize: { height: 16, width: 16 },
    inChannels: 3,
    classes: 2,
    backbone: { kind: 'small', channels: [4, 8], poolAfter: [0], batchNorm },
    head: { kind: 'gap-fc' },
    preprocess: 'centered',
  };
}

const optimizer = { optimizer: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-3, schedule: 'constant', lrStep: 30, lrDecay: 0.1, headLrMultiplier: 1 } as const;

/** The plain classification step on the tiny dataset: cross-entropy of the network's logits. */
function crossEntropyStep(
  tf: Awaited<ReturnType<typeof initTensorBackend>>,
  net: ReturnType<typeof buildNetwork>,
  train: Awaited<ReturnType<typeof tinyDataset>>['view'] extends { split(name: string): infer S } ? S : never,
): TrainStep {
  return (indices) => {
    const x = batchTensor(tf, train, indices, { height: 16, width: 16 }, 3);
    const y = oneHot(
      tf,
      indices.map((i) => train.labels[i]!),
      2,
    );
    return { loss: crossEntropy(tf, net.forward(x, true).logits!, y) as TfCore.Scalar };
  };
}

test('a gradient step that accumulates two half-batches trains exactly like the loss step of the whole batch', async () => {
  const tf = await initTensorBackend('wasm');
  const { view } = await tinyDataset({ perSplit: { train: 16 } });
  const train = view.split('train');
  const config = tinyNetwork(false);
  const lossOf = (net: ReturnType<typeof buildNetwork>, indices: readonly number[], weight: number): StepLosses => {
    const x = batchTensor(tf, train, indices, { height: 16, width: 16 }, 3);
    const y = oneHot(
      tf,
      indices.map((i) => train.labels[i]!),
      2,
    );
    return { loss: tf.mul(crossEntropy(tf, net.forward(x, true).logits!, y), weight) as TfCore.Scalar };
  };
  const run = async (step: (net: ReturnType<typeof buildNetwork>) => TrainStep): Promise<{ losses: number[]; weights: Float32Array[] }> => {
    const net = buildNetwork(tf, config, 3);
    const kernels = net.params
      .names()
      .filter((n) => n.endsWith('/kernel'))
      .map((n) => net.params.get(n));
    const log = await trainLoop({
      tf,
      epochs: 6,
      batchSize: 8,
      count: train.count,
      seed: 5,
      optimizer,
      groups: [{ variables: net.trainable(), lrMultiplier: 1 }],
      decayed: kernels,
      step: step(net),
      ...hooks,
    });
    const weights = net.params.names().map((n) => net.params.get(n).dataSync() as Float32Array);
    net.dispose();
    return { losses: log.map((r) => r.loss), weights };
  };
  const whole = await run((net) => (indices) => lossOf(net, indices, 1));
  const halves = await run((net) => ({
    gradients: async (indices, _info, measure) => {
      const a = await measure(() => lossOf(net, indices.slice(0, 4), 0.5));
      const b = await measure(() => lossOf(net, indices.slice(4), 0.5));
      const grads: TfCore.NamedTensorMap = {};
      for (const name of Object.keys(a.grads)) {
        grads[name] = tf.add(a.grads[name]!, b.grads[name]!);
        a.grads[name]!.dispose();
        b.grads[name]!.dispose();
      }
      return { loss: a.loss + b.loss, parts: {}, grads };
    },
  }));
  whole.losses.forEach((l, i) => assert.ok(Math.abs(l - halves.losses[i]!) < 1e-5, `epoch ${i + 1}: ${l} vs ${halves.losses[i]}`));
  let worst = 0;
  whole.weights.forEach((w, i) => {
    for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(w[j]! - halves.weights[i]![j]!));
  });
  assert.ok(worst < 1e-5, `weights differ by ${worst}`);
  assert.ok(whole.losses.at(-1)! < whole.losses[0]!, `the loss went down: ${whole.losses.join(', ')}`);
});

test('a training stopped after a checkpoint resumes to the very weights of an uninterrupted one (SGD, Nesterov, Adam; batch norm)', async () => {
  const tf = await initTensorBackend('wasm');
  const { view } = await tinyDataset({ perSplit: { train: 16 } });
  const train = view.split('train');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const config = tinyNetwork(true);
  for (const kind of ['sgd', 'nesterov', 'adam'] as const) {
    const train3 = async (checkpointDir: string | undefined, stopAfterEpoch?: number): Promise<{ weights: Float32Array[]; epochs: number[] }> => {
      const net = buildNetwork(tf, config, 3);
      const controller = new AbortController();
      try {
        const log = await trainLoop({
          tf,
          epochs: 3,
          batchSize: 8,
          count: train.count,
          seed: 5,
          optimizer: { ...optimizer, optimizer: kind, lr: kind === 'adam' ? 0.01 : 0.1 },
          groups: [{ variables: net.trainable(), lrMultiplier: 1 }],
          decayed: [],
          step: crossEntropyStep(tf, net, train),
          ...hooks,
          signal: controller.signal,
          // Stops the loop at the first step after this epoch (its checkpoint is written first).
          onEpochEnd: (epoch) => {
            if (epoch === stopAfterEpoch) controller.abort();
            return {};
          },
          ...(checkpointDir
            ? {
                checkpoint: {
                  dir: checkpointDir,
                  every: 1,
                  parameters: () => net.params.snapshot(),
                  restore: (v) => {
                    net.params.assign(v);
                  },
                },
              }
            : {}),
        });
        return { weights: net.params.names().map((n) => net.params.get(n).dataSync() as Float32Array), epochs: log.map((r) => r.epoch) };
      } finally {
        net.dispose();
      }
    };
    const uninterrupted = await train3(undefined);
    const dir = mkdtempSync(join(tmpdir(), 'wsol-ckpt-'));
    await assert.rejects(train3(dir, 0), /abort/i, `${kind}: the first attempt stops in epoch 2`);
    const resumed = await train3(dir);
    assert.deepEqual(resumed.epochs, [1, 2, 3], `${kind}: the log of the resumed training covers every epoch`);
    assert.deepEqual(resumed.weights, uninterrupted.weights, `${kind}: resumed weights equal the uninterrupted ones bit for bit`);
  }
});

test('the training loop reports its throughput (images per second) with each progress update', async () => {
  const tf = await initTensorBackend('wasm');
  const { view } = await tinyDataset({ perSplit: { train: 16 } });
  const train = view.split('train');
  const net = buildNetwork(tf, tinyNetwork(false), 3);
  const updates: import('../../src/core/progress.js').ProgressUpdate[] = [];
  await trainLoop({
    tf,
    epochs: 1,
    batchSize: 8,
    count: train.count,
    seed: 1,
    optimizer,
    groups: [{ variables: net.trainable(), lrMultiplier: 1 }],
    decayed: [],
    step: crossEntropyStep(tf, net, train),
    ...hooks,
    progress: (u) => updates.push(u),
  });
  net.dispose();
  const last = updates.at(-1)!;
  assert.equal(last.step, 2);
  assert.ok(last.imagesPerSecond !== undefined && last.imagesPerSecond > 0 && Number.isFinite(last.imagesPerSecond), JSON.stringify(last));
});
