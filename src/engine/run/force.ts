import { WsolError, didYouMean } from '../diagnostics.js';
import type { ResolvedPipeline } from '../pipeline.js';

/** `--force x`: an instance id, or a declared id meaning all its instances. */
export function resolveForced(p: ResolvedPipeline, names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    if (p.nodes.has(name)) out.add(name);
    else if (p.instances.has(name)) for (const id of p.instances.get(name)!) out.add(id);
    else {
      throw new WsolError({
        message: `--force ${name}: no such node.${didYouMean(name, [...p.instances.keys(), ...p.nodes.keys()])}`,
        hint: `nodes: ${[...p.nodes.keys()].join(', ')}`,
      });
    }
  }
  return out;
}
