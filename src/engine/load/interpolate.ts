import type { JsonObject, JsonValue } from '../../nodes/contract.js';
import { didYouMean, type Diagnostic } from '../diagnostics.js';
import { pathToPointer } from './json-source.js';

const WHOLE = /^\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}$/;
const ANY = /\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${params.x}` in a value. A string that is exactly one reference
 * takes the param's value with its JSON type; a reference inside a longer
 * string is spliced in as text. Unknown names become diagnostics.
 */
export function interpolate(value: JsonValue, params: JsonObject, path: (string | number)[], problems: Omit<Diagnostic, 'file'>[]): JsonValue {
  if (typeof value === 'string') {
    const lookup = (name: string): JsonValue | undefined => {
      if (name in params) return params[name]!;
      problems.push({
        pointer: pathToPointer(path),
        message: `unknown pipeline variable \${params.${name}}.${didYouMean(name, Object.keys(params))}`,
        hint: Object.keys(params).length ? `declared params: ${Object.keys(params).join(', ')}` : 'declare it under "params" at the top of the pipeline',
      });
      return undefined;
    };
    const whole = WHOLE.exec(value);
    if (whole) return lookup(whole[1]!) ?? value;
    return value.replace(ANY, (match, name: string) => {
      const v = lookup(name);
      if (v === undefined) return match;
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, params, [...path, i], problems));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, params, [...path, k], problems);
    return out;
  }
  return value;
}
