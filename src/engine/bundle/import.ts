/**
 * `wsol-run import`: brings a bundle's pipeline, lock and results into a
 * cache, trusting nothing in it. In order, and nothing enters the cache
 * before the last check passes (a bad bundle leaves the cache as it was):
 *
 *  1. read the bundle once without writing: the index first, then every
 *     member checked against it as its bytes stream past (listed, its size,
 *     its sha256); only regular files and folders at relative paths that
 *     stay inside, under the bundle's own prefixes, once each, within the
 *     index's total size (a tar bomb or an unlisted member stops the read);
 *     the pipeline and lock names are plain `<name>.json` and
 *     `<name>.lock.json`, the only files written outside the cache, with
 *     the plugin files under plugins/ when (and only when) asked with
 *     writePlugins (`--plugins`): their names plain relative paths, no `..`,
 *     no dot files, each one the pipeline's "plugins" field names;
 *  2. extract into a private work directory of the cache;
 *  3. check again what was unpacked (the file may have changed since), that
 *     each artifact's files give its digest, that every action names a
 *     bundled artifact and agrees with the lock, that the lock belongs to the
 *     pipeline file, that every key follows from that pipeline
 *     (bundle-keys.ts), and that no key the cache already has would map to
 *     another result (a conflict fails the import unless keepLocal);
 *  3d. with writePlugins, write the bundle's plugin files into pipelineDir at
 *     the paths the pipeline names (a different file there is refused;
 *     an identical one is left), before the keys are recomputed, so that
 *     the recomputation loads exactly those modules; a later refusal removes
 *     what was written;
 *  4. move the artifacts into the cache, record the actions that are new,
 *     write the pipeline and lock files, and note in the run store which
 *     results came from this bundle (provenance.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { lstat, mkdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { WsolError } from '../diagnostics.js';
import { artifactDigest, sha256, short } from '../keys.js';
import type { LockFile } from '../lockfile.js';
import { LocalCacheStore } from '../cache/store.js';
import { hashFile, listFiles, writeFileAtomic } from '../../core/files.js';
import type { LoadedPipeline } from '../load/load-pipeline.js';
import { excessiveNesting, MAX_JSON_DEPTH } from '../load/json-source.js';
import {
  ARTIFACTS_PREFIX,
  BUNDLE_FORMAT,
  BUNDLE_INDEX,
  BUNDLE_VERSION,
  normalPluginPath,
  PIPELINE_PREFIX,
  pluginPathProblem,
  PLUGINS_PREFIX,
  type BundledAction,
  type BundleIndex,
  type BundleMember,
} from './format.js';
import { unfollowedKeys } from './bundle-keys.js';
import { recordImport, type ImportedResult } from './provenance.js';
import { safeEntryPath } from '../../artifacts/npm-package.js';

/** The most a bundle may unpack to before importBundle stops reading it (`import --max-size`, `--max-entries`). */
export interface ImportLimits {
  /** Total bytes the bundle may unpack to. */
  maxBytes: number;
  /** Members it may hold. */
  maxEntries: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxBytes: 64 * 1024 ** 3, maxEntries: 1_000_000 };

/** What importBundle did, for the CLI's summary: the files written, artifacts moved in or already there, keys kept local and plugin files. */
export interface ImportResult {
  pipelineFile: string;
  lockFile: string;
  /** Artifacts moved into the cache, and those it already had. */
  imported: number;
  present: number;
  actions: number;
  bytes: number;
  /** With keepLocal: the keys whose local result stayed in force, with both digests. */
  keptLocal: { node: string; key: string; bundle: string; local: string }[];
  /** The plugin files the bundle carries (paths relative to pipelineDir): written, already there identical, or not written (no writePlugins). */
  plugins: { path: string; status: 'written' | 'present' | 'not-written' }[];
  /** The `--set` overrides the bundle's lock was made with: its results are that configuration's, so the next command needs them. */
  overrides: string[];
}

const DIGEST = /^[0-9a-f]{64}$/;
const FILE_TYPES = new Set(['File', 'OldFile']);

function refuse(bundle: string, message: string, hint = 'the bundle was altered or damaged: ask for it again; nothing was imported'): WsolError {
  return new WsolError({ file: bundle, message: `refused: ${message}`, hint });
}

