/**
 * Piscina worker entry: runs one node per call. Loaded only in worker
 * threads, so whatever a node imports dynamically (tfjs…) stays out of the CLI.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { METRICS_FILE, type NodeContext, type NodeResult } from '../../nodes/contract.js';
import { nodeTypes } from '../../nodes/registry.js';
import { checkPluginHashes, loadPlugins } from '../../nodes/plugins.js';
import type { WorkerMessage, WorkerOutcome, WorkerTask } from './executor.js';
import { isUserError } from '../../core/errors.js';
import { tensorFailureHint } from '../../tensor/backends/failures.js';
import { setKernelThreads } from '../../tensor/backends/init.js';
import { backendFactMismatch, gpuErrorsDuringNode } from '../../tensor/backends/for-node.js';

export default async function runTask({ work, port }: { work: WorkerTask; port: MessagePort }): Promise<WorkerOutcome> {
  const { task } = work;
  const controller = new AbortController();
  port.on('message', (m: unknown) => {
    if (m === 'cancel') controller.abort();
  });
  const post = (m: WorkerMessage): void => port.postMessage(m);
  const timings: Record<string, number> = {};
  try {
    // Before the node can start a tensor backend (and with it the kernel module and its helper threads).
    setKernelThreads(work.threads);
    checkPluginHashes(task.plugins);
    await loadPlugins(task.plugins.map((r) => r.url));
    const nodeType = nodeTypes.get(task.type);
    if (!nodeType) throw new Error(`node type ${task.type} is not registered in the worker`);
    const ctx: NodeContext<unknown> = {
      nodeId: task.nodeId,
      nodeType: task.type,
      params: task.params,
      inputs: work.inputs,
      outDir: work.outDir,
      signal: controller.signal,
      env: task.env,
      threads: work.threads,
      progress: (update) => post({ kind: 'progress', update }),
      log: (message) => post({ kind: 'log', message }),
      timing: (name, seconds) => {
        timings[name] = seconds;
      },
      ...(work.checkpoint ? { checkpoint: work.checkpoint } : {}),
    };
    // Params were validated against the type's schema by the loader.
    const result = (await nodeType.run(ctx as NodeContext<never>)) as NodeResult | undefined;
    // The kernel module may have failed over to the slower kernels during the node.
    if (task.env.backend) {
      const drift = backendFactMismatch(task.env.backend) ?? (await gpuErrorsDuringNode());
      if (drift) throw drift;
    }
    if (result?.metrics) await writeFile(join(work.outDir, METRICS_FILE), JSON.stringify(result.metrics, null, 2));
    return { ok: true, ...(result?.metrics ? { metrics: result.metrics } : {}), ...(Object.keys(timings).length ? { timings } : {}) };
  } catch (e) {
    if (controller.signal.aborted) return { ok: false, cancelled: true, error: { message: 'cancelled' } };
    if (isUserError(e)) return { ok: false, error: { message: e.message, ...(e.hint ? { hint: e.hint } : {}), stack: e.stack ?? '' } };
    const err = e instanceof Error ? e : new Error(String(e));
    const hint = tensorFailureHint(err);
    return { ok: false, error: { message: `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`, ...(hint ? { hint } : {}), stack: err.stack ?? '' } };
  } finally {
    port.close();
  }
}
