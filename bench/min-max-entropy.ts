/**
 * Min-Max Entropy's recursive erasing: memory and time of a training step
 * without erasing (u = 0) and with u = 4, side by side in one run,
 * interleaved, median of several. The worst case for u = 4: every sample
 * keeps its trust (labels = M's own predictions, the mask threshold above
 * the map so the erased image stays the image), so all four erasing passes
 * run. Peak tensor bytes from tf.profile, RSS of this process after the
 * runs of each. Writes a BENCHMARKS.md section.
 *
 *   npm run bench:mme -- --runs 5
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { initTensorBackend } from '../src/tensor/backends/init.js';
import { buildNetwork } from '../src/tensor/models/network.js';
import { minMaxEntropyStep } from '../src/methods/trainers/min-max-entropy.js';
import { oneHot } from '../src/methods/losses.js';
import { measureLoss, type MeasuredGradients, type StepLosses } from '../src/training/loop.js';
import { machine, markdownTable, median, numericOption, updateBenchmarks } from './lib/report.js';

const RUNS = numericOption('runs', 5);
const BATCH = 8;

async function main(): Promise<void> {
  const tf = await initTensorBackend('wasm');
  const net = buildNetwork(
    tf,
    {
      inputSize: { height: 64, width: 64 },
      inChannels: 3,
      classes: 100,
      backbone: { kind: 'small', channels: [32, 64, 128, 128, 128], poolAfter: [0, 1, 2], batchNorm: true },
      head: { kind: 'min-max-entropy', modalities: 5, kmax: 0.09, kmin: 0, alphaWildcat: 0, dropout: 0 },
      preprocess: 'centered',
    },
    0,
  );
  const x = tf.randomUniform([BATCH, 64, 64, 3], 0, 1, 'float32', 1) as TfCore.Tensor4D;
  const labels = Array.from(tf.argMax(net.forward(x, true).logits!, 1).dataSync());
  const y = oneHot(tf, labels, 100);
  const measure = (lossOf: () => StepLosses): Promise<MeasuredGradients> => measureLoss(tf, lossOf);
  let passes = 0;
  const step = (u: number) => async () => {
    const r = await minMaxEntropyStep(tf, net, x, y, labels, { erasingDepth: u, sigma: 10, omega: 8, sigmaPrime: 100 }, measure);
    passes = r.steps;
    for (const g of Object.values(r.grads)) g.dispose();
  };
  const loadBefore = loadavg()[0]!;
  const cases = [0, 4].map((u) => ({ u, run: step(u), times: [] as number[], peaks: [] as number[], rss: 0, passes: 0 }));
  for (const c of cases) await c.run();
  for (let r = 0; r < RUNS; r++) {
    for (const c of cases) {
      const t0 = performance.now();
      const info = await tf.profile(c.run);
      c.times.push(performance.now() - t0);
      c.peaks.push(info.peakBytes);
      c.passes = passes;
      c.rss = process.memoryUsage().rss;
    }
  }
  const rows = cases.map((c) => [
    `u = ${c.u} (${c.passes} passes of M + 2 of C)`,
    `${median(c.times).toFixed(0)} ms`,
    `${(median(c.peaks) / 2 ** 20).toFixed(1)} MiB`,
    `${(c.rss / 2 ** 20).toFixed(0)} MiB`,
  ]);
  const [p0, p4] = cases.map((c) => median(c.peaks));
  const table = markdownTable([`training step, batch ${BATCH}, 64 px (median of ${RUNS})`, 'time', 'peak tensor memory', 'RSS after its runs'], rows);
  const summary = `Peak tensor memory with u = 4: ${(p4! / p0!).toFixed(2)}x that of u = 0 (${((p4! - p0!) / 2 ** 20).toFixed(2)} MiB apart; all that erasing keeps beyond one pass is the accumulated mask and the erased image).`;
  process.stdout.write(`${table}\n${summary}\n`);
  updateBenchmarks(
    'min-max-entropy',
    `## Min-Max Entropy: recursive erasing's memory

Machine: ${machine()}. Command: \`npm run bench:mme -- --runs ${RUNS}\` (1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after). One training step of Min-Max Entropy (the testbed's small backbone with batch norm, two WILDCAT heads of 5 modalities, 100 classes, 64x64x3, batch ${BATCH}) without erasing and with u = 4, interleaved. The worst case for erasing: every sample keeps its trust, so every erasing pass runs. Each pass of M and C's two passes are differentiated on their own and their gradients summed (the seed's Alg. 1), so the step holds one pass's graph at a time.

${table}

${summary}
`,
  );
}

await main();
