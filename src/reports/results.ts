/**
 * RESULTS.md's tables, rendered from lock files. A table is a block of the
 * document between two markers; the opening marker holds the table's spec as
 * JSON:
 *
 *     <!-- results {"kind": "metrics", "lock": "pipelines/num40.lock.json", "rows": [...], "columns": [...]} -->
 *     | generated table |
 *     <!-- /results -->
 *
 * `renderResults` replaces every block's body by what its spec computes from
 * the locks' recorded metrics, so no number in a table is typed by hand, and
 * re-rendering a document whose locks did not change gives the same bytes.
 *
 * Kinds:
 * - `metrics`: one row per selection of lock nodes (a node id, or a pattern
 *   where `*` stands for one coordinate value: `eval[variant=1-cam,seed=*]`),
 *   one column per metric; a cell is the mean ± sample std over the nodes
 *   (a row may read a column's figure under another metric name: `as`).
 * - `verdicts`: one row per claim "A > B on metric m": the effect (mean of A −
 *   mean of B), twice the pooled seed std (√((s_A² + s_B²)/2)), and the
 *   verdict: reproduced (effect > 2 std in the claimed direction), inverted
 *   (effect < −2 std), not reproduced (in between); a claim may name the
 *   gate it rests on, and a failed gate is written beside its verdict.
 * - `gate`: one row per go/no-go condition "metric ≥ min on every seed".
 */
import type { JsonValue } from '../core/json.js';
import { UserError } from '../core/errors.js';

/** What a table needs of a lock file: each node's recorded metrics. */
export interface LockedMetrics {
  nodes: Record<string, { metrics?: Record<string, JsonValue> }>;
}

/** Which nodes a row reads: a pattern over node ids in one lock (the table's, unless the row names another). */
export interface Selection {
  nodes: string;
  lock?: string;
  /** In a claim, this side's metric when it is named otherwise (boxes' `boxGtKnownLoc` against maps' `gtKnownLoc`). */
  metric?: string;
}

/** One column of a `metrics` table: the metric it shows, its header label, and its decimals (the table's otherwise). */
export interface Column {
  metric: string;
  label?: string;
  digits?: number;
}

/** One row of a `metrics` table: the nodes it averages, its label, and the metric names its nodes record a column under. */
export interface MetricsRow extends Selection {
  label: string;
  /** Column metric -> the metric this row's nodes record it under (a floor's map `gtKnownLoc` in a column of boxes' `boxGtKnownLoc`). */
  as?: Record<string, string>;
}

/** The spec of a `metrics` table: one row per node selection, one column per metric, each cell the mean ± sample std over the nodes. */
export interface MetricsTable {
  kind: 'metrics';
  lock?: string;
  /** A first column naming how many nodes each row averages. */
  runs?: boolean;
  digits?: number;
  columns: Column[];
  rows: MetricsRow[];
}

/** One row of a `verdicts` table: a claim that one side beats the other on a metric in a regime, and the gate it rests on. */
export interface Claim {
  claim: string;
  regime: string;
  metric: string;
  /** The side the claim says is higher (for a metric where lower is better, swap the sides and say so in `claim`). */
  better: Selection;
  worse: Selection;
  /** The go/no-go condition the comparison rests on (the baseline classifying well); a failed gate is said beside the verdict. */
  gate?: Gate;
}

/** A condition "metric ≥ min on every matched node". */
export interface Gate extends Selection {
  metric: string;
  min: number;
}

/** The spec of a `verdicts` table: its claims, each given an effect, a bar of twice the pooled std, and a verdict. */
export interface VerdictsTable {
  kind: 'verdicts';
  lock?: string;
  digits?: number;
  claims: Claim[];
}

/** One row of a `gate` table: a labelled go/no-go condition. */
export interface GateRow extends Gate {
  label: string;
}

/** The spec of a `gate` table: one row per go/no-go condition "metric ≥ min on every matched node". */
export interface GateTable {
  kind: 'gate';
  lock?: string;
  digits?: number;
  rows: GateRow[];
}

/** The JSON spec in a results block's opening marker, one of the three table kinds. */
export type TableSpec = MetricsTable | VerdictsTable | GateTable;

/** A claim's verdict: the effect exceeds the bar in the claimed direction, is within it, or exceeds it the other way. */
export type Verdict = 'reproduced' | 'not reproduced' | 'inverted';

/** Reads a lock by the path a spec names (relative to the document). */
export type LockReader = (path: string) => LockedMetrics;

const OPEN = '<!-- results';
const CLOSE = '<!-- /results -->';

