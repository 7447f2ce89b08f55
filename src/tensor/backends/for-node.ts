/**
 * What a node that computes with tensors calls first: the backend the run
 * chose (ctx.env.backend, e.g. `wasm@4.22.0+nn2+kernels4`), initialised in this worker.
 */

import { initTensorBackend, type Tf } from './init.js';
import { isBackendName } from './select.js';
import { UserError } from '../../core/errors.js';

export async function tensorsFor(env: { backend?: string }): Promise<Tf> {
  const name = (env.backend ?? '').split('@')[0] ?? '';
  if (!isBackendName(name))
    throw new UserError(
      `no tensor backend was chosen for this node (env.backend = ${JSON.stringify(env.backend)})`,
      "declare env: ['backend'] in the node type",
    );
  try {
    return await initTensorBackend(name);
  } catch (e) {
    throw new UserError(
      `backend ${name} could not start: ${e instanceof Error ? e.message : String(e)}`,
      'run `wsol-run doctor` to see which backends work here, and choose one with --backend',
    );
  }
}
