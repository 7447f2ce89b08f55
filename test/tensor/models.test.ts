import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { buildNetwork, type NetworkConfig } from '../../src/tensor/models/network.js';
import { loadModel, loadPretrainedWeights, saveModel } from '../../src/tensor/models/model-io.js';

const small: NetworkConfig = {
  inputSize: { height: 16, width: 16 },
  inChannels: 3,
  classes: 4,
  backbone: { kind: 'small', channels: [8, 12, 16], poolAfter: [0, 1], batchNorm: true },
  head: { kind: 'gap-fc' },
  preprocess: 'centered',
};

function input(tf: typeof TfCore, n = 2, size = 16): TfCore.Tensor4D {
  return tf.tidy(() => tf.reshape(tf.sin(tf.range(0, n * size * size * 3)), [n, size, size, 3]) as TfCore.Tensor4D);
}

function maxAbsDiff(tf: typeof TfCore, a: TfCore.Tensor, b: TfCore.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

test('small backbone: named stages, shapes, and cutting at any stage gives the same output', async () => {
  const tf = await initTensorBackend('wasm');
  const net = buildNetwork(tf, small, 1);
  assert.deepEqual(net.backbone.stageNames(), ['conv1', 'pool1', 'conv2', 'pool2', 'conv3']);
  const x = input(tf);
  const full = net.forward(x, false);
  assert.deepEqual(full.features.shape, [2, 4, 4, 16]);
  assert.deepEqual(full.logits!.shape, [2, 4]);
  for (const name of net.backbone.stageNames()) {
    const output = net.backbone.apply(net.input(x), false, name);
    const resumed = net.backbone.applyFrom(name, output, false);
    assert.ok(maxAbsDiff(tf, resumed, full.features) < 1e-6, `cut at ${name}`);
  }
  net.dispose();
});

test('CAM equals the channel sum of gradient x features, times h*w (the identity DGL builds on)', async () => {
  const tf = await initTensorBackend('wasm');
  const net = buildNetwork(tf, small, 2);
  const x = input(tf);
  const out = net.forward(x, false);
  const cam = net.classMaps(out);
  const c = 1;
  const g = tf.grad((s: TfCore.Tensor) => tf.sum(tf.slice(net.applyHead(s as TfCore.Tensor4D, false).logits!, [0, c], [-1, 1])))(out.features);
  const dgl = tf.sum(tf.mul(g, out.features), 3);
  const camC = tf.squeeze(tf.slice(cam, [0, 0, 0, c], [-1, -1, -1, 1]), [3]);
  assert.ok(maxAbsDiff(tf, tf.mul(dgl, 16), camC) < 1e-4);
  net.dispose();
});

test('VGG16-GAP and ResNet-50 have the Keras parameter counts and 1/16 resolution', async () => {
  const tf = await initTensorBackend('wasm');
  const vgg = buildNetwork(tf, { ...small, inputSize: { height: 32, width: 32 }, backbone: { kind: 'vgg16', extraConv: 0 } }, 0);
  // Keras VGG16(include_top=False): 14,714,688 parameters.
  assert.equal(vgg.backbone.stages.filter((s) => s.conv).length, 13);
  const vggConv = vgg.params
    .names()
    .filter((n) => n.startsWith('block'))
    .reduce((s, n) => s + vgg.params.get(n).size, 0);
  assert.equal(vggConv, 14_714_688);
  assert.equal(vgg.backbone.stride, 16);
  const vout = vgg.forward(input(tf, 1, 32), false);
  assert.deepEqual(vout.features.shape, [1, 2, 2, 512]);
  vgg.dispose();

  const resnet = buildNetwork(tf, { ...small, inputSize: { height: 32, width: 32 }, backbone: { kind: 'resnet50', lastStride: 1 } }, 0);
  // Keras ResNet50(include_top=False): 23,587,712 parameters (23,534,592 trainable).
  const all = resnet.params
    .names()
    .filter((n) => n.startsWith('conv'))
    .reduce((s, n) => s + resnet.params.get(n).size, 0);
  assert.equal(all, 23_587_712);
  assert.equal(resnet.backbone.stride, 16);
  assert.ok(resnet.backbone.stageNames().includes('conv4_block6_out'));
  const rout = resnet.forward(input(tf, 1, 32), false);
  assert.deepEqual(rout.features.shape, [1, 2, 2, 2048]);
  resnet.dispose();
});

test('backbones know their output size before a forward pass (what flattened heads are sized by), odd sizes included', async () => {
  const tf = await initTensorBackend('wasm');
  const cases: { backbone: NetworkConfig['backbone']; height: number; width: number }[] = [
    { backbone: { kind: 'small', channels: [4, 4, 4], poolAfter: [0, 1], batchNorm: false }, height: 37, width: 45 },
    { backbone: { kind: 'vgg16', extraConv: 0 }, height: 35, width: 33 },
    { backbone: { kind: 'resnet50', lastStride: 1 }, height: 37, width: 41 },
    { backbone: { kind: 'resnet50', lastStride: 2 }, height: 37, width: 41 },
  ];
  for (const c of cases) {
    const net = buildNetwork(tf, { ...small, inputSize: { height: c.height, width: c.width }, backbone: c.backbone }, 0);
    const x = tf.zeros([1, c.height, c.width, 3]) as TfCore.Tensor4D;
    const shape = net.forward(x, false).features.shape;
    assert.deepEqual(net.backbone.outputSize({ height: c.height, width: c.width }), { height: shape[1], width: shape[2] }, c.backbone.kind);
    net.dispose();
  }
});

test('flattened-feature heads read every position: their first FC layer takes h*w*k inputs (k with gap); saved models without the param read pooled features', async () => {
  const tf = await initTensorBackend('wasm');
  const flat = buildNetwork(tf, { ...small, head: { kind: 'regressor', hidden: 8, features: 'flatten' } }, 1);
  const gap = buildNetwork(tf, { ...small, head: { kind: 'regressor', hidden: 8, features: 'gap' } }, 1);
  const [, h, w, k] = flat.forward(input(tf), false).features.shape;
  assert.deepEqual(flat.params.get('reg_fc1/kernel').shape, [h * w * k, 8]);
  assert.deepEqual(gap.params.get('reg_fc1/kernel').shape, [k, 8]);
  const stl = buildNetwork(tf, { ...small, head: { kind: 'stl', pooling: 'avg', lseR: 5, classifierBranch: true, hidden: 8, branchFeatures: 'flatten' } }, 1);
  assert.deepEqual(stl.params.get('cls_fc1/kernel').shape, [h * w * k, 8]);
  // A model saved before the readout param existed (no field) reads pooled features.
  const legacy = buildNetwork(tf, { ...small, head: { kind: 'stl', pooling: 'avg', lseR: 5, classifierBranch: true, hidden: 8 } }, 1);
  assert.deepEqual(legacy.params.get('cls_fc1/kernel').shape, [k, 8]);
  for (const n of [flat, gap, stl, legacy]) n.dispose();
});

test('a saved model loads back with identical outputs; a truncated shard is a clear error', async () => {
  const tf = await initTensorBackend('wasm');
  const net = buildNetwork(tf, small, 3);
  const dir = await mkdtemp(join(tmpdir(), 'wsol-model-'));
  await saveModel(dir, net, { classNames: ['a', 'b', 'c', 'd'], trainedBy: 'test', training: { epochs: 0 } });
  const x = input(tf);
  const { net: loaded, description } = await loadModel(tf, dir);
  assert.deepEqual(description.classNames, ['a', 'b', 'c', 'd']);
  assert.equal(maxAbsDiff(tf, net.forward(x, false).logits!, loaded.forward(x, false).logits!), 0);
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(10));
  await assert.rejects(loadModel(tf, dir), /truncated or from another model/);
  net.dispose();
  loaded.dispose();
});

