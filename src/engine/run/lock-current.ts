/**
 * Whether a committed lock is what today's code would compute, without
 * running anything: every node's key is recomputed from the pipeline file,
 * the digests the lock recorded for its inputs and the lock's own
 * environment facts (its backend), and compared with the key the lock
 * holds. A node-version bump, an edited param or default, a renamed node or
 * a lock written by a trial run (overrides) all make a lock stale; a stale
 * shipped lock means `plan` would retrain what the lock claims to record.
 */
import { actionKey, short } from '../keys.js';
import { LOCK_VERSION, type LockFile } from '../lockfile.js';
import type { ResolvedPipeline } from '../pipeline.js';
import { fingerprintPipeline } from '../data/pipeline-data.js';
import { keyMaterial } from './node-keys.js';
import { explainMiss } from './reasons.js';

/** A reason a committed lock is not what today's code would compute, for one node or the whole lock. */
export interface LockProblem {
  /** The node, or undefined for a problem of the whole lock. */
  node?: string;
  message: string;
}

/** Whether a committed lock is current (checkLockCurrent, `wsol-run locks`): the nodes whose keys match, and the problems found. */
export interface LockCurrency {
  current: boolean;
  /** Nodes whose key the lock records and today's code reproduces. */
  matched: number;
  problems: LockProblem[];
  /** Whether one of the problems is only that the file's bytes differ from the ones the lock recorded. */
  fileEdited: boolean;
}

export async function checkLockCurrent(
  p: ResolvedPipeline,
  lock: LockFile,
  o: {
    /** Where the file-hash table lives (only read: nothing is written). */
    cacheDir: string;
    pipelineSha256: string;
    /**
     * Backend facts today's code can give, by backend name (e.g. wasm -> its fact with today's kernel build): a
     * lock whose fact names that backend with another build can never be reproduced, whatever its keys say.
     */
    backendFacts?: ReadonlyMap<string, string>;
  },
): Promise<LockCurrency> {
  const problems: LockProblem[] = [];
  if (lock.lockVersion !== LOCK_VERSION) problems.push({ message: `lock format ${lock.lockVersion}, today's is ${LOCK_VERSION}` });
  const backend = lock.env.backend;
  const today = backend === undefined ? undefined : o.backendFacts?.get(backend.split('@')[0]!);
  if (backend !== undefined && today !== undefined && today !== backend)
    problems.push({ message: `backend ${backend}: today's code on that backend is ${today}, so a run recomputes every tensor node` });
  if (lock.overrides.length)
    problems.push({ message: `written by a run with overrides (${lock.overrides.join(' ')}): a shipped lock records the file as it is` });
  const fileEdited = lock.pipeline.sha256 !== o.pipelineSha256;
  if (fileEdited) problems.push({ message: FILE_EDITED });
  const data = await fingerprintPipeline(p, { cacheDir: o.cacheDir, lock, save: false });
  // Upstream digests as the lock recorded them: each node is checked against its own record, so one stale
  // node is reported once, not again in everything below it.
  const digests = new Map<string, string>();
  const keys = new Map<string, string>();
  for (const [id, locked] of Object.entries(lock.nodes)) {
    digests.set(id, locked.digest);
    keys.set(id, locked.key);
  }
  const names = { keys, coords: (id: string) => p.nodes.get(id)?.coords ?? {} };
  let matched = 0;
  for (const node of p.nodes.values()) {
    const locked = lock.nodes[node.id];
    if (!locked) {
      problems.push({ node: node.id, message: 'not in the lock (a node the lock predates, or one that never ran)' });
      continue;
    }
    const material = keyMaterial(node, digests, lock.env, p.plugins, data.facts, names);
    if (!material) {
      const missing = Object.values(node.inputs)
        .flat()
        .filter((x) => !digests.has(x));
      problems.push({ node: node.id, message: `its input${missing.length === 1 ? '' : 's'} ${missing.join(', ')} not in the lock` });
      continue;
    }
    const key = actionKey(material);
    if (key === locked.key) {
      matched++;
      continue;
    }
    const why = explainMiss(material, locked, node.inputs, data.changes.get(node.id));
    problems.push({ node: node.id, message: `key ${short(key)}, the lock has ${short(locked.key)}: ${why}` });
  }
  for (const id of Object.keys(lock.nodes)) if (!p.nodes.has(id)) problems.push({ node: id, message: 'in the lock but not in the pipeline' });
  return { current: problems.length === 0, matched, problems, fileEdited };
}

const FILE_EDITED = 'the pipeline file was edited after the lock was written';

/**
 * The lock with the file's record brought up to date (its hash and params), when the file's only change is
 * one that leaves every node key as it was: a new param with the value the node had (a size or epoch count
 * made a param), a preset, a description. Undefined when anything else is stale (then only a run can
 * regenerate it). Nothing in the nodes' records changes: their keys, digests and metrics are what was
 * computed, since today's code computes the same keys.
 */
export function refreshedLock(p: ResolvedPipeline, lock: LockFile, currency: LockCurrency, pipelineSha256: string): LockFile | undefined {
  if (!currency.fileEdited || currency.problems.length !== 1) return undefined;
  return { ...lock, pipeline: { ...lock.pipeline, sha256: pipelineSha256 }, params: p.params };
}
