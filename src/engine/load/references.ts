import type { JsonValue } from '../../nodes/contract.js';

/** An input reference as written: `node`, `node[*]` or `node[axis=value,...]`. */
export type Reference =
  | { form: 'bare'; base: string; text: string }
  | { form: 'all'; base: string; text: string }
  | { form: 'instance'; base: string; text: string; id: string };

export function parseReference(text: string): Reference {
  const open = text.indexOf('[');
  if (open < 0) return { form: 'bare', base: text, text };
  const base = text.slice(0, open);
  if (text.slice(open) === '[*]') return { form: 'all', base, text };
  return { form: 'instance', base, text, id: normalizeReference(text) };
}

/** Removes whitespace outside double-quoted strings: `a[x = "b c"]` -> `a[x="b c"]`. */
export function normalizeReference(text: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted || !/\s/.test(ch)) out += ch;
  }
  return out;
}

/** The `axis=value` pairs of an instance reference, as written (normalised): `a[x=1,y="b,c"]` -> ['x=1', 'y="b,c"']. */
export function selectorPairs(id: string): string[] {
  const inner = id.slice(id.indexOf('[') + 1, id.endsWith(']') ? -1 : undefined);
  const pairs: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '"' && inner[i - 1] !== '\\') quoted = !quoted;
    if (ch === ',' && !quoted) {
      pairs.push(current);
      current = '';
    } else current += ch;
  }
  pairs.push(current);
  return pairs.filter((pair) => pair.length > 0);
}

/** An instance's coordinates as `axis=value` pairs, formatted as in its id. */
export function coordinatePairs(coords: Record<string, JsonValue>): string[] {
  return Object.entries(coords).map(([k, v]) => `${k}=${formatCoordinate(v)}`);
}

/** Plain words stay bare (`alpha=0.2`, `pool=max`); anything else is JSON-quoted. */
function formatCoordinate(v: JsonValue): string {
  return typeof v === 'string' && /^[A-Za-z0-9_.+/-]+$/.test(v) ? v : JSON.stringify(v);
}

/** `base[a=1,b=x]`, or `base` when there are no coordinates. */
export function instanceId(base: string, coords: Record<string, JsonValue>): string {
  const entries = Object.entries(coords);
  if (entries.length === 0) return base;
  return `${base}[${entries.map(([k, v]) => `${k}=${formatCoordinate(v)}`).join(',')}]`;
}
