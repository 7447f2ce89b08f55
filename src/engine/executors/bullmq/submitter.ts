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
 * running ones. Every Redis call here is bounded (registry.ts): none waits
 * for a Redis that is gone, one watchdog check runs at a time, and
 * cancelling and closing give up on Redis after a few seconds.
 *
 * Before it submits anything the executor has the live workers prove they
 * share its cache (cache-proof.ts): a worker on another cache would commit
 * every result where the submitter never sees it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Queue, QueueEvents } from 'bullmq';
import { WsolError } from '../../diagnostics.js';
import type { Executor, NodeTask, TaskHooks, TaskOutcome } from '../executor.js';
import type { ProgressUpdate } from '../../../nodes/contract.js';
import { CANCEL_CHANNEL, capabilityOf, describeCapability, queueName, serves, type Capability } from './capabilities.js';
import { collectAnswers, describeMismatch, MISMATCH_HINT, publishProof, withdrawProof, type CacheProof } from './cache-proof.js';
import { blockingConnection, commandConnection, connect, describeRedisError, liveWorkers, within } from './registry.js';

/** A job: the node, and the proof of the cache its result must be committed into. */
export type JobData = NodeTask & { proof: CacheProof };

/** How long live workers have to answer the cache proof before the first job. */
const PROOF_WAIT_MS = 3_000;
/** Cancelling and closing wait this long for Redis before they let go. */
const LET_GO_MS = 2_000;

/** What a worker reports through job.updateProgress. */
export type JobMessage = { kind: 'progress'; update: ProgressUpdate } | { kind: 'log'; message: string } | { kind: 'started'; worker: string };

interface Pending {
  hooks: TaskHooks;
  task: NodeTask;
  queue: Queue;
  resolve(outcome: TaskOutcome): void;
}

/** How the BullMQ executor reaches Redis and the shared cache, where its warnings go, and its watch and timeout intervals in ms. */
export interface BullmqExecutorOptions {
  url: string;
  /** The submitter's cache: the workers must prove they share it. */
  cacheDir: string;
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
  private counter = 0;
  private watch: NodeJS.Timeout | undefined;
  /** When Redis last answered the watchdog; the check in flight, if any (one at a time). */
  private reachableAt = Date.now();
  private checking: Promise<void> | undefined;
  private lastProblem = '';

  private constructor(
    private readonly o: BullmqExecutorOptions,
    private readonly redis: Redis,
    private readonly proof: CacheProof,
  ) {}

  static async open(o: BullmqExecutorOptions): Promise<BullmqExecutor> {
    const redis = await connect(o.url);
    const token = randomBytes(4).toString('hex');
    let proof: CacheProof | undefined;
    try {
      proof = await publishProof(redis, o.cacheDir, token);
      await BullmqExecutor.confirmSharedCache(redis, proof, o.warn);
    } catch (e) {
      if (proof)
        await within(
          withdrawProof(redis, proof).catch(() => undefined),
          LET_GO_MS,
        );
      redis.disconnect();
      if (e instanceof WsolError) throw e;
      throw new WsolError({
        message: `Redis at ${o.url}: ${e instanceof Error ? e.message : String(e)}`,
        hint: 'check that Redis is up and answering, then run again',
      });
    }
    const executor = new BullmqExecutor(o, redis, proof);
    executor.watch = setInterval(() => executor.tick(), o.watchMs ?? 3_000);
    return executor;
  }

  /** Refuses to start while a live worker is on another cache; a worker that does not answer in time is checked when it takes a job. */
  private static async confirmSharedCache(redis: Redis, proof: CacheProof, warn: (message: string) => void): Promise<void> {
    const workers = await liveWorkers(redis);
    const { answers, silent } = await collectAnswers(redis, proof.token, workers, PROOF_WAIT_MS);
    const wrong = answers.filter((a) => !a.ok);
    if (wrong.length) throw new WsolError(wrong.map((a) => ({ message: describeMismatch(proof, a), hint: MISMATCH_HINT })));
    for (const w of silent) warn(`worker ${w.id} did not confirm within ${PROOF_WAIT_MS / 1000} s that it shares this cache: it checks before it runs a job`);
  }

  private readonly opening = new Map<string, Promise<Queue>>();
  /** Connections handed to BullMQ, which does not close connections it is given. */
  private readonly connections: Redis[] = [];

