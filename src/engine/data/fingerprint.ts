/**
 * Fingerprints of the files nodes read from outside the cache (NodeType.dataFiles):
 * the digest of (relative path, size, sha256) of every file, so it is the
 * same on a colleague's clone with the same data, wherever it lives and
 * whatever its mtimes. A per-cache table of stat data -> sha256 by absolute
 * path means only files whose stat data changed are re-hashed. As git's
 * index does, the stat data is size, mtime and ctime in nanoseconds, inode
 * and device: a file swapped for another version with the same size and
 * mtime (what reproducible archives and `cp -p` give) still has a new ctime
 * and usually a new inode, so it is re-hashed.
 *
 *   <cache>/runs/file-hashes.json        absolute path -> [size, mtimeNs, ctimeNs, ino, dev, sha256]
 *   <cache>/data/<d[0:2]>/<digest>.json  the listing behind a fingerprint (to name changed files)
 */
import { readFileSync, statSync, type BigIntStats } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { DataFiles } from '../../nodes/contract.js';
import { artifactDigest, type ManifestFile } from '../keys.js';
import { hashFile, writeFileAtomic } from '../../core/files.js';

/** What a fingerprint covers: one param's files. */
export interface DataListing {
  param: string;
  path: string;
  /** Relative path -> sha256 ('missing' for a listed file that does not exist). */
  files: Record<string, string>;
}

/** The fingerprint of a path that does not exist. */
export const MISSING = 'missing';

/** Numbers as decimal strings: nanosecond times and inodes exceed 2^53. */
type StatKey = [size: string, mtimeNs: string, ctimeNs: string, ino: string, dev: string];
type HashRow = [...StatKey, sha256: string];

function statKey(s: BigIntStats): StatKey {
  return [String(s.size), String(s.mtimeNs), String(s.ctimeNs), String(s.ino), String(s.dev)];
}

/** The stat data -> content-hash table of one cache. */
export class FileHashes {
  private readonly rows: Record<string, HashRow>;
  private dirty = false;
  hashed = 0;

  private constructor(
    private readonly file: string,
    rows: Record<string, HashRow>,
  ) {
    this.rows = rows;
  }

  static open(cacheRoot: string): FileHashes {
    const file = join(cacheRoot, 'runs', 'file-hashes.json');
    let rows: Record<string, HashRow> = {};
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) rows = parsed as Record<string, HashRow>;
    } catch {
      // absent or damaged: everything is hashed again
    }
    return new FileHashes(file, rows);
  }

  async sha256(path: string, s: BigIntStats): Promise<string> {
    const key = statKey(s);
    const row = this.rows[path];
    if (Array.isArray(row) && row.length === key.length + 1 && key.every((v, i) => row[i] === v)) return row[key.length]!;
    const sha = await hashFile(path, Number(s.size));
    this.rows[path] = [...key, sha];
    this.dirty = true;
    this.hashed++;
    return sha;
  }

  /** Saves the table if it changed (concurrent writers: the last one wins, the others only re-hash later). */
  async save(): Promise<void> {
    if (!this.dirty) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(this.rows));
    this.dirty = false;
  }
}

/** Every regular file under `root` (relative, '/'-separated), skipping dot-files and dot-folders. */
async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  for (const e of entries) {
    const parent = e.parentPath ?? (e as unknown as { path: string }).path;
    const rel = relative(root, join(parent, e.name)).split(sep);
    if (rel.some((part) => part.startsWith('.'))) continue;
    if (e.isFile() || (e.isSymbolicLink() && statSync(join(parent, e.name), { throwIfNoEntry: false })?.isFile())) out.push(rel.join('/'));
  }
  return out.sort();
}

/** The fingerprint of one DataFiles entry, and the listing behind it. */
export async function fingerprint(entry: DataFiles, hashes: FileHashes, cwd = process.cwd()): Promise<{ digest: string; listing: DataListing }> {
  const abs = resolve(cwd, entry.path);
  const top = statSync(abs, { throwIfNoEntry: false });
  const listing: DataListing = { param: entry.param, path: entry.path, files: {} };
  if (!top) return { digest: MISSING, listing };
  const names = entry.files ? [...new Set(entry.files)].sort() : top.isDirectory() ? await walk(abs) : [''];
  const manifest: ManifestFile[] = [];
  for (const name of names) {
    const full = name === '' ? abs : join(abs, name);
    const s = statSync(full, { throwIfNoEntry: false, bigint: true });
    const shown = name === '' ? '.' : name;
    if (!s?.isFile()) {
      manifest.push({ path: shown, size: -1, sha256: MISSING });
      listing.files[shown] = MISSING;
      continue;
    }
    const sha = await hashes.sha256(full, s).catch((e: unknown) => {
      throw new Error(`cannot read ${full} (param ${entry.param}): ${e instanceof Error ? e.message : String(e)}`);
    });
    manifest.push({ path: shown, size: Number(s.size), sha256: sha });
    listing.files[shown] = sha;
  }
  return { digest: artifactDigest(manifest), listing };
}

function listingPath(cacheRoot: string, digest: string): string {
  return join(cacheRoot, 'data', digest.slice(0, 2), `${digest}.json`);
}

export async function saveListing(cacheRoot: string, digest: string, listing: DataListing): Promise<void> {
  if (digest === MISSING) return;
  const path = listingPath(cacheRoot, digest);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(listing));
}

export async function readListing(cacheRoot: string, digest: string): Promise<DataListing | undefined> {
  try {
    return JSON.parse(await readFile(listingPath(cacheRoot, digest), 'utf8')) as DataListing;
  } catch {
    return undefined; // absent (another cache made it) or damaged: the change is described without file names
  }
}

/** "2 changed (a.jpg, b.jpg), 1 added (c.jpg)": what differs between two listings. */
export function describeListingChange(before: DataListing, after: DataListing, show = 3): string {
  const changed: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [name, sha] of Object.entries(after.files)) {
    const was = before.files[name];
    if (was === undefined || (was === MISSING && sha !== MISSING)) added.push(name);
    else if (sha === MISSING) removed.push(name);
    else if (was !== sha) changed.push(name);
  }
  for (const name of Object.keys(before.files)) if (!(name in after.files) && before.files[name] !== MISSING) removed.push(name);
  const part = (list: string[], what: string): string | undefined =>
    list.length ? `${list.length} ${what} (${list.slice(0, show).join(', ')}${list.length > show ? ', …' : ''})` : undefined;
  return [part(changed, 'changed'), part(added, 'added'), part(removed, 'removed')].filter(Boolean).join(', ') || 'the same files';
}
