/**
 * Which build of the kernel module a thread will run, decided the same way
 * in the CLI (for the backend fact that enters cache keys) and in a worker
 * (which compiles it). The two builds round differently (fused multiply-add
 * or not), and the slower kernels a third way, so the choice is part of what
 * a result's key says about the arithmetic behind it.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { KERNEL_MODULES } from './build.js';

/**
 * A build of the kernel module: `fma` (relaxed SIMD's fused multiply-add) or
 * `plain`; they round differently, so the variant enters the backend fact.
 */
export type Variant = 'fma' | 'plain';

/** What computes the hot kernels: one of the module's builds, or 'off' (tfjs's kernels with wsol-run's slower training kernels). */
export type KernelChoice = Variant | 'off';

let fmaValid: boolean | undefined;

/**
 * Whether this engine runs relaxed SIMD: Node 20's V8 has it behind
 * --experimental-wasm-relaxed-simd, which can be switched on before compiling.
 */
export function relaxedSimdAvailable(): boolean {
  if (fmaValid === undefined) {
    const bytes = readFileSync(KERNEL_MODULES.fma);
    if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    fmaValid = WebAssembly.validate(bytes);
  }
  return fmaValid;
}

/** The build to compile: the fused one when wanted and available, else the plain SIMD128 one. */
export function chooseVariant(wantFma: boolean): Variant {
  return wantFma && relaxedSimdAvailable() ? 'fma' : 'plain';
}

/** What a worker of this process will use, from the environment switches (WSOL_RUN_KERNELS=0, WSOL_RUN_KERNEL_FMA=0). */
export function expectedKernels(env: NodeJS.ProcessEnv = process.env): KernelChoice {
  if (env.WSOL_RUN_KERNELS === '0') return 'off';
  try {
    return chooseVariant(env.WSOL_RUN_KERNEL_FMA !== '0');
  } catch {
    return 'off'; // the module's files are unreadable: the worker will not start it either
  }
}

/** The suffix of the backend fact, e.g. `kernels4-fma`. */
export function kernelFact(version: number, choice: KernelChoice): string {
  return `kernels${version}-${choice === 'fma' ? 'fma' : choice === 'plain' ? 'simd128' : 'off'}`;
}
