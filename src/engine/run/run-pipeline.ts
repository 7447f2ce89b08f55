/**
 * One `wsol-run run`: open the cache, recover from crashed runs, schedule,
 * record the run, write the lock file. The CLI adds reporters and Ctrl-C.
 */
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { LocalCacheStore } from '../cache/store.js';
import type { CacheStore, Verification } from '../cache/cache.js';
import type { EventListener, RunEvent } from '../events.js';
import type { Executor } from '../executors/executor.js';
import { LOCK_VERSION, lockPathFor, readLock, writeLock, type LockFile, type LockedNode } from '../lockfile.js';
import type { ResolvedPipeline } from '../pipeline.js';
import { newRunId, recoverInterruptedRuns, RunRecorder, type LockDecision } from '../run-store.js';
import { experimentReasons } from './experiment.js';
import { resolveForced } from './force.js';
import { schedule, type SchedulerResult } from './scheduler.js';
import { WSOL_RUN_VERSION } from '../../version.js';
import { WsolError } from '../diagnostics.js';
import { checkAgainstLock, type LockCheck } from './lock-check.js';
import { fingerprintPipeline } from '../data/pipeline-data.js';

/**
 * Everything runPipeline needs beyond the resolved pipeline: cache,
 * parallelism, forcing, lock handling, environment facts, executor and
 * listeners.
 */
export interface RunPipelineOptions {
  /**
   * The cache the run reads and commits into, chosen by the caller as the
   * executor is (the CLI: a local store at --cache). Its folder also holds
   * the run store and the data fingerprints.
   */
  cache: LocalCacheStore;
  jobs: number;
  gpus: number;
  /** Epochs between training checkpoints (0: none; default 1). */
  checkpointEvery?: number;
  force: readonly string[];
  keepGoing: boolean;
  verify: boolean;
  env: Record<string, string>;
  fileDigest: string;
  /** Compare every result with the committed lock instead of rewriting it (`verify`, `run --check-lock`). */
  checkLock?: boolean;
  /**
   * Write the lock even where a result has the lock's key but other bytes (lockDrift). Without it such a lock is
   * left as it was: that difference is the trace of non-determinism or of a tampered cache, not a change to record.
   */
  updateLock?: boolean;
  /** --plugin modules: with them the run is an experiment (the file's own plugins are not). */
  plugins?: readonly string[];
  signal: AbortSignal;
  /** The whole pipeline when `p` is a selection of its nodes (`run PIPELINE NODE…`): the lock keeps the others' records. */
  whole?: ResolvedPipeline;
  /** The executor that runs (and commits) the nodes that are not cached. */
  createExecutor(o: { jobs: number; cache: CacheStore }): Promise<Executor>;
  listeners: EventListener[];
}

/** What one run did: the scheduler's outcomes plus the run id, duration, the check against the lock, drift, and what became of the lock file. */
export interface RunPipelineResult extends SchedulerResult {
  runId: string;
  durationMs: number;
  /** With checkLock: node by node, whether this run reproduced the lock. */
  lockCheck?: LockCheck;
  /** Nodes whose result has the lock's key but another digest (empty when there is no lock). */
  lockDrift: LockDrift[];
  /** Whether the lock file was left as it was because of lockDrift. */
  lockKept: boolean;
  /** What became of the lock file. */
  lock: LockDecision;
  /** Why the run is an experiment (empty: the file as committed). */
  experiment: string[];
}

/** A node whose result has the key the lock records but another digest: a trace of non-determinism or of a tampered cache. */
export interface LockDrift {
  node: string;
  key: string;
  locked: string;
  digest: string;
  /** The result was reused from the cache (true) or computed by this run. */
  cached: boolean;
}

/** Results whose key is the lock's but whose digest is not: the same computation gave (or the cache holds) other bytes. */
function findLockDrift(p: ResolvedPipeline, r: SchedulerResult, previous: LockFile | undefined): LockDrift[] {
  if (!previous) return [];
  const out: LockDrift[] = [];
  for (const id of p.nodes.keys()) {
    const o = r.outcomes.get(id);
    const locked = previous.nodes[id];
    if (o?.key && o.digest && locked && locked.key === o.key && locked.digest !== o.digest)
      out.push({ node: id, key: o.key, locked: locked.digest, digest: o.digest, cached: o.status === 'cached' });
  }
  return out;
}

