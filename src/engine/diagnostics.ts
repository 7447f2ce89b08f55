/**
 * Errors as values with a location. Every user-facing failure of loading,
 * validating or wiring a pipeline is a Diagnostic; the CLI decides how to
 * print them (no stack trace unless --verbose).
 */
export interface Diagnostic {
  /** What went wrong, in one sentence. */
  message: string;
  /** The file the problem is in (pipeline, lock file, dataset file…). */
  file?: string;
  /** JSON pointer inside `file`, e.g. `/nodes/localizer/with/alpha`. */
  pointer?: string;
  /** 1-based line and column inside `file`, when known. */
  line?: number;
  column?: number;
  /** The node the problem belongs to. */
  node?: string;
  /** How to fix it. */
  hint?: string;
}

/** Thrown across the engine boundary to carry one or more diagnostics. */
export class WsolError extends Error {
  readonly diagnostics: Diagnostic[];
  /** Process exit code the CLI should use. */
  readonly exitCode: number;
  constructor(diagnostics: Diagnostic | Diagnostic[], exitCode = 2) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
    super(list.map(formatDiagnostic).join('\n'));
    this.name = 'WsolError';
    this.diagnostics = list;
    this.exitCode = exitCode;
  }
}

/** `file:line:col: message (at pointer) [node]` followed by an indented hint. */
export function formatDiagnostic(d: Diagnostic): string {
  let where = '';
  if (d.file) {
    where = d.file;
    if (d.line !== undefined) where += `:${d.line}${d.column !== undefined ? `:${d.column}` : ''}`;
    where += ': ';
  }
  const at: string[] = [];
  if (d.node) at.push(`node '${d.node}'`);
  if (d.pointer !== undefined) at.push(`at ${d.pointer || '/'}`);
  let text = `${where}${d.message}${at.length ? ` (${at.join(', ')})` : ''}`;
  if (d.hint) text += `\n  hint: ${d.hint}`;
  return text;
}

/** Levenshtein distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a small edit distance (by default a third of the word, at least 2), if any. */
export function closest(word: string, candidates: Iterable<string>, maxDistance?: number): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = maxDistance ?? Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** " Did you mean 'x'?" or an empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c ? ` Did you mean '${c}'?` : '';
}
