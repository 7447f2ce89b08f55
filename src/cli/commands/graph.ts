import { pipelineGraph } from '../../engine/graph.js';
import type { ResolvedPipeline } from '../../engine/pipeline.js';
import { load, type PipelineOptions } from './common.js';

/** The text formats `wsol-run graph` can print the expanded DAG in: Graphviz dot or Mermaid. */
export type GraphFormat = 'dot' | 'mermaid';

function label(p: ResolvedPipeline, id: string): string {
  return `${id}\\n${p.nodes.get(id)!.nodeType.type}`;
}

export function renderGraph(p: ResolvedPipeline, format: GraphFormat): string {
  const g = pipelineGraph(p);
  const ids = [...p.nodes.keys()];
  if (format === 'dot') {
    const q = (s: string): string => JSON.stringify(s).replace(/\\\\n/g, '\\n');
    const lines = [`digraph ${JSON.stringify(p.name)} {`, '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
    for (const id of ids) lines.push(`  ${JSON.stringify(id)} [label=${q(label(p, id))}];`);
    g.forEachEdge((_e, _a, from, to) => lines.push(`  ${JSON.stringify(from)} -> ${JSON.stringify(to)};`));
    lines.push('}');
    return `${lines.join('\n')}\n`;
  }
  // Mermaid ids must be simple: n0, n1, ... with the real id in the label.
  const alias = new Map(ids.map((id, i) => [id, `n${i}`]));
  const text = (id: string): string => `"${id.replace(/"/g, '#quot;')}<br/>${p.nodes.get(id)!.nodeType.type}"`;
  const lines = ['flowchart LR'];
  for (const id of ids) lines.push(`  ${alias.get(id)}[${text(id)}]`);
  g.forEachEdge((_e, _a, from, to) => lines.push(`  ${alias.get(from)} --> ${alias.get(to)}`));
  return `${lines.join('\n')}\n`;
}

export async function graphCommand(pipelinePath: string, o: PipelineOptions & { format: GraphFormat }): Promise<number> {
  const { pipeline } = await load(pipelinePath, o);
  process.stdout.write(renderGraph(pipeline, o.format));
  return 0;
}
