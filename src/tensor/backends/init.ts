/**
 * Initialises a tensor backend inside a worker (once per worker thread).
 * Only workers import this module: tfjs never loads in the CLI process.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { KernelModule } from '../kernels/module.js';
import { backendFact, backendPackage, DAWN_PACKAGE, installedVersion, type BackendName } from './select.js';
import { adapterSlug } from './webgpu/adapters.js';

/**
 * The tfjs-core namespace as a worker initialised it (tensorflow, webgpu, wasm
 * or cpu backend); passed explicitly so nothing imports tfjs at top level.
 */
export type Tf = typeof TfCore;

let ready: Promise<Tf> | undefined;
let readyName: BackendName | undefined;
/** webgpu: the adapter asked for (its fact slug; undefined: the best one) and the one running. */
let readyAdapter: string | undefined;
let webgpuAdapter: string | undefined;
let kernelModule: KernelModule | undefined;
let wasmKernels: Promise<KernelModule | undefined> | undefined;
let kernelThreads: number | undefined;

/**
 * The threads (the calling one included) this thread's kernel module starts
 * with, instead of WSOL_RUN_KERNEL_THREADS or the cores: the engine's worker
 * sets its node's share before the node runs. The module starts once per
 * thread, with the value set then, and keeps it (the engine sends a thread
 * only nodes with one count).
 */
export function setKernelThreads(threads: number | undefined): void {
  kernelThreads = threads;
}

async function registerWasmKernels(): Promise<KernelModule | undefined> {
  const { registerWasmTrainingKernels } = await import('./wasm-training-kernels.js');
  const { registerFasterGradients } = await import('./faster-gradients.js');
  const mod = await startKernelModule();
  registerWasmTrainingKernels(mod);
  registerFasterGradients();
  return mod;
}

/**
 * What runs the wasm backend's hot kernels in this thread: wsol-run's kernel
 * module (variant, threads, whether it failed over, and its cumulative time
 * copying inputs in, running jobs and copying results out, in ms), or
 * undefined for the slower kernels.
 */
export function activeKernelModule(): KernelModuleInfo | undefined {
  return (
    kernelModule && {
      variant: kernelModule.variant,
      threads: kernelModule.threads,
      checks: kernelModule.checks,
      failed: kernelModule.failed,
      soloPeriods: kernelModule.solo.periods,
      time: { ...kernelModule.time },
    }
  );
}

/**
 * The state of this thread's kernel module (activeKernelModule): build
 * variant, threads, checks, failover, and cumulative copy and job times in ms.
 */
export interface KernelModuleInfo {
  variant: 'fma' | 'plain';
  threads: number;
  /** Buffer guards on (WSOL_RUN_KERNEL_CHECKS=1). */
  checks: boolean;
  /** A kernel failed and the previous kernels took over. */
  failed: boolean;
  /** How often the module ran without its helpers for a while because they were being descheduled (a busy machine). */
  soloPeriods: number;
  time: { copyIn: number; jobs: number; copyOut: number };
}

/**
 * The backend fact of what this thread computes with now (select.ts's
 * backendFact), or undefined before a backend started here. On wasm it names
 * the kernel module's build, or `-off` when the module is off, did not start,
 * or failed during a node (then the slower kernels computed part of it).
 */
export function runningBackendFact(): string | undefined {
  if (!readyName) return undefined;
  const version = installedVersion(backendPackage(readyName)) ?? 'unknown';
  const kernels = kernelModule && !kernelModule.failed ? kernelModule.variant : 'off';
  if (readyName === 'webgpu')
    return backendFact('webgpu', version, undefined, { dawn: installedVersion(DAWN_PACKAGE) ?? 'unknown', adapter: webgpuAdapter ?? 'unknown' });
  return backendFact(readyName, version, readyName === 'wasm' ? kernels : undefined);
}

/** Explains the usual ways a tfjs-node(-gpu) load fails. */
export function explainNativeLoadFailure(name: BackendName, message: string): string {
  if (/libcudart\.so\.(\d+(\.\d+)?)/.test(message) || /libcudnn/.test(message)) {
    return `${backendPackage(name)} is installed but CUDA libraries are missing (${/lib\w+\.so[.\d]*/.exec(message)?.[0] ?? 'libcudart'}): it needs CUDA 11.2 + cuDNN 8.1 (hosts with only CUDA 12 fail); use --backend wasm, or install those libraries`;
  }
  if (/tfjs_binding\.node|libtensorflow/.test(message)) {
    return `${backendPackage(name)} is installed but its native binding is missing (its install downloads libtensorflow, which needs internet): reinstall it with internet access, or use --backend wasm`;
  }
  return `${backendPackage(name)} failed to load: ${message.split('\n')[0]}`;
}

