import { planPipeline, type PlanEntry } from '../../engine/run/plan.js';
import { table } from '../format.js';
import { cacheDirOf } from '../options.js';
import { load, printJson, runEnvironment, type PipelineOptions } from './common.js';

export interface PlanOptions extends PipelineOptions {
  force?: string[];
  verify?: boolean;
}

export async function planCommand(pipelinePath: string, o: PlanOptions): Promise<number> {
  const { pipeline } = await load(pipelinePath, o);
  const entries = await planPipeline(pipeline, {
    cacheDir: cacheDirOf(o.cache),
    force: o.force ?? [],
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
