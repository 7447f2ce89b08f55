/**
 * Runs one node of a pipeline whose upstream is all cached (what `wsol-run
 * report` needs): the node and its ancestors are planned; any ancestor
 * missing from the cache is an error that says which and how to make it;
 * otherwise the scheduler finds the ancestors cached and runs (or finds)
 * the node itself, committing it to the cache like any result.
 */
import { LocalCacheStore } from '../cache/store.js';
import type { Executor } from '../executors/executor.js';
import { WsolError } from '../diagnostics.js';
import { ancestorsOf, pipelineGraph } from '../graph.js';
import type { ResolvedPipeline } from '../pipeline.js';
import type { RunEvent } from '../events.js';
import { planPipeline } from './plan.js';
import { schedule } from './scheduler.js';
import { readLock } from '../lockfile.js';
import { fingerprintPipeline } from '../data/pipeline-data.js';

export async function runCachedNode(
  p: ResolvedPipeline,
  nodeId: string,
  o: {
    cacheDir: string;
    env: Record<string, string>;
    jobs: number;
    createExecutor(cache: LocalCacheStore): Promise<Executor>;
    emit(e: RunEvent): void;
    command: string;
  },
): Promise<{ digest: string; dir: string; ran: boolean }> {
  const keep = new Set<string>([nodeId, ...ancestorsOf(pipelineGraph(p), [nodeId])]);
  const subset: ResolvedPipeline = {
    ...p,
    nodes: new Map([...p.nodes].filter(([id]) => keep.has(id))),
    instances: new Map([...p.instances].map(([base, ids]) => [base, ids.filter((id) => keep.has(id))] as [string, string[]]).filter(([, ids]) => ids.length)),
  };
  const previous = await readLock(p.file).catch(() => undefined);
  // Hashed once, for the plan and the run: a dataset's files are read only once.
  const data = await fingerprintPipeline(subset, { cacheDir: o.cacheDir, lock: previous, save: false });
  const plan = await planPipeline(subset, { cacheDir: o.cacheDir, force: [], env: o.env, verify: false, data });
  const missing = plan.filter((e) => e.node !== nodeId && !(e.status === 'cached' && e.reason === 'cache hit'));
  if (missing.length)
    throw new WsolError({
      node: nodeId,
      message: `needs results that are not in ${o.cacheDir}: ${missing
        .slice(0, 5)
        .map((e) => `${e.node} (${e.reason})`)
        .join('; ')}${missing.length > 5 ? `; and ${missing.length - 5} more` : ''}`,
      hint: `run the pipeline first: ${o.command}`,
    });
  const cache = new LocalCacheStore(o.cacheDir);
  await cache.open();
  const result = await schedule(subset, {
    cache,
    executor: () => o.createExecutor(cache),
    plugins: p.plugins,
    jobs: o.jobs,
    gpus: 0,
    checkpointEvery: 0,
    force: new Set(),
    keepGoing: false,
    verification: 'fast',
    env: o.env,
    previous,
    data,
    signal: new AbortController().signal,
    emit: o.emit,
  });
  const outcome = result.outcomes.get(nodeId);
  if (!outcome?.digest) {
    const error = outcome?.error;
    throw new WsolError({
      node: nodeId,
      message: error?.message ?? `did not run (${outcome?.status ?? 'unknown'})`,
      ...(error?.hint ? { hint: error.hint } : {}),
    });
  }
  return { digest: outcome.digest, dir: cache.artifactDir(outcome.digest), ran: outcome.status === 'done' };
}
