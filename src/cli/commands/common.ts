import { WsolError } from '../../engine/diagnostics.js';
import { loadPipeline, type LoadedPipeline } from '../../engine/load/load-pipeline.js';
import type { ResolvedPipeline } from '../../engine/pipeline.js';
import { nodeTypes } from '../../nodes/registry.js';
import { BACKENDS, isBackendName, planBackend, type BackendName } from '../../tensor/backends/select.js';

/** Options every verb that reads a pipeline accepts. */
export interface PipelineOptions {
  set?: string[];
  /** The pipeline's preset of that name (its "presets"), applied before --set. */
  preset?: string;
  cache?: string;
  json?: boolean;
  verbose?: boolean;
  backend?: string;
  plugin?: string[];
  /** A run's id (or prefix): its overrides, plugins and backend (run-configuration.ts). */
  run?: string;
}

export async function load(path: string, o: PipelineOptions): Promise<LoadedPipeline> {
  // --run ID: that run's configuration. Written into the options, because what reads them after loading
  // (the backend choice, hints that repeat the flags) must mean the same configuration.
  if (o.run !== undefined) Object.assign(o, await (await import('./run-configuration.js')).runConfiguration(path, { ...o, run: o.run }));
  return loadPipeline(path, { overrides: o.set ?? [], preset: o.preset, types: nodeTypes, plugins: o.plugin ?? [] });
}

/**
 * Environment facts that enter the keys of nodes declaring them. The tensor
 * backend is chosen only when some node computes with tensors (and without
 * loading tfjs: see tensor/backends/select.ts).
 */
/** A backend name given by the user, checked: an unknown name is a bad-input error listing the known ones. */
export function requestedBackend(name: string | undefined): BackendName | undefined {
  if (name !== undefined && !isBackendName(name)) {
    throw new WsolError({ message: `--backend ${name}: unknown backend`, hint: `choose one of: ${BACKENDS.join(', ')}` });
  }
  return name;
}

export function runEnvironment(p: ResolvedPipeline, o: { backend?: string }): { env: Record<string, string>; backendReason?: string } {
  const requested = requestedBackend(o.backend ?? process.env.WSOL_RUN_BACKEND);
  if (![...p.nodes.values()].some((n) => n.nodeType.env?.includes('backend'))) return { env: {} };
  try {
    const plan = planBackend(requested);
    return { env: { backend: plan.fact }, backendReason: plan.reason };
  } catch (e) {
    throw new WsolError({ message: e instanceof Error ? e.message : String(e), hint: 'run `wsol-run doctor` to see which backends work here' });
  }
}

/**
 * The environment of a run whose nodes run on BullMQ workers: the backend
 * fact must be one the workers have. A backend named with --backend that is
 * not installed here is taken from a live worker that has it; without
 * --backend, the local choice is used if some worker has it, else the
 * workers' one fact (several: name one).
 */
export async function distributedEnvironment(
  p: ResolvedPipeline,
  o: { backend?: string },
  url: string,
): Promise<{ env: Record<string, string>; backendReason?: string }> {
  if (![...p.nodes.values()].some((n) => n.nodeType.env?.includes('backend'))) return { env: {} };
  const { connect, liveWorkers } = await import('../../engine/executors/bullmq/registry.js');
  let workers: Awaited<ReturnType<typeof liveWorkers>>;
  try {
    const redis = await connect(url);
    workers = await liveWorkers(redis).finally(() => redis.disconnect());
  } catch (e) {
    if (e instanceof WsolError) throw e;
    throw new WsolError({ message: e instanceof Error ? e.message : String(e), hint: 'start redis-server, or check --redis' });
  }
  const facts = [...new Set(workers.map((w) => w.backend))];
  const requested = requestedBackend(o.backend ?? process.env.WSOL_RUN_BACKEND);
  let local: string | undefined;
  try {
    local = planBackend(requested).fact;
  } catch {
    local = undefined;
  }
  if (requested && !local) {
    const theirs = facts.find((f) => f.startsWith(`${requested}@`));
    if (!theirs)
      throw new WsolError({
        message: `--backend ${requested}: not installed here and no live worker has it`,
        hint: `workers' backends: ${facts.join(', ') || '(no worker)'}`,
      });
    return { env: { backend: theirs }, backendReason: 'as the workers have it' };
  }
  if (local && (requested || facts.length === 0 || facts.includes(local)))
    return { env: { backend: local }, backendReason: requested ? 'forced with --backend' : 'the same as the workers' };
  if (facts.length === 1) return { env: { backend: facts[0]! }, backendReason: "the workers' (none installed here matches)" };
  throw new WsolError({ message: `the workers compute with several backends (${facts.join(', ')})`, hint: 'name the one to use with --backend' });
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
