import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { buildNetwork, type Network, type NetworkConfig } from '../../src/tensor/models/network.js';
import { dglBatchLimit, dglGradients, dglLayerMaps, minMaxNormalise, type DglOptions } from '../../src/methods/maps/dgl.js';
import { selectClassMaps } from '../../src/methods/maps/cam.js';
import { crossEntropyPerExample, oneHot } from '../../src/methods/losses.js';

type T4 = TfCore.Tensor4D;
let tf: typeof TfCore;

const config: NetworkConfig = {
  inputSize: { height: 12, width: 12 },
  inChannels: 3,
  classes: 4,
  backbone: { kind: 'small', channels: [4, 6, 5], poolAfter: [0], batchNorm: true },
  head: { kind: 'gap-fc' },
  preprocess: 'centered',
};

const full: DglOptions = { enhanced: true, selection: 'pixel', alpha: 10 };

before(async () => {
  tf = await initTensorBackend('wasm');
});

function images(n: number, seed: number): T4 {
  return tf.randomUniform([n, 12, 12, 3], 0, 1, 'float32', seed) as T4;
}

/** A network whose batch norms hold running statistics away from their initial values (inference uses them). */
function network(seed: number): Network {
  const net = buildNetwork(tf, config, seed);
  tf.tidy(() => {
    for (const name of net.params.names()) {
      const v = net.params.get(name);
      if (name.endsWith('moving_variance')) v.assign(tf.randomUniform(v.shape, 0.5, 2, 'float32', seed + 1));
      if (name.endsWith('moving_mean')) v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', seed + 2));
    }
  });
  return net;
}

