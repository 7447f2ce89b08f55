/**
 * Routing by capability. BullMQ hands any job of a queue to any worker of
 * that queue, so each capability class has its own queue: the backend fact
 * a node's key names (or none, for nodes that compute without tensors) and
 * whether it needs a GPU. A worker serves exactly the queues it can satisfy;
 * a node never runs on a worker whose backend differs from its key's.
 *
 * Workers register themselves in one Redis hash (id -> WorkerInfo, with a
 * heartbeat), so a submitter can tell when a job waits for a capability no
 * live worker has, and can take the backend fact from the workers when the
 * backend is not installed where it runs.
 */
import type { NodeTask } from '../executor.js';

export const PREFIX = 'wsol-run';
export const WORKERS_KEY = `${PREFIX}:workers`;
export const CANCEL_CHANNEL = `${PREFIX}:cancel`;
/** A worker whose heartbeat is older than this is gone. */
export const HEARTBEAT_MS = 5_000;
export const WORKER_STALE_MS = 20_000;

/** What a node needs of a worker, and so which queue it goes to: the backend fact its key names and whether it needs a GPU. */
export interface Capability {
  /** The backend fact, or '' for nodes that declare none. */
  backend: string;
  gpu: boolean;
}

/** A live worker as it registers itself in Redis with each heartbeat: where it runs, its backend, GPUs, concurrency and cache. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  backend: string;
  gpus: number;
  concurrency: number;
  cache: string;
  /** ms since epoch of the last heartbeat. */
  seen: number;
}

export function capabilityOf(task: Pick<NodeTask, 'env' | 'gpu'>): Capability {
  return { backend: task.env.backend ?? '', gpu: task.gpu > 0 };
}

/** A queue name BullMQ accepts (no ':'), one per capability. */
export function queueName(c: Capability): string {
  const backend = c.backend === '' ? 'no-backend' : c.backend.replace(/[^A-Za-z0-9_.@+-]/g, '_');
  return `${PREFIX}.${backend}.${c.gpu ? 'gpu' : 'cpu'}`;
}

/** The capabilities a worker serves: nodes without a backend, nodes on its backend, and with GPUs the GPU classes too. */
export function servedBy(w: Pick<WorkerInfo, 'backend' | 'gpus'>): Capability[] {
  const out: Capability[] = [
    { backend: '', gpu: false },
    { backend: w.backend, gpu: false },
  ];
  if (w.gpus > 0) out.push({ backend: '', gpu: true }, { backend: w.backend, gpu: true });
  return out;
}

export function serves(w: Pick<WorkerInfo, 'backend' | 'gpus'>, c: Capability): boolean {
  return servedBy(w).some((s) => s.backend === c.backend && s.gpu === c.gpu);
}

export function describeCapability(c: Capability): string {
  return `${c.backend || 'any backend'}${c.gpu ? ' with a GPU' : ''}`;
}
