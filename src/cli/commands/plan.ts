import { checkRequiredPaths } from '../../engine/data/required-paths.js';
import { planPipeline, type PlanEntry } from '../../engine/run/plan.js';
import { selectTargets } from '../../engine/run/targets.js';
import { table } from '../format.js';
import { cacheDirOf } from '../options.js';
import type { ResolvedPipeline } from '../../engine/pipeline.js';
import { load, printJson, runEnvironment, type PipelineOptions } from './common.js';

/** Options of `wsol-run plan` (and the base of `run`'s): the pipeline options plus which nodes to force and whether to verify cached results. */
export interface PlanOptions extends PipelineOptions {
  force?: string[];
  verify?: boolean;
  /** Run (or plan) every node, cached or not. */
  forceAll?: boolean;
  wide?: boolean;
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
    const baseOf = (id: string): string => pipeline.nodes.get(id)?.base ?? id;
    process.stdout.write(renderPlan(entries, { baseOf, verbose: o.verbose ?? false }));
  }
  return 0;
}

interface PlanRow {
  node: string;
  type: string;
  status: PlanEntry['status'];
  reason: string;
}

/**
 * One row per declared node and status: a matrix node's instances become one
 * row with their count (a 40-instance sweep is one line, not 40), unless
 * `verbose`. Rows keep the order of each group's first instance.
 */
export function groupPlan(entries: readonly PlanEntry[], baseOf: (id: string) => string): PlanRow[] {
  const groups = new Map<string, PlanEntry[]>();
  for (const e of entries) {
    const key = `${baseOf(e.node)}\0${e.status}`;
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    if (group.length === 1) return { node: first.node, type: first.type, status: first.status, reason: first.reason };
    // Instances' reasons differ mostly in the digests and instances they name: those compared as '…'.
    const reasons = new Set(group.map((e) => e.reason.replace(/\b[0-9a-f]{8,}\b/g, '…').replace(/\[[^\]]*\]/g, '[…]')));
    const [reason] = reasons;
    return {
      node: `${baseOf(first.node)} (${group.length} instances)`,
      type: first.type,
      status: first.status,
      reason: reasons.size === 1 ? reason! : `${reason} (and ${reasons.size - 1} other reasons: --verbose lists each)`,
    };
  });
}

export function renderPlan(entries: PlanEntry[], o: { baseOf?: (id: string) => string; verbose?: boolean } = {}): string {
  const toRun = entries.filter((e) => e.status === 'to-run').length;
  const rows = o.verbose || !o.baseOf ? entries : groupPlan(entries, o.baseOf);
  return `${table(
    ['node', 'type', 'status', 'reason'],
    rows.map((e) => [e.node, e.type, e.status, e.reason]),
  )}\n\n${toRun} to run, ${entries.length - toRun} cached\n`;
}
