/**
 * `--run ID` on every verb that reads a pipeline: "that run's configuration".
 * An experiment's results live in the cache under the keys its overrides,
 * plugins and backend give, never in the lock; naming the run brings those
 * back, so `show`, `report`, `export`, `plan` and `verify` mean the same
 * configuration the run had without the user retyping its `--set`s.
 */
import { resolve } from 'node:path';
import { WsolError } from '../../engine/diagnostics.js';
import { findRun } from '../../engine/experiments/select.js';
import { listRuns } from '../../engine/run-store.js';
import { cacheDirOf } from '../options.js';

/** The command-line options `--run ID` reads and extends: the run to take the configuration of, and the flags typed beside it. */
export interface RunConfigurationOptions {
  run?: string;
  set?: string[];
  plugin?: string[];
  backend?: string;
  cache?: string;
}

/** The run's overrides, plugins and backend, with the command line's own after them (they win where both set a value). */
export async function runConfiguration(
  pipelinePath: string,
  o: RunConfigurationOptions & { run: string },
): Promise<Pick<RunConfigurationOptions, 'set' | 'plugin' | 'backend'>> {
  const run = findRun(await listRuns(cacheDirOf(o.cache)), o.run);
  if (resolve(run.pipeline) !== resolve(pipelinePath))
    throw new WsolError({
      message: `--run ${o.run}: run ${run.id} ran ${run.pipeline}, not ${resolve(pipelinePath)}`,
      hint: `name that pipeline, or see its runs with: wsol-run exp show ${pipelinePath}`,
    });
  const backend = o.backend ?? run.env.backend?.split('@')[0];
  return {
    set: [...run.options.overrides, ...(o.set ?? [])],
    plugin: [...(run.plugins ?? []), ...(o.plugin ?? [])],
    ...(backend !== undefined ? { backend } : {}),
  };
}
