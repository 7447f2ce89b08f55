/**
 * The local content-addressed cache.
 *
 *   <root>/actions/<k[0:2]>/<key>.json         action key -> artifact digest
 *   <root>/artifacts/<d[0:2]>/<digest>/        the artifact's files (read-only)
 *   <root>/artifacts/<d[0:2]>/<digest>.json    its manifest (written last)
 *   <root>/tmp/<pid>-<host tag>-<n>/           work directories of running nodes
 *   <root>/checkpoints/<k[0:2]>/<key>/         training checkpoints of a key not yet committed
 *   <root>/runs/                               the run store (see run-store.ts)
 *
 * Commit order makes every visible state valid: files are written into a
 * private temp dir, which is renamed to its digest path in one step, then the
 * manifest, then the action record. An artifact without a manifest does not
 * exist. Several processes may share a root: renames are atomic, identical
 * digests are deduplicated, and nothing is ever modified in place.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, type Stats } from 'node:fs';
import { link, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactDigest, type ManifestFile } from '../keys.js';
import { WsolError } from '../diagnostics.js';
import type { Artifact, ArtifactCheck, CacheStore, Lookup, PendingArtifact, Producer, Verification } from './cache.js';
import { hashFile, isErrno, processAlive, writeFileAtomicSync } from '../../core/files.js';
import { describeFiles, describeFilesWithTimes, workDirOwner, workDirPrefix } from './files.js';

/**
 * An artifact's manifest, `<digest>.json` beside its folder and written last:
 * its files with sizes and hashes, their mtimes at commit, and who produced
 * it.
 */
export interface Manifest {
  scheme: 1;
  digest: string;
  files: ManifestFile[];
  /** Modification times (ms) seen at commit; a match lets fast verification skip hashing. */
  mtimes: Record<string, number>;
  createdAt: string;
  producer: { type: string; version: number };
}

/** An action record, actions/<key>.json: the action key maps to this artifact digest, made by a node of this type. */
export interface ActionRecord {
  key: string;
  digest: string;
  type: string;
  createdAt: string;
}

export type { Artifact, ArtifactCheck, Lookup, Verification } from './cache.js';

/** Why a cache root cannot be used, as an error that names the path and the fix (environment errors exit 2). */
export function cacheUnusable(root: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const what: Record<string, [string, string]> = {
    ENOTDIR: ['a file is in the way of the cache folder (the path or a folder above it is a file)', 'give --cache a folder, or move the file'],
    EEXIST: ['a file is in the way of the cache folder', 'give --cache a folder, or move the file'],
    EACCES: ['no permission to write the cache folder', 'give --cache a folder you can write, or fix its permissions'],
    EPERM: ['no permission to write the cache folder', 'give --cache a folder you can write, or fix its permissions'],
    EROFS: ['the cache folder is on a read-only file system', 'give --cache a folder on a writable file system'],
    ENOSPC: ['no space left for the cache', 'free space (wsol-run gc removes unreferenced results) or give --cache another disk'],
    EDQUOT: ['the disk quota of the cache is used up', 'free space (wsol-run gc) or give --cache another disk'],
  };
  const known = code ? what[code] : undefined;
  if (!known) return e instanceof Error ? e : new Error(String(e));
  return new WsolError({ file: root, message: `cannot use the cache: ${known[0]} (${code})`, hint: `${known[1]}; nothing was run or written` });
}

/** Whether parsed JSON is a well-formed action record of `key` (one that names a digest). */
function isRecordOf(record: unknown, key: string): record is ActionRecord {
  const r = record as Partial<ActionRecord> | null;
  return r !== null && typeof r === 'object' && r.key === key && typeof r.digest === 'string' && /^[0-9a-f]{64}$/.test(r.digest);
}

const CACHEDIR_TAG = 'Signature: 8a477f597d28d172789f06886806bc55\n# This directory is a wsol-run cache; see https://bford.info/cachedir/\n';

let workDirCounter = 0;

export class LocalCacheStore implements CacheStore {
  readonly root: string;
  /** Digests verified in this process, and how thoroughly. */
  private readonly verified = new Map<string, Verification>();

  /** A read-only store (plan, show) reports bad entries but moves nothing. */
  private readonly readOnly: boolean;

