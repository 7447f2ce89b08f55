import { resolve } from 'node:path';
import { LocalCacheStore } from '../../engine/cache/store.js';
import { WsolError, didYouMean } from '../../engine/diagnostics.js';
import { lockPathFor, readLock, type LockFile, type LockedNode } from '../../engine/lockfile.js';
import { cacheDirOf } from '../options.js';

export interface LockedResult {
  /** The pipeline file, absolute. */
  file: string;
  lock: LockFile;
  locked: LockedNode;
  cacheDir: string;
  /** The artifact directory, and whether the cache holds it intact. */
  dir: string;
  check: Awaited<ReturnType<LocalCacheStore['artifact']>>;
}

/** The latest result of a node as the pipeline's lock file records it, looked up in the cache (errors name the fix). */
export async function lockedResult(pipelinePath: string, nodeId: string, cache: string | undefined): Promise<LockedResult> {
  const file = resolve(pipelinePath);
  const lock = await readLock(file);
  if (!lock) {
    throw new WsolError({
      file: lockPathFor(pipelinePath),
      message: 'no results yet: this pipeline has no lock file',
      hint: `run it first: wsol-run ${pipelinePath}`,
    });
  }
  const locked = lock.nodes[nodeId];
  if (!locked) {
    throw new WsolError({
      file: lockPathFor(pipelinePath),
      message: `node '${nodeId}' has no result in the lock file.${didYouMean(nodeId, Object.keys(lock.nodes))}`,
      hint: `nodes with results: ${Object.keys(lock.nodes).join(', ') || '(none)'}`,
    });
  }
  const cacheDir = cacheDirOf(cache);
  const store = new LocalCacheStore(cacheDir, { readOnly: true });
  const check = await store.artifact(locked.digest, 'fast');
  return { file, lock, locked, cacheDir, dir: store.artifactDir(locked.digest), check };
}
