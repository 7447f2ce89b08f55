import type { JsonValue } from '../../nodes/contract.js';
import { canonicalJson, short, type KeyMaterial } from '../keys.js';
import type { LockedNode } from '../lockfile.js';

function show(v: JsonValue | undefined): string {
  if (v === undefined) return '(unset)';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/**
 * Why a node whose key missed the cache must run, compared with the lock
 * file's record of its last result: the first differences, in words.
 */
export function explainMiss(
  material: KeyMaterial,
  previous: LockedNode | undefined,
  inputNodes: Record<string, string[]>,
  /** Param -> which of its files changed since the lock, in words. */
  dataChanges?: Record<string, string>,
): string {
  if (!previous) return 'new: no earlier result for this node';
  if (previous.type !== material.type) return `node type changed from ${previous.type} to ${material.type}`;
  const reasons: string[] = [];
  if (previous.version !== material.version) reasons.push(`node version changed from ${previous.version} to ${material.version}`);
  const keys = new Set([...Object.keys(previous.params), ...Object.keys(material.params)]);
  for (const k of [...keys].sort()) {
    if (!same(previous.params[k], material.params[k])) reasons.push(`param ${k} changed from ${show(previous.params[k])} to ${show(material.params[k])}`);
  }
  const names = new Set([...Object.keys(previous.inputs), ...Object.keys(material.inputs)]);
  for (const name of [...names].sort()) {
    const before = (previous.inputs[name] ?? []).map((i) => i.digest);
    const now = material.inputs[name] ?? [];
    if (!same(before, now)) {
      const from = (inputNodes[name] ?? previous.inputs[name]?.map((i) => i.node) ?? []).join(', ');
      reasons.push(
        before.length === 1 && now.length === 1
          ? `input ${name} (from ${from}) changed ${short(before[0]!)} -> ${short(now[0]!)}`
          : `input ${name} (from ${from}) changed`,
      );
    }
  }
  if (!same(previous.inputNames, material.inputNames)) reasons.push("its inputs' node names, coordinates or keys changed (they are written into its output)");
  if (material.data && !previous.data) reasons.push('the files it reads now enter its key (the lock predates data tracking)');
  else
    for (const param of new Set([...Object.keys(previous.data ?? {}), ...Object.keys(material.data ?? {})])) {
      if (previous.data?.[param] !== material.data?.[param]) {
        const path = material.params[param] ?? previous.params[param];
        reasons.push(`files under ${param}${typeof path === 'string' ? ` (${path})` : ''} changed: ${dataChanges?.[param] ?? 'other files'}`);
      }
    }
  for (const k of new Set([...Object.keys(previous.env), ...Object.keys(material.env)])) {
    if (previous.env[k] !== material.env[k]) reasons.push(`${k} changed from ${previous.env[k] ?? '(none)'} to ${material.env[k] ?? '(none)'}`);
  }
  if (reasons.length === 0) return `not in this cache; the lock expects digest ${short(previous.digest)}`;
  return reasons.length > 3 ? `${reasons.slice(0, 3).join('; ')}; and ${reasons.length - 3} more` : reasons.join('; ');
}
