import type { JsonObject, JsonValue } from '../../nodes/contract.js';
import type { RegisteredNodeType } from '../../nodes/registry.js';
import { WsolError, didYouMean } from '../diagnostics.js';
import type { PipelineFile } from '../pipeline.js';

/** One parsed `--set path=value`. */
export interface Override {
  raw: string;
  path: string[];
  value: JsonValue;
  rawValue: string;
}

export function parseOverride(raw: string): Override {
  const eq = raw.indexOf('=');
  const path = eq > 0 ? raw.slice(0, eq).split('.') : [];
  if (eq <= 0 || path.length < 2 || path.some((s) => s === '')) {
    throw new WsolError({
      message: `--set ${raw}: expected node.key=value or params.name=value`,
      hint: 'e.g. --set localizer.alpha=0.4, --set params.seed=1, --set localizer.matrix.alpha=[0.2,0.4]',
    });
  }
  const rawValue = raw.slice(eq + 1);
  let value: JsonValue;
  try {
    value = JSON.parse(rawValue) as JsonValue;
  } catch {
    const bare = path[1] === 'inputs' ? bareReferenceList(rawValue) : undefined;
    if (bare) return { raw, path, value: bare, rawValue };
    if (/^\s*[[{]/.test(rawValue)) {
      throw new WsolError({
        message: `--set ${raw}: the value looks like a JSON list or object but does not parse`,
        hint: `quote strings inside it, e.g. --set '${path.join('.')}=["a","b"]'`,
      });
    }
    value = rawValue; // not JSON: a plain string (paths, names)
  }
  return { raw, path, value, rawValue };
}

/**
 * `[a,loc[alpha=0.2],eval[variant=1,seed=0]]`: node references in brackets without JSON's quotes, split at the
 * commas outside an instance's own brackets (undefined when the text is not such a list).
 */
function bareReferenceList(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return undefined;
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of t.slice(1, -1)) {
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    if (depth < 0 || ch === '"') return undefined;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (depth !== 0) return undefined;
  out.push(current.trim());
  return out.every((r) => r !== '') ? out : undefined;
}

function setPath(target: JsonObject, path: string[], value: JsonValue): void {
  let cur = target;
  for (const seg of path.slice(0, -1)) {
    const next = cur[seg];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) cur[seg] = {};
    cur = cur[seg] as JsonObject;
  }
  cur[path[path.length - 1]!] = value;
}

function schemaProperties(nodeType: RegisteredNodeType): Record<string, { type?: unknown }> {
  return (nodeType.params.properties ?? {}) as Record<string, { type?: unknown }>;
}

/**
 * Applies --set overrides to a parsed pipeline, in order. Paths are checked
 * against the pipeline (node ids) and the node type's schema (param names),
 * so a typo is an error instead of a silently ignored key.
 */
export function applyOverrides(pipeline: PipelineFile, overrides: readonly Override[], types: ReadonlyMap<string, RegisteredNodeType>): void {
  for (const o of overrides) {
    const [head, ...rest] = o.path as [string, ...string[]];
    if (head === 'params') {
      pipeline.params ??= {};
      setPath(pipeline.params, rest, o.value);
      continue;
    }
    const decl = pipeline.nodes[head];
    if (!decl) {
      throw new WsolError({
        message: `--set ${o.raw}: no node '${head}' in pipeline '${pipeline.name}'.${didYouMean(head, Object.keys(pipeline.nodes))}`,
        hint: `nodes: ${Object.keys(pipeline.nodes).join(', ')}; pipeline variables are set with --set params.NAME=VALUE`,
      });
    }
    const [key, ...sub] = rest as [string, ...string[]];
    if (key === 'matrix') {
      if (sub.length !== 1) throw new WsolError({ message: `--set ${o.raw}: expected ${head}.matrix.PARAM=[values]` });
      decl.matrix ??= {};
      decl.matrix[sub[0]!] = Array.isArray(o.value) ? o.value : [o.value];
      // Sweeping a param that "with" fixes: the sweep wins.
      if (decl.with) delete decl.with[sub[0]!];
      continue;
    }
    if (key === 'resources') {
      if (sub.length !== 1) throw new WsolError({ message: `--set ${o.raw}: expected ${head}.resources.gpu=N or ${head}.resources.cpu=N` });
      decl.resources ??= {};
      setPath(decl.resources as JsonObject, sub, o.value);
      continue;
    }
    if (key === 'inputs') {
      applyInputOverride(o, head, decl, sub, types);
      continue;
    }
    const nodeType = types.get(decl.type);
    if (nodeType) {
      const props = schemaProperties(nodeType);
      const closed = nodeType.params.additionalProperties === false;
      if (closed && !(key in props)) {
        throw new WsolError({
          node: head,
          message: `--set ${o.raw}: node type ${decl.type} has no parameter '${key}'.${didYouMean(key, Object.keys(props))}`,
          hint: `parameters of ${decl.type}: ${Object.keys(props).join(', ') || '(none)'}`,
        });
      }
      if (decl.matrix && key in decl.matrix && sub.length === 0) {
        throw new WsolError({
          node: head,
          message: `--set ${o.raw}: '${key}' is a matrix axis of '${head}'`,
          hint: `set the axis instead: --set ${head}.matrix.${key}=[${o.rawValue}]`,
        });
      }
      // A string parameter keeps the raw text: --set data.root=123 means the string "123".
      if (sub.length === 0 && props[key]?.type === 'string') {
        decl.with ??= {};
        decl.with[key] = o.rawValue;
        continue;
      }
    }
    decl.with ??= {};
    setPath(decl.with, [key, ...sub], o.value);
  }
}

/** `--set NODE.inputs.PORT=REF` or `=[REF,…]`: rewires one input port (references are resolved, and checked, as the file's are). */
function applyInputOverride(
  o: Override,
  head: string,
  decl: PipelineFile['nodes'][string],
  sub: readonly string[],
  types: ReadonlyMap<string, RegisteredNodeType>,
): void {
  if (sub.length !== 1) throw new WsolError({ node: head, message: `--set ${o.raw}: expected ${head}.inputs.PORT=NODE or ${head}.inputs.PORT=[NODE,…]` });
  const port = sub[0]!;
  const nodeType = types.get(decl.type);
  // '*' declares that any port name is accepted (e.g. util/concat).
  if (nodeType && !(port in nodeType.inputs) && !('*' in nodeType.inputs)) {
    const ports = Object.keys(nodeType.inputs);
    throw new WsolError({
      node: head,
      message: `--set ${o.raw}: node type ${decl.type} has no input '${port}'.${didYouMean(port, ports)}`,
      hint: `its inputs: ${ports.join(', ') || '(none)'}`,
    });
  }
  const value = o.value;
  if (!(typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))))
    throw new WsolError({ node: head, message: `--set ${o.raw}: an input is a node id or a list of them`, hint: `e.g. --set ${head}.inputs.${port}=[a,b]` });
  decl.inputs ??= {};
  decl.inputs[port] = value as string | string[];
}