  /** Folders this process has made (the 256 prefixes of actions/ and artifacts/): nothing removes them, so each is made once. */
  private readonly made = new Set<string>();

  constructor(root: string, options: { readOnly?: boolean } = {}) {
    this.root = root;
    this.readOnly = options.readOnly ?? false;
  }

  /**
   * Creates the layout, proves the cache can be written (a probe file in
   * tmp/), and removes temp dirs left by processes that died. A cache that
   * cannot be used (a file in the way, no permission, a read-only mount) is
   * the user's to fix: a CacheUnusable error (exit 2) before anything runs.
   */
  async open(): Promise<void> {
    if (this.readOnly) return;
    try {
      await mkdir(join(this.root, 'tmp'), { recursive: true });
      await mkdir(join(this.root, 'runs'), { recursive: true });
      await writeFile(join(this.root, 'CACHEDIR.TAG'), CACHEDIR_TAG, { flag: 'wx' }).catch((e: unknown) => {
        if (!isErrno(e, 'EEXIST')) throw e;
      });
      const probe = join(this.root, 'tmp', `${workDirPrefix()}probe-${workDirCounter++}`);
      await writeFile(probe, '');
      await rm(probe, { force: true });
    } catch (e) {
      throw cacheUnusable(this.root, e);
    }
    await this.removeOrphanedWorkDirs();
  }

  private async removeOrphanedWorkDirs(): Promise<void> {
    for (const name of await readdir(join(this.root, 'tmp'))) {
      const owner = workDirOwner(name);
      // Only this machine's dead processes: a shared cache may serve other hosts.
      if (owner && !processAlive(owner.pid)) await rm(join(this.root, 'tmp', name), { recursive: true, force: true });
    }
  }

  actionPath(key: string): string {
    return join(this.root, 'actions', key.slice(0, 2), `${key}.json`);
  }

  artifactDir(digest: string): string {
    return join(this.root, 'artifacts', digest.slice(0, 2), digest);
  }

  checkpointDir(key: string): string {
    return join(this.root, 'checkpoints', key.slice(0, 2), key);
  }

  async removeCheckpoint(key: string): Promise<void> {
    // Most nodes never checkpoint: a sync existence check spares them a thread-pool round trip.
    if (!this.readOnly && existsSync(this.checkpointDir(key))) await rm(this.checkpointDir(key), { recursive: true, force: true });
  }

