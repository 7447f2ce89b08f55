import { WsolError } from '../../engine/diagnostics.js';
import { loadPipeline, type LoadedPipeline } from '../../engine/load/load-pipeline.js';
import type { ResolvedPipeline } from '../../engine/pipeline.js';
import { nodeTypes } from '../../nodes/registry.js';
import { BACKENDS, isBackendName, planBackend, type BackendName } from '../../tensor/backends/select.js';

/** Options every verb that reads a pipeline accepts. */
export interface PipelineOptions {
  set?: string[];
  cache?: string;
  json?: boolean;
  verbose?: boolean;
  backend?: string;
  plugin?: string[];
}

export function load(path: string, o: PipelineOptions): Promise<LoadedPipeline> {
  return loadPipeline(path, { overrides: o.set ?? [], types: nodeTypes, plugins: o.plugin ?? [] });
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

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
