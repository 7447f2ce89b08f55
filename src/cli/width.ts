/**
 * How wide terminal output may be, and the helpers that make text fit it:
 * ids and hashes are elided in the middle (both ends tell instances apart),
 * prose (reasons, errors, descriptions) wraps onto indented continuation lines.
 * `--wide` lifts the limit; `--json` output never passes through here.
 */

/** Width when stdout is not a terminal and $COLUMNS is unset (Slurm logs, pipes). */
export const DEFAULT_WIDTH = 100;
/** Narrower than this and nothing useful fits: $COLUMNS below it is taken as this. */
const MIN_WIDTH = 40;

let wide = process.argv.includes('--wide');

/** `--wide`: print every line in full. Set by main() from the command line. */
export function setWide(on: boolean): void {
  wide = on;
}

/** $COLUMNS if set, else the terminal's columns, else 100; Infinity under --wide. */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  if (wide) return Number.POSITIVE_INFINITY;
  const env = Number(process.env.COLUMNS);
  if (process.env.COLUMNS && Number.isInteger(env) && env > 0) return Math.max(MIN_WIDTH, env);
  if (stream.isTTY && stream.columns) return Math.max(MIN_WIDTH, stream.columns);
  return DEFAULT_WIDTH;
}

/** `s` in at most `max` characters, its middle replaced by '…'. */
export function elideMiddle(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 1) return '…'.slice(0, max);
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return `${s.slice(0, head)}…${tail ? s.slice(s.length - tail) : ''}`;
}

/** `s` in at most `max` characters, its end replaced by '…'. */
export function elideEnd(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 1 ? '…'.slice(0, max) : `${s.slice(0, max - 1)}…`;
}

/**
 * `s` broken at spaces into pieces of at most `first` characters for the first
 * and `rest` for the others; a word longer than a piece is cut.
 */
export function wrapWords(s: string, first: number, rest = first): string[] {
  const out: string[] = [];
  let line = '';
  const limit = (): number => Math.max(1, out.length === 0 ? first : rest);
  for (const word of s.split(/ +/)) {
    let w = word;
    while (w.length > 0) {
      const room = limit() - (line ? line.length + 1 : 0);
      if (w.length <= room) {
        line = line ? `${line} ${w}` : w;
        w = '';
      } else if (line) {
        out.push(line);
        line = '';
      } else {
        out.push(w.slice(0, room));
        w = w.slice(room);
      }
    }
  }
  if (line || out.length === 0) out.push(line);
  return out;
}

/**
 * Every line of `text` in at most `width` columns: a longer line wraps at
 * spaces, its continuation lines indented 4 more than the line itself.
 */
export function fitText(text: string, width = outputWidth()): string {
  if (!Number.isFinite(width)) return text;
  return text
    .split('\n')
    .flatMap((line) => {
      if (line.length <= width) return [line];
      const lead = /^ */.exec(line)![0];
      const indent = ' '.repeat(Math.min(lead.length + 4, Math.floor(width / 2)));
      const pieces = wrapWords(line.slice(lead.length), width - lead.length, width - indent.length);
      return pieces.map((p, i) => (i === 0 ? lead : indent) + p);
    })
    .join('\n');
}
