/**
 * Peak memory of one inference forward pass per image, measured with
 * tf.profile on the wasm backend, beside the stage-output estimate that
 * methods/inference.ts bounds maps/cam's and predict/boxes' batches with:
 * the measured ratio is what its per-backbone factor must cover, and the
 * last column is the batch the bound gives for a request of 64.
 *
 *   npm run bench:inference-memory
 */
import { initTensorBackend } from '../src/tensor/backends/init.js';
import type { BackboneConfig } from '../src/tensor/models/backbones.js';
import { buildNetwork } from '../src/tensor/models/network.js';
import { inferenceBatchSize } from '../src/methods/inference.js';
import { machine, markdownTable, updateBenchmarks } from './lib/report.js';

const CASES: [label: string, backbone: BackboneConfig, side: number][] = [
  ['small (quickstart: 16-32-64-128)', { kind: 'small', channels: [16, 32, 64, 128], poolAfter: [0, 1, 2], batchNorm: false }, 64],
  ['small (NUM40: 32-64-128x5, batch norm)', { kind: 'small', channels: [32, 64, 128, 128, 128, 128, 128], poolAfter: [0, 1, 2], batchNorm: true }, 64],
  ['VGG16 + conv6 1024', { kind: 'vgg16', extraConv: 1024 }, 224],
  ['ResNet50 (last stride 2)', { kind: 'resnet50', lastStride: 2 }, 224],
];
const BATCHES = [1, 4];

const tf = await initTensorBackend('wasm');
const rows: string[][] = [];
for (const [label, backbone, side] of CASES) {
  const net = buildNetwork(
    tf,
    { inputSize: { height: side, width: side }, inChannels: 3, classes: 10, backbone, head: { kind: 'gap-fc' }, preprocess: 'centered' },
    1,
  );
  const stageBytes = 4 * net.backbone.stageShapes({ height: side, width: side }).reduce((a, s) => a + s.shape[0] * s.shape[1] * s.shape[2], 0);
  for (const batch of BATCHES) {
    const before = tf.memory().numBytes;
    const profile = await tf.profile(() => tf.tidy(() => net.forward(tf.zeros([batch, side, side, 3]), false).logits!));
    const perImage = (profile.peakBytes - before) / batch;
    rows.push([
      label,
      `${side} px`,
      String(batch),
      `${(perImage / 2 ** 20).toFixed(1)} MB`,
      `${(stageBytes / 2 ** 20).toFixed(1)} MB`,
      `${(perImage / stageBytes).toFixed(2)}x`,
      String(inferenceBatchSize(64, [net])),
    ]);
    console.log(rows.at(-1)!.join('  '));
  }
  net.dispose();
}
const body = `## Inference memory per image and the batch bound (bench/inference-memory.ts)\n\n${machine()}\n\nCommand: \`npm run bench:inference-memory\` (measured ${new Date().toISOString().slice(0, 10)}; tfjs-backend-wasm, weights at their random initialisation, one forward pass inside tf.tidy as maps/cam and predict/boxes run it; tf.profile's peak bytes above what was allocated before, per image). "stage outputs" is the sum of the backbone's stage output sizes per image; methods/inference.ts bounds a batch by that sum times a factor per backbone (small and VGG16 2, ResNet50 5) within 1 GiB. The last column is the batch it gives when 64 is asked for.\n\n${markdownTable(['network', 'input', 'batch', 'peak per image', 'stage outputs', 'ratio', 'batch for 64'], rows)}`;
updateBenchmarks('inference-memory', body);
