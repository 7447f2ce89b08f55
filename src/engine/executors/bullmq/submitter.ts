/**
 * The distributed executor: each node the scheduler hands over becomes a
 * BullMQ job in the queue of its capability (capabilities.ts), run by
 * whichever `wsol-run worker` serves that queue, which commits the result
 * into its mount of the shared cache and returns the digest. Progress and
 * logs come back as job progress events. Everything else — keys, cache
 * lookups, events, the summary — stays with the scheduler, as for the local
 * pool.
 *
 * Faults: a worker that dies mid-node loses its job lock, and BullMQ hands
 * the job to another worker after the lease (it resumes from the node's
 * checkpoint); a job that disappears (Redis restarted without persistence)
 * is enqueued again; Redis unreachable for longer than `redisTimeoutMs`
 * fails the node with a message saying so (results already committed stay
 * in the cache); cancelling removes waiting jobs and tells workers to stop
 * running ones.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Queue, QueueEvents } from 'bullmq';
import type { Executor, NodeTask, TaskHooks, TaskOutcome } from '../executor.js';
import type { ProgressUpdate } from '../../../nodes/contract.js';
import { CANCEL_CHANNEL, capabilityOf, describeCapability, queueName, serves, type Capability } from './capabilities.js';
import { connect, liveWorkers } from './registry.js';

/** What a worker reports through job.updateProgress. */
export type JobMessage = { kind: 'progress'; update: ProgressUpdate } | { kind: 'log'; message: string } | { kind: 'started'; worker: string };

interface Pending {
  hooks: TaskHooks;
  task: NodeTask;
  queue: Queue;
  resolve(outcome: TaskOutcome): void;
}

export interface BullmqExecutorOptions {
  url: string;
  /** Warnings for the run's event stream (e.g. a job no live worker can take). */
  warn(message: string): void;
  /** How often pending jobs are checked (lost jobs, missed events); ms. */
  watchMs?: number;
  /** Redis unreachable this long fails the waiting nodes; ms. */
  redisTimeoutMs?: number;
}

export class BullmqExecutor implements Executor {
  private readonly queues = new Map<string, Queue>();
  private readonly events = new Map<string, QueueEvents>();
  private readonly pending = new Map<string, Pending>();
  private readonly warned = new Set<string>();
  private readonly token = randomBytes(4).toString('hex');
  private counter = 0;
  private watch: NodeJS.Timeout | undefined;
  private unreachableSince: number | undefined;

  private constructor(
    private readonly o: BullmqExecutorOptions,
    private readonly redis: Redis,
  ) {}

  static async open(o: BullmqExecutorOptions): Promise<BullmqExecutor> {
    const executor = new BullmqExecutor(o, await connect(o.url));
    executor.watch = setInterval(() => void executor.checkPending(), o.watchMs ?? 3_000);
    return executor;
  }

  private readonly opening = new Map<string, Promise<Queue>>();
  /** Connections handed to BullMQ, which does not close connections it is given. */
  private readonly connections: Redis[] = [];

  private connection(): Redis {
    const c = this.redis.duplicate();
    c.on('error', () => undefined);
    this.connections.push(c);
    return c;
  }

  /** The queue of a capability, with its event stream ready (once per queue, however many nodes ask at once). */
  private queueFor(c: Capability): Promise<Queue> {
    const name = queueName(c);
    let queue = this.opening.get(name);
    if (!queue) {
      queue = this.openQueue(name);
      this.opening.set(name, queue);
    }
    return queue;
  }

