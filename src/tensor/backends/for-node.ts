/**
 * What a node that computes with tensors calls first: the backend the run
 * chose (ctx.env.backend, e.g. `wasm@4.22.0+nn2+kernels4`), initialised in this worker.
 */

import { initTensorBackend, runningBackendFact, type Tf } from './init.js';
import { isBackendName, isWebgpuFact, webgpuAdapterOfFact } from './select.js';
import { UserError } from '../../core/errors.js';

export async function tensorsFor(env: { backend?: string }): Promise<Tf> {
  const name = (env.backend ?? '').split('@')[0] ?? '';
  if (!isBackendName(name))
    throw new UserError(
      `no tensor backend was chosen for this node (env.backend = ${JSON.stringify(env.backend)})`,
      "declare env: ['backend'] in the node type",
    );
  let tf: Tf;
  try {
    tf = await initTensorBackend(name, webgpuAdapterOfFact(env.backend ?? ''));
  } catch (e) {
    throw new UserError(
      `backend ${name} could not start: ${e instanceof Error ? e.message : String(e)}`,
      'run `wsol-run doctor` to see which backends work here, and choose one with --backend',
    );
  }
  const problem = backendFactMismatch(env.backend ?? '');
  if (problem) throw problem;
  // A node answers for the GPU errors of its own work only.
  if (name === 'webgpu') await (await import('./webgpu/start.js')).takeGpuErrors();
  return tf;
}

/**
 * An error if the GPU rejected work during the node (webgpu only): a kernel
 * whose shader did not compile leaves its output as it was, so the node's
 * numbers are not results and must not be cached.
 */
export async function gpuErrorsDuringNode(): Promise<UserError | undefined> {
  if (!isWebgpuFact(runningBackendFact())) return undefined;
  const errors = await (await import('./webgpu/start.js')).takeGpuErrors();
  if (errors.length === 0) return undefined;
  return new UserError(
    `the GPU rejected ${errors.length === 20 ? '20 or more' : errors.length} operation(s) during this node (first: ${errors[0]}): its numbers are not results, so they are not kept`,
    'a tfjs webgpu kernel is broken for these shapes or types on this adapter: run the pipeline with --backend wasm, and report the message',
  );
}

/**
 * An error if this thread no longer computes with what the node's key says
 * (env.backend), else undefined. Results must never be filed under a key
 * that names other arithmetic: the kernel module can fail to start in a
 * worker, or fail during a node and hand over to the slower kernels.
 */
export function backendFactMismatch(expected: string): UserError | undefined {
  const actual = runningBackendFact();
  if (actual === undefined || actual === expected) return undefined;
  return new UserError(
    `this worker computes with ${actual}, but the node's cache key says ${expected}: its result would not reproduce under that key, so it is not kept`,
    actual.endsWith('-off')
      ? "wsol-run's kernel module did not start or failed in this worker (see the warning above); run again, or set WSOL_RUN_KERNELS=0 so the key names the slower kernels; `wsol-run doctor` shows the module's state"
      : 'run again; `wsol-run doctor` shows which backend and kernels this machine uses',
  );
}
