import { loadPipeline, type LoadedPipeline } from '../../engine/load/load-pipeline.js';
import { nodeTypes } from '../../nodes/registry.js';

/** Options every verb that reads a pipeline accepts. */
export interface PipelineOptions {
  set?: string[];
  cache?: string;
  json?: boolean;
  verbose?: boolean;
}

export function load(path: string, o: PipelineOptions): Promise<LoadedPipeline> {
  return loadPipeline(path, { overrides: o.set ?? [], types: nodeTypes });
}

/** Environment facts that enter the keys of nodes declaring them. Step 2 adds the backend. */
export function runEnvironment(): Record<string, string> {
  return {};
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
