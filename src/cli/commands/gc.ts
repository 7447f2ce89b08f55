import { collectGarbage } from '../../engine/cache/gc.js';
import { formatBytes } from '../format.js';
import { cacheDirOf } from '../options.js';
import { printJson } from './common.js';

/**
 * Options of `wsol-run gc`, as commander parses them: keep the results of runs
 * from the last `keepDays` days, and never remove any younger than `grace`
 * seconds.
 */
export interface GcCommandOptions {
  cache?: string;
  keepDays: number;
  grace: number;
  dryRun?: boolean;
  json?: boolean;
}

export async function gcCommand(pipelines: string[], o: GcCommandOptions): Promise<number> {
  const r = await collectGarbage(cacheDirOf(o.cache), { keepDays: o.keepDays, graceSeconds: o.grace, dryRun: o.dryRun ?? false, pipelines });
  if (o.json) {
    printJson({ dryRun: o.dryRun ?? false, ...r });
    return 0;
  }
  const verb = o.dryRun ? 'would free' : 'freed';
  process.stdout.write(
    `${verb} ${formatBytes(r.freedBytes)}: ${r.removedArtifacts} artifact(s), ${r.removedActions} action record(s), ${r.removedWorkDirs} stale work dir(s), ${r.removedCheckpoints} training checkpoint(s)\n` +
      `kept ${r.keptArtifacts} artifact(s) referenced by ${r.lockFilesRead} lock file(s) or runs of the last ${o.keepDays} day(s)\n`,
  );
  return 0;
}
