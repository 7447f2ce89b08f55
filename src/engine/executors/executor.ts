/**
 * Where nodes run. The scheduler hands an Executor one task at a time and
 * knows nothing else about it: the local worker-thread pool is one
 * implementation; a distributed queue over a shared cache can be another.
 */
import type { EnvFact, InputArtifact, JsonObject, Metrics, ProgressUpdate } from '../../nodes/contract.js';
import type { NodeErrorInfo } from '../events.js';

/** Headline metrics a node returns are stored in its artifact under this name. */
export const METRICS_FILE = 'metrics.json';

/** Everything a worker needs to run one node; plain data, structured-cloneable. */
export interface NodeTask {
  nodeId: string;
  type: string;
  params: JsonObject;
  inputs: Record<string, InputArtifact[]>;
  outDir: string;
  env: Partial<Record<EnvFact, string>>;
}

export type TaskOutcome = { ok: true; metrics?: Metrics } | { ok: false; error: NodeErrorInfo; cancelled?: boolean };

export interface TaskHooks {
  signal: AbortSignal;
  onProgress(update: ProgressUpdate): void;
  onLog(message: string): void;
}

export interface Executor {
  run(task: NodeTask, hooks: TaskHooks): Promise<TaskOutcome>;
  close(): Promise<void>;
}

/** Messages a worker sends back while a task runs. */
export type WorkerMessage = { kind: 'progress'; update: ProgressUpdate } | { kind: 'log'; message: string };
