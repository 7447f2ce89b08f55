/**
 * Where a training step's time goes: wraps every kernel registered on the
 * wasm backend with a timer (wasm kernels are synchronous, so wall time
 * around the call is the kernel's time), runs training steps of the reference
 * model and prints ms per step for each kernel, with GFLOP/s for the
 * convolutions; the table also goes to BENCHMARKS.md.
 *
 *   npm run bench:profile [-- --steps 10 --batch 32]
 *   npm run bench:profile -- --model resnet50 [--steps 3 --batch 16 --side 128]
 *   WSOL_RUN_KERNELS=0 npm run bench:profile   # the previous kernels, for comparison
 *
 * With --model resnet50 (wsol-run's Keras ResNet50, 1000 classes, SGD with
 * momentum, as bench:resnet50 trains it) it also sums the time by layer kind
 * (convolution forward, input gradient and filter gradient by filter size,
 * batch norm, dense, the rest) into its own section, train-profile-resnet50.
 */
import {
  getKernelsForBackend,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { cpus, loadavg } from 'node:os';
import { activeKernelModule, initTensorBackend } from '../src/tensor/backends/init.js';
import type * as TfCore from '@tensorflow/tfjs-core';
import { timeTrainingSteps, type StepTiming } from '../src/tensor/train-step-probe.js';
import { buildNetwork } from '../src/tensor/models/network.js';
import { BATCH_NORM_KERNELS } from '../src/tensor/backends/wasm-batch-norm.js';
import type { Tf } from '../src/tensor/backends/init.js';
import { machine, markdownTable, median, numericOption, stringOption, updateBenchmarks } from './lib/report.js';
import { resnet50Batch, resnet50Config } from './lib/resnet.js';

const MODEL = stringOption('model', 'reference');
if (MODEL !== 'reference' && MODEL !== 'resnet50') throw new Error(`--model reference or resnet50, not ${MODEL}`);
const RESNET = MODEL === 'resnet50';
const STEPS = numericOption('steps', RESNET ? 3 : 10);
const BATCH = numericOption('batch', RESNET ? 16 : 32);
const SIDE = numericOption('side', 128);

/** Time by layer kind (ResNet-50 profile): ms summed over the timed steps. */
const kinds = new Map<string, number>();
const BN_KERNELS = new Set<string>(Object.values(BATCH_NORM_KERNELS));
function layerKind(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): string {
  const filter = (name === 'Conv2DBackpropFilter' ? (attrs.filterShape as unknown as number[]) : inputs.filter?.shape) ?? [];
  const size = filter.length ? ` ${filter[0]}x${filter[1]}` : '';
  if (name === 'Conv2D' || name === 'FusedConv2D') return `convolution forward${size}`;
  if (name === 'Conv2DBackpropInput') return `convolution input gradient${size}`;
  if (name === 'Conv2DBackpropFilter') return `convolution filter gradient${size}`;
  if (BN_KERNELS.has(name)) return 'batch norm (its kernels)';
  if (name === 'BatchMatMul' || name === '_FusedMatMul') return 'dense (matrix products)';
  return 'other kernels';
}

interface Stat {
  ms: number;
  /** CPU time of the whole process (so helper threads included) while the kernel ran. */
  cpuMs: number;
  calls: number;
  flops: number;
}
const stats = new Map<string, Stat>();

/** Multiply-adds x 2 of a convolution kernel call, from its tensor shapes (0 for other kernels). */
function convFlops(name: string, inputs: Record<string, TensorInfo>, out: TensorInfo, attrs: NamedAttrMap): number {
  const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  if (name === 'Conv2D' || name === 'FusedConv2D') {
    const f = inputs.filter!.shape;
    return 2 * prod(out.shape) * f[0]! * f[1]! * f[2]!;
  }
  if (name === 'Conv2DBackpropInput') {
    const f = inputs.filter!.shape;
    return 2 * prod(inputs.dy!.shape) * f[0]! * f[1]! * f[2]!;
  }
  if (name === 'Conv2DBackpropFilter') {
    const fs = attrs.filterShape as unknown as number[];
    return 2 * prod(inputs.dy!.shape) * fs[0]! * fs[1]! * fs[2]!;
  }
  return 0;
}

const tf = await initTensorBackend('wasm');
let recording = false;
for (const k of getKernelsForBackend('wasm')) {
  const inner = k.kernelFunc;
  const timed = (args: { inputs: Record<string, TensorInfo>; attrs: NamedAttrMap }): TensorInfo | TensorInfo[] => {
    if (!recording) return inner(args as never);
    const cpu = process.cpuUsage();
    const t = performance.now();
    const out = inner(args as never);
    const ms = performance.now() - t;
    const dc = process.cpuUsage(cpu);
    const s = stats.get(k.kernelName) ?? { ms: 0, cpuMs: 0, calls: 0, flops: 0 };
    s.ms += ms;
    s.cpuMs += (dc.user + dc.system) / 1000;
    s.calls++;
    s.flops += Array.isArray(out) ? 0 : convFlops(k.kernelName, args.inputs, out, args.attrs);
    stats.set(k.kernelName, s);
    const kind = layerKind(k.kernelName, args.inputs, args.attrs);
    kinds.set(kind, (kinds.get(kind) ?? 0) + ms);
    return out;
  };
  unregisterKernel(k.kernelName, 'wasm');
  registerKernel({ ...k, kernelFunc: timed as unknown as KernelFunc } as KernelConfig);
}

/** ResNet-50 training steps (loss + every gradient + SGD with momentum), timed like timeTrainingSteps. */
function resnetSteps(tf: Tf): (steps: number) => StepTiming {
  const net = buildNetwork(tf, resnet50Config(SIDE), 0);
  const { x, y } = resnet50Batch(tf, BATCH, SIDE, 1);
  const optimizer = tf.train.momentum(1e-3, 0.9);
  return (steps) => {
    const stepMs: number[] = [];
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, true).logits!) as TfCore.Scalar, net.trainable());
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      losses.push(value.dataSync()[0]!);
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      stepMs.push(performance.now() - t0);
    }
    return { stepMs, batch: BATCH, losses };
  };
}
const resnet = RESNET ? resnetSteps(tf) : undefined;
const steps = async (n: number, warmup: number): Promise<StepTiming> => {
  if (resnet) {
    resnet(warmup);
    return resnet(n);
  }
  return timeTrainingSteps(tf, { batch: BATCH, steps: n, warmup });
};