/** A results block found in a document (findBlocks): its parsed spec, the offsets of the body renderResults replaces, and its line. */
export interface Block {
  spec: TableSpec;
  /** Offsets of the body (between the opening marker's line end and the closing marker). */
  bodyStart: number;
  bodyEnd: number;
  /** 1-based line of the opening marker, for messages. */
  line: number;
}

/** The next marker that starts a line (a marker quoted inside a sentence is text). */
function markerAt(text: string, marker: string, from: number): number {
  for (let i = text.indexOf(marker, from); i >= 0; i = text.indexOf(marker, i + 1)) if (i === 0 || text[i - 1] === '\n') return i;
  return -1;
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** The document's generated blocks, in order. A marker without its pair or a spec that is not JSON is an error naming the line. */
export function findBlocks(text: string, file = 'RESULTS.md'): Block[] {
  const blocks: Block[] = [];
  let at = 0;
  for (;;) {
    const open = markerAt(text, OPEN, at);
    if (open < 0) break;
    const line = lineOf(text, open);
    const end = text.indexOf('-->', open);
    if (end < 0) throw new UserError(`${file}:${line}: the results marker is not closed with -->`, 'end the spec with -->');
    const json = text.slice(open + OPEN.length, end).trim();
    let spec: TableSpec;
    try {
      spec = JSON.parse(json) as TableSpec;
    } catch (e) {
      throw new UserError(
        `${file}:${line}: the table spec is not JSON (${e instanceof Error ? e.message : String(e)})`,
        'write the spec as one JSON object after "<!-- results"',
      );
    }
    checkSpec(spec, `${file}:${line}`);
    const lineEnd = text.indexOf('\n', end);
    const bodyStart = lineEnd < 0 ? text.length : lineEnd + 1;
    const close = markerAt(text, CLOSE, bodyStart);
    const nextOpen = markerAt(text, OPEN, bodyStart);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close))
      throw new UserError(`${file}:${line}: the table has no ${CLOSE} after it`, `add a line ${CLOSE} where the table ends`);
    blocks.push({ spec, bodyStart, bodyEnd: close, line });
    at = close + CLOSE.length;
  }
  return blocks;
}

function checkSpec(spec: TableSpec, where: string): void {
  const kinds = ['metrics', 'verdicts', 'gate'];
  if (typeof spec !== 'object' || spec === null || !kinds.includes(spec.kind))
    throw new UserError(`${where}: the table spec has no known "kind"`, `use one of: ${kinds.join(', ')}`);
  const list = spec.kind === 'verdicts' ? spec.claims : spec.rows;
  if (!Array.isArray(list) || list.length === 0)
    throw new UserError(`${where}: the ${spec.kind} table lists nothing`, `give it ${spec.kind === 'verdicts' ? '"claims"' : '"rows"'}`);
  if (spec.kind === 'metrics' && (!Array.isArray(spec.columns) || spec.columns.length === 0))
    throw new UserError(`${where}: the metrics table has no "columns"`, 'list the metrics to show, e.g. [{"metric": "gtKnownLoc", "label": "GT-known"}]');
}

/** A node-id pattern as a regular expression: `*` is one value (no `,`, `[` or `]`), everything else literal. */
export function patternRegExp(pattern: string): RegExp {
  const parts = pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^,\\[\\]]*')}$`);
}

/** The lock nodes a selection names: an error naming the place when there is no lock or no match. */
interface Matched {
  lockPath: string;
  lock: LockedMetrics;
  nodes: string[];
}

function matchNodes(sel: Selection, tableLock: string | undefined, read: LockReader, where: string): Matched {
  const lockPath = sel.lock ?? tableLock;
  if (!lockPath) throw new UserError(`${where}: no lock for "${sel.nodes}"`, 'name one with "lock" on the table or the row');
  const lock = read(lockPath);
  const re = patternRegExp(sel.nodes);
  const nodes = Object.keys(lock.nodes).filter((id) => re.test(id));
  if (nodes.length === 0)
    throw new UserError(
      `${where}: no node of ${lockPath} matches "${sel.nodes}"`,
      'check the node id and its coordinates in the lock (wsol-run graph lists them)',
    );
  return { lockPath, lock, nodes };
}

/** Every matched node's number for `metric`; a node without one is an error listing the metrics it has. */
function valuesOf({ lockPath, lock, nodes }: Matched, metric: string, where: string): number[] {
  return nodes.map((id) => {
    const v = lock.nodes[id]!.metrics?.[metric];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new UserError(
        `${where}: ${lockPath} records no number ${metric} for ${id}`,
        `the node's metrics are: ${Object.keys(lock.nodes[id]!.metrics ?? {}).join(', ') || '(none)'}`,
      );
    return v;
  });
}