export async function runPipeline(p: ResolvedPipeline, o: RunPipelineOptions): Promise<RunPipelineResult> {
  const started = Date.now();
  const forced = resolveForced(p, o.force);
  const cache = o.cache;
  const cacheDir = cache.root;
  await cache.open();
  const listeners = [...o.listeners];
  const emit = (e: RunEvent): void => {
    for (const l of listeners) l(e);
  };

  // A check against the lock re-hashes what it reuses: a rotted byte with its mtime intact must not "reproduce".
  let verification: Verification = o.verify || o.checkLock ? 'full' : 'fast';
  const crashed = await recoverInterruptedRuns(cacheDir);
  if (crashed.length) {
    verification = 'full';
    emit({ event: 'warning', message: `run ${crashed.map((r) => r.id).join(', ')} was interrupted; verifying every reused cache entry in full` });
  }
  const previous = await previousLock(p, o, emit);
  const data = await fingerprintPipeline(p, { cacheDir, lock: previous, save: true });
  const runId = newRunId();
  const experiment = experimentReasons({ overrides: p.overrides, plugins: o.plugins ?? [], env: o.env, previous });
  const recorder = await RunRecorder.start(cacheDir, {
    id: runId,
    pipeline: p.file,
    name: p.name,
    startedAt: new Date(started).toISOString(),
    options: { jobs: o.jobs, overrides: p.overrides, force: [...o.force], keepGoing: o.keepGoing },
    env: { ...o.env, node: process.version, wsolRun: WSOL_RUN_VERSION, host: hostname() },
    plugins: [...(o.plugins ?? [])],
    experiment,
    nodes: {},
  });
  listeners.push(recorder.onEvent);
  emit({
    event: 'run-start',
    runId,
    pipeline: p.file,
    name: p.name,
    nodes: p.nodes.size,
    jobs: o.jobs,
    cache: cacheDir,
    time: new Date(started).toISOString(),
  });

  let result: SchedulerResult;
  try {
    result = await schedule(p, {
      cache,
      executor: () => o.createExecutor({ jobs: o.jobs, cache }),
      plugins: p.plugins,
      jobs: o.jobs,
      gpus: o.gpus,
      checkpointEvery: o.checkpointEvery ?? 1,
      force: forced,
      keepGoing: o.keepGoing,
      verification,
      env: o.env,
      previous,
      data,
      signal: o.signal,
      emit,
    });
  } catch (e) {
    // Results already committed stay recorded; the run is marked failed.
    recorder.record.status = 'failed';
    recorder.record.lock = 'not-succeeded';
    await recorder.close().catch(() => undefined);
    throw e;
  }
  let lockCheck: LockCheck | undefined;
  let lockDrift: LockDrift[];
  try {
    lockCheck = o.checkLock && previous ? checkAgainstLock(p, result.outcomes, previous) : undefined;
    lockDrift = findLockDrift(p, result, previous);
  } catch (e) {
    // Whatever goes wrong after the nodes ran, the run is not left "running".
    recorder.record.status = 'failed';
    recorder.record.lock = 'not-succeeded';
    await recorder.close().catch(() => undefined);
    throw e;
  }
  for (const d of lockDrift)
    emit({
      event: 'warning',
      message: `${d.node}: same key ${d.key.slice(0, 12)} as the lock, other bytes (${d.cached ? 'the cache holds' : 'this run computed'} ${d.digest.slice(0, 12)}, the lock says ${d.locked.slice(0, 12)}): the node is not deterministic here, or the cache or the lock was tampered with`,
    });
  const lockKept = !o.checkLock && lockDrift.length > 0 && !o.updateLock;
  const lock = await settleLock(p, o, result, previous, lockDecision(o, result, lockKept, experiment), emit);
  recordOutcomes(recorder, p, result);
  recorder.record.lock = lock;
  const durationMs = Date.now() - started;
  emit({ event: 'run-done', runId, status: result.status, durationMs, counts: result.counts });
  await recorder.close();
  return { ...result, runId, durationMs, ...(lockCheck ? { lockCheck } : {}), lockDrift, lockKept, lock, experiment };
}

