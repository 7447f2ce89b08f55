import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfCore from '@tensorflow/tfjs-core';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { buildNetwork, type NetworkConfig } from '../../src/tensor/models/network.js';
import { applyVst, invertVstMaps, type VstDraw } from '../../src/methods/vst.js';
import { visualStimuliLoss } from '../../src/methods/losses.js';

const config: NetworkConfig = {
  inputSize: { height: 32, width: 32 },
  inChannels: 3,
  classes: 4,
  backbone: { kind: 'small', channels: [8, 8, 16], poolAfter: [0, 1], batchNorm: false },
  head: { kind: 'gap-fc' },
  preprocess: 'centered',
};

/** Kernel gradients of the whole VST path (both forward passes, jitter, flip, resize, inverse) on one backend. */
async function vstGradients(tf: typeof TfCore, backend: string, side: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const net = buildNetwork(tf, config, 3);
  const x = tf.tidy(() => tf.div(tf.add(tf.sin(tf.reshape(tf.range(0, 2 * 32 * 32 * 3), [2, 32, 32, 3])), 1), 2) as TfCore.Tensor4D);
  const draw: VstDraw = { flip: true, size: [side, side], brightness: [1.1, 0.9], contrast: [1.2, 1], saturation: [0.8, 1], hue: [0.05, -0.02] };
  const { grads } = tf.variableGrads(() => {
    const original = net.classMaps(net.forward(x, true));
    const moved = net.classMaps(net.forward(applyVst(tf, x, draw), true));
    return visualStimuliLoss(tf, original, invertVstMaps(tf, moved, draw, original.shape[1], original.shape[2]));
  }, net.trainable());
  const out = net.params
    .names()
    .filter((n) => n.endsWith('/kernel'))
    .map((n) => grads[net.params.get(n).name]!.dataSync() as Float32Array);
  net.dispose();
  return out;
}

test('gradients of the VST loss through both passes and the inverse transform match the cpu backend (scaled down, same, up)', async () => {
  const tf = await initTensorBackend('wasm');
  await import('@tensorflow/tfjs-backend-cpu');
  for (const side of [24, 32, 40]) {
    const cpu = await vstGradients(tf, 'cpu', side);
    const wasm = await vstGradients(tf, 'wasm', side);
    cpu.forEach((g, k) => {
      let diff = 0,
        scale = 0;
      for (let j = 0; j < g.length; j++) {
        diff = Math.max(diff, Math.abs(g[j]! - wasm[k]![j]!));
        scale = Math.max(scale, Math.abs(g[j]!));
      }
      assert.ok(diff <= 1e-4 * Math.max(scale, 1e-6), `side ${side}, kernel ${k}: max diff ${diff}, max |grad| ${scale}`);
    });
  }
  await tf.setBackend('wasm');
});
