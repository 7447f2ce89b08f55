/**
 * Child process of bench/train-throughput.ts: one wasm throughput run of the
 * reference model in a fresh process, so that the kernel module can start
 * with the thread count the environment asks for (WSOL_RUN_KERNEL_THREADS).
 * Prints one JSON line: { imagesPerSecond, cpuMsPerStep, threads }.
 */
import { activeKernelModule, initTensorBackend } from '../src/tensor/backends/init.js';
import { timeTrainingSteps } from '../src/tensor/train-step-probe.js';
import { median, numericOption } from './lib/report.js';

const STEPS = numericOption('steps', 8);
const BATCH = numericOption('batch', 32);
const tf = await initTensorBackend('wasm');
await timeTrainingSteps(tf, { batch: BATCH, steps: 0, warmup: 2 });
const cpu = process.cpuUsage();
const t = await timeTrainingSteps(tf, { batch: BATCH, steps: STEPS, warmup: 0 });
const used = process.cpuUsage(cpu);
process.stdout.write(
  `${JSON.stringify({ imagesPerSecond: (BATCH * 1000) / median(t.stepMs), cpuMsPerStep: (used.user + used.system) / 1000 / t.stepMs.length, threads: activeKernelModule()?.threads ?? 0 })}\n`,
);
