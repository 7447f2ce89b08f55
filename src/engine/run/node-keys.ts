import type { ResolvedNode } from '../pipeline.js';
import type { KeyMaterial } from '../keys.js';

/** The environment facts a node declared, picked from the run's environment. */
export function envFor(node: ResolvedNode, env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const fact of node.nodeType.env ?? []) out[fact] = env[fact] ?? 'unknown';
  return out;
}

/** Key material once every producer's digest is known; undefined before. */
export function keyMaterial(node: ResolvedNode, digests: ReadonlyMap<string, string>, env: Record<string, string>): KeyMaterial | undefined {
  const inputs: Record<string, string[]> = {};
  for (const [name, producers] of Object.entries(node.inputs)) {
    const list: string[] = [];
    for (const p of producers) {
      const d = digests.get(p);
      if (d === undefined) return undefined;
      list.push(d);
    }
    inputs[name] = list;
  }
  return { type: node.nodeType.type, version: node.nodeType.version, params: node.params, inputs, env: envFor(node, env) };
}
