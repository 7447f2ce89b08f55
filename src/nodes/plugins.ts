/**
 * Plugins: modules outside wsol-run that add node types, network heads and
 * map methods, so a user extends the tool without forking it. A plugin is
 * an ES module whose default export is `definePlugin({...})`; a pipeline
 * lists it under "plugins" (paths relative to the pipeline file) or the
 * command line names it with --plugin. The CLI loads plugins before it
 * validates a pipeline, and every worker loads them before it runs a node.
 *
 * A plugin module should import nothing heavy at top level (tfjs, sharp):
 * the CLI imports it on every run, as it does the built-in node modules.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { NodeType } from './contract.js';
import { registerNodeType } from './registry.js';
import type { HeadType } from '../tensor/models/heads/head.js';
import { registerHead } from '../tensor/models/heads/registry.js';
import type { MapMethod } from '../methods/maps/map-method.js';
import { registerMapMethod } from '../methods/maps/registry.js';

export interface WsolRunPlugin {
  /** Shown by `wsol-run types` next to what the plugin adds. */
  name: string;
  // Each registry erases its item's params type; plugins declare them typed with defineNode / defineHead.
  nodes?: NodeType<never>[];
  heads?: HeadType[];
  mapMethods?: MapMethod[];
}

export function definePlugin(plugin: WsolRunPlugin): WsolRunPlugin {
  return plugin;
}

/** A plugin module as the engine tracks it: where it is and the SHA-256 of its file (it enters every action key). */
export interface PluginRef {
  url: string;
  sha256: string;
}

const loaded = new Map<string, WsolRunPlugin>();

/** The file URL of a plugin path (relative to `base`, a directory). */
export function pluginRef(path: string, base: string): PluginRef {
  const file = resolve(base, path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`plugin ${path} not found (looked for ${file}): ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return { url: pathToFileURL(file).href, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Imports and registers each plugin once per thread; a repeated URL is a no-op. */
export async function loadPlugins(urls: readonly string[]): Promise<WsolRunPlugin[]> {
  const out: WsolRunPlugin[] = [];
  for (const url of urls) {
    let plugin = loaded.get(url);
    if (!plugin) {
      const module = (await import(url)) as { default?: WsolRunPlugin };
      plugin = module.default;
      if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string')
        throw new Error(`${fileURLToPath(url)} is not a wsol-run plugin: its default export must be definePlugin({ name, nodes?, heads?, mapMethods? })`);
      for (const head of plugin.heads ?? []) registerHead(head);
      for (const method of plugin.mapMethods ?? []) registerMapMethod(method);
      for (const node of plugin.nodes ?? []) registerNodeType(node);
      loaded.set(url, plugin);
    }
    out.push(plugin);
  }
  return out;
}
