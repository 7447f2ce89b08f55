/**
 * DGL's layer sweep: what one set of passes (two vector-Jacobian products) serving every
 * layer costs, against the maps of the earliest layer alone (the sweep's
 * target: at most 2x) and against one run per layer, side by side in one
 * run, interleaved, median of several. Two networks: the testbed's small
 * backbone (64 px, 5 conv layers) and ResNet-50 (224 px, its 16 block
 * outputs). Writes a BENCHMARKS.md section.
 *
 *   npm run bench:dgl -- --runs 3 --images 4
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { initTensorBackend, type Tf } from '../src/tensor/backends/init.js';
import { buildNetwork, type Network, type NetworkConfig } from '../src/tensor/models/network.js';
import { dglLayerMaps, type DglOptions } from '../src/methods/maps/dgl.js';
import { machine, markdownTable, median, numericOption, updateBenchmarks } from './lib/report.js';
import { resnet50Config } from './lib/resnet.js';

const RUNS = numericOption('runs', 3);
const IMAGES = numericOption('images', 4);
const OPTIONS: DglOptions = { enhanced: true, selection: 'pixel', alpha: 10 };

const NETWORKS: { name: string; config: NetworkConfig }[] = [
  {
    name: 'small backbone, 64 px',
    config: {
      inputSize: { height: 64, width: 64 },
      inChannels: 3,
      classes: 100,
      backbone: { kind: 'small', channels: [32, 64, 128, 128, 128], poolAfter: [0, 1, 2], batchNorm: true },
      head: { kind: 'gap-fc' },
      preprocess: 'centered',
    },
  },
  {
    name: 'ResNet-50, 224 px',
    config: resnet50Config(224),
  },
];

function timeIt(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

function mapsAt(tf: Tf, net: Network, x: TfCore.Tensor4D, layers: readonly string[]): void {
  tf.tidy(() => {
    const logits = net.forward(x, false).logits! as TfCore.Tensor2D;
    const classes = Array.from({ length: x.shape[0] }, (_, i) => (i * 7) % net.config.classes);
    for (const m of dglLayerMaps(tf, net, x, logits, classes, layers, OPTIONS).values()) m.dataSync();
  });
}

async function main(): Promise<void> {
  const tf = await initTensorBackend('wasm');
  const loadBefore = loadavg()[0]!;
  const rows: string[][] = [];
  for (const { name, config } of NETWORKS) {
    const net = buildNetwork(tf, config, 0);
    const layers = net.backbone
      .stageShapes(config.inputSize)
      .filter((s) => s.conv)
      .map((s) => s.name);
    const x = tf.randomUniform([IMAGES, config.inputSize.height, config.inputSize.width, 3], 0, 1, 'float32', 1) as TfCore.Tensor4D;
    mapsAt(tf, net, x, layers); // warm-up
    const sweep: number[] = [];
    const earliest: number[] = [];
    const separate: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      sweep.push(timeIt(() => mapsAt(tf, net, x, layers)));
      earliest.push(timeIt(() => mapsAt(tf, net, x, [layers[0]!])));
      separate.push(timeIt(() => layers.forEach((l) => mapsAt(tf, net, x, [l]))));
    }
    const [s, e, p] = [median(sweep), median(earliest), median(separate)];
    rows.push([
      `${name}, ${layers.length} layers, ${IMAGES} images`,
      `${(s / 1000).toFixed(2)} s`,
      `${(e / 1000).toFixed(2)} s`,
      `${(s / e).toFixed(2)}x`,
      `${(p / 1000).toFixed(2)} s`,
      `${(p / s).toFixed(1)}x`,
    ]);
    process.stdout.write(`${name}: sweep ${s.toFixed(0)} ms, earliest alone ${e.toFixed(0)} ms, separate ${p.toFixed(0)} ms\n`);
    x.dispose();
    net.dispose();
  }
  const table = markdownTable(
    [`median of ${RUNS}`, 'one-pass sweep', 'earliest layer alone', 'sweep / earliest (target ≤ 2x)', 'one run per layer', 'per-layer runs / sweep'],
    rows,
  );
  process.stdout.write(`${table}\n`);
  updateBenchmarks(
    'dgl-sweep',
    `## DGL layer sweep: one pass for every layer

Machine: ${machine()}. Command: \`npm run bench:dgl -- --runs ${RUNS} --images ${IMAGES}\` (1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after). DGL maps (enhanced, pixel-level selection) of a batch at every conv layer (each residual block's output for ResNet-50), wasm backend, random weights (the cost does not depend on them): the one-pass sweep (two vector-Jacobian products from the logits, each a forward and a backward pass of the batch, zero probes at every layer), the earliest layer alone (the same passes with one probe: the backward still runs from the logits down to it), and one such run per layer. Interleaved, median of ${RUNS}.

${table}
`,
  );
}

await main();
