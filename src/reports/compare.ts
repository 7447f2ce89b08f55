/**
 * A comparison table over the results of a matrix: one row per group of
 * instances (their coordinates without the replicate axis, e.g. without
 * `seed`), mean ± sample standard deviation of each metric over the group.
 */
import type { JsonValue } from '../core/json.js';

/** One node instance's results for a comparison table: its matrix coordinates and its numeric metrics. */
export interface ResultRow {
  /** Instance coordinates, e.g. {variant: 'vst', seed: 1}. */
  coords: Record<string, JsonValue>;
  metrics: Record<string, number>;
}

/** One row of a comparison table: the coordinates the group shares, how many instances it holds, and each metric's mean and sample std. */
export interface ComparisonRow {
  group: Record<string, JsonValue>;
  runs: number;
  mean: Record<string, number>;
  std: Record<string, number>;
}

export function compareResults(rows: readonly ResultRow[], replicateAxes: readonly string[], metricNames: readonly string[]): ComparisonRow[] {
  const groups = new Map<string, { group: Record<string, JsonValue>; rows: ResultRow[] }>();
  for (const row of rows) {
    const group = Object.fromEntries(Object.entries(row.coords).filter(([k]) => !replicateAxes.includes(k)));
    const key = JSON.stringify(group);
    if (!groups.has(key)) groups.set(key, { group, rows: [] });
    groups.get(key)!.rows.push(row);
  }
  return [...groups.values()].map(({ group, rows: members }) => {
    const mean: Record<string, number> = {};
    const std: Record<string, number> = {};
    for (const name of metricNames) {
      const values = members.map((r) => r.metrics[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (values.length === 0) continue;
      const m = values.reduce((s, v) => s + v, 0) / values.length;
      mean[name] = m;
      std[name] = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1)) : 0;
    }
    return { group, runs: members.length, mean, std };
  });
}

export function comparisonMarkdown(rows: readonly ComparisonRow[], metricNames: readonly string[], digits = 2): string {
  const axes = [...new Set(rows.flatMap((r) => Object.keys(r.group)))];
  const header = [...axes, 'runs', ...metricNames];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    const cells = [
      ...axes.map((a) => (a in r.group ? String(r.group[a]) : '')),
      String(r.runs),
      ...metricNames.map((m) =>
        m in r.mean ? (r.runs > 1 ? `${r.mean[m]!.toFixed(digits)} ± ${r.std[m]!.toFixed(digits)}` : r.mean[m]!.toFixed(digits)) : '',
      ),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
