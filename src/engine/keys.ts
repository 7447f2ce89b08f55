/**
 * The hashing scheme, in one place. (Read this before changing anything that
 * enters a key: a change here invalidates every cache.)
 *
 * Canonical form: RFC 8785 JSON canonicalisation (the `canonicalize`
 * package: keys sorted by UTF-16 code units, no whitespace, numbers in their
 * shortest ECMAScript form). Hash: SHA-256, lowercase hex.
 *
 * Action key — identifies a computation:
 *   sha256(canonical({
 *     scheme: KEY_SCHEME,          // bumped if this recipe changes
 *     type, version,               // node type and its semantic version
 *     params,                      // validated params with defaults (incl. seed)
 *     inputs: { name: [digest…] }, // content digests of input artifacts, in wiring order
 *     env,                         // only the environment facts the node declares (e.g. backend)
 *     data,                        // only for nodes that read files: param -> fingerprint (engine/data/)
 *     inputNames,                  // only for nodes that write their inputs' names: {name: [{node, coords, key}…]}
 *   }))
 * The node id is NOT in the key: two nodes doing the same work share a result,
 * and renaming a node does not recompute it.
 *
 * Artifact digest — identifies a result by content:
 *   sha256(canonical({ scheme: DIGEST_SCHEME, files: [{ path, size, sha256 }…] }))
 * with files sorted by path ('/'-separated, relative to the artifact root).
 * Downstream keys use input DIGESTS, not upstream keys, so a re-run that
 * produces byte-identical output leaves its dependents cached (early cutoff).
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// The package is CommonJS (module.exports = fn) but its typings declare an
// ES default export; at runtime the default import IS the function.
const canonicalize = canonicalizeModule as unknown as typeof canonicalizeModule.default;
import type { JsonObject } from '../nodes/contract.js';

export const KEY_SCHEME = 1;
export const DIGEST_SCHEME = 1;

/** Everything a node's action key hashes (with KEY_SCHEME): type, version, params, input digests, environment facts, data fingerprints. */
export interface KeyMaterial {
  type: string;
  version: number;
  params: JsonObject;
  inputs: Record<string, string[]>;
  env: Record<string, string>;
  /** Fingerprints of the files the node reads, by param (absent for nodes that read none: their keys are as before). */
  data?: Record<string, string>;
  /** Producer ids, coordinates and keys per input, for node types that write them into their output (readsInputNames). */
  inputNames?: Record<string, InputName[]>;
}

/** An input's producer as a node that reads input names sees it (readsInputNames): its id, matrix coordinates and action key. */
export interface InputName {
  node: string;
  coords: JsonObject;
  key: string;
}

/** One file of an artifact: path relative to its root ('/'-separated), size in bytes and sha256; the artifact digest hashes the sorted list. */
export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalised');
  return text;
}

export function actionKey(m: KeyMaterial): string {
  return sha256(
    canonicalJson({
      scheme: KEY_SCHEME,
      type: m.type,
      version: m.version,
      params: m.params,
      inputs: m.inputs,
      env: m.env,
      ...(m.data ? { data: m.data } : {}),
      ...(m.inputNames ? { inputNames: m.inputNames } : {}),
    }),
  );
}

export function artifactDigest(files: readonly ManifestFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sha256(canonicalJson({ scheme: DIGEST_SCHEME, files: sorted.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })) }));
}

/** Short form for humans (12 hex digits). */
export function short(hash: string): string {
  return hash.slice(0, 12);
}
