/**
 * export / import through the CLI: a bundle with results makes the run on a
 * fresh cache a no-op with the same digests; a tampered bundle (one byte of
 * a member, a `../` member, a symlink, a truncated file) is refused and the
 * cache stays exactly as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as tar from 'tar';
import { nodesWith, runCli, tempDir, writePipeline } from '../helpers/cli.js';

const pipeline = {
  name: 'shared',
  nodes: {
    data: { type: 'dataset/synthetic-shapes', with: { size: 24, train: 32, val: 8, test: 8, seed: 1 } },
    cls: { type: 'train/classifier', inputs: { dataset: 'data' }, with: { channels: [8, 8], poolAfter: [0], epochs: 1, batchSize: 8 } },
    maps: { type: 'maps/cam', inputs: { model: 'cls', dataset: 'data' }, with: { splits: ['val', 'test'] } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'maps' } },
  },
};

/** Every file under a directory with its size: what "the cache is unchanged" compares. */
function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((p) => join(dir, p))
    .filter((p) => statSync(p).isFile() && !p.includes(`${join(dir, 'runs')}`))
    .map((p) => `${relative(dir, p)} ${statSync(p).size}`)
    .sort();
}

function digests(events: Record<string, unknown>[]): Record<string, string> {
  return Object.fromEntries(events.filter((e) => e.event === 'node-done' || e.event === 'node-cached').map((e) => [String(e.node), String(e.digest)]));
}

const home = tempDir('wsol-bundle-');
const file = writePipeline(home, pipeline, 'shared.json');
const bundle = join(home, 'shared.bundle.tar.gz');
let original: Record<string, string> = {};

test('export with results, import on a fresh cache elsewhere: the run there is a no-op with the same digests', async () => {
  const run = await runCli([file, '--json'], home);
  assert.equal(run.code, 0, run.stderr);
  original = digests(run.events);
  const exported = await runCli(['export', file, '--results', 'all'], home);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /wrote shared\.bundle\.tar\.gz .* 4 result\(s\) of 4 node\(s\)/);
  const again = await runCli(['export', file, '--results', 'all', '-o', join(home, 'again.tar.gz')], home);
  assert.equal(again.code, 0);
  assert.ok(readFileSync(bundle).equals(readFileSync(join(home, 'again.tar.gz'))), 'the same content gives the same bundle bytes');
  const some = await runCli(['export', file, '--results', 'maps', '-o', join(home, 'maps.tar.gz')], home);
  assert.match(some.stdout, /3 result\(s\) of 3 node\(s\)/, 'a node travels with the nodes its key depends on');
  const unknown = await runCli(['export', file, '--results', 'nope'], home);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--results nope: no such node/);

  const colleague = tempDir('wsol-bundle-colleague-');
  const imported = await runCli(['import', bundle], colleague);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /imported shared\.json and its lock; 4 result\(s\) added to the cache/);
  const theirs = await runCli(['shared.json', '--json'], colleague);
  assert.equal(theirs.code, 0, theirs.stderr);
  assert.deepEqual(nodesWith(theirs, 'node-start'), [], 'nothing runs');
  assert.deepEqual(digests(theirs.events), original);
  const verify = await runCli(['verify', 'shared.json'], colleague);
  assert.equal(verify.code, 0, verify.stdout);
  assert.match(verify.stdout, /reproduced/);
  assert.deepEqual(readdirSync(colleague).sort(), ['cache', 'shared.json', 'shared.lock.json']);

  // Importing twice is harmless; a differing pipeline file there is not overwritten without --overwrite.
  assert.equal((await runCli(['import', bundle], colleague)).code, 0);
  writeFileSync(join(colleague, 'shared.json'), '{"name": "mine", "nodes": {}}');
  const clash = await runCli(['import', bundle], colleague);
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /exists with other content than the bundle brings/);
});

test('without results the bundle carries the pipeline and lock; a fresh cache then recomputes to the same digests', async () => {
  const lean = join(home, 'lean.tar.gz');
  assert.equal((await runCli(['export', file, '-o', lean], home)).code, 0);
  const colleague = tempDir('wsol-bundle-lean-');
  assert.equal((await runCli(['import', lean], colleague)).code, 0);
  const verify = await runCli(['verify', 'shared.json', '--json'], colleague);
  assert.equal(verify.code, 0, verify.stderr);
  assert.deepEqual(digests(verify.events), original, 'recomputed on another cache: the same bytes');
});

