/**
 * `wsol-run plan`: what a run would do, and why, without running anything or
 * touching the cache. A node whose inputs will be recomputed is "to-run";
 * early cutoff may still find it cached at run time, and the plan says so.
 */
import { LocalCacheStore, type Verification } from '../cache/store.js';
import { actionKey } from '../keys.js';
import { readLock } from '../lockfile.js';
import type { ResolvedPipeline } from '../pipeline.js';
import { resolveForced } from './force.js';
import { keyMaterial } from './node-keys.js';
import { explainMiss } from './reasons.js';
import { fingerprintPipeline, type PipelineData } from '../data/pipeline-data.js';

/** One node's line in `wsol-run plan`: cached or to-run, why, and its key and digest where known. */
export interface PlanEntry {
  node: string;
  type: string;
  status: 'cached' | 'to-run';
  reason: string;
  key?: string;
  digest?: string;
}

export async function planPipeline(
  p: ResolvedPipeline,
  /** `data`: fingerprints a caller already computed for this pipeline (else they are computed here). */
  o: { cacheDir: string; force: readonly string[]; env: Record<string, string>; verify: boolean; data?: PipelineData },
): Promise<PlanEntry[]> {
  const forced = resolveForced(p, o.force);
  const cache = new LocalCacheStore(o.cacheDir, { readOnly: true });
  const previous = await readLock(p.file);
  const verification: Verification = o.verify ? 'full' : 'fast';
  const data = o.data ?? (await fingerprintPipeline(p, { cacheDir: o.cacheDir, lock: previous, save: false }));
  // Digests known from this cache, and digests the lock predicts for nodes that will run with the
  // key the lock recorded (a deterministic node reproduces them): the nodes below such a node get a
  // key too, so a fresh cache's plan names what the lock expects rather than "upstream will run".
  const digests = new Map<string, string>();
  const predicted = new Map<string, string>();
  const keys = new Map<string, string>();
  // A digest from this cache, else the lock's prediction: a view, not a merged copy per node.
  const known = { get: (id: string): string | undefined => digests.get(id) ?? predicted.get(id) };
  const names = { keys, coords: (id: string) => p.nodes.get(id)!.coords };
  const toRun = new Set<string>();
  const entries: PlanEntry[] = [];
  for (const node of p.nodes.values()) {
    const type = node.nodeType.type;
    const material = keyMaterial(node, known, o.env, p.plugins, data.facts, names);
    if (!material) {
      const upstream = Object.values(node.inputs)
        .flat()
        .filter((x) => toRun.has(x));
      toRun.add(node.id);
      entries.push({
        node: node.id,
        type,
        status: 'to-run',
        reason: `upstream ${upstream.map((u) => `'${u}'`).join(', ')} will run (stays cached if its output is unchanged)`,
      });
      continue;
    }
    const key = actionKey(material);
    keys.set(node.id, key);
    const locked = previous?.nodes[node.id];
    const predictedFrom = Object.values(node.inputs)
      .flat()
      .filter((x) => predicted.has(x) && !digests.has(x));
    if (forced.has(node.id)) {
      toRun.add(node.id);
      if (locked?.key === key) predicted.set(node.id, locked.digest);
      entries.push({ node: node.id, type, status: 'to-run', reason: 'forced (--force)', key });
      continue;
    }
    const lookup = await cache.lookup(key, verification);
    if (lookup.status === 'hit') {
      digests.set(node.id, lookup.artifact.digest);
      const reason = predictedFrom.length
        ? `cache hit, once ${predictedFrom.map((u) => `'${u}'`).join(', ')} reproduce${predictedFrom.length === 1 ? 's' : ''} the lock's digest`
        : 'cache hit';
      entries.push({ node: node.id, type, status: 'cached', reason, key, digest: lookup.artifact.digest });
      continue;
    }
    toRun.add(node.id);
    if (locked?.key === key) predicted.set(node.id, locked.digest);
    const reason =
      lookup.status === 'invalid' ? `cache entry invalid: ${lookup.reason}` : explainMiss(material, locked, node.inputs, data.changes.get(node.id));
    entries.push({ node: node.id, type, status: 'to-run', reason, key });
  }
  return entries;
}