  private async openQueue(name: string): Promise<Queue> {
    let queue = this.queues.get(name);
    if (!queue) {
      const { Queue, QueueEvents } = await import('bullmq');
      queue = new Queue(name, { connection: this.connection() });
      queue.on('error', () => undefined);
      const events = new QueueEvents(name, { connection: this.connection() });
      events.on('error', () => undefined);
      events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data as unknown));
      events.on('completed', ({ jobId, returnvalue }) => this.finish(jobId, parseOutcome(returnvalue)));
      events.on('failed', ({ jobId, failedReason }) => this.finish(jobId, { ok: false, error: { message: failedReason } }));
      await events.waitUntilReady();
      this.queues.set(name, queue);
      this.events.set(name, events);
    }
    return queue;
  }

  private onProgress(jobId: string, data: unknown): void {
    const p = this.pending.get(jobId);
    if (!p || typeof data !== 'object' || data === null) return;
    const m = data as JobMessage;
    if (m.kind === 'progress') p.hooks.onProgress(m.update);
    else if (m.kind === 'log') p.hooks.onLog(m.message);
    else if (m.kind === 'started') p.hooks.onLog(`running on worker ${m.worker}`);
  }

  private finish(jobId: string, outcome: TaskOutcome): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.pending.delete(jobId);
    p.resolve(outcome);
  }

  private async warnIfUnserved(c: Capability, node: string): Promise<void> {
    const name = queueName(c);
    if (this.warned.has(name)) return;
    const workers = await liveWorkers(this.redis);
    if (workers.some((w) => serves(w, c))) return;
    this.warned.add(name);
    this.o.warn(
      `'${node}' waits for a worker with ${describeCapability(c)}: no live worker has it (${workers.length ? workers.map((w) => `${w.id}: ${w.backend}, ${w.gpus} GPU`).join('; ') : 'no worker is registered'}); start one: wsol-run worker --redis ${this.o.url} --cache DIR${c.gpu ? ' --gpus 1' : ''}${c.backend ? ` --backend ${c.backend.split('@')[0]}` : ''}`,
    );
  }

  run(task: NodeTask, hooks: TaskHooks): Promise<TaskOutcome> {
    return new Promise<TaskOutcome>((resolve) => {
      void (async () => {
        const c = capabilityOf(task);
        const queue = await this.queueFor(c);
        await this.warnIfUnserved(c, task.nodeId);
        const jobId = `${this.token}.${++this.counter}`;
        this.pending.set(jobId, { hooks, task, queue, resolve });
        const onAbort = (): void => this.cancel(jobId);
        hooks.signal.addEventListener('abort', onAbort, { once: true });
        await this.enqueue(queue, jobId, task);
      })().catch((e: unknown) =>
        resolve({ ok: false, error: { message: `could not submit the node to Redis (${this.o.url}): ${e instanceof Error ? e.message : String(e)}` } }),
      );
    });
  }

  private async enqueue(queue: Queue, jobId: string, task: NodeTask): Promise<void> {
    // One attempt: a node that fails fails (it would fail again); a worker that dies is BullMQ's stalled-job retry.
    await queue.add(task.nodeId, task, { jobId, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } });
  }

  private readonly cancelling = new Set<Promise<void>>();

  private cancel(jobId: string): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    const done = (async (): Promise<void> => {
      try {
        const job = await p.queue.getJob(jobId);
        // A waiting job is removed; one a worker holds is told to stop.
        if (job) await job.remove().catch(() => this.redis.publish(CANCEL_CHANNEL, jobId));
        await this.redis.publish(CANCEL_CHANNEL, jobId);
      } catch {
        // Redis gone: the workers' jobs are gone with it
      }
      this.finish(jobId, { ok: false, cancelled: true, error: { message: 'cancelled' } });
    })();
    this.cancelling.add(done);
    void done.finally(() => this.cancelling.delete(done));
  }

  /** Finds jobs whose events were missed and jobs Redis lost, and notices a Redis that stays unreachable. */
  private async checkPending(): Promise<void> {
    if (this.pending.size === 0) return;
    try {
      for (const [jobId, p] of [...this.pending]) {
        const state = await p.queue.getJobState(jobId);
        if (state === 'completed') {
          const job = await p.queue.getJob(jobId);
          this.finish(jobId, parseOutcome(job?.returnvalue));
        } else if (state === 'failed') {
          const job = await p.queue.getJob(jobId);
          this.finish(jobId, { ok: false, error: { message: job?.failedReason ?? 'the job failed' } });
        } else if (state === 'unknown') {
          // Redis lost it (restarted without persistence): submit it again; finished results are in the cache.
          this.o.warn(`the job of '${p.task.nodeId}' is gone from Redis (restarted?): submitting it again`);
          await this.enqueue(p.queue, jobId, p.task);
        }
      }
      this.unreachableSince = undefined;
    } catch (e) {
      this.unreachableSince ??= Date.now();
      if (Date.now() - this.unreachableSince > (this.o.redisTimeoutMs ?? 60_000)) {
        for (const jobId of [...this.pending.keys()])
          this.finish(jobId, {
            ok: false,
            error: {
              message: `Redis at ${this.o.url} has been unreachable for ${Math.round((Date.now() - this.unreachableSince) / 1000)} s (${e instanceof Error ? e.message : String(e)})`,
              hint: 'restart Redis and run again: every result already committed is reused from the cache',
            },
          });
      }
    }
  }

  async close(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    await Promise.all([...this.cancelling]);
    await Promise.all([...this.events.values()].map((e) => e.close().catch(() => undefined)));
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    for (const c of this.connections) c.disconnect();
    this.redis.disconnect();
  }
}

function parseOutcome(value: unknown): TaskOutcome {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (parsed && typeof parsed === 'object' && 'ok' in parsed) return parsed as TaskOutcome;
  return { ok: false, error: { message: 'the worker returned no result' } };
}
