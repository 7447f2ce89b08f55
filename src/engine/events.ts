/**
 * Every event a run emits, as one discriminated union. The TTY view, the
 * plain log, `--json` and the run store are all consumers of this stream.
 */
import type { Metrics, ProgressUpdate } from '../nodes/contract.js';

export interface NodeErrorInfo {
  message: string;
  hint?: string;
  /** Only shown with --verbose. */
  stack?: string;
}

export type RunEvent =
  | { event: 'run-start'; runId: string; pipeline: string; name: string; nodes: number; jobs: number; cache: string; time: string }
  | { event: 'node-start'; node: string; type: string; key: string; reason: string }
  | { event: 'node-progress'; node: string; progress: ProgressUpdate }
  | { event: 'node-log'; node: string; message: string }
  | { event: 'node-cached'; node: string; type: string; key: string; digest: string }
  | {
      event: 'node-done';
      node: string;
      type: string;
      key: string;
      digest: string;
      durationMs: number;
      metrics?: Metrics;
      /** Named durations (s) the node recorded, e.g. per epoch. */
      timings?: Record<string, number>;
      sameOutput: boolean;
    }
  | { event: 'node-failed'; node: string; type: string; error: NodeErrorInfo; durationMs?: number }
  | { event: 'node-skipped'; node: string; type: string; reason: string }
  | { event: 'node-cancelled'; node: string; type: string }
  | { event: 'cache-invalid'; node: string; reason: string }
  | { event: 'warning'; message: string }
  /** Information, not a problem: e.g. which tensor backend the run uses and why. */
  | { event: 'info'; message: string }
  | { event: 'run-done'; runId: string; status: RunStatus; durationMs: number; counts: RunCounts };

export type RunStatus = 'succeeded' | 'failed' | 'cancelled';

export interface RunCounts {
  ran: number;
  cancelled: number;
  cached: number;
  failed: number;
  skipped: number;
}

export type EventListener = (e: RunEvent) => void;
