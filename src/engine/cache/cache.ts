/**
 * What the engine needs of a cache, whatever stores it: look an action key
 * up, verify an artifact, and write a new one through a private work area
 * that is committed in one step or discarded. The scheduler only looks up;
 * whoever runs a node (an executor, a remote worker) owns its work area and
 * commits through this interface, so a worker on another host commits into
 * its own mount of a shared cache without the submitter's paths.
 *
 * LocalCacheStore (store.ts) is the implementation on a local or shared
 * filesystem.
 */
import type { Manifest } from './store.js';

/** How hard a cache checks an artifact: `fast` checks sizes and re-hashes only files whose mtime changed, `full` re-hashes every file. */
export type Verification = 'fast' | 'full';

/** A committed, verified artifact: its content digest, the directory its files are read from, and its manifest. */
export interface Artifact {
  digest: string;
  /** Where its files are readable on this machine. */
  dir: string;
  manifest: Manifest;
}

/** The answer of CacheStore.lookup for an action key: a verified artifact, nothing recorded, or a bad entry (removed) with the reason. */
export type Lookup = { status: 'hit'; artifact: Artifact } | { status: 'miss' } | { status: 'invalid'; reason: string };

/** The answer of CacheStore.artifact for a digest: the verified artifact, or why it is missing or damaged. */
export type ArtifactCheck = { ok: true; artifact: Artifact } | { ok: false; reason: string };

/** Who made an artifact (recorded in its manifest). */
export interface Producer {
  type: string;
  version: number;
}

/** A node's output being written: a private, empty directory until commit or discard. */
export interface PendingArtifact {
  readonly dir: string;
  /** Moves the files into the store under their digest and records key -> digest. */
  commit(key: string, producer: Producer): Promise<Artifact>;
  /** Removes the work area (a failed or cancelled node); safe after commit. */
  discard(): Promise<void>;
}

/** What the scheduler and executors need of a cache, whatever stores it; LocalCacheStore is the filesystem implementation. */
export interface CacheStore {
  /** The artifact an action key maps to, verified; a bad entry is reported as invalid and removed. */
  lookup(key: string, verification?: Verification): Promise<Lookup>;
  /** Loads and verifies one artifact by digest. */
  artifact(digest: string, verification?: Verification): Promise<ArtifactCheck>;
  /** Where an artifact's files are readable on this machine. */
  artifactDir(digest: string): string;
  /** A fresh work area for one node's output. */
  beginWrite(): Promise<PendingArtifact>;
  /** Where a node running under this action key keeps checkpoints across runs (may not exist yet). */
  checkpointDir(key: string): string;
  /** Removes that directory (after the key's result is committed). */
  removeCheckpoint(key: string): Promise<void>;
}
