/**
 * Plugins: modules outside wsol-run that add node types, network heads and
 * map methods, so a user extends the tool without forking it. A plugin is
 * an ES module whose default export is `definePlugin({...})`; a pipeline
 * lists it under "plugins" (paths relative to the pipeline file) or the
 * command line names it with --plugin. The CLI loads plugins before it
 * validates a pipeline, and every worker loads them before it runs a node.
 *
 * A plugin's hash covers its entry file and every file it imports by a
 * relative path (transitively); it enters every node's key, and a worker
 * re-hashes the files before running a node, so a plugin edited during a run
 * fails the node instead of filing other code's results under the old hash.
 * Packages a plugin imports by name are not hashed.
 *
 * A plugin module should import nothing heavy at top level (tfjs, sharp):
 * the CLI imports it on every run, as it does the built-in node modules.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../core/errors.js';
import type { MapMethod } from '../methods/maps/map-method.js';
import { mapMethodNames, registerMapMethod, reservedMapParam } from '../methods/maps/registry.js';
import type { HeadType } from '../tensor/models/heads/head.js';
import { headKinds, registerHead } from '../tensor/models/heads/registry.js';
import type { NodeType } from './contract.js';
import { nodeTypes, registerNodeType } from './registry.js';

/** What a plugin module's default export declares (definePlugin): its name and the node types, heads and map methods it adds. */
export interface WsolRunPlugin {
  /** Shown in errors about what the plugin adds. */
  name: string;
  // Each registry erases its item's params type; plugins declare them typed with defineNode / defineHead.
  nodes?: NodeType<never>[];
  heads?: HeadType[];
  mapMethods?: MapMethod[];
}

export function definePlugin(plugin: WsolRunPlugin): WsolRunPlugin {
  return plugin;
}

/** A plugin module as the engine tracks it: its entry file's URL and the hash of its files. */
export interface PluginRef {
  url: string;
  sha256: string;
}

const loaded = new Map<string, WsolRunPlugin>();

/** The plugin at `path` (relative to the directory `base`): its real file's URL and hash. */
export function pluginRef(path: string, base: string): PluginRef {
  const file = resolve(base, path);
  if (!existsSync(file)) throw new Error(`plugin ${path} not found (looked for ${file})`);
  const real = realpathSync(file);
  return { url: pathToFileURL(real).href, sha256: pluginHash(real) };
}

/** SHA-256 over the entry file and every file reachable from it through relative imports, by path. */
export function pluginHash(entry: string): string {
  const files = new Map<string, Buffer>();
  const visit = (file: string): void => {
    if (files.has(file) || !existsSync(file)) return;
    const bytes = readFileSync(file);
    files.set(file, bytes);
    for (const m of bytes.toString('utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g))
      visit(resolve(dirname(file), m[1]!));
  };
  visit(entry);
  const hash = createHash('sha256');
  for (const [file, bytes] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    hash.update(`${file.slice(dirname(entry).length)}\0${bytes.length}\0`).update(bytes);
  return hash.digest('hex');
}

/** Imports and registers each plugin once per thread; a repeated URL is a no-op. Checks every name before registering any. */
export async function loadPlugins(urls: readonly string[]): Promise<WsolRunPlugin[]> {
  const out: WsolRunPlugin[] = [];
  for (const url of urls) {
    let plugin = loaded.get(url);
    if (!plugin) {
      const file = fileURLToPath(url);
      const module = (await import(url)) as { default?: WsolRunPlugin };
      const candidate = module.default;
      if (!candidate || typeof candidate !== 'object' || typeof candidate.name !== 'string') {
        throw new UserError(`${file} is not a wsol-run plugin`, 'its default export must be definePlugin({ name, nodes?, heads?, mapMethods? })');
      }
      checkNames(candidate, file);
      for (const head of candidate.heads ?? []) registerHead(head);
      for (const method of candidate.mapMethods ?? []) registerMapMethod(method);
      for (const node of candidate.nodes ?? []) registerNodeType(node);
      plugin = candidate;
      loaded.set(url, plugin);
    }
    out.push(plugin);
  }
  return out;
}

/** Before anything registers: a name that is taken or reserved fails naming the plugin, its file and the name. */
function checkNames(plugin: WsolRunPlugin, file: string): void {
  const problems: string[] = [];
  const heads = new Set(headKinds());
  for (const head of plugin.heads ?? []) {
    if (heads.has(head.kind)) problems.push(`head kind '${head.kind}' is already registered`);
    if ('kind' in head.params) problems.push(`head '${head.kind}' declares a param named 'kind' (the head's own key)`);
  }
  const methods = new Set(['auto', ...mapMethodNames()]);
  for (const method of plugin.mapMethods ?? []) {
    if (methods.has(method.name)) problems.push(`map method '${method.name}' is ${method.name === 'auto' ? 'reserved' : 'already registered'}`);
    for (const param of Object.keys(method.params))
      if (reservedMapParam(param)) problems.push(`map method '${method.name}' declares '${param}', a param of maps/cam itself`);
  }
  for (const node of plugin.nodes ?? []) if (nodeTypes.has(node.type)) problems.push(`node type '${node.type}' is already registered`);
  if (problems.length)
    throw new UserError(
      `plugin '${plugin.name}' (${file}): ${problems.join('; ')}`,
      'rename what it adds (a plugin listed twice under two paths is loaded once: check for duplicates)',
    );
}

/** In a worker: the plugin files must still be what the run hashed, or results would be filed under another hash. */
export function checkPluginHashes(refs: readonly PluginRef[]): void {
  for (const ref of refs) {
    const now = pluginHash(fileURLToPath(ref.url));
    if (now !== ref.sha256)
      throw new UserError(`plugin ${fileURLToPath(ref.url)} changed after this run started`, 'run again: the new run hashes the plugin as it is now');
  }
}
