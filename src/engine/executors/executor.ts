/**
 * Where nodes run. The scheduler hands an Executor one task at a time and
 * knows nothing else about it: the executor creates the node's work area in
 * a cache, runs the node, commits the result and returns its digest. The
 * local worker-thread pool is one implementation; a distributed queue whose
 * workers commit into their own mount of a shared cache can be another.
 */
import { availableParallelism, totalmem } from 'node:os';
import type { EnvFact, InputArtifact, JsonObject, Metrics, ProgressUpdate } from '../../nodes/contract.js';
import type { PluginRef } from '../../nodes/plugins.js';
import type { CacheStore } from '../cache/cache.js';
import type { NodeErrorInfo } from '../events.js';

/** An input as the scheduler knows it: by digest, not by path (paths are the executing side's business). */
export type TaskInput = Omit<InputArtifact, 'dir'>;

/** Everything needed to run one node anywhere; plain data, structured-cloneable and JSON-serialisable. */
export interface NodeTask {
  nodeId: string;
  type: string;
  /** The node type's version and the action key the result is committed under. */
  version: number;
  key: string;
  params: JsonObject;
  inputs: Record<string, TaskInput[]>;
  env: Partial<Record<EnvFact, string>>;
  /** Plugin modules to load (and whose hashes to check) before running, so plugin node types, heads and map methods exist. */
  plugins: PluginRef[];
  /** The node's share of the machine, which sizes its compute threads (computeThreads()). */
  share: CpuShare;
  /** GPUs the node asks for (resources.gpu): a distributed executor routes it to a worker that has them. */
  gpu: number;
  /** Epochs between training checkpoints (0: none). Not in the key: checkpoints never change a result. */
  checkpointEvery: number;
}

/** A node holds `cpu` worker slots of the `of` that can be busy at once in its run (src/engine/run/parallelism.ts). */
export interface CpuShare {
  cpu: number;
  of: number;
}

/**
 * Compute threads for a node (the kernel module's threads, the node's own
 * thread included): WSOL_RUN_KERNEL_THREADS if the user set it, else
 * max(1, floor(cores * cpu / of)). The nodes running at once hold at most
 * `of` slots in all, so their threads add up to at most the cores (when
 * there are fewer cores than slots each node gets one thread, its own, and
 * starts no helper). `of` is the run's peak, or for a compute node the
 * phase it starts in (phaseShare() in engine/run/parallelism.ts). The kernel
 * module caps it at 8.
 */
export function computeThreads(share: CpuShare, cores = availableParallelism(), env: NodeJS.ProcessEnv = process.env): number {
  const forced = Number(env.WSOL_RUN_KERNEL_THREADS);
  if (forced >= 1) return Math.floor(forced);
  const of = Math.max(1, share.of);
  // Every node keeps at least its own thread, so with more slots than cores the nodes rounded up to 1 would
  // push the total past the cores; capping a share at the cores minus one per other slot keeps the nodes
  // running at once within max(cores, their count). With cores >= slots the cap never binds.
  return Math.max(1, Math.min(Math.floor((cores * share.cpu) / of), cores - of + share.cpu));
}

/** Worker threads per core at most: nodes compute on their share of the cores, so past a few per core none finishes sooner. */
export const THREADS_PER_CORE = 4;
/** Memory budgeted per worker thread: a bare thread takes about 14 MB, one with a tensor backend and a small model's wasm heap some 100s of MiB. */
export const THREAD_MEMORY_BYTES = 256 * 2 ** 20;

/**
 * The most worker threads (nodes at once: --jobs, `worker --concurrency`)
 * this machine is given: max(1, min(THREADS_PER_CORE * cores,
 * floor(memory / THREAD_MEMORY_BYTES))). Every thread holds its own heap and
 * tensor backend, so beyond this more slots only add memory and contention
 * (100,000 threads would need about 1.4 TB just to start).
 */
export function maxWorkerThreads(cores = availableParallelism(), memory = totalmem()): number {
  return Math.max(1, Math.min(THREADS_PER_CORE * cores, Math.floor(memory / THREAD_MEMORY_BYTES)));
}

/** Named durations in seconds a node recorded (NodeContext.timing): for the run store, never the artifact. */
export type Timings = Record<string, number>;

/** How one node task ended on an executor: committed with its digest, metrics and timings, or failed (or cancelled) with the error. */
export type TaskOutcome = { ok: true; digest: string; metrics?: Metrics; timings?: Timings } | { ok: false; error: NodeErrorInfo; cancelled?: boolean };

/** What the scheduler gives an executor with each task: the cancel signal, and where the node's progress and log lines go. */
export interface TaskHooks {
  signal: AbortSignal;
  onProgress(update: ProgressUpdate): void;
  onLog(message: string): void;
}

/** Where nodes run (the local worker-thread pool, the BullMQ queue): each task the scheduler hands over is run and its result committed. */
export interface Executor {
  run(task: NodeTask, hooks: TaskHooks): Promise<TaskOutcome>;
  close(): Promise<void>;
}

/** The task's inputs with the directories where `cache` holds them on this machine. */
export function resolveInputs(task: NodeTask, cache: Pick<CacheStore, 'artifactDir'>): Record<string, InputArtifact[]> {
  return Object.fromEntries(Object.entries(task.inputs).map(([name, list]) => [name, list.map((a) => ({ ...a, dir: cache.artifactDir(a.digest) }))]));
}

/** What a worker thread receives: the task plus where to write and read on this machine. */
export interface WorkerTask {
  task: NodeTask;
  outDir: string;
  inputs: Record<string, InputArtifact[]>;
  /** Compute threads on this machine (computeThreads()): the worker applies it before the node starts a tensor backend. */
  threads: number;
  /** The node key's checkpoint directory in this machine's cache, unless checkpoints are off. */
  checkpoint?: { dir: string; every: number };
}

/** What a worker thread returns: the node's outcome before commit. */
/** `retire`: why the thread asks to be replaced before its next node (its wasm heap grew too large, or its module trapped). */
export type WorkerOutcome =
  | { ok: true; metrics?: Metrics; timings?: Timings; retire?: string }
  | { ok: false; error: NodeErrorInfo; cancelled?: boolean; retire?: string };

/** Messages a worker sends back while a task runs. */
export type WorkerMessage = { kind: 'progress'; update: ProgressUpdate } | { kind: 'log'; message: string };