function select(sel: Selection, tableLock: string | undefined, metric: string, read: LockReader, where: string): number[] {
  return valuesOf(matchNodes(sel, tableLock, read, where), metric, where);
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/** What verdictOf computes for a claim: the effect (mean of the better side minus the worse), the bar 2 × pooled std, and the verdict. */
export interface VerdictFigures {
  effect: number;
  /** 2 × √((s_A² + s_B²) / 2). */
  bar: number;
  verdict: Verdict;
}

export function verdictOf(better: readonly number[], worse: readonly number[]): VerdictFigures {
  const effect = mean(better) - mean(worse);
  const bar = 2 * Math.sqrt((sampleStd(better) ** 2 + sampleStd(worse) ** 2) / 2);
  const verdict: Verdict = effect > bar ? 'reproduced' : effect < -bar ? 'inverted' : 'not reproduced';
  return { effect, bar, verdict };
}

function fixed(v: number, digits: number): string {
  // -0.0 reads as a sign that is not there.
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

function cell(values: readonly number[], digits: number): string {
  return values.length > 1 ? `${fixed(mean(values), digits)} ± ${fixed(sampleStd(values), digits)}` : fixed(values[0]!, digits);
}

function markdown(header: readonly string[], rows: readonly string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function renderMetrics(t: MetricsTable, read: LockReader, where: string): string {
  const digits = t.digits ?? 1;
  const header = ['', ...(t.runs ? ['runs'] : []), ...t.columns.map((c) => c.label ?? c.metric)];
  const rows = t.rows.map((row) => {
    const w = `${where}, row "${row.label}"`;
    const matched = matchNodes(row, t.lock, read, w);
    const cells = t.columns.map((c) => {
      const metric = row.as?.[c.metric] ?? c.metric;
      // A metric a row's nodes do not have (a floor has no class scores) is a dash, not an error.
      if (matched.nodes.every((id) => matched.lock.nodes[id]!.metrics?.[metric] === undefined)) return '–';
      return cell(valuesOf(matched, metric, w), c.digits ?? digits);
    });
    return [row.label, ...(t.runs ? [String(matched.nodes.length)] : []), ...cells];
  });
  return markdown(header, rows);
}

function renderVerdicts(t: VerdictsTable, read: LockReader, where: string): string {
  const digits = t.digits ?? 1;
  const rows = t.claims.map((c) => {
    const w = `${where}, claim "${c.claim}"`;
    const a = select(c.better, t.lock, c.better.metric ?? c.metric, read, w);
    const b = select(c.worse, t.lock, c.worse.metric ?? c.metric, read, w);
    const v = verdictOf(a, b);
    const gate = c.gate ? select(c.gate, t.lock, c.gate.metric, read, `${w}, its gate`).every((x) => x >= c.gate!.min) : true;
    const verdict = v.verdict === 'reproduced' ? '**reproduced**' : v.verdict;
    return [
      c.claim,
      c.regime,
      c.metric,
      `${cell(a, digits)} vs ${cell(b, digits)}`,
      `${v.effect > 0 ? '+' : ''}${fixed(v.effect, digits)}`,
      fixed(v.bar, digits),
      `${Math.min(a.length, b.length)}`,
      gate ? verdict : `${verdict} (gate not passed)`,
    ];
  });
  return markdown(['claim', 'regime', 'metric', 'A vs B (mean ± std)', 'effect A − B', '2 × pooled std', 'seeds', 'verdict'], rows);
}

function renderGate(t: GateTable, read: LockReader, where: string): string {
  const digits = t.digits ?? 1;
  const rows = t.rows.map((g) => {
    const values = select(g, t.lock, g.metric, read, `${where}, gate "${g.label}"`);
    const passed = values.every((v) => v >= g.min);
    return [g.label, g.metric, values.map((v) => fixed(v, digits)).join(' / '), `≥ ${g.min}`, passed ? 'passed' : '**NOT passed**'];
  });
  return markdown(['gate', 'metric', 'per seed', 'required', 'result'], rows);
}

export function renderTable(spec: TableSpec, read: LockReader, where: string): string {
  switch (spec.kind) {
    case 'metrics':
      return renderMetrics(spec, read, where);
    case 'verdicts':
      return renderVerdicts(spec, read, where);
    case 'gate':
      return renderGate(spec, read, where);
  }
}

/** The document with every block's body replaced by its rendered table. */
export function renderResults(text: string, read: LockReader, file = 'RESULTS.md'): string {
  let out = '';
  let at = 0;
  for (const b of findBlocks(text, file)) {
    out += text.slice(at, b.bodyStart);
    out += `${renderTable(b.spec, read, `${file}:${b.line}`)}\n`;
    at = b.bodyEnd;
  }
  return out + text.slice(at);
}