// Warm up untimed, then record every kernel over the timed steps.
await steps(1, RESNET ? 1 : 2);
kinds.clear();
recording = true;
const before = activeKernelModule()?.time;
const cpuBefore = process.cpuUsage();
const t = await steps(STEPS, 0);
const cpuAll = process.cpuUsage(cpuBefore);
const after = activeKernelModule()?.time;
recording = false;

// Mean, not median: the per-kernel figures are means over the same steps.
const stepMs = t.stepMs.reduce((a, b) => a + b, 0) / t.stepMs.length;
const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((a, [, s]) => a + s.ms, 0) / STEPS;
const table = markdownTable(
  ['kernel', 'ms / step', 'share of step', 'CPU ms / step (all threads)', 'calls / step', 'GFLOP/s (wall)', 'GFLOP per CPU-s'],
  rows.map(([name, s]) => [
    name,
    (s.ms / STEPS).toFixed(2),
    `${((s.ms / STEPS / stepMs) * 100).toFixed(1)}%`,
    (s.cpuMs / STEPS).toFixed(2),
    String(s.calls / STEPS),
    s.flops ? (s.flops / s.ms / 1e6).toFixed(1) : '',
    s.flops && s.cpuMs ? (s.flops / s.cpuMs / 1e6).toFixed(1) : '',
  ]),
);
const m = activeKernelModule();
const moduleLine =
  m && before && after
    ? `Kernel module: ${m.variant}, ${m.threads} threads${m.failed ? ' (FAILED: the previous kernels took over, see the warning)' : ''}${m.soloPeriods ? ` (ran alone ${m.soloPeriods} times: helpers kept being descheduled)` : ''}; per step ${((after.copyIn - before.copyIn) / STEPS).toFixed(1)} ms copying inputs in, ${((after.jobs - before.jobs) / STEPS).toFixed(1)} ms in jobs, ${((after.copyOut - before.copyOut) / STEPS).toFixed(1)} ms copying results out (the rest of its kernels' time: filter packing, reductions, shape logic).`
    : 'Kernel module: off (previous kernels).';
const load = loadavg()[0]!.toFixed(2);
const modelName = RESNET ? `ResNet-50 at ${SIDE} px` : 'Reference model';
const summary = `${modelName}, batch ${BATCH}, ${STEPS} steps: mean step ${stepMs.toFixed(1)} ms (median ${median(t.stepMs).toFixed(1)}; ${((BATCH * 1000) / stepMs).toFixed(1)} img/s); kernels ${kernelMs.toFixed(1)} ms, outside kernels ${(stepMs - kernelMs).toFixed(1)} ms; process CPU ${((cpuAll.user + cpuAll.system) / 1000 / STEPS).toFixed(1)} ms per step. Load average at the end: ${load} on ${cpus().length} cores.`;
process.stdout.write(`${summary}\n${moduleLine}\n\n${table}\n`);
const kindTable = markdownTable(
  ['layer kind', 'ms / step', 'share of step'],
  [...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([kind, ms]) => [kind, (ms / STEPS).toFixed(0), `${((ms / STEPS / stepMs) * 100).toFixed(1)}%`]),
);
if (RESNET) {
  process.stdout.write(`\n${kindTable}\n`);
  updateBenchmarks(
    'train-profile-resnet50',
    `## Where a ResNet-50 training step goes (bench/profile-kernels.ts)

Machine: ${machine()}. Command: \`npm run bench:profile -- --model resnet50 --steps ${STEPS} --batch ${BATCH} --side ${SIDE}\`${process.env.WSOL_RUN_KERNEL_THREADS ? ` with WSOL_RUN_KERNEL_THREADS=${process.env.WSOL_RUN_KERNEL_THREADS}` : ''} (measured ${new Date().toISOString().slice(0, 10)}). wsol-run's resnet50 backbone (Keras layout) with the 1000-class GAP + FC head, a training step as bench:resnet50 times it (loss, every gradient, SGD with momentum), every wasm kernel timed as in the section above and summed by layer kind (the filter size of each convolution).

${summary}
${moduleLine}

${kindTable}

By kernel:

${table}`,
  );
  process.exit(0);
}
updateBenchmarks(
  'train-profile',
  `## Where a wasm training step goes (bench/profile-kernels.ts)

Machine: ${machine()}. Command: \`npm run bench:profile -- --steps ${STEPS} --batch ${BATCH}\`${process.env.WSOL_RUN_KERNEL_THREADS ? ` with WSOL_RUN_KERNEL_THREADS=${process.env.WSOL_RUN_KERNEL_THREADS}` : ''} (measured ${new Date().toISOString().slice(0, 10)}). Every kernel registered on the wasm backend is timed (wall time, and CPU time of the whole process while it runs, helper threads included); GFLOP/s counts the direct convolution's multiply-adds, so Winograd kernels can exceed the machine's peak.

${summary}
${moduleLine}

${table}`,
);
