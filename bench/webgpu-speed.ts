/**
 * Training throughput on tfjs's webgpu backend (Dawn), side by side with
 * PyTorch on the same GPU: the reference CNN (64x64x3, batch 32, Adam) and
 * ResNet-50 (random weights, 128 px, batch 16, SGD momentum), the loss read
 * back every step as the training loop does. Runs alternate webgpu and
 * PyTorch (bench/pytorch_gpu_reference.py, when PyTorch sees a CUDA GPU).
 * On a software adapter (Mesa's llvmpipe) the figures are only a correctness
 * run (losses finite, every kernel ran): they are printed, not a speed claim.
 * Writes a BENCHMARKS.md section (`--no-write` to leave it).
 *
 *   npm run bench:webgpu -- --runs 3 --steps 10 [--models reference,resnet50] [--python python3]
 *
 * On a GPU machine without Node.js: bench/device/pack-webgpu.sh packs what
 * this needs; bench/device/run-webgpu.sh runs it there (BENCHMARKS.md).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { initTensorBackend, type Tf } from '../src/tensor/backends/init.js';
import { describeAdapter } from '../src/tensor/backends/webgpu/adapters.js';
import { runningAdapter } from '../src/tensor/backends/webgpu/start.js';
import { buildNetwork, type Network } from '../src/tensor/models/network.js';
import { timeTrainingSteps } from '../src/tensor/train-step-probe.js';
import { packagePath } from '../src/paths.js';
import { machine, markdownTable, median, numericOption, stringOption, updateBenchmarks } from './lib/report.js';
import { resnet50Batch, resnet50Config } from './lib/resnet.js';

const RUNS = numericOption('runs', 3);
const STEPS = numericOption('steps', 10);

const MODELS = stringOption('models', 'reference,resnet50').split(',');
const PYTHON = stringOption('python', 'python3');
/** ResNet-50's image side and batch: the comparison is 128 px, batch 16; a rehearsal on a software adapter takes less. */
const RESNET_SIZE = numericOption('resnet-size', 128);
const RESNET_BATCH = numericOption('resnet-batch', 16);

/** img/s of `steps` ResNet-50 training steps, and the losses. */
async function resnetRate(tf: Tf, net: Network, steps: number): Promise<{ rate: number; losses: number[] }> {
  const batch = RESNET_BATCH;
  const { x, y } = resnet50Batch(tf, batch, RESNET_SIZE, 255);
  const optimizer = tf.train.momentum(1e-3, 0.9);
  const losses: number[] = [];
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, true).logits!) as TfCore.Scalar, net.trainable());
    optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    losses.push((await value.data())[0]!);
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
  }
  const rate = (batch * steps) / ((performance.now() - t0) / 1000);
  x.dispose();
  y.dispose();
  optimizer.dispose();
  return { rate, losses };
}

interface TorchRun {
  torch: string;
  device: string;
  [model: string]: number | string;
}

function torchRun(): TorchRun | string {
  const out = spawnSync(
    PYTHON,
    [
      packagePath('bench/pytorch_gpu_reference.py'),
      ...['--steps', String(STEPS), '--runs', '1', '--models', MODELS.join(','), '--resnet-size', String(RESNET_SIZE), '--resnet-batch', String(RESNET_BATCH)],
    ],
    {
      encoding: 'utf8',
    },
  );
  if (out.status !== 0) return `PyTorch not run (${(out.stderr || out.error?.message || '').trim().split('\n').at(-1)})`;
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as TorchRun;
}

