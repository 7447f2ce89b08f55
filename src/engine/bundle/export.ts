/**
 * `wsol-run export`: packs a pipeline, its lock and the cached results it
 * selects into a bundle (format.ts). The tar is written with fixed mtimes and
 * no owner names, in sorted order, so the same content gives the same bytes.
 */
import { copyFile, link, lstat, mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WsolError } from '../diagnostics.js';
import { ancestorsOf, pipelineGraph } from '../graph.js';
import { sha256 } from '../keys.js';
import { lockPathFor, readLock, type LockFile } from '../lockfile.js';
import type { ResolvedPipeline } from '../pipeline.js';
import { LocalCacheStore } from '../cache/store.js';
import { isErrno } from '../../core/files.js';
import { pluginHash } from '../../nodes/plugins.js';
import { unfollowedKeys } from './bundle-keys.js';
import { WSOL_RUN_VERSION } from '../../version.js';
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
  type BundledArtifact,
  type BundleIndex,
  type BundleMember,
} from './format.js';

/** Which results travel: every node's, none, or these nodes' with everything they depend on. */
export type ResultSelection = 'all' | 'none' | readonly string[];

/** What exportBundle did, for the CLI's summary: the bundle file and its size, the artifacts and nodes packed, and which plugins travel or not. */
export interface ExportResult {
  file: string;
  bytes: number;
  artifacts: number;
  /** Bytes of artifact files packed (before compression). */
  artifactBytes: number;
  nodes: string[];
  /** Plugin modules the pipeline loads (the file's and --plugin's), as URLs. */
  plugins: string[];
  /** With withPlugins: the "plugins" entries packed under plugins/, as relative paths. */
  packedPlugins: string[];
  /** Loaded plugins the bundle does not carry (the importer needs them at the same relative paths). */
  pluginsNotPacked: string[];
}

/** The same regex pluginHash follows: an import by a relative path. */
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/;

/**
 * The plugins the pipeline file names in "plugins", checked for packing: each a regular file at a
 * plain relative path inside or beside the pipeline's folder, importing nothing by a relative path
 * (those files would be missing where the bundle is imported), whose hash is the one in the keys.
 */
async function packablePlugins(p: ResolvedPipeline): Promise<{ rel: string; file: string }[]> {
  const declared = ((JSON.parse(await readFile(p.file, 'utf8')) as { plugins?: unknown }).plugins ?? []) as string[];
  const folder = dirname(p.file);
  const realFolder = await realpath(folder);
  const out: { rel: string; file: string }[] = [];
  const fix = 'export without --with-plugins and share the plugin separately';
  for (const path of declared) {
    const rel = normalPluginPath(path);
    const problem = isAbsolute(path) ? 'an absolute path' : pluginPathProblem(rel);
    if (problem)
      throw new WsolError({
        file: p.file,
        message: `plugin ${path}: ${problem} — not inside or beside the pipeline's folder as a plain relative path, so import could not write it where the pipeline looks for it`,
        hint: `move it into the pipeline's folder (or a folder below it, no dot folders) and name it there by a relative path, or ${fix}`,
      });
    if (out.some((x) => x.rel === rel)) continue;
    const file = join(folder, rel);
    const s = await lstat(file).catch(() => undefined);
    if (!s?.isFile())
      throw new WsolError({
        file: p.file,
        message: `plugin ${path}: ${!s ? 'not found' : s.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'} (${file}); only a regular file can be packed`,
        hint: `put the plugin file itself there (not a link), or ${fix}`,
      });
    const real = await realpath(file);
    if (!real.startsWith(realFolder + sep))
      throw new WsolError({
        file: p.file,
        message: `plugin ${path}: it resolves to ${real}, not inside or beside the pipeline's folder (a folder on its path is a link)`,
        hint: `copy the plugin into the pipeline's folder, or ${fix}`,
      });
    const relative = RELATIVE_IMPORT.exec(await readFile(file, 'utf8'));
    if (relative)
      throw new WsolError({
        file: p.file,
        message: `plugin ${path}: it imports ${relative[1]} by a relative path, and only single-file plugins can be packed (the files it imports would be missing where the bundle is imported)`,
        hint: `build the plugin into a single file (e.g. esbuild ${rel} --bundle --format=esm --platform=node --packages=external --outfile=...) and name that file in "plugins", or ${fix}`,
      });
    const ref = p.plugins.find((r) => r.url === pathToFileURL(real).href);
    if (!ref || pluginHash(real) !== ref.sha256)
      throw new WsolError({ file: p.file, message: `plugin ${path} changed while it was being exported`, hint: 'export again' });
    out.push({ rel, file });
  }
  return out;
}

/** Node ids whose results to pack: base ids expand to their instances; a node brings its ancestors (its key needs their digests). */
function selectNodes(p: ResolvedPipeline, selection: ResultSelection): string[] {
  if (selection === 'none') return [];
  if (selection === 'all') return [...p.nodes.keys()];
  const chosen = new Set<string>();
  for (const name of selection) {
    const ids = p.nodes.has(name) ? [name] : (p.instances.get(name) ?? []);
    if (ids.length === 0)
      throw new WsolError({ file: p.file, message: `--results ${name}: no such node`, hint: `nodes: ${[...p.instances.keys()].join(', ')}` });
    for (const id of ids) chosen.add(id);
  }
  for (const id of ancestorsOf(pipelineGraph(p), chosen)) chosen.add(id);
  return [...p.nodes.keys()].filter((id) => chosen.has(id));
}

