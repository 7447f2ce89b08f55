import { checkRequiredPaths } from '../../engine/data/required-paths.js';
import { planPipeline, type PlanEntry } from '../../engine/run/plan.js';
import { selectTargets } from '../../engine/run/targets.js';
import { table } from '../format.js';
import { cacheDirOf } from '../options.js';
import type { ResolvedPipeline } from '../../engine/pipeline.js';
import { load, printJson, runEnvironment, type PipelineOptions } from './common.js';

export interface PlanOptions extends PipelineOptions {
  force?: string[];
  verify?: boolean;
  /** Run (or plan) every node, cached or not. */
  forceAll?: boolean;
}

/** The nodes `plan`/`run` work on: the targets and their ancestors (all without targets), their data paths checked. */
export function selectedPipeline(whole: ResolvedPipeline, targets: readonly string[]): ResolvedPipeline {
  const pipeline = selectTargets(whole, targets);
  // Before any hashing or planning: a missing dataset is one error naming every missing path, not "new: no earlier result".
  checkRequiredPaths(pipeline);
  return pipeline;
}

/** --force plus, with --force-all, every selected node. */
export function forcedNodes(p: ResolvedPipeline, o: PlanOptions): string[] {
  return o.forceAll ? [...p.nodes.keys()] : (o.force ?? []);
}

export async function planCommand(pipelinePath: string, o: PlanOptions, targets: readonly string[] = []): Promise<number> {
  const pipeline = selectedPipeline((await load(pipelinePath, o)).pipeline, targets);
  const entries = await planPipeline(pipeline, {
    cacheDir: cacheDirOf(o.cache),
    force: forcedNodes(pipeline, o),
    env: runEnvironment(pipeline, o).env,
    verify: o.verify ?? false,
  });
  if (o.json) {
    for (const e of entries) printJson({ event: 'plan', ...e });
  } else {
    process.stdout.write(renderPlan(entries));
  }
  return 0;
}

export function renderPlan(entries: PlanEntry[]): string {
  const toRun = entries.filter((e) => e.status === 'to-run').length;
  return `${table(
    ['node', 'type', 'status', 'reason'],
    entries.map((e) => [e.node, e.type, e.status, e.reason]),
  )}\n\n${toRun} to run, ${entries.length - toRun} cached\n`;
}
