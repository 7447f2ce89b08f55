/**
 * File helpers every layer may use: hashing, listing a folder's files,
 * reading an optional JSON file, atomic writes (a temp file beside the target,
 * then a rename), errno tests and whether a process is alive. Node built-ins only.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

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

/** listFiles with sync calls, folder by folder (Node 20's recursive readdirSync costs ~50 us even for a folder of one file). */
export function listFilesSync(root: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isFile()) out.push(rel);
    else if (e.isDirectory()) out.push(...listFilesSync(root, rel));
    else throw new Error(`output '${rel}' is not a regular file (symlinks and devices are not allowed in artifacts)`);
  }
  return out;
}

/** The JSON value in the file at `path`, or null when the file is missing or is not JSON (for optional parts of an artifact). */
export async function readJsonFile<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
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