test('pretrained weights load from a tfjs LayersModel directory (model.json + shards) by layer name', async () => {
  const tf = await initTensorBackend('wasm');
  const tfl = await import('@tensorflow/tfjs-layers');
  // A Keras-style model with the same layer names as our small backbone without batch norm.
  const keras = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 4, name: 'fc' }),
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'wsol-layers-'));
  await keras.save(
    tf.io.withSaveHandler(async (artifacts) => {
      // Two shards, as tensorflowjs_converter writes for large models.
      const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const half = Math.floor(data.byteLength / 2);
      await writeFile(join(dir, 'group1-shard1of2.bin'), data.subarray(0, half));
      await writeFile(join(dir, 'group1-shard2of2.bin'), data.subarray(half));
      await writeFile(
        join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  assert.equal((await readdir(dir)).length, 3);
  const net = buildNetwork(tf, { ...small, backbone: { kind: 'small', channels: [8, 12], poolAfter: [0], batchNorm: false } }, 9);
  const report = await loadPretrainedWeights(tf, net, dir);
  assert.deepEqual(report.untouched, []);
  assert.deepEqual(report.unused, []);
  const x = input(tf);
  assert.ok(maxAbsDiff(tf, net.forward(x, false).logits!, keras.predict(tf.sub(x, 0.5)) as TfCore.Tensor) < 1e-5);
  await assert.rejects(loadPretrainedWeights(tf, net, join(dir, 'nope')), /expected a tfjs LayersModel directory/);
  net.dispose();
  keras.dispose();
});

test('a saved wsol-run model initialises another network of the same backbone by layer name', async () => {
  const tf = await initTensorBackend('wasm');
  const trained = buildNetwork(tf, small, 11);
  const dir = await mkdtemp(join(tmpdir(), 'wsol-init-'));
  await saveModel(dir, trained, { classNames: ['a', 'b', 'c', 'd'], trainedBy: 'test', training: {} });
  const fresh = buildNetwork(tf, small, 12);
  const report = await loadPretrainedWeights(tf, fresh, dir);
  assert.deepEqual(report.untouched, []);
  const x = input(tf);
  assert.equal(maxAbsDiff(tf, trained.forward(x, false).logits!, fresh.forward(x, false).logits!), 0);
  // Another task (more classes): the backbone loads, the head of another shape is initialised fresh; a backbone that differs is an error.
  const wider = buildNetwork(tf, { ...small, classes: 7 }, 13);
  const widerReport = await loadPretrainedWeights(tf, wider, dir);
  assert.deepEqual(widerReport.untouched.sort(), ['fc/bias', 'fc/kernel']);
  assert.ok(widerReport.unused.some((n) => n.startsWith('fc/')));
  const backboneOf = (n: ReturnType<typeof buildNetwork>) => tf.tidy(() => n.backbone.apply(n.input(x), false).dataSync());
  assert.deepEqual(backboneOf(wider), backboneOf(trained));
  const deeper = buildNetwork(tf, { ...small, backbone: { kind: 'small', channels: [8, 12, 20], poolAfter: [0, 1], batchNorm: true } }, 14);
  await assert.rejects(loadPretrainedWeights(tf, deeper, dir), /conv3\/kernel has shape/);
  for (const n of [trained, fresh, wider, deeper]) n.dispose();
});
