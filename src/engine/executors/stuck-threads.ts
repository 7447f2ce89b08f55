/**
 * Worker threads that did not stop when their node was cancelled, once the
 * cancel grace period had passed: a thread blocked in a synchronous system
 * call (reading a FIFO nobody writes, a hung network mount) cannot be
 * interrupted, not even by Worker.terminate. Its node is reported cancelled
 * and the thread is abandoned, but Node.js joins every worker thread when
 * the process exits (process.exit too), so such a process could never end:
 * the CLI checks here and ends itself by the signal that cancelled the run
 * (which ends every thread). Kept apart from local-pool.ts so that checking
 * loads no pool.
 */

const stuck = new Set<object>();

/** Marks a thread (any object standing for it) as not stopped, until `stopped` settles, if ever. */
export function markStuck(thread: object, stopped: Promise<unknown>): void {
  stuck.add(thread);
  void stopped.finally(() => stuck.delete(thread));
}

/** How many abandoned threads are still running. */
export function stuckThreads(): number {
  return stuck.size;
}

/** The grace a cancelled node has to stop on its own before its thread is terminated (WSOL_RUN_CANCEL_GRACE_MS). */
export function cancelGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.WSOL_RUN_CANCEL_GRACE_MS);
  return env.WSOL_RUN_CANCEL_GRACE_MS !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_CANCEL_GRACE_MS;
}

export const DEFAULT_CANCEL_GRACE_MS = 5000;
