import type { EventListener } from '../../engine/events.js';
import type { Executor } from '../../engine/executors/executor.js';
import { runPipeline, type RunPipelineResult } from '../../engine/run/run-pipeline.js';
import { formatLockCheck, formatSummary } from '../summary.js';
import { printJson } from './common.js';
import { cacheDirOf, capWorkerThreads, defaultJobs, detectGpus } from '../options.js';
import { stuckThreads } from '../../engine/executors/stuck-threads.js';
import { JsonReporter } from '../reporters/json.js';
import { DEFAULT_PROGRESS_EVERY_S, PlainReporter } from '../reporters/plain.js';
import type { Reporter } from '../reporters/reporter.js';
import { LocalCacheStore } from '../../engine/cache/store.js';
import { distributedEnvironment, load, runEnvironment } from './common.js';
import { runWithNativeStderrCaptured, shouldCaptureNativeStderr } from '../native-stderr.js';
import { WsolError } from '../../engine/diagnostics.js';
import { forcedNodes, planCommand, selectedPipeline, type PlanOptions } from './plan.js';
import { resolveForced } from '../../engine/run/force.js';
import { lockPathFor } from '../../engine/lockfile.js';
import type { LockCheck } from '../../engine/run/lock-check.js';
import { importThatAdded, readImports } from '../../engine/bundle/provenance.js';
import { formatLockDrift } from '../summary.js';

/** Options of `wsol-run run` and `verify`, as commander parses them: plan's options plus parallelism, executor, progress and lock handling. */
export interface RunOptions extends PlanOptions {
  jobs?: number;
  gpus?: number;
  keepGoing?: boolean;
  dryRun?: boolean;
  progress?: boolean;
  /** Seconds between plain progress lines (not a terminal). */
  progressEvery?: number;
  /** Compare results with the committed lock, leave it as it is, and exit 3 if they differ. */
  checkLock?: boolean;
  checkpointEvery?: number;
  executor?: string;
  redis?: string;
  /** `verify --recompute NODE`: run these nodes again even if cached and compare their bytes with the lock's. */
  recompute?: string[];
  /** Write the lock even where a result has the lock's key but other bytes. */
  updateLock?: boolean;
}

/** Exit status of a run that succeeded but did not reproduce the lock (`verify`). */
export const EXIT_NOT_REPRODUCED = 3;

/** --progress-every, else $WSOL_RUN_PROGRESS_EVERY, else 30 s. */
function progressEvery(o: RunOptions): number {
  if (o.progressEvery !== undefined) return o.progressEvery;
  const text = process.env.WSOL_RUN_PROGRESS_EVERY;
  if (text === undefined || text === '') return DEFAULT_PROGRESS_EVERY_S;
  const s = Number(text);
  if (!Number.isFinite(s) || s < 0)
    throw new WsolError({
      message: `$WSOL_RUN_PROGRESS_EVERY=${text}: not a number of seconds`,
      hint: 'unset it, or give e.g. WSOL_RUN_PROGRESS_EVERY=30 (0: no progress lines)',
    });
  return s;
}

async function chooseReporter(o: RunOptions): Promise<Reporter> {
  if (o.json) return new JsonReporter(o.verbose ?? false);
  if (process.stdout.isTTY && o.progress !== false) {
    // Loaded only when drawing live bars.
    const { TtyReporter } = await import('../reporters/tty.js');
    return new TtyReporter(o.verbose ?? false);
  }
  return new PlainReporter(o.verbose ?? false, progressEvery(o));
}

