/**
 * Garbage collection: an artifact survives if a lock file or a recent run
 * references it; everything else is removed, with the action records that
 * pointed at it. Artifacts younger than the grace period are kept so a
 * concurrent run's fresh results are never collected before it records them.
 * Training checkpoints (of crashed or cancelled trainers) go once they are
 * older than --keep-days, unless a running run is training that key.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { readLock } from '../lockfile.js';
import { listRuns } from '../run-store.js';
import { isErrno, processAlive } from '../../core/files.js';
import { workDirOwner } from './files.js';
import type { ActionRecord, Manifest } from './store.js';

/**
 * What collectGarbage keeps (runs of the last keepDays days, results younger
 * than graceSeconds, extra pipelines' locks) and whether it only reports.
 */
export interface GcOptions {
  keepDays: number;
  graceSeconds: number;
  dryRun: boolean;
  /** Extra pipeline files whose lock files protect their results. */
  pipelines: string[];
}

/** What collectGarbage removed and kept, and how many bytes it freed, for `wsol-run gc`'s summary. */
export interface GcResult {
  removedArtifacts: number;
  freedBytes: number;
  removedActions: number;
  removedWorkDirs: number;
  removedCheckpoints: number;
  keptArtifacts: number;
  lockFilesRead: number;
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
}

/** What the collection keeps: results of recent and running runs and of the lock files, and the keys still training. */
async function liveSet(root: string, o: GcOptions, now: number): Promise<{ live: Set<string>; training: Set<string>; lockFilesRead: number }> {
  const runs = await listRuns(root);
  const live = new Set<string>();
  const training = new Set<string>();
  const pipelines = new Set(o.pipelines);
  for (const r of runs) {
    pipelines.add(r.pipeline);
    // A run recorded as running whose process on this host is gone was killed: its trainers are not training.
    const alive = r.status === 'running' && (r.host !== hostname() || processAlive(r.pid));
    if (alive) for (const n of Object.values(r.nodes)) if (n.status === 'running' && n.key) training.add(n.key);
    const recent = now - Date.parse(r.startedAt) <= o.keepDays * 86_400_000;
    if (recent || r.status === 'running') for (const n of Object.values(r.nodes)) if (n.digest) live.add(n.digest);
  }
  let lockFilesRead = 0;
  for (const p of pipelines) {
    const lock = await readLock(p).catch(() => undefined);
    if (!lock) continue;
    lockFilesRead++;
    for (const n of Object.values(lock.nodes)) live.add(n.digest);
  }
  return { live, training, lockFilesRead };
}

/** Removes the artifacts not live and older than the grace period; the digests removed. */
async function collectArtifacts(root: string, o: GcOptions, now: number, live: Set<string>, result: GcResult): Promise<Set<string>> {
  const removed = new Set<string>();
  const artifactsRoot = join(root, 'artifacts');
  for (const shard of await listDir(artifactsRoot)) {
    const names = await listDir(join(artifactsRoot, shard));
    const digests = new Set(names.map((n) => n.replace(/\.json$/, '')));
    for (const digest of digests) {
      const dir = join(artifactsRoot, shard, digest);
      if (live.has(digest)) {
        result.keptArtifacts++;
        continue;
      }
      let bytes = 0;
      let created = 0;
      try {
        const manifest = JSON.parse(await readFile(`${dir}.json`, 'utf8')) as Manifest;
        bytes = manifest.files.reduce((s, f) => s + f.size, 0);
        created = (await stat(`${dir}.json`)).mtimeMs;
      } catch {
        created = (await stat(dir).catch(() => undefined))?.mtimeMs ?? 0; // no manifest: an unfinished commit or debris
      }
      if (now - created < o.graceSeconds * 1000) {
        result.keptArtifacts++;
        continue;
      }
      removed.add(digest);
      result.removedArtifacts++;
      result.freedBytes += bytes;
      if (!o.dryRun) {
        await rm(`${dir}.json`, { force: true });
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
  return removed;
}

/** Removes action records that name no artifact any more (removed now, or gone before). */
async function collectActions(root: string, o: GcOptions, removed: Set<string>, result: GcResult): Promise<void> {
  const artifactsRoot = join(root, 'artifacts');
  const actionsRoot = join(root, 'actions');
  for (const shard of await listDir(actionsRoot)) {
    for (const name of await listDir(join(actionsRoot, shard))) {
      const path = join(actionsRoot, shard, name);
      let digest: string | undefined;
      try {
        digest = (JSON.parse(await readFile(path, 'utf8')) as ActionRecord).digest;
      } catch {
        digest = undefined;
      }
      const dead =
        digest === undefined || removed.has(digest) || !(await stat(join(artifactsRoot, digest.slice(0, 2), `${digest}.json`)).catch(() => undefined));
      if (dead) {
        result.removedActions++;
        if (!o.dryRun) await rm(path, { force: true });
      }
    }
  }
}

/** Removes checkpoints of keys not training whose newest file is past both the keep period and the grace period. */
async function collectCheckpoints(root: string, o: GcOptions, now: number, training: Set<string>, result: GcResult): Promise<void> {
  const checkpointsRoot = join(root, 'checkpoints');
  for (const shard of await listDir(checkpointsRoot)) {
    for (const key of await listDir(join(checkpointsRoot, shard))) {
      const dir = join(checkpointsRoot, shard, key);
      if (training.has(key)) continue;
      const files = await listDir(dir);
      const sizes = await Promise.all(files.map((f) => stat(join(dir, f)).catch(() => undefined)));
      const newest = Math.max(0, ...sizes.map((s) => s?.mtimeMs ?? 0));
      if (now - newest < Math.max(o.keepDays * 86_400_000, o.graceSeconds * 1000)) continue;
      result.removedCheckpoints++;
      result.freedBytes += sizes.reduce((sum, s) => sum + (s?.size ?? 0), 0);
      if (!o.dryRun) await rm(dir, { recursive: true, force: true });
    }
  }
}

export async function collectGarbage(root: string, o: GcOptions): Promise<GcResult> {
  const now = Date.now();
  const { live, training, lockFilesRead } = await liveSet(root, o, now);
  const result: GcResult = {
    removedArtifacts: 0,
    freedBytes: 0,
    removedActions: 0,
    removedWorkDirs: 0,
    removedCheckpoints: 0,
    keptArtifacts: 0,
    lockFilesRead,
  };
  const removed = await collectArtifacts(root, o, now, live, result);
  await collectActions(root, o, removed, result);
  await collectCheckpoints(root, o, now, training, result);
  for (const name of await listDir(join(root, 'tmp'))) {
    const owner = workDirOwner(name);
    if (!owner || processAlive(owner.pid)) continue; // running here, or another host's
    result.removedWorkDirs++;
    if (!o.dryRun) await rm(join(root, 'tmp', name), { recursive: true, force: true });
  }
  return result;
}
