/**
 * A bundle: a pipeline shared as a reproducible artifact — one gzipped tar
 * holding the pipeline file, its lock, and (optionally) the cached results
 * the lock names, with an index listing every member's size and sha256.
 *
 *   wsol-bundle.json                      the index (BundleIndex)
 *   pipeline/<name>.json                  the pipeline file, byte for byte
 *   pipeline/<name>.lock.json             its lock
 *   cache/artifacts/<digest>/<path>       each included artifact's files
 *
 * Manifests and action records are not shipped as files: the importer
 * recomputes every artifact's digest from its files and records the actions
 * the index lists only after every check passed.
 */
export const BUNDLE_FORMAT = 'wsol-run-bundle';
export const BUNDLE_VERSION = 1;
export const BUNDLE_INDEX = 'wsol-bundle.json';
export const PIPELINE_PREFIX = 'pipeline/';
export const ARTIFACTS_PREFIX = 'cache/artifacts/';

export interface BundleMember {
  path: string;
  size: number;
  sha256: string;
}

export interface BundledArtifact {
  digest: string;
  /** The node type (and version) that made it, as its manifest says. */
  producer: { type: string; version: number };
}

export interface BundledAction {
  node: string;
  key: string;
  digest: string;
  type: string;
}

export interface BundleIndex {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  wsolRun: string;
  pipeline: { file: string; lock: string };
  members: BundleMember[];
  artifacts: BundledArtifact[];
  actions: BundledAction[];
}
