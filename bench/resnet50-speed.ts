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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadavg } from 'node:os';
import { initTensorBackend, tensorMemory, type Tf } from '../src/tensor/backends/init.js';
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
  // tfjs's wasm heap never shrinks: after the training steps it is their peak (the ceiling is 4 GiB).
  const heap = (await tensorMemory())?.heapBytes;

  trainNet.dispose();
  const inWorker = workerTraining();

  const fmt = (xs: number[]): string => (xs.length ? median(xs).toFixed(2) : '–');
  const ratio = (a: number[], b: number[]): string => (a.length && b.length ? `${(median(a) / median(b)).toFixed(2)}x` : '–');
  // Step 18's targets, wasm / PyTorch.
  const target = (a: number[], b: number[], at: number): string =>
    a.length && b.length ? `≥ ${at.toFixed(1)}x: ${median(a) / median(b) >= at ? 'met' : 'MISSED'}` : `≥ ${at.toFixed(1)}x`;
  const rows = [
    [
      'training step, 128 px, batch 16 (img/s)',
      fmt(wasm.train),
      fmt(torch.train),
      ratio(wasm.train, torch.train),
      target(wasm.train, torch.train, 0.7),
      wasm.train.map((v) => v.toFixed(2)).join(', '),
    ],
    [
      'inference, 224 px, batch 16 (img/s)',
      fmt(wasm.infer),
      fmt(torch.infer),
      ratio(wasm.infer, torch.infer),
      target(wasm.infer, torch.infer, 1),
      wasm.infer.map((v) => v.toFixed(2)).join(', '),
    ],
    [
      'inference, batch norm not folded into the convolutions (img/s)',
      fmt(wasm.unfolded),
      fmt(torch.infer),
      ratio(wasm.unfolded, torch.infer),
      '',
      wasm.unfolded.map((v) => v.toFixed(2)).join(', '),
    ],
  ];
  const table = markdownTable(
    [
      `ResNet-50 (median of ${RUNS} runs of ${STEPS} steps)`,
      'wasm (wsol-run)',
      `PyTorch CPU${torch.version ? ` (${torch.version})` : ''}`,
      'wasm / PyTorch',
      'target',
      'wasm runs',
    ],
    rows,
  );
  const memory = `RSS after ${warm} warm-up steps ${(rssWarm / 2 ** 20).toFixed(0)} MiB, after ${RSS_STEPS} more ${(rssEnd / 2 ** 20).toFixed(0)} MiB: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %. tfjs's wasm heap after them (it never shrinks: the steps' peak, of the 4 GiB ceiling): ${heap === undefined ? 'not reported' : `${(heap / 2 ** 20).toFixed(0)} MiB`}.`;
  process.stdout.write(`${table}\n${memory}\n${torch.note}\n`);
  updateBenchmarks(
    'resnet50',
    `## ResNet-50: wasm vs PyTorch CPU

Machine: ${machine()}. Command: \`npm run bench:resnet50 -- --runs ${RUNS} --steps ${STEPS} --rss-steps ${RSS_STEPS}\` (1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after). wsol-run's resnet50 backbone (Keras layout, batch norm ε 1e-3) with the 1000-class GAP + FC head on the wasm backend with ${process.env.WSOL_RUN_KERNEL_THREADS} kernel threads; torchvision's resnet50 with the same threads, runs interleaved. Training: loss + every gradient + SGD with momentum; inference: batch norm in inference mode, folded into the convolutions (and, for comparison, not folded).

${table}

Memory (wasm, training at 128 px): ${memory}

In a worker thread, as a pipeline runs it: ${inWorker}${torch.note ? `\n\n${torch.note}` : ''}
`,
  );
}

/**
 * A ResNet-50 training at 128 px, batch 16, run by the CLI in a worker thread (whose wasm heap has the
 * same 4 GiB ceiling as this thread's, beside the pool's other threads): 48 synthetic images, one epoch.
 */
function workerTraining(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsol-bench-resnet50-'));
  try {
    const file = join(dir, 'resnet50.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'resnet50-in-a-worker',
        nodes: {
          data: { type: 'dataset/synthetic-shapes', with: { size: 128, train: 48, val: 16, test: 16 } },
          classifier: {
            type: 'train/classifier',
            inputs: { dataset: 'data' },
            with: { backbone: 'resnet50', batchSize: BATCH, epochs: 1, optimizer: 'sgd', lr: 0.001, momentum: 0.9 },
          },
        },
      }),
    );
    const t = performance.now();
    const r = spawnSync(process.execPath, [packagePath('bin/wsol-run.js'), file, '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 2 ** 26 });
    const seconds = ((performance.now() - t) / 1000).toFixed(1);
    const done = r.stdout.split('\n').find((l) => l.includes('"node-done"') && l.includes('"classifier"'));
    if (r.status !== 0 || !done)
      return `\`train/classifier\` (resnet50, batch ${BATCH}, 128 px, 48 images, 1 epoch) FAILED (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`;
    return `\`train/classifier\` (resnet50, batch ${BATCH}, 128 px, 48 images, 1 epoch, one worker) ran to the end, ${seconds} s for the whole CLI run.`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
