/**
 * Whether a run is an experiment: anything but the pipeline file as committed
 * (--set, a --plugin, another backend than the lock's). Its results are
 * recorded in the run store; the lock stays the committed configuration's
 * record, or `verify` would "reproduce" a smoke run.
 */
import type { LockFile } from '../lockfile.js';

/** What experimentReasons compares a run with: its overrides, --plugin modules and environment facts, and the committed lock. */
export interface ExperimentFacts {
  overrides: readonly string[];
  /** --plugin modules (the file's own "plugins" are part of the committed configuration). */
  plugins: readonly string[];
  env: Readonly<Record<string, string>>;
  previous: LockFile | undefined;
}

/** Each way this run departs from the committed configuration, in words; empty for the file as committed. */
export function experimentReasons(f: ExperimentFacts): string[] {
  const out: string[] = [];
  if (f.overrides.length) out.push(`--set ${f.overrides.join(' --set ')}`);
  if (f.plugins.length) out.push(`--plugin ${f.plugins.join(' --plugin ')}`);
  // Only a lock that names a backend can disagree: a pipeline without tensor nodes has none.
  const locked = f.previous?.env.backend;
  if (locked !== undefined && f.env.backend !== undefined && locked !== f.env.backend) out.push(`backend ${f.env.backend} (the lock's: ${locked})`);
  return out;
}
