/**
 * The check `plan` and `run` make before anything else: every path a node
 * declares it requires (NodeType.requiredPaths) exists and holds what it
 * must. All missing paths are reported at once, each located at its param in
 * the pipeline file, with a hint naming the layout, where the data is
 * published and the `--set` the user types: `params.x` when the node's value
 * is `${params.x}`, else `node.param`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { JsonObject, RequiredPath } from '../../nodes/contract.js';
import { WsolError, type Diagnostic } from '../diagnostics.js';
import { parseJsonSource, type JsonSource } from '../load/json-source.js';
import type { ResolvedNode, ResolvedPipeline } from '../pipeline.js';

const WHOLE_PARAM = /^\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** What is wrong with `r` on disk, or undefined when it is in place. */
export function problemWith(r: RequiredPath): string | undefined {
  const abs = resolve(r.path);
  if (!existsSync(abs)) return `${r.path} does not exist`;
  const isDir = statSync(abs).isDirectory();
  if (r.kind === 'dir' && !isDir) return `${r.path} is not a folder`;
  if (r.kind === 'file' && isDir) return `${r.path} is a folder, not a file`;
  const missing = (r.contains ?? []).filter((entry) => !present(abs, entry));
  return missing.length ? `${r.path} lacks ${missing.join(', ')}` : undefined;
}

function present(dir: string, entry: string): boolean {
  const at = join(dir, entry);
  return entry.endsWith('/') ? existsSync(at) && statSync(at).isDirectory() : existsSync(at);
}

/** The `--set` path that sets this node's param: the pipeline param it takes whole, else node.param. */
function setPathFor(source: JsonSource | undefined, node: ResolvedNode, param: string): string {
  const decl = (source?.value as { nodes?: Record<string, { with?: JsonObject }> } | undefined)?.nodes?.[node.base];
  const raw = decl?.with?.[param];
  const ref = typeof raw === 'string' ? WHOLE_PARAM.exec(raw) : null;
  return ref ? `params.${ref[1]}` : `${node.base}.${param}`;
}

function readSource(file: string): JsonSource | undefined {
  try {
    return parseJsonSource(readFileSync(file, 'utf8'), file, 'pipeline');
  } catch {
    // The file was loaded a moment ago; without it the errors are still named by node.
    return undefined;
  }
}

/** Throws one WsolError listing every required path of `p`'s nodes that is missing or incomplete. */
export function checkRequiredPaths(p: ResolvedPipeline): void {
  let source: JsonSource | undefined;
  const problems: Diagnostic[] = [];
  // Nodes sharing one path through the same --set (a params.x several trainers take): one error, naming them all.
  const seen = new Map<string, Diagnostic>();
  for (const node of p.nodes.values()) {
    const declare = node.nodeType.requiredPaths;
    if (!declare) continue;
    for (const r of declare(node.params as never)) {
      const problem = problemWith(r);
      if (!problem) continue;
      source ??= readSource(p.file);
      const set = setPathFor(source, node, r.param);
      const id = `${set}\0${problem}`;
      const earlier = seen.get(id);
      if (earlier) {
        if (earlier.node !== node.base && !earlier.message.includes(`'${node.base}'`))
          earlier.message = earlier.message.replace(/( \(also read by .*\))?$/, (m) =>
            m ? `${m.slice(0, -1)}, '${node.base}')` : ` (also read by '${node.base}')`,
          );
        continue;
      }
      const nested = join(resolve(r.path), basename(r.example));
      const oneDown =
        r.kind === 'dir' && r.contains?.length && r.contains.every((e) => present(nested, e))
          ? `; the data is one level down: --set ${set}=${join(r.path, basename(r.example))}`
          : '';
      const message = `${r.what} not found: ${problem}`;
      const hint = `expected ${r.layout}; ${r.source}. Point at a copy with --set ${set}=${r.example}${oneDown}`;
      const pointer = `/nodes/${node.base}/with/${r.param}`;
      const d: Diagnostic = source
        ? { ...source.at(pointer, message, { node: node.base, hint }), file: p.file }
        : { file: p.file, node: node.base, message, hint };
      seen.set(id, d);
      problems.push(d);
    }
  }
  if (problems.length) throw new WsolError(problems);
}
