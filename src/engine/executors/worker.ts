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
import { isModuleFailure, tensorFailureHint } from '../../tensor/backends/failures.js';
import { setKernelThreads, tensorMemory, type TensorMemory } from '../../tensor/backends/init.js';
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
    const retire = retirement(undefined, await tensorMemory().catch(() => undefined));
    return {
      ok: true,
      ...(result?.metrics ? { metrics: result.metrics } : {}),
      ...(Object.keys(timings).length ? { timings } : {}),
      ...(retire ? { retire } : {}),
    };
  } catch (e) {
    if (controller.signal.aborted) return { ok: false, cancelled: true, error: { message: 'cancelled' } };
    if (isUserError(e)) return { ok: false, error: { message: e.message, ...(e.hint ? { hint: e.hint } : {}), stack: e.stack ?? '' } };
    const err = e instanceof Error ? e : new Error(String(e));
    const memory = await tensorMemory().catch(() => undefined);
    const retire = retirement(err, memory);
    const hint = tensorFailureHint(err, memory?.heapBytes);
    return {
      ok: false,
      error: { message: `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`, ...(hint ? { hint } : {}), stack: err.stack ?? '' },
      ...(retire ? { retire } : {}),
    };
  } finally {
    port.close();
  }
}

/** The wasm heap past which a thread is replaced after its node (MiB; WSOL_RUN_RECYCLE_HEAP_MB). */
function recycleHeapBytes(): number {
  const mb = Number(process.env.WSOL_RUN_RECYCLE_HEAP_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : DEFAULT_RECYCLE_HEAP_MB) * 2 ** 20;
}

/**
 * tfjs-backend-wasm's heap grows to the largest need and never shrinks, and
 * what nodes of other shapes free fragments it; after many tensor nodes a
 * thread's heap can reach the 4 GiB ceiling and the next allocation aborts
 * the module. So a thread whose heap passed the limit after its node, or
 * whose module trapped (it is unusable afterwards), asks to be replaced.
 */
function retirement(error: Error | undefined, memory: TensorMemory | undefined): string | undefined {
  if (error && isModuleFailure(error)) return `its tensor runtime failed (${error.message.split('\n')[0]})`;
  if (memory?.heapBytes !== undefined && memory.heapBytes > recycleHeapBytes())
    return `its wasm heap reached ${Math.round(memory.heapBytes / 2 ** 20)} MiB (over WSOL_RUN_RECYCLE_HEAP_MB=${Math.round(recycleHeapBytes() / 2 ** 20)})`;
  return undefined;
}

const DEFAULT_RECYCLE_HEAP_MB = 2048;