/** The committed lock, which only explains changes: a damaged one must not block a run (but must block a check against it). */
async function previousLock(p: ResolvedPipeline, o: RunPipelineOptions, emit: (e: RunEvent) => void): Promise<LockFile | undefined> {
  const previous = o.checkLock
    ? await readLock(p.file)
    : await readLock(p.file).catch((e: unknown) => {
        emit({ event: 'warning', message: `ignoring ${lockPathFor(p.file)}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` });
        return undefined;
      });
  if (o.checkLock && !previous) {
    throw new WsolError({
      file: lockPathFor(p.file),
      message: 'no lock file to check against',
      hint: 'run the pipeline once without --check-lock to write it (and commit it next to the pipeline)',
    });
  }
  return previous;
}

/** Writes the lock where the decision allows it ('written' / 'unchanged'); a failed write is a warning, never lost results. */
async function settleLock(
  p: ResolvedPipeline,
  o: RunPipelineOptions,
  result: SchedulerResult,
  previous: LockFile | undefined,
  decision: LockDecision,
  emit: (e: RunEvent) => void,
): Promise<LockDecision> {
  // A check leaves the lock as committed (lockDecision): it is the reference, whatever this machine got.
  if (decision !== 'written') return decision;
  try {
    return (await writeLock(p.file, buildLock(o.whole ?? p, result, previous, o))) ? 'written' : 'unchanged';
  } catch (e) {
    // The results are cached and recorded; only the lock file is missing.
    emit({
      event: 'warning',
      message: `could not write ${lockPathFor(p.file)}: ${e instanceof Error ? e.message : String(e)} (results are cached; \`plan\` cannot explain changes until a later run writes it)`,
    });
    return 'write-failed';
  }
}

/** Whether this run may write the lock ('written': yes), or why not. */
function lockDecision(o: RunPipelineOptions, r: SchedulerResult, lockKept: boolean, experiment: readonly string[]): LockDecision {
  // A check leaves the lock as committed: it is the reference, whatever this machine got.
  if (o.checkLock) return 'checked';
  // Half a run's results are no record of the configuration, and an empty lock would hide the last good one.
  if (r.status !== 'succeeded') return 'not-succeeded';
  if (lockKept) return 'drift';
  if (experiment.length && !o.updateLock) return 'experiment';
  return 'written';
}

/**
 * Key, digest, params and metrics of every node into the run record: the
 * events carry no metrics for cached nodes, and `exp diff` compares runs by
 * these without the pipeline file as it was then.
 */
function recordOutcomes(recorder: RunRecorder, p: ResolvedPipeline, r: SchedulerResult): void {
  const nodes = recorder.record.nodes;
  for (const id of p.nodes.keys()) {
    const out = r.outcomes.get(id);
    const rec = nodes[id];
    if (!out || !rec) continue;
    nodes[id] = {
      ...rec,
      ...(out.key ? { key: out.key } : {}),
      ...(out.digest ? { digest: out.digest } : {}),
      ...(out.material ? { params: out.material.params } : {}),
      ...(out.metrics ? { metrics: out.metrics } : {}),
    };
  }
}

/** The lock of a succeeded run. */
function buildLock(p: ResolvedPipeline, r: SchedulerResult, previous: LockFile | undefined, o: RunPipelineOptions): LockFile {
  const nodes: Record<string, LockedNode> = {};
  // In the pipeline's order, not the order nodes finished in: the same results give the same text.
  for (const id of p.nodes.keys()) {
    const out = r.outcomes.get(id);
    if (out?.material && out.key && out.digest) {
      const node = p.nodes.get(id)!;
      const inputs: LockedNode['inputs'] = {};
      for (const [name, producers] of Object.entries(node.inputs)) inputs[name] = producers.map((pr) => ({ node: pr, digest: r.outcomes.get(pr)!.digest! }));
      nodes[id] = {
        type: out.material.type,
        version: out.material.version,
        params: out.material.params,
        inputs,
        env: out.material.env,
        ...(out.material.data ? { data: out.material.data } : {}),
        ...(out.material.inputNames ? { inputNames: out.material.inputNames } : {}),
        key: out.key,
        digest: out.digest,
        ...(out.metrics ? { metrics: out.metrics } : {}),
      };
    } else if (previous?.nodes[id] && p.nodes.has(id)) {
      // Not run this time (a run of some nodes only): keep the last good record, so `plan` can still explain.
      nodes[id] = previous.nodes[id]!;
    }
  }
  return {
    lockVersion: LOCK_VERSION,
    pipeline: { name: p.name, file: basename(p.file), sha256: o.fileDigest },
    wsolRun: WSOL_RUN_VERSION,
    overrides: p.overrides,
    params: p.params,
    env: o.env,
    nodes,
  };
}
