import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { CacheStore } from '../cache/cache.js';
import { isWebgpuFact } from '../../tensor/backends/select.js';
import { cancelGraceMs, markStuck } from './stuck-threads.js';
import {
  computeThreads,
  maxWorkerThreads,
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
 *
 * A worker thread starts its tensor backend and kernel module once and keeps
 * the module's thread count, so tasks go to one pool per compute-thread count
 * (computeThreads()): a thread never runs a node with another count than its
 * module's. Nodes of equal resources.cpu get the same count in a run, so a
 * run usually has one pool; the scheduler still bounds how many nodes run at
 * once over all pools.
 *
 * Threads start when a node needs one (piscina minThreads 0), up to
 * min(workers, maxWorkerThreads()): a run starts at most as many as it has
 * nodes running at once, and `--jobs 100000` no longer spawns 100,000
 * threads up front. An idle thread ends after IDLE_THREAD_MS (its next node
 * starts a fresh one, which starts its backend again); GPU threads never do.
 */
/**
 * Piscina loads its worker file with require() first and import() when that
 * fails. On Node 20.19+ require() of an ES module is on by default, and once in
 * CI it aborted the whole process inside V8 (`v8::Module::IsGraphAsync must be
 * used on an instantiated module`) while a pool started; with require(esm) off,
 * the require fails cleanly and piscina imports the worker as ESM.
 */
const NO_REQUIRE_ESM = '--no-experimental-require-module';
const WORKER_EXEC_ARGV = process.allowedNodeEnvironmentFlags.has(NO_REQUIRE_ESM) ? [...process.execArgv, NO_REQUIRE_ESM] : [...process.execArgv];

/**
 * Whether a node computes on webgpu: its worker thread then holds a Dawn
 * device, and Dawn (npm `webgpu` 0.6) can crash the whole process with a
 * segmentation fault when such a thread is terminated (seen under load,
 * about one time in three). Those threads are never terminated: a cancelled
 * node stops cooperatively, and at the end the threads are unref'd and end
 * with the process.
 */
function holdsGpuDevice(task: NodeTask): boolean {
  return isWebgpuFact(task.env.backend);
}

/** How long a thread with no node waits for the next before it ends (not for GPU threads: see holdsGpuDevice). */
const IDLE_THREAD_MS = 60_000;
/** How long close() waits for a terminated thread to exit before leaving it stuck. */
const TERMINATE_WAIT_MS = 1000;

export class LocalPoolExecutor implements Executor {
  private readonly pools = new Map<number, Piscina>();
  private readonly gpuPools = new Set<Piscina>();
  /** Tasks in flight per pool, and pools replaced (retired) that end when their last task does. */
  private readonly running = new Map<Piscina, number>();
  private readonly retired = new Set<Piscina>();
  /** Threads terminated past the cancel deadline that have not exited yet. */
  private readonly exiting = new Set<Promise<unknown>>();

  constructor(
    private readonly cache: CacheStore,
    /** Worker threads per pool: --jobs. */
    private readonly workers: number,
  ) {}

  private poolFor(computeThreads: number, gpu: boolean): Piscina {
    let pool = this.pools.get(computeThreads);
    if (!pool) {
      pool = new Piscina({
        filename: new URL('./worker.js', import.meta.url).href,
        minThreads: 0,
        maxThreads: Math.max(1, Math.min(this.workers, maxWorkerThreads())),
        concurrentTasksPerWorker: 1,
        // Piscina ends an idle thread past minThreads by terminating it, which a Dawn device may not survive.
        idleTimeout: gpu ? Number.POSITIVE_INFINITY : IDLE_THREAD_MS,
        execArgv: WORKER_EXEC_ARGV,
      });
      this.pools.set(computeThreads, pool);
    }
    return pool;
  }

  async run(task: NodeTask, hooks: TaskHooks): Promise<TaskOutcome> {
    const out = await this.cache.beginWrite();
    try {
      const threads = computeThreads(task.share);
      const checkpoint = task.checkpointEvery > 0 ? { dir: this.cache.checkpointDir(task.key), every: task.checkpointEvery } : undefined;
      const outcome = await this.runInWorker(
        { task, outDir: out.dir, inputs: resolveInputs(task, this.cache), threads, ...(checkpoint ? { checkpoint } : {}) },
        hooks,
      );
      // A failed or cancelled node keeps its checkpoints: the next run resumes from them.
      if (!outcome.ok) return outcome;
      const artifact = await out.commit(task.key, { type: task.type, version: task.version });
      await this.cache.removeCheckpoint(task.key);
      return {
        ok: true,
        digest: artifact.digest,
        ...(outcome.metrics ? { metrics: outcome.metrics } : {}),
        ...(outcome.timings ? { timings: outcome.timings } : {}),
      };
    } finally {
      await out.discard().catch(() => undefined);
    }
  }

  private async runInWorker(work: WorkerTask, hooks: TaskHooks): Promise<WorkerOutcome> {
    const cancelled: WorkerOutcome = { ok: false, cancelled: true, error: { message: 'cancelled' } };
    if (hooks.signal.aborted) return cancelled;
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') hooks.onProgress(m.update);
      else hooks.onLog(m.message);
    });
    const gpu = holdsGpuDevice(work.task);
    const pool = this.poolFor(work.threads, gpu);
    if (gpu) this.gpuPools.add(pool);
    // Cancelling asks the node to stop (its ctx.signal); a node still running after the grace period
    // (cancelGraceMs) has its thread terminated, or on webgpu abandoned: terminating a thread with a Dawn
    // device can crash. Either way the node is cancelled then, whether or not its thread ever stops.
    const terminate = new AbortController();
    let deadline: NodeJS.Timeout | undefined;
    let abandon: (() => void) | undefined;
    const abandoned = new Promise<WorkerOutcome>((resolve) => {
      abandon = () => resolve(cancelled);
    });
    const onAbort = (): void => {
      port1.postMessage('cancel');
      deadline = setTimeout(() => this.pastDeadline(pool, work, gpu, terminate, task, abandon!), cancelGraceMs());
    };
    this.running.set(pool, (this.running.get(pool) ?? 0) + 1);
    const task = pool.run({ work, port: port2 }, { transferList: [port2], ...(gpu ? {} : { signal: terminate.signal }) }) as Promise<WorkerOutcome>;
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await Promise.race([task, abandoned]);
      if (outcome.retire) {
        this.retire(pool, work.threads);
        hooks.onLog(`worker thread replaced after this node: ${outcome.retire}; the next node starts on a fresh one`);
      }
      return outcome;
    } catch (e) {
      if (hooks.signal.aborted) return cancelled;
      const err = e instanceof Error ? e : new Error(String(e));
      return { ok: false, error: { message: `worker crashed: ${err.message}`, stack: err.stack ?? '' } };
    } finally {
      clearTimeout(deadline);
      hooks.signal.removeEventListener('abort', onAbort);
      port1.close();
      const left = (this.running.get(pool) ?? 1) - 1;
      this.running.set(pool, left);
      if (left === 0 && this.retired.has(pool)) await this.end(pool);
    }
  }

  /**
   * A cancelled node still runs after the grace period. Off webgpu its thread is terminated (piscina's abort:
   * the task rejects at once and the thread leaves the pool); a thread blocked in a system call never
   * finishes terminating, so until it exits it is unref'd and marked stuck (stuck-threads.ts: the CLI then
   * ends by its signal). On webgpu the thread is left running, its pool retired so that no node goes to it.
   */
  private pastDeadline(pool: Piscina, work: WorkerTask, gpu: boolean, terminate: AbortController, task: Promise<unknown>, abandon: () => void): void {
    if (gpu) {
      this.retire(pool, work.threads);
      markStuck(
        task,
        task.catch(() => undefined),
      );
      abandon();
      return;
    }
    const before = new Set<Worker>(pool.threads);
    terminate.abort();
    for (const thread of pool.threads) before.delete(thread);
    for (const thread of before) {
      const exited = once(thread, 'exit').catch(() => undefined);
      this.exiting.add(exited);
      void exited.finally(() => this.exiting.delete(exited));
      markStuck(thread, exited);
      thread.unref();
    }
  }

  /**
   * Replaces a pool whose thread asked to be (worker.ts `retirement`): new nodes go to a fresh pool, whose
   * threads start with fresh heaps, and the old one ends when its last running node does. Piscina cannot
   * end one chosen thread, and ending the pool between nodes never races a task handed to a dying thread.
   */
  private retire(pool: Piscina, computeThreads: number): void {
    if (this.pools.get(computeThreads) === pool) this.pools.delete(computeThreads);
    this.retired.add(pool);
  }

  /** Ends a pool's threads; a GPU pool's are left to end with the process (see holdsGpuDevice), without keeping it alive. */
  private async end(pool: Piscina): Promise<void> {
    this.retired.delete(pool);
    this.running.delete(pool);
    if (!this.gpuPools.has(pool)) await pool.destroy();
    else for (const thread of pool.threads) thread.unref();
  }

  /** Worker threads alive now over all pools (retired ones included): what the pool costs in memory. */
  get threads(): number {
    let n = 0;
    for (const pool of new Set([...this.pools.values(), ...this.retired])) n += pool.threads.length;
    return n;
  }

  /** Ends every pool; a thread terminated past the cancel deadline gets a moment to exit, then is left stuck (stuck-threads.ts). */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values(), ...this.retired].map((p) => this.end(p)));
    if (this.exiting.size) await Promise.race([Promise.all(this.exiting), delay(TERMINATE_WAIT_MS, undefined, { ref: false })]);
  }
}
