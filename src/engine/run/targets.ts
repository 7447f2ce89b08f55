import { WsolError, didYouMean } from '../diagnostics.js';
import { ancestorsOf, pipelineGraph } from '../graph.js';
import type { ResolvedPipeline } from '../pipeline.js';

/**
 * `run PIPELINE NODE…`: the pipeline cut down to the named nodes and their
 * ancestors, in the same order. A name is an instance id (`loc[alpha=0.2]`)
 * or a declared id meaning all its instances. No names: the whole pipeline.
 */
export function selectTargets(p: ResolvedPipeline, names: readonly string[]): ResolvedPipeline {
  if (names.length === 0) return p;
  const wanted: string[] = [];
  for (const name of names) {
    if (p.nodes.has(name)) wanted.push(name);
    else if (p.instances.has(name)) wanted.push(...p.instances.get(name)!);
    else
      throw new WsolError({
        message: `${name}: no such node.${didYouMean(name, [...p.instances.keys(), ...p.nodes.keys()])}`,
        hint: `nodes: ${[...p.instances.keys()].join(', ')}`,
      });
  }
  const keep = new Set<string>([...wanted, ...ancestorsOf(pipelineGraph(p), wanted)]);
  const nodes = new Map([...p.nodes].filter(([id]) => keep.has(id)));
  const instances = new Map([...p.instances].map(([base, ids]) => [base, ids.filter((id) => keep.has(id))] as const).filter(([, ids]) => ids.length > 0));
  return { ...p, nodes, instances };
}
