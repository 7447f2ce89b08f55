/**
 * `wsol-run exp show` and `exp diff`: the experiments in the run store (runs
 * with their overrides, backend, status and headline metrics), and two of
 * them, or one and the committed lock, compared param by param and metric
 * by metric.
 */
import { diffSnapshots, type SnapshotDiff } from '../../engine/experiments/compare.js';
import { pipelineOf, resolveRef, selectRuns } from '../../engine/experiments/select.js';
import { headlineMetrics, snapshotOfRun } from '../../engine/experiments/snapshot.js';
import { WsolError } from '../../engine/diagnostics.js';
import { listRuns, type RunRecord } from '../../engine/run-store.js';
import type { JsonValue, Metrics } from '../../nodes/contract.js';
import { formatMetric, table } from '../format.js';
import { cacheDirOf } from '../options.js';
import { printJson } from './common.js';

/** Options of `wsol-run exp show`, as commander parses them: JSON or CSV output, and a filter on run status and count. */
export interface ExpShowOptions {
  cache?: string;
  json?: boolean;
  csv?: boolean;
  status?: string;
  limit?: number;
}

/**
 * Options of `wsol-run exp diff`, as commander parses them: `pipeline` names
 * the pipeline whose lock and newest run the sides `lock` and HEAD mean.
 */
export interface ExpDiffOptions {
  cache?: string;
  json?: boolean;
  pipeline?: string;
}

const STATUSES = ['succeeded', 'failed', 'cancelled', 'interrupted', 'running'];

interface ShowRow {
  id: string;
  when: string;
  pipeline: string;
  overrides: string[];
  plugins: string[];
  backend: string | null;
  status: string;
  experiment: boolean;
  lock: string | null;
  metrics: Record<string, Metrics>;
  nodes: Record<string, { key: string | null; digest: string | null }>;
}

function showRow(r: RunRecord): ShowRow {
  const nodes: ShowRow['nodes'] = {};
  for (const [id, n] of Object.entries(r.nodes)) nodes[id] = { key: n.key ?? null, digest: n.digest ?? null };
  return {
    id: r.id,
    when: r.startedAt,
    pipeline: r.pipeline,
    overrides: r.options.overrides,
    plugins: r.plugins ?? [],
    backend: r.env.backend ?? null,
    status: r.status,
    // Records from before experiments were told apart: overrides alone say it.
    experiment: r.experiment ? r.experiment.length > 0 : r.options.overrides.length > 0,
    lock: r.lock ?? null,
    metrics: headlineMetrics(snapshotOfRun(r)),
    nodes,
  };
}

const when = (iso: string): string => iso.slice(0, 19).replace('T', ' ');

/** `node.metric` for every headline metric of the rows, in first-seen order. */
function metricColumns(rows: readonly ShowRow[]): string[] {
  const cols = new Set<string>();
  for (const r of rows) for (const [node, m] of Object.entries(r.metrics)) for (const name of Object.keys(m)) cols.add(`${node}.${name}`);
  return [...cols];
}

function metricAt(r: ShowRow, col: string): Metrics[string] | undefined {
  const dot = col.indexOf('.');
  return r.metrics[col.slice(0, dot)]?.[col.slice(dot + 1)];
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export async function expShowCommand(pipeline: string | undefined, o: ExpShowOptions): Promise<number> {
  if (o.status && !STATUSES.includes(o.status))
    throw new WsolError({ message: `--status ${o.status}: not a run status`, hint: `choose one of: ${STATUSES.join(', ')}` });
  if (o.json && o.csv) throw new WsolError({ message: '--json and --csv: choose one output', hint: 'give either' });
  const runs = selectRuns(await listRuns(cacheDirOf(o.cache)), {
    ...(pipeline ? { pipeline } : {}),
    ...(o.status ? { status: o.status } : {}),
    ...(o.limit ? { limit: o.limit } : {}),
  });
  const rows = runs.map(showRow);
  if (o.json) {
    for (const r of rows) printJson(r);
    return 0;
  }
  const cols = metricColumns(rows);
  const fixed = (r: ShowRow): string[] => [r.id, when(r.when), r.overrides.join(' '), r.backend ?? '', r.status];
  if (o.csv) {
    const lines = [['id', 'when', 'overrides', 'backend', 'status', ...cols].join(',')];
    for (const r of rows)
      lines.push(
        [
          ...fixed(r),
          ...cols.map((c) => {
            const v = metricAt(r, c);
            return v === undefined || v === null ? '' : String(v);
          }),
        ]
          .map(csvCell)
          .join(','),
      );
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write('no runs recorded yet\n');
    return 0;
  }
  // The metrics in one last column: a table of a dozen metric columns would not fit a terminal.
  const metricsText = (r: ShowRow): string =>
    cols
      .map((c) => [c, metricAt(r, c)] as const)
      .filter((e): e is readonly [string, NonNullable<Metrics[string]>] => e[1] !== undefined && e[1] !== null)
      .map(([c, v]) => `${c}=${formatMetric(v)}`)
      .join(' ');
  process.stdout.write(
    `${table(
      ['id', 'when', 'overrides', 'backend', 'status', 'metrics'],
      rows.map((r) => [...fixed(r).map((c) => c || '-'), metricsText(r)]),
    )}\n`,
  );
  return 0;
}

const showValue = (v: JsonValue | null): string => (v === null ? '-' : typeof v === 'string' ? v : JSON.stringify(v));

function formatDiff(d: SnapshotDiff): string {
  const out: string[] = [];
  const overrides = (s: SnapshotDiff['a']): string => (s.overrides.length ? s.overrides.join(' ') : '(as committed)');
  out.push(`a: ${d.a.label}  ${overrides(d.a)}${d.a.backend ? `  backend ${d.a.backend}` : ''}`);
  out.push(`b: ${d.b.label}  ${overrides(d.b)}${d.b.backend ? `  backend ${d.b.backend}` : ''}`, '');
  out.push(
    d.params.length
      ? table(
          ['node', 'param', 'a', 'b'],
          d.params.map((p) => [p.node, p.param, showValue(p.a), showValue(p.b)]),
        )
      : 'params: the same',
    '',
  );
  const metric = (v: Metrics[string] | null): string => (v === null ? '-' : formatMetric(v));
  const change = (c: number | null): string => (c === null ? '-' : `${c > 0 ? '+' : ''}${formatMetric(c)}`);
  out.push(
    d.metrics.length
      ? table(
          ['node', 'metric', 'a', 'b', 'change'],
          d.metrics.map((m) => [m.node, m.metric, metric(m.a), metric(m.b), change(m.change)]),
        )
      : 'metrics: none recorded',
  );
  return `${out.join('\n')}\n`;
}

export async function expDiffCommand(a: string, b: string, o: ExpDiffOptions): Promise<number> {
  const runs = await listRuns(cacheDirOf(o.cache));
  const pipeline = pipelineOf(runs, [a, b], o.pipeline);
  const d = diffSnapshots(await resolveRef(runs, a, pipeline), await resolveRef(runs, b, pipeline));
  if (o.json) printJson(d);
  else process.stdout.write(formatDiff(d));
  return 0;
}
