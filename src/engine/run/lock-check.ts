/**
 * `wsol-run verify` (= `run --check-lock`): after a run, each node's result
 * against the committed lock file — did this machine reproduce the digests,
 * and if not, which metrics moved. The colleague's "did I reproduce it?".
 */
import type { Metrics } from '../../nodes/contract.js';
import { short } from '../keys.js';
import type { LockFile } from '../lockfile.js';
import type { ResolvedPipeline } from '../pipeline.js';
import type { NodeOutcome } from './scheduler.js';
import { explainMiss } from './reasons.js';

/**
 * A node's result against the committed lock: same digest, another digest, not
 * in the lock, no result this run, or locked but no longer in the pipeline.
 */
export type LockCheckStatus = 'same' | 'differs' | 'new' | 'not-run' | 'removed';

/** A metric whose value differs between the lock and this run (undefined where one side lacks it). */
export interface MetricChange {
  name: string;
  locked: number | string | boolean | null | undefined;
  now: number | string | boolean | null | undefined;
}

/** One node's line in `verify`'s report: its status against the lock, both digests, and why and which metrics moved. */
export interface LockCheckEntry {
  node: string;
  status: LockCheckStatus;
  lockedDigest?: string;
  digest?: string;
  /** Why it differs beyond the bytes: a different key (params, versions, backend), and the metrics that moved. */
  detail?: string;
  metrics: MetricChange[];
}

/** The result of checkAgainstLock: one entry per node, and whether the run reproduced the lock. */
export interface LockCheck {
  entries: LockCheckEntry[];
  /** True when every node of the pipeline reproduced the lock's digest. */
  reproduced: boolean;
}

function movedMetrics(locked: Metrics | undefined, now: Metrics | undefined): MetricChange[] {
  const names = new Set([...Object.keys(locked ?? {}), ...Object.keys(now ?? {})]);
  const out: MetricChange[] = [];
  for (const name of [...names].sort()) {
    const a = locked?.[name];
    const b = now?.[name];
    if (a !== b && !(typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b))) out.push({ name, locked: a, now: b });
  }
  return out;
}

/** Compares a run's outcomes with the lock that was committed before it. */
export function checkAgainstLock(p: ResolvedPipeline, outcomes: ReadonlyMap<string, NodeOutcome>, lock: LockFile): LockCheck {
  const entries: LockCheckEntry[] = [];
  for (const id of p.nodes.keys()) {
    const out = outcomes.get(id);
    const locked = lock.nodes[id];
    if (!out?.digest) {
      entries.push({
        node: id,
        status: 'not-run',
        ...(locked ? { lockedDigest: locked.digest } : {}),
        detail: out?.status === 'failed' ? `failed: ${out.error?.message ?? ''}` : (out?.status ?? 'not run'),
        metrics: [],
      });
      continue;
    }
    if (!locked) {
      entries.push({ node: id, status: 'new', digest: out.digest, detail: 'not in the lock', metrics: [] });
      continue;
    }
    const same = locked.digest === out.digest;
    const metrics = same ? [] : movedMetrics(locked.metrics, out.metrics);
    let detail: string | undefined;
    if (!same && out.material) {
      const env = Object.keys({ ...locked.env, ...out.material.env }).filter((k) => locked.env[k] !== out.material!.env[k]);
      if (env.length) detail = env.map((k) => `${k} ${locked.env[k] ?? '(none)'} in the lock, ${out.material!.env[k] ?? '(none)'} here`).join('; ');
      // In the words `plan` uses ("param seed changed from 0 to 1"), not only that the key differs.
      else if (locked.key !== out.key)
        detail = `another key than the lock's (${short(locked.key)}): ${explainMiss(out.material, locked, p.nodes.get(id)!.inputs)}`;
      else detail = 'same key, other bytes: this node is not deterministic here';
    }
    entries.push({
      node: id,
      status: same ? 'same' : 'differs',
      lockedDigest: locked.digest,
      digest: out.digest,
      ...(detail ? { detail } : {}),
      metrics,
    });
  }
  for (const id of Object.keys(lock.nodes)) {
    if (!p.nodes.has(id))
      entries.push({ node: id, status: 'removed', lockedDigest: lock.nodes[id]!.digest, detail: 'in the lock but not in the pipeline', metrics: [] });
  }
  return { entries, reproduced: entries.every((e) => e.status === 'same') };
}
