import { elideMiddle, outputWidth, wrapWords } from './width.js';

/** Small text helpers for terminal output. */

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Narrowest a shrunk column gets: enough for both ends of an id. */
const MIN_COLUMN = 8;

/**
 * A plain left-aligned table, numbers right-aligned, fitted to `width`
 * (outputWidth() by default): a left-aligned last column (reasons, errors)
 * wraps onto continuation lines under itself; if the other columns alone are
 * too wide, the widest text column is elided in the middle (ids, hashes).
 */
export function table(headers: string[], rows: (string | number)[][], width = outputWidth()): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => cells.reduce((w, r) => Math.max(w, (r[i] ?? '').length), 0));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const last = headers.length - 1;
  const total = (): number => widths.reduce((a, b) => a + b, 0) + 2 * last;
  const wrapLast = !numeric[last] && last > 0;
  if (total() > width) {
    // No text column beside a wrapped last one takes more than 40% (a long adapter name or id is
    // elided); the last column gets what is left, at least 20; then the others shrink, widest first.
    if (wrapLast) for (let i = 0; i < last; i++) if (!numeric[i]) widths[i] = Math.min(widths[i]!, Math.max(MIN_COLUMN, Math.floor(width * 0.4)));
    if (wrapLast) widths[last] = Math.min(widths[last]!, Math.max(20, width - (total() - widths[last]!)));
    for (;;) {
      const over = total() - width;
      if (over <= 0) break;
      const candidates = widths.map((w, i) => ({ w, i })).filter(({ w, i }) => !numeric[i] && (i !== last || !wrapLast) && w > MIN_COLUMN);
      if (candidates.length === 0) break;
      const widest = candidates.reduce((a, b) => (b.w > a.w ? b : a));
      widths[widest.i] = Math.max(MIN_COLUMN, widest.w - over);
    }
    if (wrapLast && total() > width) widths[last] = Math.max(8, widths[last]! - (total() - width));
  }
  const indent = total() - widths[last]!;
  const line = (r: string[]): string => {
    const parts = r.map((c, i) => {
      if (numeric[i]) return c.padStart(widths[i]!);
      if (i === last) return c;
      return elideMiddle(c, widths[i]!).padEnd(widths[i]!);
    });
    const tail = parts[last] ?? '';
    if (!wrapLast || tail.length <= widths[last]!) {
      if (!wrapLast && parts[last] !== undefined && !numeric[last]) parts[last] = elideMiddle(tail, widths[last]!);
      return parts.join('  ').trimEnd();
    }
    // A left-aligned last column is not padded: the line is right-trimmed anyway, and padding every
    // row to one very long cell (a gather node's reason naming all its inputs) costs rows x width.
    const [first, ...more] = wrapWords(tail, widths[last]!);
    parts[last] = first!;
    return [parts.join('  ').trimEnd(), ...more.map((m) => `${' '.repeat(indent)}${m}`)].join('\n');
  };
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function formatMetric(v: number | string | boolean | null): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 4).replace(/\.?0+$/, '');
  return String(v);
}