function maxDiff(a: TfCore.Tensor, b: TfCore.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

test('DGL without enhanced maps at the last stage of a GAP-FC network is CAM, min-max normalised', () => {
  const net = network(1);
  const x = images(3, 2);
  const classes = [0, 3, 1];
  const last = net.backbone.stageNames().at(-1)!;
  const [dgl, cam] = tf.tidy(() => {
    const out = net.forward(x, false);
    const maps = dglLayerMaps(tf, net, x, out.logits as TfCore.Tensor2D, classes, [last], { ...full, enhanced: false }).get(last)!;
    return [tf.keep(maps), tf.keep(minMaxNormalise(tf, selectClassMaps(tf, net.classMaps(out), classes)))];
  });
  assert.deepEqual(dgl!.shape, cam!.shape);
  assert.ok(maxDiff(dgl!, cam!) < 1e-4, `max difference ${maxDiff(dgl!, cam!)}`);
  net.dispose();
});

test('the class and enhancing gradients (two vector-Jacobian products from the logits) match finite differences at an inner layer', () => {
  const net = network(4);
  const x = images(2, 5);
  const classes = [2, 1];
  const layer = 'conv2';
  const n = 2;
  tf.tidy(() => {
    const logits = net.forward(x, false).logits as TfCore.Tensor2D;
    const { s, g, e } = dglGradients(tf, net, x, logits, classes, [layer], 10).get(layer)!;
    const target = oneHot(tf, classes, config.classes);
    const logitOf = (a: T4): TfCore.Tensor2D => net.applyHead(net.backbone.applyFrom(layer, a, false) as T4, false).logits as TfCore.Tensor2D;
    const classScore = (a: T4): Float32Array => tf.sum(tf.mul(logitOf(a), target), 1).dataSync() as Float32Array;
    const ce = (a: T4): Float32Array => crossEntropyPerExample(tf, logitOf(a), tf.mul(target, 10)).dataSync() as Float32Array;
    const base = s.dataSync() as Float32Array;
    const perImage = base.length / n;
    const gFd = new Float32Array(base.length);
    const eFd = new Float32Array(base.length);
    const h = 1e-2;
    for (let i = 0; i < base.length; i++) {
      const up = base.slice();
      const down = base.slice();
      up[i]! += h;
      down[i]! -= h;
      const img = Math.floor(i / perImage);
      const su = tf.tensor(up, s.shape) as T4;
      const sd = tf.tensor(down, s.shape) as T4;
      gFd[i] = (classScore(su)[img]! - classScore(sd)[img]!) / (2 * h);
      eFd[i] = (ce(su)[img]! - ce(sd)[img]!) / (2 * h);
    }
    for (const [name, analytic, numeric] of [
      ['G', g, gFd],
      ['E', e, eFd],
    ] as const) {
      const a = analytic.dataSync();
      const scale = Math.max(...numeric.map(Math.abs));
      const worst = Math.max(...numeric.map((v, i) => Math.abs(v - a[i]!)));
      assert.ok(scale > 1e-3, `${name}: a non-trivial gradient`);
      assert.ok(worst <= 2e-2 * scale, `${name}: largest difference from finite differences ${worst} (scale ${scale})`);
    }
  });
  net.dispose();
});

test('α scales the enhancing gradient, which the l2 normalisation cancels: α = 1 and α = 10 give the same maps', () => {
  const net = network(6);
  const x = images(2, 7);
  const [a, b] = tf.tidy(() => {
    const logits = net.forward(x, false).logits as TfCore.Tensor2D;
    const m1 = dglLayerMaps(tf, net, x, logits, [0, 2], ['conv1'], { ...full, alpha: 1 }).get('conv1')!;
    const m10 = dglLayerMaps(tf, net, x, logits, [0, 2], ['conv1'], { ...full, alpha: 10 }).get('conv1')!;
    return [tf.keep(m1), tf.keep(m10)];
  });
  assert.ok(maxDiff(a!, b!) < 1e-5);
  net.dispose();
});

test("maps at every layer have that layer's spatial size, and one pass over all layers equals a pass per layer", () => {
  const net = network(8);
  const x = images(2, 9);
  const layers = net.backbone.stageNames();
  const shapes = new Map(net.backbone.stageShapes(config.inputSize).map((s) => [s.name, s.shape]));
  for (const o of [full, { ...full, enhanced: false }, { ...full, selection: 'gradcam' as const }]) {
    tf.tidy(() => {
      const logits = net.forward(x, false).logits as TfCore.Tensor2D;
      const together = dglLayerMaps(tf, net, x, logits, [1, 3], layers, o);
      for (const layer of layers) {
        const map = together.get(layer)!;
        const [h, w] = shapes.get(layer)!;
        assert.deepEqual(map.shape, [2, h, w], layer);
        const alone = dglLayerMaps(tf, net, x, logits, [1, 3], [layer], o).get(layer)!;
        assert.ok(maxDiff(map, alone) < 1e-5, `${layer}: one pass vs alone`);
        const values = map.dataSync();
        assert.ok(Math.min(...values) >= 0 && Math.max(...values) <= 1 + 1e-6, `${layer}: min-max normalised`);
      }
    });
  }
  net.dispose();
});

test('the DGL batch is bounded by memory: more layers or less memory, fewer images', () => {
  const net = network(10);
  const one = dglBatchLimit(net, ['conv3'], 1);
  const all = dglBatchLimit(net, net.backbone.stageNames(), 1);
  assert.ok(all <= one);
  assert.ok(dglBatchLimit(net, ['conv3'], 1024) > one);
  assert.equal(dglBatchLimit(net, ['conv3'], 0), 1);
  net.dispose();
});

test("layers map to the papers' names: VGG16's block4_conv2 is conv4_2 and the added conv6 conv5_4; ResNet50's block outputs are torchvision's layerN.i", async () => {
  const { paperLayerName } = await import('../../src/tensor/models/backbones.js');
  assert.equal(paperLayerName('vgg16', 'block4_conv2'), 'conv4_2');
  assert.equal(paperLayerName('vgg16', 'block5_conv3'), 'conv5_3');
  assert.equal(paperLayerName('vgg16', 'conv6'), 'conv5_4');
  assert.equal(paperLayerName('vgg16', 'block4_pool'), undefined);
  assert.equal(paperLayerName('resnet50', 'conv4_block6_out'), 'layer3.5');
  assert.equal(paperLayerName('resnet50', 'conv2_block1_out'), 'layer1.0');
  assert.equal(paperLayerName('small', 'conv3'), undefined);
});
