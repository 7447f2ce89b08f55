/**
 * A bundle: a pipeline shared as a reproducible artifact — one gzipped tar
 * holding the pipeline file, its lock, and (optionally) the cached results
 * the lock names, with an index listing every member's size and sha256.
 *
 *   wsol-bundle.json                      the index (BundleIndex)
 *   pipeline/<name>.json                  the pipeline file, byte for byte
 *   pipeline/<name>.lock.json             its lock
 *   cache/artifacts/<digest>/<path>       each included artifact's files
 *   plugins/<path>                        with `export --with-plugins`: each plugin module
 *                                         the pipeline names in "plugins", at that
 *                                         relative path (single files only)
 *
 * Manifests and action records are not shipped as files: the importer
 * recomputes every artifact's digest from its files and records the actions
 * the index lists only after every check passed.
 *
 * Plugin members need no new format version: a reader tells them by their
 * prefix (an older wsol-run refuses such a bundle: "not a bundle member").
 */
export const BUNDLE_FORMAT = 'wsol-run-bundle';
export const BUNDLE_VERSION = 1;
export const BUNDLE_INDEX = 'wsol-bundle.json';
export const PIPELINE_PREFIX = 'pipeline/';
export const ARTIFACTS_PREFIX = 'cache/artifacts/';
export const PLUGINS_PREFIX = 'plugins/';

/** A pipeline "plugins" entry as the relative path a bundle files it under: leading `./` dropped. */
export function normalPluginPath(path: string): string {
  let p = path;
  while (p.startsWith('./')) p = p.slice(2);
  return p;
}

/**
 * Why a plugin's relative path (a "plugins" entry after normalPluginPath, or a plugins/ member's
 * rest) may not be packed or written into --into; undefined when it is a plain relative path that
 * stays inside the folder: no absolute path, no `..`, no dot file or dot folder, no backslash.
 */
export function pluginPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'an empty path';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'an absolute path';
  if (path.includes('\\')) return 'a backslash in the path';
  const segments = path.split('/');
  if (segments.includes('..')) return "it leaves the folder ('..')";
  if (segments.includes('')) return 'an empty path segment';
  if (segments.some((s) => s.startsWith('.'))) return 'a dot file or dot folder in the path';
  if (!segments.every((s) => /^[A-Za-z0-9_@+][A-Za-z0-9._@+-]*$/.test(s))) return 'characters other than letters, digits and . _ - @ +';
  return undefined;
}

/** One file of the bundle's tar as the index lists it: its path in the tar, size in bytes and sha256; the importer checks every member against it. */
export interface BundleMember {
  path: string;
  size: number;
  sha256: string;
}

/** An artifact a bundle carries under cache/artifacts/<digest>/, with the producer its manifest records. */
export interface BundledArtifact {
  digest: string;
  /** The node type (and version) that made it, as its manifest says. */
  producer: { type: string; version: number };
}

/** An action key -> digest record the bundle brings for one node; the importer writes it only after the key checks pass. */
export interface BundledAction {
  node: string;
  key: string;
  digest: string;
  type: string;
}

/**
 * The bundle's index, wsol-bundle.json: format and version, the wsol-run that
 * wrote it, the pipeline and lock names, every member, artifact and action.
 */
export interface BundleIndex {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  wsolRun: string;
  pipeline: { file: string; lock: string };
  members: BundleMember[];
  artifacts: BundledArtifact[];
  actions: BundledAction[];
}
