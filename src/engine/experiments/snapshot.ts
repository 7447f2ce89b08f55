/**
 * One configuration's results, from a run record or from the committed lock,
 * in one shape: what `exp show` lists and `exp diff` compares. No CLI here.
 */
import { resolve } from 'node:path';
import type { JsonObject, Metrics } from '../../nodes/contract.js';
import { WsolError } from '../diagnostics.js';
import { lockPathFor, readLock } from '../lockfile.js';
import type { RunRecord } from '../run-store.js';

/** One node of a snapshot: its type, params, key, digest and metrics, where the record has them. */
export interface SnapshotNode {
  type?: string;
  params?: JsonObject;
  key?: string;
  digest?: string;
  metrics?: Metrics;
}

/** One configuration's results, from a run record or the committed lock, as `exp show` lists and `exp diff` compares them. */
export interface Snapshot {
  /** The run id, or `lock`. */
  label: string;
  pipeline: string;
  overrides: string[];
  backend?: string;
  status?: string;
  nodes: Record<string, SnapshotNode>;
}

export function snapshotOfRun(r: RunRecord): Snapshot {
  const nodes: Record<string, SnapshotNode> = {};
  for (const [id, n] of Object.entries(r.nodes))
    nodes[id] = {
      type: n.type,
      ...(n.params ? { params: n.params } : {}),
      ...(n.key ? { key: n.key } : {}),
      ...(n.digest ? { digest: n.digest } : {}),
      ...(n.metrics ? { metrics: n.metrics } : {}),
    };
  return {
    label: r.id,
    pipeline: r.pipeline,
    overrides: r.options.overrides,
    ...(r.env.backend ? { backend: r.env.backend } : {}),
    status: r.status,
    nodes,
  };
}

/** The committed lock of a pipeline as a snapshot (params, keys, digests and the metrics it records). */
export async function snapshotOfLock(pipeline: string): Promise<Snapshot> {
  const lock = await readLock(pipeline);
  if (!lock)
    throw new WsolError({
      file: lockPathFor(pipeline),
      message: 'no lock file to compare with',
      hint: `run the pipeline as committed once: wsol-run ${pipeline}`,
    });
  const nodes: Record<string, SnapshotNode> = {};
  for (const [id, n] of Object.entries(lock.nodes))
    nodes[id] = { type: n.type, params: n.params, key: n.key, digest: n.digest, ...(n.metrics ? { metrics: n.metrics } : {}) };
  return { label: 'lock', pipeline: resolve(pipeline), overrides: lock.overrides, ...(lock.env.backend ? { backend: lock.env.backend } : {}), nodes };
}

/** An evaluation node's type: its metrics are the headline ones (a report's counts are not). */
export function isEvaluation(type: string | undefined): boolean {
  return type?.startsWith('evaluate/') ?? false;
}

/** Headline metrics by evaluation node (in id order). */
export function headlineMetrics(s: Snapshot): Record<string, Metrics> {
  const out: Record<string, Metrics> = {};
  for (const id of Object.keys(s.nodes).sort()) {
    const n = s.nodes[id]!;
    if (isEvaluation(n.type) && n.metrics) out[id] = n.metrics;
  }
  return out;
}
