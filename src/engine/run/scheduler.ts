/**
 * Runs a resolved pipeline: checks each node against the cache as soon as
 * its inputs' digests are known, runs misses on the executor within resource
 * limits, commits results, and propagates failures to descendants only.
 */
import type { Metrics } from '../../nodes/contract.js';
import { artifactMetrics } from '../cache/metrics.js';
import type { CacheStore, Verification } from '../cache/cache.js';
import type { NodeErrorInfo, RunCounts, RunEvent, RunStatus } from '../events.js';
import type { Executor, TaskInput } from '../executors/executor.js';
import { pipelineGraph } from '../graph.js';
import { actionKey, type KeyMaterial } from '../keys.js';
import type { LockFile } from '../lockfile.js';
import type { ResolvedNode, ResolvedPipeline } from '../pipeline.js';
import { explainMiss } from './reasons.js';
import type { PluginRef } from '../../nodes/plugins.js';
import { keyMaterial } from './node-keys.js';
import { peakCpu, phaseShare } from './parallelism.js';
import type { PipelineData } from '../data/pipeline-data.js';

/**
 * What the scheduler needs to run a resolved pipeline: the cache to look up,
 * the executor, resource limits, forcing, environment facts, the lock, events.
 */
export interface SchedulerOptions {
  /** Looked up only: executors write and commit results. */
  cache: CacheStore;
  /** Created on first use, so a fully cached run starts no worker. */
  executor: () => Promise<Executor>;
  /** Plugin modules every task loads first; their hashes enter every key. */
  plugins: readonly PluginRef[];
  jobs: number;
  gpus: number;
  /** Epochs between training checkpoints (0: none). */
  checkpointEvery: number;
  force: ReadonlySet<string>;
  keepGoing: boolean;
  verification: Verification;
  env: Record<string, string>;
  previous: LockFile | undefined;
  /** Fingerprints of the files nodes read (engine/data/). */
  data?: PipelineData;
  signal: AbortSignal;
  emit(e: RunEvent): void;
}

/** How a node ended in the scheduler: ran, cached, failed, skipped below a failure, or cancelled. */
export type OutcomeStatus = 'done' | 'cached' | 'failed' | 'skipped' | 'cancelled';

/** The scheduler's record of one node after a run: its status, key material, key, digest, metrics, error and duration in ms. */
export interface NodeOutcome {
  status: OutcomeStatus;
  material?: KeyMaterial;
  key?: string;
  digest?: string;
  metrics?: Metrics;
  error?: NodeErrorInfo;
  durationMs?: number;
}

/** What the scheduler returns: how the run ended, the counts, and every node's outcome by id. */
export interface SchedulerResult {
  status: RunStatus;
  counts: RunCounts;
  outcomes: Map<string, NodeOutcome>;
}

interface Runnable {
  node: ResolvedNode;
  material: KeyMaterial;
  key: string;
  reason: string;
}

function errorInfo(e: unknown): NodeErrorInfo {
  const err = e instanceof Error ? e : new Error(String(e));
  return { message: err.message, stack: err.stack ?? '' };
}

