import { WsolError, didYouMean } from '../../engine/diagnostics.js';
import { acceptedKinds, type JsonSchema } from '../../nodes/contract.js';
import { nodeTypes, type RegisteredNodeType } from '../../nodes/registry.js';
import { fitText } from '../width.js';
import { printJson } from './common.js';

function describeType(n: RegisteredNodeType): string {
  const props = (n.params.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((n.params.required as string[] | undefined) ?? []);
  const lines = [`${n.type} v${n.version} -> ${n.output}`, `  ${n.description}`];
  const inputs = Object.entries(n.inputs);
  lines.push(
    `  inputs: ${inputs.length ? inputs.map(([name, s]) => `${name === '*' ? '<any name>' : name}: ${acceptedKinds(s).join('|')}${s.many ? '[]' : ''}${s.optional ? '?' : ''}`).join(', ') : '(none)'}`,
  );
  if (n.resources?.gpu) lines.push(`  resources: gpu ${n.resources.gpu}`);
  lines.push('  params:');
  for (const [name, s] of Object.entries(props)) {
    const type = Array.isArray(s.enum) ? (s.enum as unknown[]).map((x) => JSON.stringify(x)).join('|') : String(s.type ?? 'any');
    const dflt = 'default' in s ? ` = ${JSON.stringify(s.default)}` : required.has(name) ? ' (required)' : '';
    lines.push(`    ${name}: ${type}${dflt}${s.description ? `  ${String(s.description)}` : ''}`);
  }
  if (Object.keys(props).length === 0) lines.push('    (none)');
  return lines.join('\n');
}

/** Lists the node types, or one type's params, inputs and output. */
export async function typesCommand(type: string | undefined, o: { json?: boolean; plugin?: string[] }): Promise<number> {
  if (o.plugin?.length) {
    const { loadPlugins, pluginRef } = await import('../../nodes/plugins.js');
    for (const path of o.plugin) {
      try {
        await loadPlugins([pluginRef(path, process.cwd()).url]);
      } catch (e) {
        throw new WsolError({
          message: `--plugin ${path}: ${e instanceof Error ? e.message : String(e)}`,
          hint: 'a plugin is an ES module whose default export is definePlugin({ name, nodes?, heads?, mapMethods? })',
        });
      }
    }
  }
  const selected = type ? [nodeTypes.get(type)] : [...nodeTypes.values()];
  if (type && !selected[0]) {
    throw new WsolError({
      message: `unknown node type '${type}'.${didYouMean(type, nodeTypes.keys())}`,
      hint: `known types: ${[...nodeTypes.keys()].join(', ')}`,
    });
  }
  const list = selected as RegisteredNodeType[];
  if (o.json) {
    for (const n of list)
      printJson({
        type: n.type,
        version: n.version,
        description: n.description,
        inputs: n.inputs,
        output: n.output,
        params: n.params,
        resources: n.resources ?? {},
      });
    return 0;
  }
  process.stdout.write(`${fitText(list.map(describeType).join('\n\n'))}\n`);
  return 0;
}
