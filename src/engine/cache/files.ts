import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
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
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  const out: string[] = [];
  for (const e of entries) {
    const full = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (e.isFile()) out.push(relative(root, full).split(sep).join('/'));
    else if (!e.isDirectory()) throw new Error(`output '${relative(root, full)}' is not a regular file (symlinks and devices are not allowed in artifacts)`);
  }
  return out.sort();
}

export async function describeFiles(root: string): Promise<ManifestFile[]> {
  const paths = await listFiles(root);
  return Promise.all(
    paths.map(async (p) => {
      const full = join(root, p);
      const { size } = await stat(full);
      return { path: p, size, sha256: await hashFile(full, size) };
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
