import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { hostname } from 'node:os';
import type { ManifestFile } from '../keys.js';

const STREAM_THRESHOLD = 8 * 1024 * 1024;

export async function hashFile(path: string, size?: number): Promise<string> {
  const bytes = size ?? (await stat(path)).size;
  if (bytes < STREAM_THRESHOLD)
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Relative '/'-separated paths of every regular file under `root`. Other entry types are an error. */
export async function listFiles(root: string): Promise<string[]> {
  return filePaths(root, await readdir(root, { withFileTypes: true, recursive: true }));
}

function filePaths(root: string, entries: Dirent[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const full = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (e.isFile()) out.push(relative(root, full).split(sep).join('/'));
    else if (!e.isDirectory()) throw new Error(`output '${relative(root, full)}' is not a regular file (symlinks and devices are not allowed in artifacts)`);
  }
  return out.sort();
}

export async function describeFiles(root: string): Promise<ManifestFile[]> {
  return (await describeFilesWithTimes(root)).map(({ mtimeMs: _, ...f }) => f);
}

/** listFiles with sync calls, folder by folder (Node 20's recursive readdirSync costs ~50 us even for a folder of one file). */
function listFilesSync(root: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isFile()) out.push(rel);
    else if (e.isDirectory()) out.push(...listFilesSync(root, rel));
    else throw new Error(`output '${rel}' is not a regular file (symlinks and devices are not allowed in artifacts)`);
  }
  return out;
}

/** Below this total, a result's files are listed, stat'ed and hashed with sync calls: a node's commit then costs no thread-pool round trips. */
const SYNC_BYTES = 1024 * 1024;

/**
 * Every file under `root` with its size, hash and modification time. Small
 * results (most nodes: metrics, boxes, texts) are read with sync calls,
 * which cost a few microseconds each where each fs/promises call costs a
 * thread-pool round trip (measured: a 2,002-node fan-out committed at about
 * 3.5 ms a node); large ones are hashed asynchronously, streamed.
 */
export async function describeFilesWithTimes(root: string): Promise<(ManifestFile & { mtimeMs: number })[]> {
  const paths = listFilesSync(root).sort();
  const stats = paths.map((p) => statSync(join(root, p)));
  const small = stats.reduce((a, s) => a + s.size, 0) < SYNC_BYTES;
  return Promise.all(
    paths.map(async (p, i) => {
      const full = join(root, p);
      const { size, mtimeMs } = stats[i]!;
      const sha256 = small ? createHash('sha256').update(readFileSync(full)).digest('hex') : await hashFile(full, size);
      return { path: p, size, sha256, mtimeMs };
    }),
  );
}

let counter = 0;
/** Writes a file atomically: a temp file beside it, then rename. Readers see the old or the new file, never half of one. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.${counter++}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** writeFileAtomic with sync calls, for the small records a commit writes (manifests, action records). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.${counter++}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function isErrno(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as NodeJS.ErrnoException).code ?? '');
}

/** Whether a process with this pid is alive on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isErrno(e, 'EPERM');
  }
}

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** Work dirs are named `<pid>-<host tag>-...`, so cleanup can tell this machine's dead processes from other hosts'. */
export function workDirPrefix(): string {
  return `${process.pid}-${HOST_TAG}-`;
}

/** The owner of a work dir created on THIS host, or undefined (another host, or not a work dir). */
export function workDirOwner(name: string): { pid: number } | undefined {
  const [pid, tag] = name.split('-');
  const n = Number(pid);
  return tag === HOST_TAG && Number.isInteger(n) && n > 0 ? { pid: n } : undefined;
}
