/**
 * Two snapshots side by side, as `dvc params diff` and `dvc metrics diff`:
 * the params that differ node by node, and every metric with its change.
 */
import type { JsonValue, Metrics } from '../../nodes/contract.js';
import { canonicalJson } from '../keys.js';
import type { Snapshot } from './snapshot.js';

/** A param whose value differs between the two snapshots `exp diff` compares. */
export interface ParamChange {
  node: string;
  param: string;
  /** null: the node or param is absent on that side. */
  a: JsonValue | null;
  b: JsonValue | null;
}

/** One metric of one node on both sides of `exp diff`, with the change where both are numbers. */
export interface MetricRow {
  node: string;
  metric: string;
  a: Metrics[string] | null;
  b: Metrics[string] | null;
  /** b - a where both are numbers. */
  change: number | null;
}

/** What `exp diff` prints: each side's label, overrides and backend, the params that differ and every metric. */
export interface SnapshotDiff {
  a: { label: string; overrides: string[]; backend: string | null };
  b: { label: string; overrides: string[]; backend: string | null };
  params: ParamChange[];
  metrics: MetricRow[];
}

const sortedUnion = (x: object | undefined, y: object | undefined): string[] => [...new Set([...Object.keys(x ?? {}), ...Object.keys(y ?? {})])].sort();

export function diffSnapshots(a: Snapshot, b: Snapshot): SnapshotDiff {
  const params: ParamChange[] = [];
  const metrics: MetricRow[] = [];
  for (const node of sortedUnion(a.nodes, b.nodes)) {
    const pa = a.nodes[node]?.params;
    const pb = b.nodes[node]?.params;
    for (const param of sortedUnion(pa, pb)) {
      const va = pa?.[param] ?? null;
      const vb = pb?.[param] ?? null;
      if (canonicalJson(va) !== canonicalJson(vb)) params.push({ node, param, a: va, b: vb });
    }
    const ma = a.nodes[node]?.metrics;
    const mb = b.nodes[node]?.metrics;
    for (const metric of sortedUnion(ma, mb)) {
      const va = ma?.[metric] ?? null;
      const vb = mb?.[metric] ?? null;
      metrics.push({ node, metric, a: va, b: vb, change: typeof va === 'number' && typeof vb === 'number' ? vb - va : null });
    }
  }
  const side = (s: Snapshot): SnapshotDiff['a'] => ({ label: s.label, overrides: s.overrides, backend: s.backend ?? null });
  return { a: side(a), b: side(b), params, metrics };
}
