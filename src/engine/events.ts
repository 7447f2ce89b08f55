/**
 * Every event a run emits, as one discriminated union. The TTY view, the
 * plain log, `--json` and the run store are all consumers of this stream.
 */
import type { Metrics, ProgressUpdate } from '../nodes/contract.js';

/** A node's failure as it travels in events and the run store: message and hint for the user, the stack for --verbose. */
export interface NodeErrorInfo {
  message: string;
  hint?: string;
  /** Only shown with --verbose. */
  stack?: string;
}

/** One event of a run's stream, as the TTY view, the plain log, `--json` and the run store receive it. */
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

/** How a finished run ended: every node done or cached, some node failed, or cancelled (Ctrl-C, a signal). */
export type RunStatus = 'succeeded' | 'failed' | 'cancelled';

/** How many nodes of a run ran, came from the cache, failed, were skipped below a failure, or were cancelled. */
export interface RunCounts {
  ran: number;
  cancelled: number;
  cached: number;
  failed: number;
  skipped: number;
}

/** A consumer of a run's events (reporter, run store, JSON writer), called synchronously for each one. */
export type EventListener = (e: RunEvent) => void;