  private connection(kind: 'command' | 'blocking'): Redis {
    const c = kind === 'command' ? commandConnection(this.redis) : blockingConnection(this.redis);
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
      queue = new Queue(name, { connection: this.connection('command') });
      queue.on('error', () => undefined);
      const events = new QueueEvents(name, { connection: this.connection('blocking') });
      events.on('error', () => undefined);
      events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data as unknown));
      events.on('completed', ({ jobId, returnvalue }) => this.finish(jobId, parseOutcome(returnvalue)));
      events.on('failed', ({ jobId, failedReason }) => this.finish(jobId, { ok: false, error: { message: failedReason } }));
      // Its connection blocks by design: a Redis gone while it opens must not hold the node forever.
      const ready = await within(
        events.waitUntilReady().then(() => true),
        this.o.redisTimeoutMs ?? 60_000,
      );
      if (!ready) throw new Error(`the event stream of queue ${name} did not open`);
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
        const jobId = `${this.proof.token}.${++this.counter}`;
        this.pending.set(jobId, { hooks, task, queue, resolve });
        const onAbort = (): void => this.cancel(jobId);
        hooks.signal.addEventListener('abort', onAbort, { once: true });
        await this.enqueue(queue, jobId, task);
      })().catch((e: unknown) =>
        resolve({
          ok: false,
          error: {
            message: `could not submit the node to Redis (${this.o.url}): ${describeRedisError(e)}`,
            hint: 'check that Redis is up, then run again: committed results are reused',
          },
        }),
      );
    });
  }

  private async enqueue(queue: Queue, jobId: string, task: NodeTask): Promise<void> {
    const data: JobData = { ...task, proof: this.proof };
    // One attempt: a node that fails fails (it would fail again); a worker that dies is BullMQ's stalled-job retry.
    await queue.add(task.nodeId, data, { jobId, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } });
  }

  private readonly cancelling = new Set<Promise<void>>();

  private cancel(jobId: string): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    const done = (async (): Promise<void> => {
      const tellWorkers = async (): Promise<void> => {
        const job = await p.queue.getJob(jobId);
        // A waiting job is removed; one a worker holds is told to stop.
        if (job) await job.remove().catch(() => this.redis.publish(CANCEL_CHANNEL, jobId));
        await this.redis.publish(CANCEL_CHANNEL, jobId);
      };
      // Redis gone: the workers' jobs are gone with it, and Ctrl-C must not wait for it.
      await within(
        tellWorkers().catch(() => undefined),
        LET_GO_MS,
      );
      this.finish(jobId, { ok: false, cancelled: true, error: { message: 'cancelled' } });
    })();
    this.cancelling.add(done);
    void done.finally(() => this.cancelling.delete(done));
  }

  /**
   * One watchdog beat: starts a check unless one is still in flight (a check
   * against a Redis that is gone can take a command timeout; overlapping ones
   * would each resubmit the lost jobs when it returns), and fails the waiting
   * nodes once Redis has not answered for `redisTimeoutMs`.
   */
  private tick(): void {
    if (this.pending.size === 0) {
      this.reachableAt = Date.now();
      return;
    }
    if (!this.checking) this.checking = this.checkPending().finally(() => (this.checking = undefined));
    const silentMs = Date.now() - this.reachableAt;
    if (silentMs > (this.o.redisTimeoutMs ?? 60_000)) {
      for (const jobId of [...this.pending.keys()])
        this.finish(jobId, {
          ok: false,
          error: {
            message: `Redis at ${this.o.url} has been unreachable for ${Math.round(silentMs / 1000)} s${this.lastProblem ? ` (${this.lastProblem})` : ''}`,
            hint: 'restart Redis and run again: every result already committed is reused from the cache',
          },
        });
    }
  }

  /** Finds jobs whose events were missed and jobs Redis lost; notes when Redis last answered. */
  private async checkPending(): Promise<void> {
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
      this.reachableAt = Date.now();
      this.lastProblem = '';
    } catch (e) {
      this.lastProblem = describeRedisError(e);
    }
  }

  async close(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    await Promise.all([...this.cancelling]);
    // Closing talks to Redis; one that is gone must not hold up the exit.
    await within(
      Promise.all([
        withdrawProof(this.redis, this.proof).catch(() => undefined),
        ...[...this.events.values()].map((e) => e.close().catch(() => undefined)),
        ...[...this.queues.values()].map((q) => q.close().catch(() => undefined)),
      ]),
      LET_GO_MS,
    );
    for (const c of this.connections) c.disconnect();
    this.redis.disconnect();
  }
}

function parseOutcome(value: unknown): TaskOutcome {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (parsed && typeof parsed === 'object' && 'ok' in parsed) return parsed as TaskOutcome;
  return { ok: false, error: { message: 'the worker returned no result' } };
}