function allowedPath(path: string): boolean {
  return path === BUNDLE_INDEX || path.startsWith(PIPELINE_PREFIX) || path.startsWith(ARTIFACTS_PREFIX) || path.startsWith(PLUGINS_PREFIX);
}

/** Why a plugins/ member's name may not be written into --into (its raw path, `..` and all), or undefined. */
function pluginMemberProblem(path: string): string | undefined {
  return path.startsWith(PLUGINS_PREFIX) ? pluginPathProblem(path.slice(PLUGINS_PREFIX.length)) : undefined;
}

/** A name `import` may write into --into: a plain `<name>.json` (no dot file, no folder, no other extension). */
const PIPELINE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*\.json$/;
/** The index is read into memory: it is small even for a million members (about 150 bytes each). */
const MAX_INDEX_BYTES = 512 * 1024 ** 2;

/** The index's shape, checked before anything trusts it. */
function checkIndex(bundle: string, index: BundleIndex, limits: ImportLimits): Map<string, BundleMember> {
  if (
    index?.format !== BUNDLE_FORMAT ||
    index.version !== BUNDLE_VERSION ||
    !Array.isArray(index.members) ||
    !Array.isArray(index.artifacts) ||
    !Array.isArray(index.actions)
  )
    throw refuse(bundle, `it is not a ${BUNDLE_FORMAT} version ${BUNDLE_VERSION}`, 'make bundles with `wsol-run export` of this version');
  const members = new Map<string, BundleMember>();
  let total = 0;
  for (const m of index.members) {
    if (!m || typeof m.path !== 'string' || !Number.isSafeInteger(m.size) || m.size < 0 || typeof m.sha256 !== 'string' || !DIGEST.test(m.sha256))
      throw refuse(bundle, `its index lists a malformed member (${JSON.stringify(m)?.slice(0, 80)})`);
    if (members.has(m.path)) throw refuse(bundle, `its index lists ${m.path} twice`);
    const pluginProblem = pluginMemberProblem(m.path);
    if (pluginProblem) throw refuse(bundle, `its index lists a plugin ${m.path} that may not be written into --into: ${pluginProblem}; nothing was unpacked`);
    members.set(m.path, m);
    total += m.size;
  }
  if (members.size + 1 > limits.maxEntries)
    throw refuse(bundle, `it holds more than ${limits.maxEntries} entries`, 'raise the limit with --max-entries if you trust it');
  if (total > limits.maxBytes) throw refuse(bundle, `it unpacks to more than ${limits.maxBytes} bytes`, 'raise the limit with --max-size if you trust it');
  const { file, lock } = index.pipeline ?? {};
  if (typeof file !== 'string' || !PIPELINE_NAME.test(file) || file.endsWith('.lock.json'))
    throw refuse(bundle, `its pipeline file name ${JSON.stringify(file)} is not a plain <name>.json`);
  if (lock !== `${file.slice(0, -'.json'.length)}.lock.json`)
    throw refuse(bundle, `its lock file name ${JSON.stringify(lock)} is not ${file.slice(0, -5)}.lock.json`);
  return members;
}

/**
 * Step 1: reads the whole bundle once, writing nothing. The index must come
 * first (`export` writes it first); every later member must be listed in it
 * with its size and sha256, checked while its bytes stream past, so the first
 * unknown, oversized or altered member stops the read there. Only regular
 * files under the bundle's own prefixes, at paths that stay inside, once each.
 * The size limit is the index's total (never more than --max-size).
 */
