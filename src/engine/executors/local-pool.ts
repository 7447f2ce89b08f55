import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { CacheStore } from '../cache/cache.js';
import {
  resolveInputs,
  type Executor,
  type NodeTask,
  type TaskHooks,
  type TaskOutcome,
  type WorkerMessage,
  type WorkerOutcome,
  type WorkerTask,
} from './executor.js';

/**
 * Runs nodes on a pool of worker threads (piscina), one node per thread at a
 * time, writing each result into a work area of `cache` and committing it.
 */
export class LocalPoolExecutor implements Executor {
  private readonly pool: Piscina;

  constructor(
    private readonly cache: CacheStore,
    threads: number,
  ) {
    this.pool = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
  }

  async run(task: NodeTask, hooks: TaskHooks): Promise<TaskOutcome> {
    const out = await this.cache.beginWrite();
    try {
      const outcome = await this.runInWorker({ task, outDir: out.dir, inputs: resolveInputs(task, this.cache) }, hooks);
      if (!outcome.ok) return outcome;
      const artifact = await out.commit(task.key, { type: task.type, version: task.version });
      return { ok: true, digest: artifact.digest, ...(outcome.metrics ? { metrics: outcome.metrics } : {}) };
    } finally {
      await out.discard().catch(() => undefined);
    }
  }

  private async runInWorker(work: WorkerTask, hooks: TaskHooks): Promise<WorkerOutcome> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') hooks.onProgress(m.update);
      else hooks.onLog(m.message);
    });
    // Cancelling terminates the worker thread: a node stops at once, whatever it is doing.
    const onAbort = (): void => port1.postMessage('cancel');
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return (await this.pool.run({ work, port: port2 }, { transferList: [port2], signal: hooks.signal })) as WorkerOutcome;
    } catch (e) {
      if (hooks.signal.aborted) return { ok: false, cancelled: true, error: { message: 'cancelled' } };
      const err = e instanceof Error ? e : new Error(String(e));
      return { ok: false, error: { message: `worker crashed: ${err.message}`, stack: err.stack ?? '' } };
    } finally {
      hooks.signal.removeEventListener('abort', onAbort);
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
