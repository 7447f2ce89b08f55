/**
 * Whether the results a bundle brings follow from the bundle's own pipeline.
 * A key is a hash of what produced a result (node type and version, params,
 * environment facts, the digests of its inputs, the fingerprints of the files
 * it read); the bundle's index and lock merely claim one. Each claimed key is
 * recomputed here from the bundle's pipeline file (with the lock's overrides),
 * the node versions of this wsol-run, the lock's environment facts and data
 * fingerprints, and the digests the lock gives the node's inputs — which are
 * themselves checked against the bundled artifacts' files. A key that does
 * not follow (a bundle crafted to plant a result under another pipeline's
 * key, or one written by another wsol-run version) is refused.
 *
 * What this cannot tell is whether the bytes are what the computation gives:
 * only re-running does (`wsol-run verify --recompute NODE`), which is why an
 * import never replaces a result the cache already has for a key.
 */
import { actionKey, short } from '../keys.js';
import type { LockFile } from '../lockfile.js';
import type { ResolvedPipeline } from '../pipeline.js';
import { keyMaterial } from '../run/node-keys.js';
import type { BundledAction } from './format.js';

/** A result a bundle claims under a key that its own pipeline does not give: the node, and why. */
export interface UnfollowedKey {
  node: string;
  message: string;
}

export function unfollowedKeys(p: ResolvedPipeline, lock: LockFile, actions: readonly BundledAction[]): UnfollowedKey[] {
  const digests = new Map<string, string>();
  const keys = new Map<string, string>();
  const data = new Map<string, Record<string, string>>();
  for (const [id, locked] of Object.entries(lock.nodes)) {
    digests.set(id, locked.digest);
    keys.set(id, locked.key);
    if (locked.data) data.set(id, locked.data);
  }
  const names = { keys, coords: (id: string) => p.nodes.get(id)?.coords ?? {} };
  const problems: UnfollowedKey[] = [];
  for (const action of actions) {
    const node = p.nodes.get(action.node);
    if (!node) {
      problems.push({ node: action.node, message: "the bundle's pipeline has no such node" });
      continue;
    }
    if (action.type !== node.nodeType.type) {
      problems.push({ node: action.node, message: `recorded as a ${action.type} result, but the pipeline's node is a ${node.nodeType.type}` });
      continue;
    }
    const material = keyMaterial(node, digests, lock.env, p.plugins, data, names);
    if (!material) {
      problems.push({ node: action.node, message: 'the lock does not give the digests of all its inputs' });
      continue;
    }
    const key = actionKey(material);
    if (key !== action.key)
      problems.push({ node: action.node, message: `it is filed under key ${short(action.key)}, but the bundle's pipeline gives ${short(key)}` });
  }
  return problems;
}