async function scan(bundle: string, limits: ImportLimits): Promise<BundleIndex> {
  const tar = await import('tar');
  const seen = new Set<string>();
  let index: BundleIndex | undefined;
  let members: Map<string, BundleMember> | undefined;
  let entries = 0;
  await new Promise<void>((resolve, reject) => {
    const source = createReadStream(bundle);
    let failed = false;
    const stop = (e: Error): void => {
      if (failed) return;
      failed = true;
      source.unpipe();
      source.destroy();
      reject(e);
    };
    const parser = new tar.Parser({
      strict: true,
      onReadEntry: (entry) => {
        if (failed) return void entry.resume();
        const path = entry.path.replace(/\/+$/, '');
        entries++;
        const problem =
          entry.type === 'Directory'
            ? safeEntryPath(path)
              ? undefined
              : 'a folder outside the bundle'
            : !FILE_TYPES.has(entry.type)
              ? `${entry.type === 'SymbolicLink' ? 'a symbolic link' : entry.type === 'Link' ? 'a hard link' : `a ${entry.type} entry`}: bundles hold plain files only`
              : !safeEntryPath(path)
                ? 'its path leaves the bundle'
                : !allowedPath(path)
                  ? 'not a bundle member'
                  : pluginMemberProblem(path)
                    ? `a plugin that may not be written into --into: ${pluginMemberProblem(path)}`
                    : seen.has(path)
                      ? 'appears twice'
                      : undefined;
        if (problem) return stop(refuse(bundle, `it holds an entry no bundle may hold: ${entry.path} (${problem}); nothing was unpacked`));
        if (entries > limits.maxEntries)
          return stop(refuse(bundle, `it holds more than ${limits.maxEntries} entries`, 'raise the limit with --max-entries if you trust it'));
        if (entry.type === 'Directory') return void entry.resume();
        seen.add(path);
        const size = entry.size ?? 0;
        if (!members) {
          if (path !== BUNDLE_INDEX) return stop(refuse(bundle, `its first member is ${path}, not ${BUNDLE_INDEX}`, 'make bundles with `wsol-run export`'));
          if (size > MAX_INDEX_BYTES) return stop(refuse(bundle, `its ${BUNDLE_INDEX} has ${size} bytes`));
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => {
            try {
              const text = Buffer.concat(chunks).toString('utf8');
              if (excessiveNesting(text) !== undefined) throw new Error(`it nests more than ${MAX_JSON_DEPTH} levels deep`);
              index = JSON.parse(text) as BundleIndex;
            } catch (e) {
              return stop(refuse(bundle, `its ${BUNDLE_INDEX} is not JSON (${e instanceof Error ? e.message : String(e)})`));
            }
            try {
              members = checkIndex(bundle, index, limits);
            } catch (e) {
              stop(e as Error);
            }
          });
          return;
        }
        const listed = members.get(path);
        if (!listed) return stop(refuse(bundle, `member ${path} is not in its index; nothing was unpacked`));
        if (listed.size !== size) return stop(refuse(bundle, `member ${path} has ${size} bytes, its index says ${listed.size}; nothing was unpacked`));
        const hash = createHash('sha256');
        entry.on('data', (c: Buffer) => hash.update(c));
        entry.on('end', () => {
          if (hash.digest('hex') !== listed.sha256)
            stop(refuse(bundle, `member ${path} does not match its size and sha256 in the index; nothing was unpacked`));
        });
      },
    });
    parser.on('error', (e: Error) => stop(refuse(bundle, `it is not a readable bundle (${e.message})`)));
    parser.on('end', () => {
      if (!failed) resolve();
    });
    source.on('error', (e) => stop(new WsolError({ file: bundle, message: `cannot read the bundle: ${e.message}`, hint: 'check the path' })));
    source.pipe(parser);
  });
  if (!index || !members) throw refuse(bundle, `it has no ${BUNDLE_INDEX}`, 'make bundles with `wsol-run export`');
  for (const path of members.keys()) if (!seen.has(path)) throw refuse(bundle, `member ${path} of its index is missing`);
  return index;
}

