/**
 * Where a training step's time goes: wraps every kernel registered on the
 * wasm backend with a timer (wasm kernels are synchronous, so wall time
 * around the call is the kernel's time), runs training steps of the reference
 * model and prints ms per step for each kernel, with GFLOP/s for the
 * convolutions; the table also goes to BENCHMARKS.md.
 *
 *   npm run bench:profile [-- --steps 10 --batch 32]
 *   WSOL_RUN_KERNELS=0 npm run bench:profile   # the previous kernels, for comparison
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
import { timeTrainingSteps } from '../src/tensor/train-step-probe.js';
import { machine, markdownTable, median, numericOption, updateBenchmarks } from './lib/report.js';

const STEPS = numericOption('steps', 10);
const BATCH = numericOption('batch', 32);

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
    return out;
  };
  unregisterKernel(k.kernelName, 'wasm');
  registerKernel({ ...k, kernelFunc: timed as unknown as KernelFunc } as KernelConfig);
}

// Warm up untimed, then record every kernel over the timed steps.
await timeTrainingSteps(tf, { batch: BATCH, steps: 1, warmup: 2 });
recording = true;
const before = activeKernelModule()?.time;
const cpuBefore = process.cpuUsage();
const t = await timeTrainingSteps(tf, { batch: BATCH, steps: STEPS, warmup: 0 });
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
const summary = `Reference model, batch ${BATCH}, ${STEPS} steps: mean step ${stepMs.toFixed(1)} ms (median ${median(t.stepMs).toFixed(1)}; ${((BATCH * 1000) / stepMs).toFixed(1)} img/s); kernels ${kernelMs.toFixed(1)} ms, outside kernels ${(stepMs - kernelMs).toFixed(1)} ms; process CPU ${((cpuAll.user + cpuAll.system) / 1000 / STEPS).toFixed(1)} ms per step. Load average at the end: ${load} on ${cpus().length} cores.`;
process.stdout.write(`${summary}\n${moduleLine}\n\n${table}\n`);
updateBenchmarks(
  'train-profile',
  `## Where a wasm training step goes (bench/profile-kernels.ts)

Machine: ${machine()}. Command: \`npm run bench:profile -- --steps ${STEPS} --batch ${BATCH}\`${process.env.WSOL_RUN_KERNEL_THREADS ? ` with WSOL_RUN_KERNEL_THREADS=${process.env.WSOL_RUN_KERNEL_THREADS}` : ''} (measured ${new Date().toISOString().slice(0, 10)}). Every kernel registered on the wasm backend is timed (wall time, and CPU time of the whole process while it runs, helper threads included); GFLOP/s counts the direct convolution's multiply-adds, so Winograd kernels can exceed the machine's peak.

${summary}
${moduleLine}

${table}`,
);
