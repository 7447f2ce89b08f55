import type { LockDrift, RunPipelineResult } from '../engine/run/run-pipeline.js';
import { formatDuration, formatMetric, table } from './format.js';
import { headlineColumns, metricLabel } from '../reports/headline.js';
import { formatMetricValue } from '../evaluation/metric-format.js';
import type { LockCheck } from '../engine/run/lock-check.js';
import { short } from '../engine/keys.js';
import { fitText } from './width.js';

/** Metric columns of the summary of a run without evaluations (more do not fit 120 characters). */
const SUMMARY_COLUMNS = 6;

/** What ran, what was cached, what failed (with its error), what was skipped, and headline metrics. */
export function formatSummary(r: RunPipelineResult): string {
  const c = r.counts;
  const parts = [`${c.ran} ran`, `${c.cached} cached`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  const lines = [`\n${r.status === 'succeeded' ? 'done' : r.status}: ${parts.join(', ')} in ${formatDuration(r.durationMs)} (run ${r.runId})`];
  for (const [id, o] of r.outcomes) {
    if (o.status === 'failed') lines.push(`  failed   ${id}: ${o.error?.message ?? ''}`);
  }
  const skipped = [...r.outcomes].filter(([, o]) => o.status === 'skipped').map(([id]) => id);
  if (skipped.length) lines.push(`  skipped  ${skipped.length > 8 ? `${skipped.slice(0, 8).join(', ')} and ${skipped.length - 8} more` : skipped.join(', ')}`);
  // One row per evaluation with the metrics papers report for its kind; everything else is on `show`.
  const evaluations = [...r.outcomes].filter(([, o]) => o.material?.type.startsWith('evaluate/') && o.metrics && Object.keys(o.metrics).length);
  const columns = headlineColumns(evaluations.map(([, o]) => o.metrics!));
  if (columns.length) {
    lines.push(
      '',
      table(
        ['evaluation', ...columns.map(metricLabel)],
        evaluations.map(([id, o]) => [id, ...columns.map((c) => (typeof o.metrics![c] === 'number' ? formatMetricValue(c, o.metrics![c]!) : ''))]),
      ),
    );
    const others = r.outcomes.size - evaluations.length;
    if (others > 0) lines.push(`(every node's metrics: wsol-run show <pipeline> <node>)`);
  } else {
    // No evaluation (a diagnostics or engine pipeline): the nodes' own metrics, a few columns wide.
    const withMetrics = [...r.outcomes].filter(([, o]) => o.metrics && Object.keys(o.metrics).length);
    const names = [...new Set(withMetrics.flatMap(([, o]) => Object.keys(o.metrics!)))];
    const shown = names.slice(0, SUMMARY_COLUMNS);
    if (shown.length) {
      lines.push(
        '',
        table(
          ['node', ...shown],
          withMetrics.map(([id, o]) => [id, ...shown.map((n) => (o.metrics![n] === undefined ? '' : formatMetricValue(n, o.metrics![n]!)))]),
        ),
      );
      if (names.length > shown.length) lines.push(`(${names.length - shown.length} more metrics: wsol-run show <pipeline> <node>)`);
    }
  }
  return `${fitText(lines.join('\n'))}\n`;
}

// Full precision here, not the display format: a metric that moved by less than its display digit must still show a difference.
function shown(v: number | string | boolean | null | undefined): string {
  return v === undefined ? '-' : formatMetric(v);
}

/** `verify`'s verdict: node by node, the lock's digest, this run's, and the metrics that moved. */
export function formatLockCheck(check: LockCheck): string {
  const rows = check.entries.map((e) => [
    e.node,
    e.status,
    e.lockedDigest ? short(e.lockedDigest) : '-',
    e.digest ? short(e.digest) : '-',
    [e.detail, ...e.metrics.map((m) => `${m.name} ${shown(m.locked)} -> ${shown(m.now)}`)].filter(Boolean).join('; '),
  ]);
  const differ = check.entries.filter((e) => e.status !== 'same').length;
  const verdict = check.reproduced
    ? `reproduced: all ${check.entries.length} nodes have the lock's digests`
    : `NOT reproduced: ${differ} of ${check.entries.length} nodes differ from the lock`;
  return `\n${table(['node', 'vs lock', 'lock', 'this run', 'what moved'], rows)}\n\n${verdict}\n`;
}

/** Why the lock was left as it was: results with the lock's key and other bytes, and what to do. */
export function formatLockDrift(drift: readonly LockDrift[], lockFile: string, pipeline: string): string {
  const rows = drift.map((d) => [d.node, short(d.key), short(d.locked), short(d.digest), d.cached ? 'in the cache' : 'computed now']);
  return (
    `\n${table(['node', 'key', 'lock', 'this run', 'result'], rows)}\n\n` +
    `${lockFile} was NOT rewritten: ${drift.length} node(s) have the lock's key but other bytes — the node is not deterministic here, or the cache or the lock was tampered with.\n` +
    `  compare by recomputing: wsol-run verify ${pipeline} --recompute ${drift[0]!.node}\n` +
    `  if this run's results are right: wsol-run ${pipeline} --update-lock\n`
  );
}
