/**
 * Which tensor backend a run uses, and initialising it in a worker.
 *
 * Order (docs/backends.md): tensorflow GPU (@tensorflow/tfjs-node-gpu) -> tensorflow
 * CPU (@tensorflow/tfjs-node) -> wasm with our training kernels -> cpu.
 * The CLI picks the backend WITHOUT loading tfjs (it only checks which
 * packages resolve), because the choice enters cache keys even of runs that
 * execute nothing; the worker then initialises it and fails with a clear
 * message if it cannot (e.g. CUDA libraries missing), rather than silently
 * computing on another backend than the key says.
 */
import { createRequire } from 'node:module';
import { expectedKernels, kernelFact, type KernelChoice } from '../kernels/variant.js';

export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
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
export function planBackend(requested?: BackendName): BackendPlan {
  const candidates = requested ? [requested] : BACKENDS;
  for (const name of candidates) {
    const version = installedVersion(PACKAGES[name]);
    if (!version) {
      if (requested) throw new Error(`--backend ${name}: ${PACKAGES[name]} is not installed (npm install ${PACKAGES[name]})`);
      continue;
    }
    const fact = backendFact(name, version, name === 'wasm' ? expectedKernels() : undefined);
    const reason = requested
      ? 'forced with --backend'
      : name === 'wasm'
        ? 'no @tensorflow/tfjs-node(-gpu) installed; wasm with wsol-run training kernels'
        : `${PACKAGES[name]} is installed`;
    return { name, fact, reason };
  }
  throw new Error('no tensor backend is installed (expected @tensorflow/tfjs-backend-wasm)');
}

/** The fact for a backend at a package version, with the kernel choice on wasm. */
export function backendFact(name: BackendName, version: string, kernels: KernelChoice | undefined): string {
  return `${name}@${version}+nn${NETWORK_CODE_VERSION}${name === 'wasm' ? `+${kernelFact(WASM_KERNELS_VERSION, kernels ?? 'off')}` : ''}`;
}

export function backendPackage(name: BackendName): string {
  return PACKAGES[name];
}

export function isBackendName(s: string): s is BackendName {
  return (BACKENDS as readonly string[]).includes(s);
}