/** Step 3: everything unpacked is what the index says, and the index is consistent. */
async function verify(
  bundle: string,
  root: string,
  index: BundleIndex,
): Promise<{ lock: LockFile; pipelineText: Buffer; lockText: Buffer; plugins: BundleMember[] }> {
  const listed = new Map(index.members.map((m) => [m.path, m]));
  // Step 1 checked the bytes as they streamed; this guards against a bundle that changed between the two reads.
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
    if (typeof a?.digest !== 'string' || !DIGEST.test(a.digest)) throw refuse(bundle, `artifact name ${String(a?.digest)} is not a digest`);
    const prefix = `${ARTIFACTS_PREFIX}${a.digest}/`;
    const files = index.members.filter((m) => m.path.startsWith(prefix)).map((m) => ({ path: m.path.slice(prefix.length), size: m.size, sha256: m.sha256 }));
    if (artifactDigest(files) !== a.digest) throw refuse(bundle, `the files of artifact ${a.digest.slice(0, 12)} do not give its digest`);
    digests.add(a.digest);
  }
  for (const m of index.members) {
    if (m.path.startsWith(ARTIFACTS_PREFIX) && !digests.has(m.path.slice(ARTIFACTS_PREFIX.length).split('/')[0]!))
      throw refuse(bundle, `member ${m.path} belongs to no listed artifact`);
  }
  const pipelinePath = `${PIPELINE_PREFIX}${index.pipeline.file}`;
  const lockPath = `${PIPELINE_PREFIX}${index.pipeline.lock}`;
  for (const [what, path] of [
    ['pipeline', pipelinePath],
    ['lock', lockPath],
  ] as const) {
    if (!listed.has(path)) throw refuse(bundle, `its ${what} file ${path} is missing`);
  }
  const pipelineText = await readFile(join(root, pipelinePath));
  const lockText = await readFile(join(root, lockPath));
  let lock: LockFile;
  try {
    const text = lockText.toString('utf8');
    if (excessiveNesting(text) !== undefined) throw new Error('too deep');
    lock = JSON.parse(text) as LockFile;
  } catch {
    throw refuse(bundle, `its lock file is not JSON (or nests more than ${MAX_JSON_DEPTH} levels deep)`);
  }
  if (
    lock === null ||
    typeof lock !== 'object' ||
    typeof lock.nodes !== 'object' ||
    lock.nodes === null ||
    typeof lock.env !== 'object' ||
    lock.env === null ||
    !Array.isArray(lock.overrides) ||
    !lock.overrides.every((x) => typeof x === 'string') ||
    Object.values(lock.nodes).some((n) => n === null || typeof n !== 'object' || typeof n.key !== 'string' || typeof n.digest !== 'string')
  )
    throw refuse(bundle, 'its lock file is not a wsol-run lock');
  if (lock.pipeline?.sha256 !== sha256(pipelineText)) throw refuse(bundle, 'its lock file was not written for its pipeline file');
  const plugins = index.members.filter((m) => m.path.startsWith(PLUGINS_PREFIX));
  if (plugins.length) {
    let declared: unknown;
    try {
      declared = (JSON.parse(pipelineText.toString('utf8')) as { plugins?: unknown }).plugins;
    } catch {
      declared = undefined;
    }
    const named = new Set(Array.isArray(declared) ? declared.filter((x): x is string => typeof x === 'string').map(normalPluginPath) : []);
    for (const m of plugins) {
      const problem = pluginMemberProblem(m.path);
      if (problem) throw refuse(bundle, `plugin member ${m.path} may not be written into --into: ${problem}`);
      if (!named.has(m.path.slice(PLUGINS_PREFIX.length))) throw refuse(bundle, `member ${m.path} is not a plugin its pipeline names`);
    }
  }
  const nodes = new Set<string>();
  for (const action of index.actions) {
    if (!action || typeof action.node !== 'string' || typeof action.key !== 'string' || !DIGEST.test(action.key) || !digests.has(action.digest))
      throw refuse(bundle, `the result of node ${String(action?.node)} is not in the bundle`);
    if (nodes.has(action.node)) throw refuse(bundle, `it brings two results for node ${action.node}`);
    nodes.add(action.node);
    const locked = lock.nodes[action.node];
    if (!locked || locked.key !== action.key || locked.digest !== action.digest)
      throw refuse(bundle, `the result of node ${action.node} is not the one its lock names`);
  }
  return { lock, pipelineText, lockText, plugins };
}

/** How importBundle imports: into which cache and folder, what it may overwrite or keep, the limits, and how to load the bundle's pipeline. */
export interface ImportOptions {
  cacheDir: string;
  /** Where the pipeline and lock files go (created if absent; a file there is an error). */
  pipelineDir: string;
  overwrite: boolean;
  /** A key the cache already maps to another result keeps its own (the bundle's is skipped) instead of failing the import. */
  keepLocal?: boolean;
  /** Write the plugin files the bundle carries into pipelineDir (`--plugins`): code is written, and run by the key check, only when asked. */
  writePlugins?: boolean;
  limits?: ImportLimits;
  /** Loads the bundle's pipeline (unpacked at `file`, its plugins beside `pluginBase`) as `run` would, with the lock's overrides. */
  loadPipeline(file: string, o: { overrides: readonly string[]; pluginBase: string }): Promise<LoadedPipeline>;
}