async function load(name: BackendName, adapter: string | undefined): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  // tfjs-layers' Node bundle registers every op gradient with tfjs-core (the core bundle alone registers none).
  await import('@tensorflow/tfjs-layers');
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      try {
        await import(backendPackage(name));
      } catch (e) {
        throw new Error(explainNativeLoadFailure(name, e instanceof Error ? e.message : String(e)));
      }
      if (!(await tf.setBackend('tensorflow'))) throw new Error(`${backendPackage(name)} loaded but the 'tensorflow' backend did not initialise`);
      break;
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // One thread for tfjs's own kernels: wasm threads in Node need workarounds and gained
      // little (docs/backends.md); our kernel module uses the other cores for the hot ops.
      wasm.setThreadsCount(1);
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
      // Once per thread: switching backends and back must not start a second module (its kernels would never be registered).
      wasmKernels ??= registerWasmKernels();
      kernelModule = await wasmKernels;
      break;
    }
    case 'webgpu': {
      const { startWebgpu } = await import('./webgpu/start.js');
      try {
        webgpuAdapter = adapterSlug(await startWebgpu(tf, adapter));
      } catch (e) {
        throw new Error(explainWebgpuFailure(e instanceof Error ? e.message : String(e)));
      }
      break;
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      break;
    }
  }
  await tf.ready();
  return tf;
}

/**
 * wsol-run's kernel module (fast convolutions on all cores), or undefined
 * with a warning if it cannot start here: training then runs on the slower
 * kernels rather than failing. WSOL_RUN_KERNELS=0 turns it off.
 */
export async function startKernelModule(start: () => Promise<KernelModule> = defaultStart): Promise<KernelModule | undefined> {
  if (process.env.WSOL_RUN_KERNELS === '0') return undefined;
  try {
    return await start();
  } catch (e) {
    process.emitWarning(
      `wsol-run's kernel module did not start (${e instanceof Error ? e.message : String(e)}); training uses the slower kernels`,
      'WsolKernels',
    );
    return undefined;
  }
}

async function defaultStart(): Promise<KernelModule> {
  const { KernelModule } = await import('../kernels/module.js');
  return KernelModule.start(kernelThreads === undefined ? {} : { threads: kernelThreads });
}

/** Explains the usual ways webgpu fails to start. */
export function explainWebgpuFailure(message: string): string {
  if (/Cannot find (module|package) 'webgpu'|dawn\.node/.test(message))
    return `Dawn's binding (npm package ${DAWN_PACKAGE}) did not load: ${message.split('\n')[0]}; reinstall it (npm install ${DAWN_PACKAGE}), or use --backend wasm`;
  return `webgpu did not start: ${message.split('\n')[0]}`;
}

/**
 * The tfjs module with `name` as its active backend; on webgpu on the
 * adapter `adapter` names (a fact slug), or the best one when undefined.
 */
export function initTensorBackend(name: BackendName, adapter?: string): Promise<Tf> {
  if (ready && (readyName !== name || (name === 'webgpu' && adapter !== undefined && adapter !== readyAdapter))) {
    // A worker serves one backend per run; switching means a different run.
    ready = undefined;
  }
  readyName = name;
  readyAdapter = adapter;
  ready ??= load(name, adapter).catch((e: unknown) => {
    ready = undefined;
    throw e;
  });
  return ready;
}

/** What this thread's tensor backend holds, once one has started: live tensors, their bytes, and the wasm heap's size (wasm only). */
export interface TensorMemory {
  tensors: number;
  bytes: number;
  /** The wasm backend's linear memory: it grows to the largest need and never shrinks; tfjs-backend-wasm aborts at 4 GiB. */
  heapBytes?: number;
}

export async function tensorMemory(): Promise<TensorMemory | undefined> {
  if (!ready) return undefined;
  const tf = await ready.catch(() => undefined);
  if (!tf) return undefined;
  const m = tf.memory();
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return { tensors: m.numTensors, bytes: m.numBytes, ...(wasm?.HEAPU8 ? { heapBytes: wasm.HEAPU8.length } : {}) };
}
