import type { ResolvedNode } from '../pipeline.js';
import type { InputName, KeyMaterial } from '../keys.js';
import type { JsonObject } from '../../nodes/contract.js';

/** What a node that writes its inputs' names needs of its producers: their keys and matrix coordinates. */
export interface ProducerNames {
  keys: ReadonlyMap<string, string>;
  coords(id: string): JsonObject;
}
import type { PluginRef } from '../../nodes/plugins.js';

/** The environment facts a node declared, picked from the run's environment. */
export function envFor(node: ResolvedNode, env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const fact of node.nodeType.env ?? []) out[fact] = env[fact] ?? 'unknown';
  return out;
}

/**
 * Key material once every producer's digest is known; undefined before.
 * With plugins loaded, their files' hashes are an environment fact of every
 * node: a plugin's code may change any node's results (a head, a map method).
 */
export function keyMaterial(
  node: ResolvedNode,
  /** Producers' digests by id (only `get` is used). */
  digests: Pick<ReadonlyMap<string, string>, 'get'>,
  env: Record<string, string>,
  plugins: readonly PluginRef[] = [],
  /** Fingerprints of the files nodes read (engine/data/), by node id. */
  data?: ReadonlyMap<string, Record<string, string>>,
  names?: ProducerNames,
): KeyMaterial | undefined {
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
  const facts = envFor(node, env);
  if (plugins.length) facts.plugins = plugins.map((p) => p.sha256).join(',');
  const files = data?.get(node.id);
  let inputNames: Record<string, InputName[]> | undefined;
  if (node.nodeType.readsInputNames) {
    if (!names) return undefined;
    inputNames = {};
    for (const [name, producers] of Object.entries(node.inputs)) {
      const list: InputName[] = [];
      for (const p of producers) {
        const key = names.keys.get(p);
        if (key === undefined) return undefined;
        list.push({ node: p, coords: names.coords(p), key });
      }
      inputNames[name] = list;
    }
  }
  return {
    type: node.nodeType.type,
    version: node.nodeType.version,
    params: node.params,
    inputs,
    env: facts,
    ...(files ? { data: files } : {}),
    ...(inputNames ? { inputNames } : {}),
  };
}
