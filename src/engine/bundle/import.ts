/**
 * `wsol-run import`: brings a bundle's pipeline, lock and results into a
 * cache, trusting nothing in it. In order, and nothing enters the cache
 * before the last check passes (a bad bundle leaves the cache as it was):
 *
 *  1. list every tar entry without extracting: only regular files and
 *     folders, relative paths that stay inside (no absolute path, no `..`),
 *     under the bundle's own prefixes, no duplicates, and sizes within
 *     limits (a tar bomb is refused before it is unpacked);
 *  2. extract into a private work directory of the cache;
 *  3. check every member's size and sha256 against the index, that nothing
 *     else was unpacked, that each artifact's files give its digest, that
 *     every action names a bundled artifact and agrees with the lock, and
 *     that the lock belongs to the pipeline file;
 *  4. move the artifacts into the cache, record the actions, and write the
 *     pipeline and lock files.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WsolError } from '../diagnostics.js';
import { artifactDigest, sha256 } from '../keys.js';
import type { LockFile } from '../lockfile.js';
import { LocalCacheStore } from '../cache/store.js';
import { hashFile, listFiles, writeFileAtomic } from '../cache/files.js';
import { ARTIFACTS_PREFIX, BUNDLE_FORMAT, BUNDLE_INDEX, BUNDLE_VERSION, PIPELINE_PREFIX, type BundleIndex } from './format.js';
import { safeEntryPath } from '../../artifacts/npm-package.js';

export interface ImportLimits {
  /** Total bytes the bundle may unpack to. */
  maxBytes: number;
  /** Members it may hold. */
  maxEntries: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxBytes: 64 * 1024 ** 3, maxEntries: 1_000_000 };

export interface ImportResult {
  pipelineFile: string;
  lockFile: string;
  /** Artifacts moved into the cache, and those it already had. */
  imported: number;
  present: number;
  actions: number;
  bytes: number;
}

const DIGEST = /^[0-9a-f]{64}$/;
const FILE_TYPES = new Set(['File', 'OldFile']);

function refuse(bundle: string, message: string, hint = 'the bundle was altered or damaged: ask for it again; nothing was imported'): WsolError {
  return new WsolError({ file: bundle, message: `refused: ${message}`, hint });
}

function allowedPath(path: string): boolean {
  return path === BUNDLE_INDEX || path.startsWith(PIPELINE_PREFIX) || path.startsWith(ARTIFACTS_PREFIX);
}

