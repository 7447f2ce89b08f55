/**
 * Batch norm in training on wasm. (1) The testbed's small backbone (five 3x3
 * convs 32-64-128-128-128, pools after the first three, 64x64x3, batch 16,
 * 100 classes): one training step (loss + every gradient) without and with
 * batch norm as wsol-run trains it. (2) The batch-norm layers of that network
 * alone (batch moments + normalisation, forward and backward at each layer's
 * shape): broadcasting ops (what wsol-run uses) vs tf.batchNorm
 * (FusedBatchNorm, whose gradient tiles its inputs to the input's shape).
 * Interleaved, median of several runs. Writes a BENCHMARKS.md section.
 *
 *   npm run bench:bn -- --runs 5 --steps 5
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { initTensorBackend, type Tf } from '../src/tensor/backends/init.js';
import { buildNetwork } from '../src/tensor/models/network.js';
import { normalise } from '../src/tensor/nn/batch-norm.js';
import { machine, markdownTable, median, numericOption, updateBenchmarks } from './lib/report.js';

const RUNS = numericOption('runs', 5);
const STEPS = numericOption('steps', 5);
const BN_SHAPES: [number, number, number, number][] = [
  [16, 64, 64, 32],
  [16, 32, 32, 64],
  [16, 16, 16, 128],
  [16, 8, 8, 128],
  [16, 8, 8, 128],
];

function networkStep(tf: Tf, batchNorm: boolean): () => void {
  const net = buildNetwork(
    tf,
    {
      inputSize: { height: 64, width: 64 },
      inChannels: 3,
      classes: 100,
      backbone: { kind: 'small', channels: [32, 64, 128, 128, 128], poolAfter: [0, 1, 2], batchNorm },
      head: { kind: 'gap-fc' },
      preprocess: 'centered',
    },
    0,
  );
  const x = tf.randomUniform([16, 64, 64, 3], 0, 1, 'float32', 1);
  const y = tf.cast(
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 16 }, (_, i) => i * 6),
        'int32',
      ),
      100,
    ),
    'float32',
  );
  return () => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, true).logits!) as TfCore.Scalar, net.trainable());
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
  };
}

function layersStep(tf: Tf, fused: boolean): () => void {
  const inputs = BN_SHAPES.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', i + 1));
  const gammas = BN_SHAPES.map((s) => tf.ones([s[3]]));
  const betas = BN_SHAPES.map((s) => tf.zeros([s[3]]));
  return () =>
    tf.tidy(() => {
      for (let i = 0; i < inputs.length; i++) {
        const f = (x: TfCore.Tensor, g: TfCore.Tensor, b: TfCore.Tensor): TfCore.Scalar => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          const out = fused ? tf.batchNorm(x as TfCore.Tensor4D, mean, variance, b, g, 1e-3) : normalise(tf, x, mean, variance, g, b, 1e-3);
          return tf.sum(tf.square(out)) as TfCore.Scalar;
        };
        for (const g of tf.grads(f)([inputs[i]!, gammas[i]!, betas[i]!])) g.dataSync();
      }
    });
}

async function main(): Promise<void> {
  const tf = await initTensorBackend('wasm');
  const cases: [string, () => void][] = [
    ['network step, no batch norm', networkStep(tf, false)],
    ['network step, batch norm (broadcasting ops)', networkStep(tf, true)],
    ['batch-norm layers alone, broadcasting ops', layersStep(tf, false)],
    ['batch-norm layers alone, tf.batchNorm', layersStep(tf, true)],
  ];
  const loadBefore = loadavg()[0]!;
  for (const [, run] of cases) run();
  const times = cases.map(() => [] as number[]);
  for (let r = 0; r < RUNS; r++) {
    cases.forEach(([, run], k) => {
      const t0 = performance.now();
      for (let s = 0; s < STEPS; s++) run();
      times[k]!.push((performance.now() - t0) / STEPS);
    });
  }
  const tops: string[] = [];
  for (const [, run] of cases) {
    const profile = await tf.profile(() => run());
    const byKernel: Record<string, number> = {};
    for (const k of profile.kernels) byKernel[k.name] = (byKernel[k.name] ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0);
    tops.push(
      Object.entries(byKernel)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', '),
    );
  }
  const rows = cases.map(([name], k) => [name, `${median(times[k]!).toFixed(0)} ms`, tops[k]!, times[k]!.map((t) => t.toFixed(0)).join(', ')]);
  const table = markdownTable([`what (median of ${RUNS})`, 'time', 'top kernels of one profiled run (ms)', 'runs (ms)'], rows);
  process.stdout.write(`${table}\n`);
  updateBenchmarks(
    'batch-norm',
    `## Batch norm in training (wasm)

Machine: ${machine()}. Command: \`npm run bench:bn -- --runs ${RUNS} --steps ${STEPS}\` (1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after). Network step: the testbed's small backbone (five 3x3 convs 32-64-128-128-128, 2x2 pools after the first three), 64x64x3, batch 16, 100 classes, loss + every gradient. Layers alone: batch moments + normalisation, forward and backward, at the five batch-norm shapes of that network. Interleaved, ${STEPS} repetitions a run.

${table}

tf.batchNorm's gradient tiles mean, variance and gamma to the input's shape, and the wasm backend's Tile is slow; wsol-run trains batch norm with broadcasting ops, whose gradients are sums over the leading axes (the kernel module's). Both give the same values and gradients (test/tensor/batch-norm.test.ts).
`,
  );
}

await main();
