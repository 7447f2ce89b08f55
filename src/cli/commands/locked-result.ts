import { resolve } from 'node:path';
import { LocalCacheStore } from '../../engine/cache/store.js';
import { WsolError, didYouMean } from '../../engine/diagnostics.js';
import { lockPathFor, readLock, type LockFile, type LockedInput, type LockedNode } from '../../engine/lockfile.js';
import { planPipeline } from '../../engine/run/plan.js';
import { keyMaterial } from '../../engine/run/node-keys.js';
import { artifactMetrics } from '../../engine/cache/metrics.js';
import { cacheDirOf } from '../options.js';
import { load, runEnvironment, type PipelineOptions } from './common.js';

/** A node's result as `show` reports it: what produced it and where the cache holds it. */
export interface ResultRef {
  /** The pipeline file, absolute. */
  file: string;
  locked: LockedNode;
  cacheDir: string;
  /** The artifact directory, and whether the cache holds it intact. */
  dir: string;
  check: Awaited<ReturnType<LocalCacheStore['artifact']>>;
  /** The --set overrides of the configuration (for the lock file: those of its run). */
  overrides: string[];
}

/** A node's result as the pipeline's lock file records it (lockedResult), with the lock file itself. */
export interface LockedResult extends ResultRef {
  lock: LockFile;
}

/** The latest result of a node as the pipeline's lock file records it, looked up in the cache (errors name the fix). */
export async function lockedResult(pipelinePath: string, nodeId: string, cache: string | undefined): Promise<LockedResult> {
  const file = resolve(pipelinePath);
  const lock = await readLock(file);
  if (!lock) {
    throw new WsolError({
      file: lockPathFor(pipelinePath),
      message: 'no results yet: this pipeline has no lock file',
      hint: `run it first: wsol-run ${pipelinePath}`,
    });
  }
  const locked = lock.nodes[nodeId];
  if (!locked) {
    throw new WsolError({
      file: lockPathFor(pipelinePath),
      message: `node '${nodeId}' has no result in the lock file.${didYouMean(nodeId, Object.keys(lock.nodes))}`,
      hint: `nodes with results: ${Object.keys(lock.nodes).join(', ') || '(none)'}`,
    });
  }
  const cacheDir = cacheDirOf(cache);
  const store = new LocalCacheStore(cacheDir, { readOnly: true });
  const check = await store.artifact(locked.digest, 'fast');
  return { file, lock, locked, cacheDir, dir: store.artifactDir(locked.digest), check, overrides: lock.overrides };
}

/** Whether the options describe a configuration of their own (then the lock file, the committed configuration's record, does not apply). */
export function hasConfiguration(o: PipelineOptions): boolean {
  return (o.set?.length ?? 0) > 0 || o.preset !== undefined || (o.plugin?.length ?? 0) > 0 || o.backend !== undefined || o.run !== undefined;
}

/** A word as a POSIX shell reads it back (hints print commands to paste). */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** The command-line flags that make this configuration, as a user would type them. */
export function configurationFlags(o: PipelineOptions): string[] {
  return [
    ...(o.preset !== undefined ? [`--preset ${shellWord(o.preset)}`] : []),
    ...(o.set ?? []).map((s) => `--set ${shellWord(s)}`),
    ...(o.plugin ?? []).map((p) => `--plugin ${shellWord(p)}`),
    ...(o.backend !== undefined ? [`--backend ${shellWord(o.backend)}`] : []),
  ];
}

/**
 * The result of a node under a configuration (the pipeline with --set
 * overrides, plugins, a backend), whether or not it is the latest run: its
 * key is worked out as `plan` does, from the cached digests of its
 * upstream nodes, and looked up in the cache. When the configuration has
 * not been run, the error says which node is missing and how to run it.
 */
export async function configuredResult(pipelinePath: string, nodeId: string, o: PipelineOptions): Promise<ResultRef> {
  const { pipeline } = await load(pipelinePath, o);
  const node = pipeline.nodes.get(nodeId);
  if (!node) {
    throw new WsolError({
      file: pipeline.file,
      message: `no node '${nodeId}' in this pipeline.${didYouMean(nodeId, pipeline.nodes.keys())}`,
      hint: `its nodes: ${[...pipeline.nodes.keys()].join(', ')}`,
    });
  }
  const cacheDir = cacheDirOf(o.cache);
  const env = runEnvironment(pipeline, o).env;
  const entries = await planPipeline(pipeline, { cacheDir, force: [], env, verify: false });
  const entry = entries.find((e) => e.node === nodeId)!;
  const flags = configurationFlags(o);
  // A hit planned from the lock's prediction of an upstream digest is not a result of this cache yet.
  if (entry.status !== 'cached' || !entry.digest || !entry.key || entry.reason !== 'cache hit') {
    throw new WsolError({
      node: nodeId,
      message: `'${nodeId}' has no result with ${flags.join(' ')} in cache ${cacheDir}: ${entry.reason}`,
      hint: `run that configuration first: wsol-run ${shellWord(pipelinePath)} ${flags.join(' ')}`,
    });
  }
  const digests = new Map(entries.flatMap((e) => (e.digest ? [[e.node, e.digest] as const] : [])));
  // Every producer is cached (else this node could not be), so the material is complete.
  const keys = new Map(entries.flatMap((e) => (e.key ? [[e.node, e.key] as const] : [])));
  const material = keyMaterial(node, digests, env, pipeline.plugins, undefined, { keys, coords: (id) => pipeline.nodes.get(id)!.coords })!;
  const inputs: Record<string, LockedInput[]> = {};
  for (const [name, producers] of Object.entries(node.inputs)) inputs[name] = producers.map((p) => ({ node: p, digest: digests.get(p)! }));
  const store = new LocalCacheStore(cacheDir, { readOnly: true });
  const check = await store.artifact(entry.digest, 'fast');
  const dir = store.artifactDir(entry.digest);
  const metrics = check.ok ? artifactMetrics(check.artifact) : undefined;
  const locked: LockedNode = {
    type: material.type,
    version: material.version,
    params: material.params,
    inputs,
    env: material.env,
    key: entry.key,
    digest: entry.digest,
    ...(metrics ? { metrics } : {}),
  };
  return { file: pipeline.file, locked, cacheDir, dir, check, overrides: pipeline.overrides };
}
