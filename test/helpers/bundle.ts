/** Helpers for tests that take bundles apart and craft bad ones. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as tar from 'tar';
import { tempDir } from './cli.js';

export interface Index {
  pipeline: { file: string; lock: string };
  members: { path: string; size: number; sha256: string }[];
  actions: { node: string; key: string; digest: string; type: string }[];
  artifacts: { digest: string }[];
}

export const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Every file under a cache except the run store, with its size and content hash: what "unchanged" compares. */
export function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (
    (readdirSync(dir, { recursive: true }) as string[])
      .map((p) => join(dir, p))
      // The run store and the layout's tag (a fresh cache is laid out before the bundle is checked) are not results.
      .filter((p) => statSync(p).isFile() && !p.startsWith(join(dir, 'runs')) && !p.endsWith('CACHEDIR.TAG'))
      .map((p) => `${relative(dir, p)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`)
      .sort()
  );
}

/**
 * Unpacks a bundle, lets `alter` rewrite its files (the index's member sizes and hashes
 * are then brought up to date, as an attacker would), and packs it again, index first.
 * `o.unlisted` are files packed but left out of the index.
 */
export async function crafted(bundle: string, alter: (root: string, index: Index) => void, o: { unlisted?: string[] } = {}): Promise<string> {
  const root = tempDir('wsol-craft-');
  await tar.x({ file: bundle, cwd: root });
  const index = JSON.parse(readFileSync(join(root, 'wsol-bundle.json'), 'utf8')) as Index;
  alter(root, index);
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((p) => statSync(join(root, p)).isFile() && p !== 'wsol-bundle.json');
  return packWithIndex(root, index, files, files.filter((p) => !o.unlisted?.includes(p)).sort(), 'crafted');
}

/**
 * Packs `paths` of an unpacked bundle under `root`, index first (paths exactly as given, `..` kept), with the
 * index's members brought up to date for `listed` (their sizes and hashes, as an attacker would).
 */
export async function packWithIndex(root: string, index: Index, paths: string[], listed: string[], name: string): Promise<string> {
  index.members = listed.map((p) => {
    const bytes = readFileSync(join(root, p));
    return { path: p, size: bytes.length, sha256: sha(bytes) };
  });
  writeFileSync(join(root, 'wsol-bundle.json'), JSON.stringify(index));
  const out = join(tempDir(`wsol-${name}-`), `${name}.tar.gz`);
  await tar.c({ gzip: true, file: out, cwd: root, portable: true }, ['wsol-bundle.json', ...paths]);
  return out;
}
