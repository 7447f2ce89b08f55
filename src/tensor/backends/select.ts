/**
 * Which tensor backend a run uses, and initialising it in a worker.
 *
 * Order (docs/backends.md): tensorflow GPU (@tensorflow/tfjs-node-gpu) -> webgpu
 * (tfjs's WebGPU backend on Dawn, only with a hardware adapter) -> tensorflow
 * CPU (@tensorflow/tfjs-node) -> wasm with our training kernels -> cpu.
 * The CLI picks the backend WITHOUT loading tfjs (it only checks which
 * packages resolve), because the choice enters cache keys even of runs that
 * execute nothing; the worker then initialises it and fails with a clear
 * message if it cannot (e.g. CUDA libraries missing), rather than silently
 * computing on another backend than the key says. Whether a WebGPU adapter
 * exists is known from a probe in a child process, cached per machine
 * (webgpu/probe-cache.ts).
 */
import { createRequire } from 'node:module';
import { expectedKernels, kernelFact, type KernelChoice } from '../kernels/variant.js';
import { adapterSlug, chooseAdapter, describeAdapter } from './webgpu/adapters.js';
import { webgpuAdapters } from './webgpu/probe-cache.js';

export const BACKENDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
/** A tensor backend wsol-run can run on, in BACKENDS' order of preference. */
export type BackendName = (typeof BACKENDS)[number];

/** How the kernel module's build is named in doctor and the benchmark. */
export function kernelVariantLabel(variant: string): string {
  return variant === 'fma' ? 'relaxed-SIMD FMA' : 'SIMD128';
}

/** Version of our own kernels; part of the backend fact, so a kernel fix invalidates results. */
export const WASM_KERNELS_VERSION = 4;
/**
 * Version of the networks' arithmetic on every backend (2: batch norm folded
 * into the convolution before it at inference); part of the backend fact.
 */
export const NETWORK_CODE_VERSION = 2;

const PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

const require = createRequire(import.meta.url);

/** The version of an installed package, or undefined if it does not resolve. */
export function installedVersion(pkg: string): string | undefined {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Dawn's Node binding, which gives tfjs's webgpu backend a `navigator.gpu`. */
export const DAWN_PACKAGE = 'webgpu';

/** The backend the CLI chose for a run without loading tfjs: its name, the fact that enters cache keys, and why it was chosen. */
export interface BackendPlan {
  name: BackendName;
  /**
   * The environment fact entering cache keys, e.g. `wasm@4.22.0+nn2+kernels4-fma`:
   * everything that changes a result's bits (the package, our network code,
   * and on wasm our kernels' version and build, or `-off` for tfjs's kernels).
   */
  fact: string;
  /** Why this one: printed at start-up. */
  reason: string;
}

/** Picks the backend by what is installed (or what --backend asks for). Loads nothing heavy. */
export function planBackend(requested?: BackendName, env: NodeJS.ProcessEnv = process.env): BackendPlan {
  const candidates = requested ? [requested] : BACKENDS;
  for (const name of candidates) {
    const version = installedVersion(PACKAGES[name]);
    if (!version) {
      if (requested) throw new Error(`--backend ${name}: ${PACKAGES[name]} is not installed (npm install ${PACKAGES[name]})`);
      continue;
    }
    if (name === 'webgpu') {
      const plan = planWebgpu(version, requested === 'webgpu', env);
      if (plan) return plan;
      continue;
    }
    const fact = backendFact(name, version, name === 'wasm' ? expectedKernels() : undefined);
    const reason = requested
      ? 'forced with --backend'
      : name === 'wasm'
        ? 'no @tensorflow/tfjs-node(-gpu) installed and no hardware WebGPU adapter; wasm with wsol-run training kernels'
        : `${PACKAGES[name]} is installed`;
    return { name, fact, reason };
  }
  throw new Error('no tensor backend is installed (expected @tensorflow/tfjs-backend-wasm)');
}

/**
 * webgpu, if it applies: chosen automatically only on a hardware adapter
 * (a software rasterizer trains slower than wasm), forced onto any adapter.
 * WSOL_RUN_WEBGPU=0 leaves it out of the automatic choice without probing.
 */
function planWebgpu(version: string, forced: boolean, env: NodeJS.ProcessEnv): BackendPlan | undefined {
  if (!forced && env.WSOL_RUN_WEBGPU === '0') return undefined;
  const dawn = installedVersion(DAWN_PACKAGE);
  if (!dawn) {
    if (forced) throw new Error(`--backend webgpu: Dawn's binding (npm package ${DAWN_PACKAGE}) is not installed (npm install ${DAWN_PACKAGE})`);
    return undefined;
  }
  const probe = webgpuAdapters(dawn, { env });
  const adapter = chooseAdapter(probe.adapters, forced);
  if (!adapter) {
    if (forced) throw new Error(`--backend webgpu: no WebGPU adapter here (${probe.problems.join('; ') || 'none found'})`);
    return undefined;
  }
  return {
    name: 'webgpu',
    fact: backendFact('webgpu', version, undefined, { dawn, adapter: adapterSlug(adapter) }),
    reason: `${forced ? 'forced with --backend' : 'a hardware WebGPU adapter'}: ${describeAdapter(adapter)}`,
  };
}

/**
 * The fact for a backend at a package version, with the kernel choice on
 * wasm, and on webgpu Dawn's version and the adapter (backend, vendor,
 * architecture, device, driver).
 */
export function backendFact(name: BackendName, version: string, kernels: KernelChoice | undefined, gpu?: { dawn: string; adapter: string }): string {
  const base = `${name}@${version}+nn${NETWORK_CODE_VERSION}`;
  if (name === 'wasm') return `${base}+${kernelFact(WASM_KERNELS_VERSION, kernels ?? 'off')}`;
  if (name === 'webgpu') return `${base}+dawn${gpu?.dawn ?? 'unknown'}+${gpu?.adapter ?? 'unknown'}`;
  return base;
}

/** Whether a backend fact is webgpu's (a node on it runs on a worker thread holding a Dawn device). */
export function isWebgpuFact(fact: string | undefined): boolean {
  return fact?.startsWith('webgpu@') ?? false;
}

/** The adapter slug a webgpu fact names (its last part), or undefined for other backends. */
export function webgpuAdapterOfFact(fact: string): string | undefined {
  if (!isWebgpuFact(fact)) return undefined;
  return fact.split('+').slice(3).join('+') || undefined;
}

export function backendPackage(name: BackendName): string {
  return PACKAGES[name];
}

export function isBackendName(s: string): s is BackendName {
  return (BACKENDS as readonly string[]).includes(s);
}