/** Hard-links a file into the staging tree (a copy across file systems). */
async function place(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await link(from, to);
  } catch (e) {
    if (!isErrno(e, 'EXDEV', 'EPERM', 'EMLINK')) throw e;
    await copyFile(from, to);
  }
}

/** The pipeline's lock, which must exist and be the lock of the file as it is now. */
async function lockOfThisVersion(p: ResolvedPipeline, fileDigest: string): Promise<LockFile> {
  const lock = await readLock(p.file);
  if (!lock)
    throw new WsolError({
      file: lockPathFor(p.file),
      message: 'no lock file: nothing says which results belong to this pipeline',
      hint: `run it first: wsol-run ${p.file}`,
    });
  if (lock.pipeline.sha256 !== fileDigest)
    throw new WsolError({
      file: p.file,
      message: 'the pipeline was edited after its lock was written: the bundle would pair it with results of another version',
      hint: `run it again to bring the lock up to date: wsol-run ${p.file}`,
    });
  return lock;
}

/** The index then every member of the staging folder into a gzipped tar at `out`, reproducibly (epoch times, portable headers), written whole or not at all. */
async function packStaging(staging: string, members: readonly BundleMember[], out: string): Promise<void> {
  const tar = await import('tar');
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await tar.c({ gzip: true, file: tmp, cwd: staging, portable: true, mtime: new Date(0), noDirRecurse: true }, [BUNDLE_INDEX, ...members.map((m) => m.path)]);
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function exportBundle(
  p: ResolvedPipeline,
  o: { cacheDir: string; out: string; results: ResultSelection; fileDigest: string; withPlugins?: boolean },
): Promise<ExportResult> {
  const lock = await lockOfThisVersion(p, o.fileDigest);
  const lockFile = lockPathFor(p.file);
  const plugins = o.withPlugins ? await packablePlugins(p) : [];
  const cache = new LocalCacheStore(o.cacheDir);
  await cache.open();
  const nodes = selectNodes(p, o.results);
  const artifacts = new Map<string, BundledArtifact>();
  const actions: BundledAction[] = [];
  const staging = await cache.createWorkDir();
  try {
    const members: BundleMember[] = [];
    const add = async (archivePath: string, from: string): Promise<void> => {
      await place(from, join(staging, archivePath));
      const s = await stat(from);
      members.push({ path: archivePath, size: s.size, sha256: sha256(await readFile(from)) });
    };
    let artifactBytes = 0;
    for (const id of nodes) {
      const locked = lock.nodes[id];
      if (!locked)
        throw new WsolError({
          node: id,
          message: 'has no result in the lock (it failed or never ran)',
          hint: `run the pipeline until it succeeds, or leave it out with --results`,
        });
      actions.push({ node: id, key: locked.key, digest: locked.digest, type: locked.type });
      if (artifacts.has(locked.digest)) continue;
      const check = await cache.artifact(locked.digest, 'full');
      if (!check.ok)
        throw new WsolError({
          node: id,
          message: `its locked result ${locked.digest.slice(0, 12)} is not usable in ${o.cacheDir}: ${check.reason}`,
          hint: `run the pipeline (wsol-run ${p.file}) to recompute it, or export with --results none`,
        });
      artifacts.set(locked.digest, { digest: locked.digest, producer: check.artifact.manifest.producer });
      for (const f of check.artifact.manifest.files) {
        await place(join(check.artifact.dir, f.path), join(staging, `${ARTIFACTS_PREFIX}${locked.digest}/${f.path}`));
        members.push({ path: `${ARTIFACTS_PREFIX}${locked.digest}/${f.path}`, size: f.size, sha256: f.sha256 });
        artifactBytes += f.size;
      }
    }
    if (plugins.length) {
      // A plugin edited since the run would pack code the keys were not made with: the importer would refuse the bundle.
      const stale = unfollowedKeys(p, lock, actions);
      if (stale.length)
        throw new WsolError({
          file: p.file,
          message: `the keys in its lock do not follow from the pipeline and plugins as they are now (${stale[0]!.node}: ${stale[0]!.message}): a plugin was edited after the run`,
          hint: `run it again so the lock matches the plugins: wsol-run ${p.file}`,
        });
    }
    for (const plugin of plugins) await add(`${PLUGINS_PREFIX}${plugin.rel}`, plugin.file);
    const pipelineName = basename(p.file);
    const lockName = basename(lockFile);
    await add(`${PIPELINE_PREFIX}${pipelineName}`, p.file);
    await add(`${PIPELINE_PREFIX}${lockName}`, lockFile);
    members.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const index: BundleIndex = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      wsolRun: WSOL_RUN_VERSION,
      pipeline: { file: pipelineName, lock: lockName },
      members,
      artifacts: [...artifacts.values()],
      actions,
    };
    await writeFile(join(staging, BUNDLE_INDEX), `${JSON.stringify(index, null, 1)}\n`);
    await packStaging(staging, members, o.out);
    const packedUrls = new Set(await Promise.all(plugins.map(async (x) => pathToFileURL(await realpath(x.file)).href)));
    return {
      file: o.out,
      bytes: (await stat(o.out)).size,
      artifacts: artifacts.size,
      artifactBytes,
      nodes,
      plugins: p.plugins.map((x) => x.url),
      packedPlugins: plugins.map((x) => x.rel),
      pluginsNotPacked: p.plugins.map((x) => x.url).filter((u) => !packedUrls.has(u)),
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
