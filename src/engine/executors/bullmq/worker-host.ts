/**
 * `wsol-run worker`: takes jobs from the queues of the capabilities this
 * machine has (capabilities.ts) and runs each on the local worker-thread
 * pool against this machine's mount of the shared cache: the pool creates
 * the node's work directory here and commits the result here, so the
 * submitter's paths never matter. A job whose key names another backend is
 * refused, never run, and so is a job whose submitter's cache this worker
 * cannot prove it shares (cache-proof.ts). Registers itself in Redis with a
 * heartbeat; answers submitters' cache proofs; stops running nodes a
 * submitter cancels.
 */
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { LocalCacheStore } from '../../cache/store.js';
import { LocalPoolExecutor } from '../local-pool.js';
import type { TaskOutcome } from '../executor.js';
import { CANCEL_CHANNEL, HEARTBEAT_MS, queueName, servedBy, WORKERS_KEY, type WorkerInfo } from './capabilities.js';
import { answerProof, checkProof, describeMismatch, MISMATCH_HINT, PROOF_CHANNEL, type CacheProof } from './cache-proof.js';
import type { JobData, JobMessage } from './submitter.js';
import { blockingConnection, commandConnection, connect, within } from './registry.js';

/** What `wsol-run worker` offers and where: Redis, this machine's mount of the cache, backend fact, GPUs, concurrency and lease in ms. */
export interface WorkerHostOptions {
  url: string;
  cacheDir: string;
  /** The backend fact of this machine (select.ts). */
  backend: string;
  gpus: number;
  /** Nodes at once (each on its own worker thread). */
  concurrency: number;
  /** How long a job's lock lasts without renewal: after a worker dies, its job goes to another worker this much later. */
  leaseMs: number;
  log(line: string): void;
}

/** A running worker host, as startWorkerHost returns it: its registration and a way to stop it cleanly. */
export interface WorkerHost {
  info: WorkerInfo;
  /** Stops taking jobs, waits for running ones, deregisters. */
  close(): Promise<void>;
}

/** This worker's record in Redis (what `status` lists and submitters route by), written now and refreshed every HEARTBEAT_MS. */
async function announce(redis: Redis, o: WorkerHostOptions): Promise<{ info: WorkerInfo; heartbeat: NodeJS.Timeout }> {
  const info: WorkerInfo = {
    id: `${hostname()}-${process.pid}`,
    host: hostname(),
    pid: process.pid,
    backend: o.backend,
    gpus: o.gpus,
    concurrency: o.concurrency,
    cache: o.cacheDir,
    seen: Date.now(),
  };
  const beat = async (): Promise<void> => {
    info.seen = Date.now();
    await redis.hset(WORKERS_KEY, info.id, JSON.stringify(info)).catch(() => undefined);
  };
  await beat();
  return { info, heartbeat: setInterval(() => void beat(), HEARTBEAT_MS) };
}

/** Whether a submitter's cache is this worker's, each submitter's proof read once (its nonce file does not change while it runs). */
function proofChecker(cacheDir: string): (proof: CacheProof) => ReturnType<typeof checkProof> {
  const proofs = new Map<string, ReturnType<typeof checkProof>>();
  return (proof) => {
    let checked = proofs.get(proof.token);
    if (!checked) {
      checked = checkProof(cacheDir, proof);
      proofs.set(proof.token, checked);
    }
    return checked;
  };
}

export async function startWorkerHost(o: WorkerHostOptions): Promise<WorkerHost> {
  const redis = await connect(o.url);
  const cache = new LocalCacheStore(o.cacheDir);
  await cache.open();
  const pool = new LocalPoolExecutor(cache, o.concurrency);
  const { info, heartbeat } = await announce(redis, o);

  const running = new Map<string, AbortController>();
  const subscriber = commandConnection(redis);
  await subscriber.subscribe(CANCEL_CHANNEL, PROOF_CHANNEL);
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === CANCEL_CHANNEL) running.get(message)?.abort();
    else if (channel === PROOF_CHANNEL) void answerProof(redis, info, o.cacheDir, message).catch(() => undefined);
  });
  const sharesCache = proofChecker(o.cacheDir);

  const runJob = async (job: Job<JobData>): Promise<TaskOutcome> => {
    const { proof, ...task } = job.data;
    if (task.env.backend !== undefined && task.env.backend !== o.backend)
      return { ok: false, error: { message: `worker ${info.id} computes with ${o.backend}, but the node's key says ${task.env.backend}: not run` } };
    const shared = await sharesCache(proof);
    if (!shared.ok) {
      o.log(`refused ${task.nodeId}: not the submitter's cache`);
      return {
        ok: false,
        error: { message: describeMismatch(proof, { worker: info.id, host: info.host, cache: o.cacheDir, reason: shared.reason }), hint: MISMATCH_HINT },
      };
    }
    const controller = new AbortController();
    running.set(job.id!, controller);
    // One BullMQ worker per queue: at `concurrency` nodes, all of them stop fetching until one finishes.
    if (running.size >= o.concurrency) for (const w of workers) w.pause(true);
    const send = (m: JobMessage): void => void job.updateProgress(m as unknown as object).catch(() => undefined);
    send({ kind: 'started', worker: info.id });
    o.log(`running ${task.nodeId} (job ${job.id}, key ${task.key.slice(0, 12)})`);
    try {
      const outcome = await pool.run(task, {
        signal: controller.signal,
        onProgress: (update) => send({ kind: 'progress', update }),
        onLog: (message) => send({ kind: 'log', message }),
      });
      o.log(`${outcome.ok ? `done ${task.nodeId} ${outcome.digest.slice(0, 12)}` : `${outcome.cancelled ? 'cancelled' : 'failed'} ${task.nodeId}`}`);
      return outcome;
    } finally {
      running.delete(job.id!);
      if (running.size < o.concurrency) for (const w of workers) if (w.isPaused()) w.resume();
    }
  };

  const { Worker: BullWorker } = await import('bullmq');
  const workers: Worker[] = [];
  // BullMQ does not close connections it is given: these are closed with the host.
  const connections: Redis[] = [];
  for (const c of servedBy(o)) {
    const w = new BullWorker<JobData, TaskOutcome>(queueName(c), runJob, {
      // A worker waits out a Redis outage (its results are committed to the cache meanwhile); BullMQ needs blocking options here.
      connection: (() => {
        const c = blockingConnection(redis);
        connections.push(c);
        return c;
      })(),
      concurrency: o.concurrency,
      lockDuration: o.leaseMs,
      stalledInterval: o.leaseMs,
      // A job whose worker died goes to another; only a job that stalls this often is given up.
      maxStalledCount: 5,
    });
    w.on('error', () => undefined);
    workers.push(w);
  }
  o.log(`worker ${info.id}: ${o.backend}, ${o.gpus} GPU(s), ${o.concurrency} at once, cache ${o.cacheDir}; queues ${workers.map((w) => w.name).join(', ')}`);

  return {
    info,
    close: async () => {
      clearInterval(heartbeat);
      await Promise.all(workers.map((w) => w.close()));
      await pool.close();
      await within(
        redis.hdel(WORKERS_KEY, info.id).catch(() => undefined),
        2_000,
      );
      subscriber.disconnect();
      for (const c of connections) c.disconnect();
      redis.disconnect();
    },
  };
}