export async function runCommand(pipelinePath: string, o: RunOptions, targets: readonly string[] = []): Promise<number> {
  if (o.dryRun) return planCommand(pipelinePath, o, targets);
  const { pipeline: whole, fileDigest } = await load(pipelinePath, o);
  const pipeline = selectedPipeline(whole, targets);
  const recompute = o.recompute ?? [];
  if (recompute.length && !o.checkLock)
    throw new WsolError({
      message: '--recompute compares with the lock: it belongs to verify',
      hint: `wsol-run verify ${pipelinePath} --recompute ${recompute.join(' --recompute ')}`,
    });
  const recomputed = resolveForced(pipeline, recompute);
  const capped = capWorkerThreads('--jobs', o.jobs ?? defaultJobs());
  const jobs = capped.value;
  const needsGpu = [...pipeline.nodes.values()].some((n) => n.resources.gpu > 0);
  const gpus = o.gpus ?? (needsGpu ? detectGpus() : 0);
  const distributed = o.executor === 'bullmq';
  const redis = o.redis ?? process.env.WSOL_RUN_REDIS;
  if (distributed && !redis)
    throw new WsolError({ message: '--executor bullmq needs a Redis', hint: 'give --redis redis://HOST:PORT (or set WSOL_RUN_REDIS)' });
  // A URL that cannot be Redis's is refused now, not when the first node would be submitted.
  if (distributed) (await import('../../engine/executors/bullmq/registry.js')).checkRedisUrl(redis!);
  // From the whole pipeline: the lock records one environment for every node, targeted or not (keys take only the facts a node declares).
  const { env, backendReason } = distributed ? await distributedEnvironment(whole, o, redis!) : runEnvironment(whole, o);
  // Dawn writes driver warnings to fd 2 itself: compute in a child whose stderr is filtered (native-stderr.ts).
  if (!distributed && shouldCaptureNativeStderr(env.backend))
    return runWithNativeStderrCaptured({ cacheDir: cacheDirOf(o.cache), verbose: o.verbose ?? false });
  const reporter = await chooseReporter(o);
  if (capped.warning) reporter.onEvent({ event: 'warning', message: capped.warning });
  if (env.backend) reporter.onEvent({ event: 'info', message: `backend ${env.backend} (${backendReason})` });
  const controller = new AbortController();
  let interrupts = 0;
  let received: NodeJS.Signals | undefined;
  const onSigint = (signal: NodeJS.Signals): void => {
    interrupts++;
    received ??= signal;
    if (interrupts === 1) {
      process.stderr.write('\ncancelling: stopping running nodes (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      // Not process.exit(130): it waits for every worker thread, and one blocked in a system call never ends.
      endBySignal(signal);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const listeners: EventListener[] = [(e) => reporter.onEvent(e)];
  try {
    const result = await runPipeline(pipeline, {
      // The store is chosen here, as the executor is: a local content-addressed cache at --cache.
      cache: new LocalCacheStore(cacheDirOf(o.cache)),
      jobs,
      gpus,
      force: [...forcedNodes(pipeline, o), ...recomputed],
      whole,
      updateLock: o.updateLock ?? false,
      plugins: o.plugin ?? [],
      keepGoing: o.keepGoing ?? false,
      verify: o.verify ?? false,
      env,
      fileDigest,
      checkLock: o.checkLock ?? false,
      checkpointEvery: o.checkpointEvery ?? 1,
      signal: controller.signal,
      // The pool module (and piscina, or BullMQ) load only when a node actually has to run.
      createExecutor: async ({ jobs, cache }): Promise<Executor> =>
        distributed
          ? (await import('../../engine/executors/bullmq/submitter.js')).BullmqExecutor.open({
              url: redis!,
              cacheDir: cacheDirOf(o.cache),
              warn: (message) => reporter.onEvent({ event: 'warning', message }),
              ...redisTimings(),
            })
          : new (await import('../../engine/executors/local-pool.js')).LocalPoolExecutor(cache, jobs),
      listeners,
    });
    reporter.stop();
    return reportRun(result, o, pipeline.file, pipelinePath, recomputed);
  } finally {
    reporter.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    const stuck = stuckThreads();
    if (received && stuck > 0) {
      process.stderr.write(
        `warning: ${stuck} worker thread(s) did not stop when cancelled (blocked in a system call, e.g. reading a FIFO or a hung mount); ending the process\n`,
      );
      endBySignal(received);
    }
  }
}

/**
 * Ends the process by `signal` itself (a shell shows 130 for SIGINT): Node.js
 * joins every worker thread on exit, process.exit included, so a thread
 * blocked in a system call would keep a process that exits normally alive
 * for ever; death by the signal ends all threads at once (stuck-threads.ts).
 */
/** Prints what the run did after the node lines (summary, experiment, lock drift, lock check) and returns the exit code. */
function reportRun(result: RunPipelineResult, o: RunOptions, pipelineFile: string, pipelinePath: string, recomputed: ReadonlySet<string>): number {
  if (!o.json) process.stdout.write(formatSummary(result));
  if (result.lock === 'experiment') {
    // Said plainly: a run that leaves the lock alone must not pass for the committed configuration's.
    if (o.json) printJson({ event: 'lock-experiment', lock: lockPathFor(pipelineFile), experiment: result.experiment });
    else process.stdout.write(`experiment (${result.experiment.join('; ')}): lock left as committed; --update-lock to record it\n`);
  }
  if (result.lockCheck && recomputed.size) describeRecomputed(result.lockCheck, recomputed, cacheDirOf(o.cache));
  if (result.lockKept) {
    if (o.json) printJson({ event: 'lock-kept', drift: result.lockDrift });
    else process.stdout.write(formatLockDrift(result.lockDrift, lockPathFor(pipelineFile), pipelinePath));
  }
  if (result.lockCheck) {
    if (o.json) {
      for (const e of result.lockCheck.entries) printJson({ event: 'lock-check', ...e });
      printJson({ event: 'lock-check-done', reproduced: result.lockCheck.reproduced });
    } else {
      process.stdout.write(formatLockCheck(result.lockCheck));
    }
  }
  if (result.status !== 'succeeded') return result.status === 'cancelled' ? 130 : 1;
  return (result.lockCheck && !result.lockCheck.reproduced) || result.lockKept ? EXIT_NOT_REPRODUCED : 0;
}

function endBySignal(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

/** Says of each recomputed node whether its bytes came back, and which bundle the result it replaced came from. */
function describeRecomputed(check: LockCheck, recomputed: ReadonlySet<string>, cacheDir: string): void {
  const imports = readImports(cacheDir);
  for (const e of check.entries) {
    if (!recomputed.has(e.node)) continue;
    const from = e.lockedDigest ? importThatAdded(imports, (x) => x.node === e.node && x.digest === e.lockedDigest) : undefined;
    const origin = from ? ` (the lock's result came from bundle ${from.bundle}, imported ${from.importedAt.slice(0, 19).replace('T', ' ')})` : '';
    const verdict =
      e.status === 'same'
        ? 'recomputed: the same bytes as the lock'
        : e.status === 'differs'
          ? 'recomputed: other bytes than the lock'
          : `recomputed: ${e.status}`;
    e.detail = [`${verdict}${origin}`, e.status === 'same' ? undefined : e.detail].filter(Boolean).join('; ');
  }
}

/**
 * The distributed executor's clocks, from the environment: how long Redis
 * may stay unreachable before the waiting nodes fail
 * ($WSOL_RUN_REDIS_TIMEOUT_MS, default 60 s), and how often the waiting jobs
 * are checked ($WSOL_RUN_REDIS_WATCH_MS, default 3 s).
 */
function redisTimings(): { redisTimeoutMs?: number; watchMs?: number } {
  const read = (name: string): number | undefined => {
    const text = process.env[name];
    if (text === undefined || text === '') return undefined;
    const ms = Number(text);
    if (!Number.isInteger(ms) || ms <= 0)
      throw new WsolError({ message: `$${name}=${text}: not a whole number of milliseconds`, hint: `unset it, or give e.g. ${name}=60000` });
    return ms;
  };
  const redisTimeoutMs = read('WSOL_RUN_REDIS_TIMEOUT_MS');
  const watchMs = read('WSOL_RUN_REDIS_WATCH_MS');
  return { ...(redisTimeoutMs ? { redisTimeoutMs } : {}), ...(watchMs ? { watchMs } : {}) };
}