/** Step 1: every entry's header, checked, without writing anything. */
async function scan(bundle: string, limits: ImportLimits): Promise<void> {
  const tar = await import('tar');
  const problems: string[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  let entries = 0;
  await new Promise<void>((resolve, reject) => {
    const source = createReadStream(bundle);
    const stop = (e: Error): void => {
      source.destroy();
      reject(e);
    };
    const parser = new tar.Parser({
      strict: true,
      onReadEntry: (entry) => {
        const path = entry.path.replace(/\/+$/, '');
        entries++;
        if (entry.type === 'Directory') {
          if (!safeEntryPath(path)) problems.push(`${entry.path} (a folder outside the bundle)`);
        } else if (!FILE_TYPES.has(entry.type)) {
          problems.push(
            `${entry.path} (${entry.type === 'SymbolicLink' ? 'a symbolic link' : entry.type === 'Link' ? 'a hard link' : `a ${entry.type} entry`}: bundles hold plain files only)`,
          );
        } else if (!safeEntryPath(path)) {
          problems.push(`${entry.path} (its path leaves the bundle)`);
        } else if (!allowedPath(path)) {
          problems.push(`${entry.path} (not a bundle member)`);
        } else if (seen.has(path)) {
          problems.push(`${entry.path} (appears twice)`);
        } else {
          seen.add(path);
          bytes += entry.size ?? 0;
        }
        entry.resume();
        if (bytes > limits.maxBytes)
          stop(refuse(bundle, `it unpacks to more than ${limits.maxBytes} bytes`, 'raise the limit with --max-size if you trust it'));
        else if (entries > limits.maxEntries)
          stop(refuse(bundle, `it holds more than ${limits.maxEntries} entries`, 'raise the limit with --max-entries if you trust it'));
      },
    });
    parser.on('error', (e: Error) => stop(refuse(bundle, `it is not a readable bundle (${e.message})`)));
    parser.on('end', () => resolve());
    source.on('error', (e) => reject(new WsolError({ file: bundle, message: `cannot read the bundle: ${e.message}`, hint: 'check the path' })));
    source.pipe(parser);
  });
  if (problems.length)
    throw refuse(
      bundle,
      `it holds ${problems.length} entr${problems.length === 1 ? 'y' : 'ies'} no bundle may hold: ${problems.slice(0, 4).join('; ')}${problems.length > 4 ? '; …' : ''}`,
    );
  if (!seen.has(BUNDLE_INDEX)) throw refuse(bundle, `it has no ${BUNDLE_INDEX}`, 'make bundles with `wsol-run export`');
}

/** Step 3: everything unpacked is what the index says, and the index is consistent. */
async function verify(bundle: string, root: string): Promise<{ index: BundleIndex; lock: LockFile; pipelineText: Buffer; lockText: Buffer }> {
  let index: BundleIndex;
  try {
    index = JSON.parse(await readFile(join(root, BUNDLE_INDEX), 'utf8')) as BundleIndex;
  } catch (e) {
    throw refuse(bundle, `its ${BUNDLE_INDEX} is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (
    index?.format !== BUNDLE_FORMAT ||
    index.version !== BUNDLE_VERSION ||
    !Array.isArray(index.members) ||
    !Array.isArray(index.artifacts) ||
    !Array.isArray(index.actions)
  )
    throw refuse(bundle, `it is not a ${BUNDLE_FORMAT} version ${BUNDLE_VERSION}`, 'make bundles with `wsol-run export` of this version');
  const listed = new Map(index.members.map((m) => [m.path, m]));
  const unpacked = new Set((await listFiles(root)).filter((p) => p !== BUNDLE_INDEX));
  for (const path of unpacked) if (!listed.has(path)) throw refuse(bundle, `member ${path} is not in its index`);
  for (const m of index.members) {
    if (!unpacked.has(m.path)) throw refuse(bundle, `member ${m.path} of its index is missing`);
    const { size } = await stat(join(root, m.path));
    if (size !== m.size || (await hashFile(join(root, m.path), size)) !== m.sha256)
      throw refuse(bundle, `member ${m.path} does not match its size and sha256 in the index`);
  }
  const digests = new Set<string>();
  for (const a of index.artifacts) {
    if (typeof a.digest !== 'string' || !DIGEST.test(a.digest)) throw refuse(bundle, `artifact name ${String(a.digest)} is not a digest`);
    const prefix = `${ARTIFACTS_PREFIX}${a.digest}/`;
    const files = index.members.filter((m) => m.path.startsWith(prefix)).map((m) => ({ path: m.path.slice(prefix.length), size: m.size, sha256: m.sha256 }));
    if (artifactDigest(files) !== a.digest) throw refuse(bundle, `the files of artifact ${a.digest.slice(0, 12)} do not give its digest`);
    digests.add(a.digest);
  }
  for (const m of index.members) {
    if (m.path.startsWith(ARTIFACTS_PREFIX) && !digests.has(m.path.slice(ARTIFACTS_PREFIX.length).split('/')[0]!))
      throw refuse(bundle, `member ${m.path} belongs to no listed artifact`);
  }
  const pipelinePath = `${PIPELINE_PREFIX}${index.pipeline?.file}`;
  const lockPath = `${PIPELINE_PREFIX}${index.pipeline?.lock}`;
  for (const [what, path] of [
    ['pipeline', pipelinePath],
    ['lock', lockPath],
  ] as const) {
    if (!listed.has(path) || path.slice(PIPELINE_PREFIX.length).includes('/')) throw refuse(bundle, `its ${what} file ${path} is missing`);
  }
  const pipelineText = await readFile(join(root, pipelinePath));
  const lockText = await readFile(join(root, lockPath));
  let lock: LockFile;
  try {
    lock = JSON.parse(lockText.toString('utf8')) as LockFile;
  } catch {
    throw refuse(bundle, 'its lock file is not JSON');
  }
  if (lock?.pipeline?.sha256 !== sha256(pipelineText)) throw refuse(bundle, 'its lock file was not written for its pipeline file');
  for (const action of index.actions) {
    if (!DIGEST.test(action.key) || !digests.has(action.digest)) throw refuse(bundle, `the result of node ${action.node} is not in the bundle`);
    const locked = lock.nodes?.[action.node];
    if (!locked || locked.key !== action.key || locked.digest !== action.digest)
      throw refuse(bundle, `the result of node ${action.node} is not the one its lock names`);
  }
  return { index, lock, pipelineText, lockText };
}

export async function importBundle(
  bundle: string,
  o: { cacheDir: string; pipelineDir: string; overwrite: boolean; limits?: ImportLimits },
): Promise<ImportResult> {
  if (!existsSync(bundle)) throw new WsolError({ file: bundle, message: 'no such bundle', hint: 'give the path of a file made by `wsol-run export`' });
  await scan(bundle, o.limits ?? DEFAULT_IMPORT_LIMITS);
  const cache = new LocalCacheStore(o.cacheDir);
  await cache.open();
  const staging = await cache.createWorkDir();
  try {
    const tar = await import('tar');
    // Step 1 refused anything unsafe; the filter is a second guard, and strict mode fails on any warning.
    let unsafe = false;
    await tar
      .x({
        file: bundle,
        cwd: staging,
        strict: true,
        preservePaths: false,
        filter: (path, entry) => {
          const ok = safeEntryPath(path.replace(/\/+$/, '')) && 'type' in entry && (FILE_TYPES.has(entry.type) || entry.type === 'Directory');
          if (!ok) unsafe = true;
          return ok;
        },
      })
      .catch((e: unknown) => {
        throw refuse(bundle, `it could not be unpacked (${e instanceof Error ? e.message : String(e)})`);
      });
    if (unsafe) throw refuse(bundle, 'it changed while it was read');
    const { index, pipelineText, lockText } = await verify(bundle, staging);

    const pipelineFile = join(o.pipelineDir, index.pipeline.file);
    const lockFile = join(o.pipelineDir, index.pipeline.lock);
    for (const [path, text] of [
      [pipelineFile, pipelineText],
      [lockFile, lockText],
    ] as const) {
      const current = await readFile(path).catch(() => undefined);
      if (current && !current.equals(text) && !o.overwrite)
        throw new WsolError({
          file: path,
          message: 'exists with other content than the bundle brings',
          hint: 'import into another folder with --into DIR, or replace it with --overwrite; nothing was imported',
        });
    }

    let imported = 0;
    let present = 0;
    let bytes = 0;
    for (const a of index.artifacts) {
      const have = await cache.artifact(a.digest, 'full');
      if (have.ok) {
        present++;
        continue;
      }
      await cache.adopt(join(staging, `${ARTIFACTS_PREFIX}${a.digest}`), a.producer, a.digest);
      imported++;
      bytes += index.members.filter((m) => m.path.startsWith(`${ARTIFACTS_PREFIX}${a.digest}/`)).reduce((s, m) => s + m.size, 0);
    }
    for (const action of index.actions) await cache.recordAction(action.key, action.digest, action.type);
    await mkdir(o.pipelineDir, { recursive: true });
    await writeFileAtomic(pipelineFile, pipelineText);
    await writeFileAtomic(lockFile, lockText);
    return { pipelineFile, lockFile, imported, present, actions: index.actions.length, bytes };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
