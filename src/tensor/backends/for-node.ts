/**
 * What a node that computes with tensors calls first: the backend the run
 * chose (ctx.env.backend, e.g. `wasm@4.22.0+nn2+kernels4`), initialised in this worker.
 */

import { initTensorBackend, runningBackendFact, type Tf } from './init.js';
import { isBackendName, webgpuAdapterOfFact } from './select.js';
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
  return tf;
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