/** Unpacks the bundle, lets `alter` change the tree, and packs it again (the index untouched). */
async function tampered(
  name: string,
  alter: (root: string) => void,
  paths?: (root: string) => string[],
  options: { preservePaths?: boolean } = {},
): Promise<string> {
  const root = tempDir(`wsol-tamper-${name}-`);
  await tar.x({ file: bundle, cwd: root });
  alter(root);
  const out = join(tempDir('wsol-tampered-'), `${name}.tar.gz`);
  const files = paths ? paths(root) : (readdirSync(root, { recursive: true }) as string[]).filter((p) => !statSync(join(root, p)).isDirectory() || false);
  // The index first, as `export` writes it.
  const members = [...files.filter((p) => p === 'wsol-bundle.json'), ...files.filter((p) => p !== 'wsol-bundle.json')];
  await tar.c({ gzip: true, file: out, cwd: root, portable: true, ...options }, members);
  return out;
}

async function assertRefused(badBundle: string, pattern: RegExp): Promise<void> {
  const colleague = tempDir('wsol-bundle-victim-');
  // A cache with content of its own: it must be left exactly as it was.
  assert.equal((await runCli(['import', bundle, '--into', join(colleague, 'first')], colleague)).code, 0);
  const before = snapshot(join(colleague, 'cache'));
  const r = await runCli(['import', badBundle, '--into', join(colleague, 'second')], colleague);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /refused/);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(snapshot(join(colleague, 'cache')), before, 'the cache is unchanged');
  assert.ok(!existsSync(join(colleague, 'second')), 'no pipeline file was written');
}

test('a bundle with one byte changed in a member is refused and changes nothing', async () => {
  const bad = await tampered('byte', (root) => {
    const weights = (readdirSync(root, { recursive: true }) as string[]).find((p) => p.endsWith('weights.bin'))!;
    const bytes = readFileSync(join(root, weights));
    bytes[100] = bytes[100]! ^ 1;
    writeFileSync(join(root, weights), bytes);
  });
  await assertRefused(bad, /weights\.bin does not match its size and sha256/);
});

test('a bundle with a ../ member is refused and changes nothing', async () => {
  const bad = await tampered(
    'dotdot',
    (root) => {
      mkdirSync(join(root, 'pipeline'), { recursive: true });
      writeFileSync(join(root, '..', 'evil.txt'), 'outside\n');
    },
    (root) => [...(readdirSync(root, { recursive: true }) as string[]).filter((p) => statSync(join(root, p)).isFile()), '../evil.txt'],
    { preservePaths: true },
  );
  await assertRefused(bad, /evil\.txt \((its path leaves the bundle|a folder outside)/);
});

test('a bundle with a symbolic link is refused and changes nothing', async () => {
  const bad = await tampered('symlink', (root) => {
    symlinkSync('/etc/passwd', join(root, 'pipeline', 'notes.txt'));
  });
  await assertRefused(bad, /notes\.txt \(a symbolic link/);
});

test('a bundle with a hard link is refused and changes nothing', async () => {
  const bad = await tampered(
    'hardlink',
    (root) => {
      linkSync(join(root, 'pipeline', 'shared.json'), join(root, 'pipeline', 'copy.json'));
    },
    // The copy after the original, so the archive stores it as a link to it.
    (root) => [
      ...(readdirSync(root, { recursive: true }) as string[]).filter((p) => statSync(join(root, p)).isFile() && p !== join('pipeline', 'copy.json')),
      join('pipeline', 'copy.json'),
    ],
  );
  await assertRefused(bad, /a hard link/);
});

test('a truncated bundle is refused and changes nothing', async () => {
  const bytes = readFileSync(bundle);
  const bad = join(tempDir('wsol-truncated-'), 'cut.tar.gz');
  writeFileSync(bad, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assertRefused(bad, /not a readable bundle|could not be unpacked|is missing/);
});

test('a bundle larger than --max-size is refused before it is unpacked', async () => {
  const colleague = tempDir('wsol-bundle-bomb-');
  const r = await runCli(['import', bundle, '--max-size', '1000'], colleague);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unpacks to more than 1000 bytes/);
  assert.ok(!existsSync(join(colleague, 'shared.json')));
});
