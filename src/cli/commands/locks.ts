/**
 * `wsol-run locks <pipelines...>`: whether each pipeline's committed lock is
 * what today's code computes (keys only; nothing runs, and of a cache only
 * its table of file hashes is read). CI runs it over every shipped pipeline, so a node-version bump or
 * a param edit fails until the lock is regenerated.
 */
import { WsolError } from '../../engine/diagnostics.js';
import { lockPathFor, readLock, writeLock } from '../../engine/lockfile.js';
import { checkLockCurrent, refreshedLock, type LockProblem } from '../../engine/run/lock-current.js';
import { planBackend } from '../../tensor/backends/select.js';
import { cacheDirOf } from '../options.js';
import { load, printJson } from './common.js';

/** Options of `wsol-run locks`, as commander parses them: what counts as a problem, and whether to refresh locks whose keys are unchanged. */
export interface LocksOptions {
  cache?: string;
  json?: boolean;
  plugin?: string[];
  /** Pipelines without a lock are fine (not shipped with results) unless this is set. */
  requireLock?: boolean;
  /** Rewrite the file's record (hash, params) in locks whose only problem is an edit that leaves every key as it was. */
  refresh?: boolean;
}

const EXIT_STALE = 3;

interface Verdict {
  pipeline: string;
  status: 'current' | 'stale' | 'no-lock' | 'refreshed';
  matched: number;
  problems: LockProblem[];
  /** Stale only in the file's record: `--refresh` would bring it up to date without running. */
  refreshable?: boolean;
}

export async function locksCommand(pipelines: string[], o: LocksOptions): Promise<number> {
  if (pipelines.length === 0) throw new WsolError({ message: 'no pipeline given', hint: 'wsol-run locks pipelines/*.json' });
  const verdicts: Verdict[] = [];
  const backendFacts = todaysFacts();
  for (const path of pipelines) {
    if (path.endsWith('.lock.json')) continue;
    const { pipeline, fileDigest } = await load(path, { plugin: o.plugin ?? [] });
    const lock = await readLock(pipeline.file);
    if (!lock) {
      verdicts.push({
        pipeline: path,
        status: 'no-lock',
        matched: 0,
        problems: o.requireLock ? [{ message: `no lock file ${lockPathFor(path)}: run the pipeline to write one` }] : [],
      });
      continue;
    }
    const c = await checkLockCurrent(pipeline, lock, { cacheDir: cacheDirOf(o.cache), pipelineSha256: fileDigest, backendFacts });
    const refreshed = refreshedLock(pipeline, lock, c, fileDigest);
    if (refreshed && o.refresh) {
      await writeLock(pipeline.file, refreshed);
      verdicts.push({ pipeline: path, status: 'refreshed', matched: c.matched, problems: [] });
      continue;
    }
    verdicts.push({ pipeline: path, status: c.current ? 'current' : 'stale', matched: c.matched, problems: c.problems, refreshable: refreshed !== undefined });
  }
  const bad = verdicts.filter((v) => v.status === 'stale' || v.problems.length > 0);
  if (o.json) for (const v of verdicts) printJson({ event: 'lock', ...v });
  else {
    for (const v of verdicts) {
      const head =
        v.status === 'current'
          ? `current  ${v.pipeline} (${v.matched} node keys reproduced)`
          : v.status === 'refreshed'
            ? `refreshed ${v.pipeline} (${v.matched} node keys reproduced; the lock now records the edited file's hash and params)`
            : v.status === 'no-lock'
              ? `no lock  ${v.pipeline}`
              : `STALE    ${v.pipeline} (${v.matched} reproduced, ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'})`;
      process.stdout.write(`${head}\n`);
      const shown = v.problems.slice(0, 8);
      for (const p of shown) process.stdout.write(`  ${p.node ? `${p.node}: ` : ''}${p.message}\n`);
      if (v.problems.length > shown.length) process.stdout.write(`  … and ${v.problems.length - shown.length} more\n`);
    }
    if (bad.length)
      process.stdout.write(
        `\n${bad.length} stale: re-run ${bad.length === 1 ? 'that pipeline' : 'those pipelines'} to regenerate the lock (wsol-run <pipeline>), then commit it${
          bad.some((v) => v.refreshable)
            ? '; where the only problem is the edit (every key reproduced), `wsol-run locks --refresh` records the file without running'
            : ''
        }\n`,
      );
  }
  return bad.length ? EXIT_STALE : 0;
}

/** The facts of the backends whose fact does not depend on the machine (wasm: its version and kernel build). */
function todaysFacts(): Map<string, string> {
  const facts = new Map<string, string>();
  try {
    facts.set('wasm', planBackend('wasm').fact);
  } catch {
    // wasm not installed: nothing to compare with.
  }
  return facts;
}