  private ensureDir(dir: string): void {
    if (this.made.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.made.add(dir);
  }

  manifestPath(digest: string): string {
    return `${this.artifactDir(digest)}.json`;
  }

  /** The artifact an action key maps to, verified. */
  async lookup(key: string, verification: Verification = 'fast'): Promise<Lookup> {
    let record: ActionRecord;
    try {
      // Sync reads: these files are tiny and a no-op run does hundreds of them;
      // the thread-pool round trips of fs/promises cost more than the reads.
      record = JSON.parse(readFileSync(this.actionPath(key), 'utf8')) as ActionRecord;
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return { status: 'miss' };
      if (!this.readOnly) await rm(this.actionPath(key), { force: true });
      return { status: 'invalid', reason: `action record ${key.slice(0, 12)} is unreadable` };
    }
    if (!isRecordOf(record, key)) {
      if (!this.readOnly) await rm(this.actionPath(key), { force: true });
      return { status: 'invalid', reason: `action record ${key.slice(0, 12)} is corrupt` };
    }
    const check = await this.artifact(record.digest, verification);
    if (!check.ok) {
      if (!this.readOnly) await rm(this.actionPath(key), { force: true });
      return { status: 'invalid', reason: check.reason };
    }
    await this.touch(record.digest);
    return { status: 'hit', artifact: check.artifact };
  }

  /**
   * Loads and verifies an artifact. 'fast' checks every file's presence and
   * size and re-hashes only files whose mtime changed; 'full' re-hashes all.
   * A failed check quarantines the artifact so it can be recomputed.
   */
  async artifact(digest: string, verification: Verification = 'fast'): Promise<ArtifactCheck> {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(this.manifestPath(digest), 'utf8')) as Manifest;
    } catch (e) {
      // No manifest means no artifact (maybe a commit in progress): leave the directory alone.
      if (isErrno(e, 'ENOENT')) return { ok: false, reason: `artifact ${digest.slice(0, 12)} is missing (garbage-collected or never completed)` };
      await this.quarantine(digest);
      return { ok: false, reason: `manifest of artifact ${digest.slice(0, 12)} is unreadable` };
    }
    if (
      manifest === null ||
      typeof manifest !== 'object' ||
      manifest.digest !== digest ||
      !Array.isArray(manifest.files) ||
      typeof manifest.mtimes !== 'object' ||
      manifest.mtimes === null
    ) {
      await this.quarantine(digest);
      return { ok: false, reason: `manifest of artifact ${digest.slice(0, 12)} is corrupt` };
    }
    const dir = this.artifactDir(digest);
    const done = this.verified.get(digest);
    if (done === 'full' || done === verification) return { ok: true, artifact: { digest, dir, manifest } };
    const problem = await this.findProblem(manifest, dir, verification);
    if (problem) {
      await this.quarantine(digest);
      return { ok: false, reason: `artifact ${digest.slice(0, 12)} is corrupt: ${problem}` };
    }
    this.verified.set(digest, verification);
    return { ok: true, artifact: { digest, dir, manifest } };
  }

  /**
   * Marks an artifact as just used (its manifest's mtime), so `gc --grace`
   * never collects a result a running process has just reused.
   */
  private async touch(digest: string): Promise<void> {
    if (this.readOnly) return;
    const now = new Date();
    // Sync: a no-op run touches every result, and one utimes costs less than a thread-pool round trip.
    try {
      utimesSync(this.manifestPath(digest), now, now);
    } catch {
      // A manifest gone meanwhile (gc) only loses the mark.
    }
  }

  private async findProblem(manifest: Manifest, dir: string, verification: Verification): Promise<string | undefined> {
    if (manifest.digest !== artifactDigest(manifest.files)) return 'its manifest does not match its digest';
    for (const f of manifest.files) {
      const full = join(dir, f.path);
      let s: Stats;
      try {
        s = statSync(full);
      } catch {
        return `file '${f.path}' is missing`;
      }
      if (s.size !== f.size) return `file '${f.path}' has ${s.size} bytes, ${f.size} expected`;
      if (verification === 'full' || s.mtimeMs !== manifest.mtimes[f.path]) {
        const actual = await hashFile(full, s.size).catch(() => undefined);
        if (actual !== f.sha256) return `file '${f.path}' has changed content`;
      }
    }
    return undefined;
  }

  /** Moves a bad artifact out of the way (into tmp/, deleted later) so its digest path is free again. */
  private async quarantine(digest: string): Promise<void> {
    this.verified.delete(digest);
    if (this.readOnly) return;
    const trash = join(this.root, 'tmp', `${workDirPrefix()}trash-${workDirCounter++}`);
    await rm(this.manifestPath(digest), { force: true });
    try {
      await rename(this.artifactDir(digest), trash);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    await rm(trash, { recursive: true, force: true });
  }

  /** A private work dir for one node's output, committed into this store or discarded. */
  async beginWrite(): Promise<PendingArtifact> {
    const dir = await this.createWorkDir();
    let committed = false;
    return {
      dir,
      commit: async (key, producer) => {
        const artifact = await this.commit(dir, key, producer);
        committed = true;
        return artifact;
      },
      discard: async () => {
        if (!committed) await this.discardWorkDir(dir);
      },
    };
  }

  /** A fresh, private, empty directory for a node to write its output into. */
  async createWorkDir(): Promise<string> {
    const dir = join(this.root, 'tmp', `${workDirPrefix()}${Date.now().toString(36)}-${workDirCounter++}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  async discardWorkDir(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Moves a finished work dir into the store under its digest and records key -> digest. */
  async commit(workDir: string, key: string, producer: Producer): Promise<Artifact> {
    const artifact = await this.adopt(workDir, producer);
    await this.recordAction(key, artifact.digest, producer.type);
    return artifact;
  }

  /**
   * Moves a directory of files into the store under their digest (no action
   * record): what commit does first, and how `import` brings in verified
   * artifacts. With `expected`, a directory whose files have another digest is refused.
   */
  async adopt(workDir: string, producer: Producer, expected?: string): Promise<Artifact> {
    const described = await describeFilesWithTimes(workDir);
    const files: ManifestFile[] = described.map(({ mtimeMs: _, ...f }) => f);
    const digest = artifactDigest(files);
    if (expected !== undefined && digest !== expected) throw new Error(`its files have digest ${digest.slice(0, 12)}, not ${expected.slice(0, 12)}`);
    const dir = this.artifactDir(digest);
    this.ensureDir(join(this.root, 'artifacts', digest.slice(0, 2)));
    for (const f of files) chmodSync(join(workDir, f.path), 0o444);
    const existing: ArtifactCheck = await this.artifact(digest, 'fast');
    if (existing.ok) {
      await rm(workDir, { recursive: true, force: true });
      await this.touch(digest);
      this.verified.set(digest, 'full');
      return existing.artifact;
    }
    try {
      renameSync(workDir, dir);
    } catch (e) {
      if (!isErrno(e, 'ENOTEMPTY', 'EEXIST')) throw e;
      // Another process committed the same content first (and maybe has not
      // written the manifest yet): its files must equal ours byte for byte.
      const theirs = await describeFiles(dir).catch(() => [] as ManifestFile[]);
      if (artifactDigest(theirs) !== digest) {
        await this.quarantine(digest);
        await rename(workDir, dir);
      } else await rm(workDir, { recursive: true, force: true });
      // The files in place may be theirs: their times, read again, go into the manifest.
      await this.writeManifest(digest, files, producer);
      const check = await this.artifact(digest, 'fast');
      if (!check.ok) throw new Error(`cache commit failed: ${check.reason}`);
      this.verified.set(digest, 'full');
      return check.artifact;
    }
    // Ours moved in whole: a rename keeps modification times, so those read before it are the manifest's.
    const manifest = this.writeManifestSync(digest, files, Object.fromEntries(described.map((f) => [f.path, f.mtimeMs])), producer);
    this.verified.set(digest, 'full');
    return { digest, dir, manifest };
  }

  /** Records that action `key` produced artifact `digest` (written last: the key then resolves). */
  async recordAction(key: string, digest: string, type: string): Promise<void> {
    const record: ActionRecord = { key, digest, type, createdAt: new Date().toISOString() };
    this.ensureDir(join(this.root, 'actions', key.slice(0, 2)));
    writeFileAtomicSync(this.actionPath(key), JSON.stringify(record));
  }

  /** The digest an action key is recorded to, or undefined (no record, or one too damaged to name a digest). */
  recordedDigest(key: string): string | undefined {
    try {
      const record = JSON.parse(readFileSync(this.actionPath(key), 'utf8')) as unknown;
      return isRecordOf(record, key) ? record.digest : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Records key -> digest only where the key has no record yet (`import`: a
   * result brought from elsewhere never replaces one computed or adopted
   * here). The record is linked into place, which fails if another process
   * wrote one meanwhile. Returns the digest in force afterwards.
   */
  async recordActionIfAbsent(key: string, digest: string, type: string): Promise<{ written: boolean; digest: string }> {
    const existing = this.recordedDigest(key);
    if (existing !== undefined) return { written: false, digest: existing };
    const record: ActionRecord = { key, digest, type, createdAt: new Date().toISOString() };
    const path = this.actionPath(key);
    await mkdir(join(this.root, 'actions', key.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${process.pid}.${workDirCounter++}.tmp`;
    await writeFile(tmp, JSON.stringify(record));
    try {
      // A damaged record (no digest to name) is replaced: it resolves to nothing today.
      if (existsSync(path)) await rm(path, { force: true });
      await link(tmp, path);
      return { written: true, digest };
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
      return { written: false, digest: this.recordedDigest(key) ?? digest };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async writeManifest(digest: string, files: ManifestFile[], producer: { type: string; version: number }): Promise<void> {
    const dir = this.artifactDir(digest);
    const mtimes: Record<string, number> = {};
    await Promise.all(files.map(async (f) => (mtimes[f.path] = (await stat(join(dir, f.path))).mtimeMs)));
    this.writeManifestSync(digest, files, mtimes, producer);
  }

  private writeManifestSync(digest: string, files: ManifestFile[], mtimes: Record<string, number>, producer: Producer): Manifest {
    const manifest: Manifest = { scheme: 1, digest, files, mtimes, createdAt: new Date().toISOString(), producer };
    writeFileAtomicSync(this.manifestPath(digest), JSON.stringify(manifest));
    return manifest;
  }
}