async function main(): Promise<void> {
  const tf = await initTensorBackend('webgpu');
  const adapter = runningAdapter()!;
  const software = adapter.software;
  process.stderr.write(`webgpu on ${describeAdapter(adapter)}\n`);
  const rates: Record<string, number[]> = Object.fromEntries(MODELS.map((m) => [m, []]));
  const torch: Record<string, number[]> = Object.fromEntries(
    MODELS.flatMap((m) => [
      [m, []],
      [`${m}_channels_last`, []],
    ]),
  );
  let torchNote = '';
  let torchVersion = '';
  const losses: Record<string, number[]> = {};
  const net = MODELS.includes('resnet50') ? buildNetwork(tf, resnet50Config(RESNET_SIZE), 0) : undefined;
  // Warm-up: every shader compiled once (the first step of each model compiles its pipelines).
  if (MODELS.includes('reference')) await timeTrainingSteps(tf, { steps: 1, warmup: 1 });
  if (net) await resnetRate(tf, net, 1);
  for (let r = 0; r < RUNS; r++) {
    if (MODELS.includes('reference')) {
      const t = await timeTrainingSteps(tf, { steps: STEPS, warmup: 0 });
      rates.reference!.push((t.batch * 1000 * t.stepMs.length) / t.stepMs.reduce((a, b) => a + b, 0));
      losses.reference = t.losses;
    }
    if (net) {
      const t = await resnetRate(tf, net, STEPS);
      rates.resnet50!.push(t.rate);
      losses.resnet50 = t.losses;
    }
    if (!software) {
      const t = torchRun();
      if (typeof t === 'string') torchNote = t;
      else {
        torchVersion = `PyTorch ${t.torch} on ${t.device}`;
        for (const k of Object.keys(torch)) if (typeof t[k] === 'number') torch[k]!.push(t[k] as number);
      }
    }
    process.stderr.write(`run ${r + 1}/${RUNS}: ${MODELS.map((m) => `${m} ${rates[m]!.at(-1)!.toFixed(1)} img/s`).join(', ')}\n`);
  }
  net?.dispose();
  for (const [m, ls] of Object.entries(losses))
    if (!ls.every(Number.isFinite)) throw new Error(`${m}: a loss on webgpu was not finite (${ls.join(', ')}): a kernel is broken on this adapter`);

  const fmt = (xs: number[] | undefined): string => (xs?.length ? median(xs).toFixed(1) : '–');
  const label: Record<string, string> = {
    reference: 'reference CNN, 64x64x3, batch 32, Adam (img/s)',
    resnet50: `ResNet-50, ${RESNET_SIZE} px, batch ${RESNET_BATCH}, SGD momentum (img/s)`,
  };
  const rows = MODELS.map((m) => [
    label[m] ?? m,
    fmt(rates[m]),
    software ? 'not run (software adapter)' : fmt(torch[m]),
    software ? '–' : fmt(torch[`${m}_channels_last`]),
    !software && torch[m]?.length ? `${(median(rates[m]!) / median(torch[m]!)).toFixed(2)}x` : '–',
    rates[m]!.map((v) => v.toFixed(1)).join(', '),
  ]);
  const table = markdownTable(['training throughput', 'webgpu', 'PyTorch (NCHW)', 'PyTorch (channels_last)', 'webgpu / PyTorch', 'webgpu runs'], rows);
  const body = [
    '## webgpu training throughput (tfjs-backend-webgpu on Dawn)',
    '',
    `Machine: ${machine()}. Adapter: ${describeAdapter(adapter)}. Command: \`npm run bench:webgpu -- ${process.argv
      .slice(2)
      .filter((a) => a !== '--no-write')
      .join(
        ' ',
      )}\`, median of ${RUNS} runs of ${STEPS} steps after one warm-up step per model (shader compilation), webgpu and PyTorch alternating. ${torchVersion}`,
    '',
    table,
    '',
    software
      ? "A software adapter (a CPU rasterizer): a correctness run only (the losses were finite and every kernel ran), not a speed figure. The comparison with PyTorch needs a hardware GPU; on one without Node.js: `sh bench/device/pack-webgpu.sh` here (Node binary, built tree, pruned packages and Debian's Vulkan/EGL loaders in `.devpack/`, 29 MiB), then `sh bench/device/run-webgpu.sh` there with `.devpack` carried; `sh bench/device/rehearse-webgpu.sh` rehearses that run here."
      : torchNote || 'Both on the same GPU, same process order, the loss read back every step on both.',
  ].join('\n');
  process.stdout.write(`${body}\n`);
  if (!process.argv.includes('--no-write')) updateBenchmarks('webgpu', body);
  process.exit(0);
}

await main();