export async function schedule(p: ResolvedPipeline, o: SchedulerOptions): Promise<SchedulerResult> {
  const graph = pipelineGraph(p);
  const outcomes = new Map<string, NodeOutcome>();
  const digests = new Map<string, string>();
  const keys = new Map<string, string>();
  const names = { keys, coords: (id: string) => p.nodes.get(id)!.coords };
  const waitingOn = new Map<string, number>();
  for (const id of p.nodes.keys()) waitingOn.set(id, graph.inDegree(id));

  const gpuCapacity = Math.max(1, o.gpus);
  if (o.gpus === 0 && [...p.nodes.values()].some((n) => n.resources.gpu > 0)) {
    o.emit({ event: 'warning', message: 'no GPU detected: nodes that ask for a GPU run one at a time' });
  }
  let cpuFree = o.jobs;
  // Each node's share of the cores: its slots of the most that can be busy at once (parallelism.ts).
  const cpuOf = (id: string): number => p.nodes.get(id)!.resources.cpu;
  const peak = peakCpu(graph, cpuOf, o.jobs);
  // Compute nodes (the backend in their key) size their threads by the phase they start in; the others by the peak.
  const computes = (id: string): boolean => p.nodes.get(id)!.nodeType.env?.includes('backend') === true;
  const shareOf = (id: string): number =>
    computes(id) ? phaseShare(graph, id, { cpuOf, computes, finished: (other) => outcomes.has(other), jobs: o.jobs, peak }) : peak;
  let gpuFree = gpuCapacity;
  let stopping = false;
  let firstFailure: string | undefined;
  // Nodes ready to run, in the order they became ready, queued by what they ask for (cpu, gpu):
  // dispatch starts them first-fit in that order without rescanning the ones that cannot fit.
  const runnable = new Map<string, { cpu: number; gpu: number; queue: Runnable[]; head: number }>();
  const order = new WeakMap<Runnable, number>();
  let readySeq = 0;
  const enqueue = (r: Runnable): void => {
    const cpu = Math.min(r.node.resources.cpu, o.jobs);
    const gpu = Math.min(r.node.resources.gpu, gpuCapacity);
    const demand = `${cpu}/${gpu}`;
    let q = runnable.get(demand);
    if (!q) {
      q = { cpu, gpu, queue: [], head: 0 };
      runnable.set(demand, q);
    }
    order.set(r, readySeq++);
    q.queue.push(r);
  };
  const running = new Map<string, AbortController>();
  let pending = 0;
  let executor: Promise<Executor> | undefined;
  /** The executor could not be opened (e.g. Redis unreachable, a worker on another cache): the run stops with this error. */
  let executorError: unknown;
  // Resolved when a tracked promise settles: the run loop's wake-up (not a race over every pending one).
  let wake: () => void = () => undefined;

  const track = (promise: Promise<void>): void => {
    pending++;
    void promise.finally(() => {
      pending--;
      wake();
    });
  };

  const settle = (id: string, outcome: NodeOutcome): void => {
    outcomes.set(id, outcome);
    if (outcome.digest) digests.set(id, outcome.digest);
    if (outcome.key) keys.set(id, outcome.key);
  };

  const release = (id: string): void => {
    for (const next of graph.outNeighbors(id)) {
      const left = waitingOn.get(next)! - 1;
      waitingOn.set(next, left);
      if (left === 0) becomeReady(next);
    }
  };

  const skip = (id: string, reason: string): void => {
    if (outcomes.has(id)) return;
    const node = p.nodes.get(id)!;
    settle(id, { status: 'skipped' });
    o.emit({ event: 'node-skipped', node: id, type: node.nodeType.type, reason });
  };

  const fail = (node: ResolvedNode, error: NodeErrorInfo, durationMs?: number): void => {
    settle(node.id, { status: 'failed', error, ...(durationMs !== undefined ? { durationMs } : {}) });
    o.emit({ event: 'node-failed', node: node.id, type: node.nodeType.type, error, ...(durationMs !== undefined ? { durationMs } : {}) });
    // Every descendant, in the order descendantsOf finds them, but not below a node already settled:
    // that one was skipped by an earlier failure together with everything below it.
    const seen = new Set<string>();
    const todo = [node.id];
    while (todo.length) {
      for (const d of graph.outNeighbors(todo.pop()!)) {
        if (seen.has(d) || outcomes.has(d)) continue;
        seen.add(d);
        skip(d, `upstream '${node.id}' failed`);
        todo.push(d);
      }
    }
    firstFailure ??= node.id;
    if (!o.keepGoing) stopping = true;
  };

  const becomeReady = (id: string): void => {
    if (stopping || outcomes.has(id)) return;
    track(checkCache(p.nodes.get(id)!));
  };

  const checkCache = async (node: ResolvedNode): Promise<void> => {
    try {
      const material = keyMaterial(node, digests, o.env, o.plugins, o.data?.facts, names)!;
      const key = actionKey(material);
      if (o.force.has(node.id)) {
        enqueue({ node, material, key, reason: 'forced (--force)' });
        return;
      }
      const lookup = await o.cache.lookup(key, o.verification);
      if (lookup.status === 'hit') {
        const { artifact } = lookup;
        const metrics = artifactMetrics(artifact);
        settle(node.id, { status: 'cached', material, key, digest: artifact.digest, ...(metrics ? { metrics } : {}) });
        o.emit({ event: 'node-cached', node: node.id, type: node.nodeType.type, key, digest: artifact.digest });
        release(node.id);
        return;
      }
      let reason: string;
      if (lookup.status === 'invalid') {
        o.emit({ event: 'cache-invalid', node: node.id, reason: lookup.reason });
        reason = `cache entry invalid: ${lookup.reason}`;
      } else {
        reason = explainMiss(material, o.previous?.nodes[node.id], node.inputs, o.data?.changes.get(node.id));
      }
      enqueue({ node, material, key, reason });
    } catch (e) {
      fail(node, errorInfo(e));
    }
  };

  const inputsOf = (node: ResolvedNode): Record<string, TaskInput[]> => {
    const out: Record<string, TaskInput[]> = {};
    for (const [name, producers] of Object.entries(node.inputs)) {
      out[name] = producers.map((producer) => {
        const from = outcomes.get(producer)!;
        const resolved = p.nodes.get(producer)!;
        return { node: producer, kind: resolved.nodeType.output, digest: from.digest!, key: from.key!, coords: resolved.coords };
      });
    }
    return out;
  };

  const execute = async (r: Runnable, cpu: number, gpu: number): Promise<void> => {
    const { node, material, key } = r;
    const controller = new AbortController();
    running.set(node.id, controller);
    const started = Date.now();
    try {
      o.emit({ event: 'node-start', node: node.id, type: node.nodeType.type, key, reason: r.reason });
      executor ??= o.executor();
      let ready: Executor;
      try {
        ready = await executor;
      } catch (e) {
        executorError ??= e;
        stopping = true;
        return;
      }
      const outcome = await ready.run(
        {
          nodeId: node.id,
          type: node.nodeType.type,
          version: node.nodeType.version,
          key,
          params: node.params,
          inputs: inputsOf(node),
          env: material.env,
          plugins: [...o.plugins],
          share: { cpu, of: shareOf(node.id) },
          gpu: node.resources.gpu,
          checkpointEvery: o.checkpointEvery,
        },
        {
          signal: controller.signal,
          onProgress: (progress) => o.emit({ event: 'node-progress', node: node.id, progress }),
          onLog: (message) => o.emit({ event: 'node-log', node: node.id, message }),
        },
      );
      const durationMs = Date.now() - started;
      if (!outcome.ok) {
        if (outcome.cancelled || controller.signal.aborted) {
          settle(node.id, { status: 'cancelled' });
          o.emit({ event: 'node-cancelled', node: node.id, type: node.nodeType.type });
        } else {
          fail(node, outcome.error, durationMs);
        }
        return;
      }
      const sameOutput = o.previous?.nodes[node.id]?.digest === outcome.digest;
      settle(node.id, { status: 'done', material, key, digest: outcome.digest, durationMs, ...(outcome.metrics ? { metrics: outcome.metrics } : {}) });
      o.emit({
        event: 'node-done',
        node: node.id,
        type: node.nodeType.type,
        key,
        digest: outcome.digest,
        durationMs,
        sameOutput,
        ...(outcome.metrics ? { metrics: outcome.metrics } : {}),
        ...(outcome.timings ? { timings: outcome.timings } : {}),
      });
      release(node.id);
    } catch (e) {
      fail(node, errorInfo(e), Date.now() - started);
    } finally {
      running.delete(node.id);
      cpuFree += cpu;
      gpuFree += gpu;
    }
  };

  const dispatch = (): void => {
    while (!stopping) {
      // The earliest-ready node that fits: the head of the earliest queue among those whose demand fits
      // (a queue's nodes all ask the same, so one that does not fit now fits no more until something ends).
      let best: { cpu: number; gpu: number; queue: Runnable[]; head: number } | undefined;
      for (const q of runnable.values()) {
        if (q.head < q.queue.length && q.cpu <= cpuFree && q.gpu <= gpuFree && (!best || order.get(q.queue[q.head]!)! < order.get(best.queue[best.head]!)!))
          best = q;
      }
      if (!best) return;
      const r = best.queue[best.head]!;
      best.queue[best.head++] = undefined as never;
      if (best.head === best.queue.length) {
        best.queue.length = 0;
        best.head = 0;
      }
      cpuFree -= best.cpu;
      gpuFree -= best.gpu;
      track(execute(r, best.cpu, best.gpu));
    }
  };

  const onAbort = (): void => {
    stopping = true;
    for (const c of running.values()) c.abort();
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  if (o.signal.aborted) onAbort(); // Ctrl-C during start-up

  try {
    for (const [id, n] of waitingOn) if (n === 0) becomeReady(id);
    for (;;) {
      dispatch();
      if (pending === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    if (executor)
      await executor.then(
        (e) => e.close(),
        () => undefined,
      );
  }
  // Nothing ran: the environment's error is the run's (the CLI reports it with its hint).
  if (executorError !== undefined) throw executorError;

  const cancelled = o.signal.aborted;
  for (const id of p.nodes.keys()) {
    if (outcomes.has(id)) continue;
    skip(
      id,
      cancelled
        ? 'cancelled before it started'
        : `not started: the run stopped after '${firstFailure}' failed (use --keep-going to finish independent branches)`,
    );
  }
  const counts: RunCounts = { ran: 0, cached: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const out of outcomes.values()) {
    if (out.status === 'done') counts.ran++;
    else if (out.status === 'cached') counts.cached++;
    else if (out.status === 'failed') counts.failed++;
    else if (out.status === 'skipped') counts.skipped++;
    else counts.cancelled++;
  }
  const status: RunStatus = cancelled ? 'cancelled' : counts.failed > 0 ? 'failed' : 'succeeded';
  return { status, counts, outcomes };
}
