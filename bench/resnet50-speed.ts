/**
 * ResNet-50 speed on wasm against PyTorch CPU, side by side in one run: a
 * training step (loss + every gradient + an SGD update) at 128 px, batch 16,
 * and inference (forward, batch norm in inference mode) at 224 px, batch 16;
 * the wasm runs interleaved with Debian's python3-torch + torchvision running
 * torchvision's resnet50 on the same threads. Then the memory check: RSS of
 * this process after a warm-up and after --rss-steps training steps.
 * Writes a BENCHMARKS.md section.
 *
 *   npm run bench:resnet50 -- --runs 3 --steps 3 --rss-steps 200
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { initTensorBackend, type Tf } from '../src/tensor/backends/init.js';
import { buildNetwork, type Network } from '../src/tensor/models/network.js';
import { BatchNorm } from '../src/tensor/nn/batch-norm.js';
import { packagePath } from '../src/paths.js';
import { machine, markdownTable, median, numericOption, updateBenchmarks } from './lib/report.js';
import { resnet50Batch, resnet50Config } from './lib/resnet.js';

const RUNS = numericOption('runs', 3);
const STEPS = numericOption('steps', 3);
const RSS_STEPS = numericOption('rss-steps', 200);
const THREADS = numericOption('threads', 2);
const BATCH = 16;

function resnet(tf: Tf, side: number): Network {
  return buildNetwork(tf, resnet50Config(side), 0);
}

function trainStep(tf: Tf, net: Network): () => void {
  const { x, y } = resnet50Batch(tf, BATCH, 128, 1);
  const optimizer = tf.train.momentum(1e-3, 0.9);
  return () => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, true).logits!) as TfCore.Scalar, net.trainable());
    optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    value.dataSync();
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
  };
}

function inferStep(tf: Tf, net: Network): () => void {
  const x = tf.randomUniform([BATCH, 224, 224, 3], 0, 1, 'float32', 2);
  return () => tf.tidy(() => net.forward(x, false).logits!.dataSync());
}

function rate(step: () => void): number {
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s++) step();
  return (BATCH * STEPS) / ((performance.now() - t0) / 1000);
}

interface TorchRun {
  torch: string;
  threads: number;
  train: number;
  infer: number;
}

function torchRun(): TorchRun | string {
  const out = spawnSync(
    '/usr/bin/python3',
    [packagePath('bench/resnet50_reference.py'), '--threads', String(THREADS), '--steps', String(STEPS), '--batch', String(BATCH)],
    {
      encoding: 'utf8',
    },
  );
  if (out.status !== 0)
    return `PyTorch not run (${(out.stderr || out.error?.message || '').trim().split('\n').at(-1)}; Debian: apt-get install python3-torch python3-torchvision)`;
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as TorchRun;
}

async function main(): Promise<void> {
  process.env.WSOL_RUN_KERNEL_THREADS ??= String(THREADS);
  const tf = await initTensorBackend('wasm');
  const trainNet = resnet(tf, 128);
  const inferNet = resnet(tf, 224);
  const train = trainStep(tf, trainNet);
  const infer = inferStep(tf, inferNet);
  const loadBefore = loadavg()[0]!;
  train();
  infer();
  const wasm = { train: [] as number[], infer: [] as number[], unfolded: [] as number[] };
  const torch = { train: [] as number[], infer: [] as number[], version: '', note: '' };
  for (let r = 0; r < RUNS; r++) {
    wasm.train.push(rate(train));
    wasm.infer.push(rate(infer));
    BatchNorm.foldAtInference = false;
    wasm.unfolded.push(rate(infer));
    BatchNorm.foldAtInference = true;
    const t = torchRun();
    if (typeof t === 'string') torch.note = t;
    else {
      torch.train.push(t.train);
      torch.infer.push(t.infer);
      torch.version = `${t.torch}, ${t.threads} threads`;
    }
    process.stderr.write(`run ${r + 1}/${RUNS}: wasm train ${wasm.train.at(-1)!.toFixed(2)}, infer ${wasm.infer.at(-1)!.toFixed(2)} img/s\n`);
  }
  inferNet.dispose();

  // Memory: RSS after a warm-up against RSS after RSS_STEPS more training steps.
  const warm = Math.min(20, RSS_STEPS);
  for (let s = 0; s < warm; s++) train();
  const rssWarm = process.memoryUsage().rss;
  for (let s = 0; s < RSS_STEPS; s++) train();
  const rssEnd = process.memoryUsage().rss;
  const growth = (100 * (rssEnd - rssWarm)) / rssWarm;

  const fmt = (xs: number[]): string => (xs.length ? median(xs).toFixed(2) : '–');
  const ratio = (a: number[], b: number[]): string => (a.length && b.length ? `${(median(a) / median(b)).toFixed(2)}x` : '–');
  const rows = [
    [
      'training step, 128 px, batch 16 (img/s)',
      fmt(wasm.train),
      fmt(torch.train),
      ratio(wasm.train, torch.train),
      wasm.train.map((v) => v.toFixed(2)).join(', '),
    ],
    ['inference, 224 px, batch 16 (img/s)', fmt(wasm.infer), fmt(torch.infer), ratio(wasm.infer, torch.infer), wasm.infer.map((v) => v.toFixed(2)).join(', ')],
    [
      'inference, batch norm not folded into the convolutions (img/s)',
      fmt(wasm.unfolded),
      fmt(torch.infer),
      ratio(wasm.unfolded, torch.infer),
      wasm.unfolded.map((v) => v.toFixed(2)).join(', '),
    ],
  ];
  const table = markdownTable(
    [
      `ResNet-50 (median of ${RUNS} runs of ${STEPS} steps)`,
      'wasm (wsol-run)',
      `PyTorch CPU${torch.version ? ` (${torch.version})` : ''}`,
      'wasm / PyTorch',
      'wasm runs',
    ],
    rows,
  );
  const memory = `RSS after ${warm} warm-up steps ${(rssWarm / 2 ** 20).toFixed(0)} MiB, after ${RSS_STEPS} more ${(rssEnd / 2 ** 20).toFixed(0)} MiB: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %.`;
  process.stdout.write(`${table}\n${memory}\n${torch.note}\n`);
  updateBenchmarks(
    'resnet50',
    `## ResNet-50: wasm vs PyTorch CPU

Machine: ${machine()}. Command: \`npm run bench:resnet50 -- --runs ${RUNS} --steps ${STEPS} --rss-steps ${RSS_STEPS}\` (1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after). wsol-run's resnet50 backbone (Keras layout, batch norm ε 1e-3) with the 1000-class GAP + FC head on the wasm backend with ${process.env.WSOL_RUN_KERNEL_THREADS} kernel threads; torchvision's resnet50 with the same threads, runs interleaved. Training: loss + every gradient + SGD with momentum; inference: batch norm in inference mode, folded into the convolutions (and, for comparison, not folded).

${table}

Memory (wasm, training at 128 px): ${memory}${torch.note ? `\n\n${torch.note}` : ''}
`,
  );
}

await main();