/** A folder the pipeline and lock can be written into, made now: a file in the way is the user's to fix, before anything enters the cache. */
async function preparePipelineDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new WsolError({
      file: dir,
      message: code === 'EEXIST' || code === 'ENOTDIR' ? '--into names a file, not a folder' : `cannot create the folder for the pipeline (${code})`,
      hint: 'give --into a folder (it is created if absent); nothing was imported',
    });
  }
  if (!statSync(dir).isDirectory())
    throw new WsolError({
      file: dir,
      message: '--into names a file, not a folder',
      hint: 'give --into a folder (it is created if absent); nothing was imported',
    });
}

export async function importBundle(bundle: string, o: ImportOptions): Promise<ImportResult> {
  if (!existsSync(bundle)) throw new WsolError({ file: bundle, message: 'no such bundle', hint: 'give the path of a file made by `wsol-run export`' });
  const index = await scan(bundle, o.limits ?? DEFAULT_IMPORT_LIMITS);
  await preparePipelineDir(o.pipelineDir);
  const cache = new LocalCacheStore(o.cacheDir);
  await cache.open();
  const staging = await cache.createWorkDir();
  try {
    const tar = await import('tar');
    const listed = new Map(index.members.map((m) => [m.path, m.size]));
    // Step 1 refused anything unsafe or unlisted; the filter is a second guard (the file may have changed since), and strict mode fails on any warning.
    let unsafe = false;
    await tar
      .x({
        file: bundle,
        cwd: staging,
        strict: true,
        preservePaths: false,
        filter: (path, entry) => {
          const clean = path.replace(/\/+$/, '');
          const ok =
            safeEntryPath(clean) &&
            'type' in entry &&
            (entry.type === 'Directory' || (FILE_TYPES.has(entry.type) && (clean === BUNDLE_INDEX || listed.get(clean) === entry.size)));
          if (!ok) unsafe = true;
          return ok;
        },
      })
      .catch((e: unknown) => {
        throw refuse(bundle, `it could not be unpacked (${e instanceof Error ? e.message : String(e)})`);
      });
    if (unsafe) throw refuse(bundle, 'it changed while it was read');
    const { lock, pipelineText, lockText, plugins } = await verify(bundle, staging, index);

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

    // Step 3d, checked before anything is written: each plugin's place is free or holds the same bytes.
    const pluginResults: ImportResult['plugins'] = [];
    const toWrite: { rel: string; target: string; member: BundleMember }[] = [];
    const listedPlugins = plugins.map((m) => m.path.slice(PLUGINS_PREFIX.length));
    const pluginNote = `the bundle carries ${plugins.length} plugin(s) (${listedPlugins.join(', ')}): import with --plugins to write them into ${o.pipelineDir} (their code is run to check the keys, and by every run)`;
    for (const m of plugins) {
      const rel = m.path.slice(PLUGINS_PREFIX.length);
      if (!o.writePlugins) {
        pluginResults.push({ path: rel, status: 'not-written' });
        continue;
      }
      const target = join(o.pipelineDir, rel);
      await checkPluginFolders(o.pipelineDir, rel);
      const current = await lstat(target).catch(() => undefined);
      if (current) {
        if (!current.isFile() || !(await readFile(target)).equals(await readFile(join(staging, m.path))))
          throw new WsolError({
            file: target,
            message: 'exists with other content than the plugin the bundle brings',
            hint: 'import into another folder with --into DIR, or move that file away (a plugin file is never replaced, not even with --overwrite); nothing was imported',
          });
        pluginResults.push({ path: rel, status: 'present' });
        continue;
      }
      toWrite.push({ rel, target, member: m });
    }
    // What this import wrote into --into before the cache took anything: removed again if it is refused.
    const created: { path: string; folder: boolean }[] = [];
    let committed = false;
    try {
      for (const t of toWrite) {
        const folders: string[] = [];
        for (let d = dirname(t.target); !existsSync(d); d = dirname(d)) folders.unshift(d);
        for (const folder of folders) {
          await mkdir(folder);
          created.push({ path: folder, folder: true });
        }
        await writeFileAtomic(t.target, await readFile(join(staging, t.member.path)));
        created.push({ path: t.target, folder: false });
        if ((await hashFile(t.target)) !== t.member.sha256)
          throw refuse(bundle, `plugin ${t.rel} as written into --into does not match its sha256 in the index`);
        pluginResults.push({ path: t.rel, status: 'written' });
      }

      // Step 3b: every key follows from the bundle's own pipeline (its plugins, with writePlugins, the files just written).
      const staged = join(staging, `${PIPELINE_PREFIX}${index.pipeline.file}`);
      const untaken = plugins.length > 0 && !o.writePlugins;
      const { pipeline } = await o.loadPipeline(staged, { overrides: lock.overrides, pluginBase: o.pipelineDir }).catch((e: unknown) => {
        throw e instanceof WsolError
          ? new WsolError(
              e.diagnostics.map((d) => ({
                ...d,
                file: d.file === staged ? `${bundle}: ${index.pipeline.file}` : d.file,
                ...(untaken ? { hint: d.hint ? `${d.hint}; ${pluginNote}` : pluginNote } : {}),
              })),
            )
          : e;
      });
      const unfollowed = unfollowedKeys(pipeline, lock, index.actions);
      if (unfollowed.length)
        throw refuse(
          bundle,
          `${unfollowed.length} result(s) are filed under keys its pipeline does not give: ${unfollowed
            .slice(0, 4)
            .map((u) => `${u.node}: ${u.message}`)
            .join('; ')}${unfollowed.length > 4 ? '; …' : ''}`,
          `a bundle can only bring results of its own pipeline, made by this wsol-run version${untaken ? ` and its plugins (${pluginNote})` : ''}; nothing was imported`,
        );

      // Step 3c: a key the cache already maps to another result is a conflict: the local one is never replaced.
      const conflicts = index.actions
        .map((a) => ({ action: a, local: cache.recordedDigest(a.key) }))
        .filter((c): c is { action: BundledAction; local: string } => c.local !== undefined && c.local !== c.action.digest);
      if (conflicts.length && !o.keepLocal)
        throw new WsolError({
          file: bundle,
          message: `refused: for ${conflicts.length} node(s) this cache already holds another result under the same key — non-determinism, or a bundle that would replace a result: ${conflicts
            .slice(0, 4)
            .map((c) => `${c.action.node} (key ${short(c.action.key)}: here ${short(c.local)}, the bundle ${short(c.action.digest)})`)
            .join('; ')}${conflicts.length > 4 ? '; …' : ''}`,
          hint: 'import with --keep-local to bring the rest and keep your results for those keys, or compare by recomputing: wsol-run verify PIPELINE --recompute NODE; nothing was imported',
        });

      committed = true;
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
      const results: ImportedResult[] = [];
      for (const action of index.actions) {
        const r = await cache.recordActionIfAbsent(action.key, action.digest, action.type);
        const status = r.written ? 'added' : r.digest === action.digest ? 'present' : 'kept-local';
        results.push({ node: action.node, key: action.key, digest: action.digest, status, ...(status === 'kept-local' ? { local: r.digest } : {}) });
      }
      await writeFileAtomic(pipelineFile, pipelineText);
      await writeFileAtomic(lockFile, lockText);
      await recordImport(o.cacheDir, {
        bundle: resolve(bundle),
        bundleSha256: await hashFile(bundle),
        importedAt: new Date().toISOString(),
        pipeline: resolve(pipelineFile),
        results,
      });
      const kept = results.filter((r) => r.status === 'kept-local').map((r) => ({ node: r.node, key: r.key, bundle: r.digest, local: r.local! }));
      return {
        pipelineFile,
        lockFile,
        imported,
        present,
        actions: index.actions.length,
        bytes,
        keptLocal: kept,
        plugins: pluginResults,
        overrides: [...lock.overrides],
      };
    } catch (e) {
      if (!committed) for (const c of created.reverse()) await (c.folder ? rmdir(c.path) : rm(c.path, { force: true })).catch(() => undefined);
      throw e;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The folders on the way to a plugin's place in --into are folders, not links or files (an import writes nowhere else). */
async function checkPluginFolders(into: string, rel: string): Promise<void> {
  const segments = rel.split('/').slice(0, -1);
  let dir = into;
  for (const segment of segments) {
    dir = join(dir, segment);
    const s = await lstat(dir).catch(() => undefined);
    if (!s) return;
    if (s.isSymbolicLink() || !s.isDirectory())
      throw new WsolError({
        file: dir,
        message: `is in the way of plugin ${rel}: ${s.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}`,
        hint: `import into another folder with --into DIR, or move it away; nothing was imported (${relative(into, dir)})`,
      });
  }
}
