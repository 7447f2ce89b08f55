/**
 * Choosing runs from the run store: those of one pipeline, by status, and
 * the runs a user names (an id or a prefix of one, HEAD/latest, lock).
 */
import { resolve } from 'node:path';
import { WsolError } from '../diagnostics.js';
import type { RunRecord } from '../run-store.js';
import { snapshotOfLock, snapshotOfRun, type Snapshot } from './snapshot.js';

/** Which runs `exp show` lists: of one pipeline file, with one status, at most `limit` of them. */
export interface RunFilter {
  pipeline?: string;
  status?: string;
  limit?: number;
}

/** Runs (given newest first) that pass the filter, still newest first. */
export function selectRuns(runs: readonly RunRecord[], f: RunFilter): RunRecord[] {
  const file = f.pipeline ? resolve(f.pipeline) : undefined;
  const kept = runs.filter((r) => (!file || r.pipeline === file) && (!f.status || r.status === f.status));
  return f.limit ? kept.slice(0, f.limit) : kept;
}

const NEWEST = new Set(['HEAD', 'head', 'latest']);

/** A run by id or unique id prefix; a WsolError naming the candidates otherwise. */
export function findRun(runs: readonly RunRecord[], ref: string): RunRecord {
  const exact = runs.find((r) => r.id === ref);
  if (exact) return exact;
  const matches = runs.filter((r) => r.id.startsWith(ref));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0)
    throw new WsolError({ message: `no run '${ref}' in the run store`, hint: 'wsol-run exp show lists the runs (ids, or HEAD/latest, or lock)' });
  throw new WsolError({ message: `run '${ref}' is ambiguous: ${matches.length} runs start with it`, hint: `give more of the id, e.g. ${matches[0]!.id}` });
}

/** The pipeline that `lock` and HEAD refer to: the one a named run ran, else --pipeline, else the newest run's. */
export function pipelineOf(runs: readonly RunRecord[], refs: readonly string[], given: string | undefined): string | undefined {
  if (given) return resolve(given);
  for (const ref of refs) if (ref !== 'lock' && !NEWEST.has(ref)) return findRun(runs, ref).pipeline;
  return runs[0]?.pipeline;
}

/** What a user's reference names, as a snapshot. */
export async function resolveRef(runs: readonly RunRecord[], ref: string, pipeline: string | undefined): Promise<Snapshot> {
  if (ref === 'lock') {
    if (!pipeline) throw new WsolError({ message: '`lock` needs a pipeline', hint: 'give --pipeline FILE' });
    return snapshotOfLock(pipeline);
  }
  if (NEWEST.has(ref)) {
    const newest = pipeline ? runs.find((r) => r.pipeline === pipeline) : runs[0];
    if (!newest) throw new WsolError({ message: `${ref}: no run${pipeline ? ` of ${pipeline}` : ''} in the run store`, hint: 'run the pipeline first' });
    return snapshotOfRun(newest);
  }
  return snapshotOfRun(findRun(runs, ref));
}
