/**
 * A bundle cannot plant or replace results: import recomputes every key from
 * the bundle's own pipeline, never overwrites a key the cache already maps,
 * writes only `<name>.json` and `<name>.lock.json` into --into, and checks
 * members against the index while they stream. `run` that meets the lock's
 * key with other bytes says so and leaves the lock alone; `verify
 * --recompute` re-runs an imported result and compares its bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { crafted, type Index, snapshot } from '../helpers/bundle.js';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

const victim = { name: 'victim', nodes: { note: { type: 'util/concat', with: { text: 'the real result\n' } } } };
const attacker = { name: 'attacker', nodes: { note: { type: 'util/concat', with: { text: 'planted bytes\n' } } } };

interface Lock {
  pipeline: { sha256: string };
  nodes: Record<string, { key: string; digest: string }>;
}

/** A pipeline run and exported with all its results, in a home of its own. */
async function exported(pipeline: object, name: string): Promise<{ home: string; bundle: string; lock: Lock }> {
  const home = tempDir(`wsol-trust-${name}-`);
  const file = writePipeline(home, pipeline, `${name}.json`);
  const run = await runCli([file], home);
  assert.equal(run.code, 0, run.stderr);
  const bundle = join(home, `${name}.bundle.tar.gz`);
  assert.equal((await runCli(['export', file, '--results', 'all', '-o', bundle], home)).code, 0);
  return { home, bundle, lock: JSON.parse(readFileSync(join(home, `${name}.lock.json`), 'utf8')) as Lock };
}

function rewriteLock(root: string, index: Index, edit: (lock: Lock) => void): void {
  const path = join(root, 'pipeline', index.pipeline.lock);
  const lock = JSON.parse(readFileSync(path, 'utf8')) as Lock;
  edit(lock);
  writeFileSync(path, JSON.stringify(lock, null, 2));
}

test("a bundle filing its own result under another pipeline's key is refused, and the victim's cache is unchanged", async () => {
  const v = await exported(victim, 'victim');
  const a = await exported(attacker, 'attacker');
  const victimKey = v.lock.nodes.note!.key;
  const planted = await crafted(a.bundle, (root, index) => {
    index.actions[0]!.key = victimKey;
    rewriteLock(root, index, (lock) => {
      lock.nodes.note!.key = victimKey;
    });
  });
  for (const cacheHome of [tempDir('wsol-trust-fresh-'), v.home]) {
    const before = snapshot(join(cacheHome, 'cache'));
    const r = await runCli(['import', planted, '--into', join(cacheHome, 'imported')], cacheHome);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /refused: 1 result\(s\) are filed under keys its pipeline does not give: note: it is filed under key [0-9a-f]{12}, but the bundle's pipeline gives [0-9a-f]{12}/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(snapshot(join(cacheHome, 'cache')), before, 'the cache is unchanged');
    assert.ok(!existsSync(join(cacheHome, 'imported', 'attacker.json')));
  }
  // The victim's run still serves its own bytes.
  const rerun = await runCli(['victim.json', '--json'], v.home);
  assert.equal(rerun.code, 0, rerun.stderr);
  const cached = rerun.events.find((e) => e.event === 'node-cached' && e.node === 'note') as { digest: string } | undefined;
  assert.equal(cached?.digest, v.lock.nodes.note!.digest);
});

test('a bundle that would replace a result the cache holds under the same key is refused; --keep-local keeps the local one; verify --recompute tells the planted one', async () => {
  const v = await exported(victim, 'victim');
  const a = await exported(attacker, 'attacker');
  // The victim's own pipeline and key (they follow), with the attacker's artifact as the result.
  const attackerFiles = tempDir('wsol-craft-attacker-');
  await tar.x({ file: a.bundle, cwd: attackerFiles });
  const planted = await crafted(v.bundle, (root, index) => {
    const theirs = a.lock.nodes.note!.digest;
    const artifacts = join(root, 'cache', 'artifacts');
    rmSync(join(artifacts, index.actions[0]!.digest), { recursive: true });
    cpSync(join(attackerFiles, 'cache', 'artifacts', theirs), join(artifacts, theirs), { recursive: true });
    index.artifacts = [{ ...index.artifacts[0]!, digest: theirs }];
    index.actions[0]!.digest = theirs;
    rewriteLock(root, index, (lock) => {
      lock.nodes.note!.digest = theirs;
    });
  });

  // Into the victim's cache, which has the real result for that key: refused, nothing changes.
  const before = snapshot(join(v.home, 'cache'));
  const refused = await runCli(['import', planted, '--into', join(v.home, 'imported')], v.home);
  assert.equal(refused.code, 2, refused.stdout + refused.stderr);
  assert.match(
    refused.stderr,
    /this cache already holds another result under the same key .*note \(key [0-9a-f]{12}: here [0-9a-f]{12}, the bundle [0-9a-f]{12}\)/,
  );
  assert.match(refused.stderr, /--keep-local/);
  assert.deepEqual(snapshot(join(v.home, 'cache')), before, 'the cache is unchanged: the action record is not overwritten');

  // --keep-local brings the rest and keeps the local result in force.
  const kept = await runCli(['import', planted, '--into', join(v.home, 'imported'), '--keep-local'], v.home);
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stdout, /kept local: note \(key [0-9a-f]{12}\): this cache's [0-9a-f]{12} stays in force/);
  const rerun = await runCli(['victim.json', '--json'], v.home);
  const cached = rerun.events.find((e) => e.event === 'node-cached' && e.node === 'note') as { digest: string } | undefined;
  assert.equal(cached?.digest, v.lock.nodes.note!.digest, 'the local result still serves');

  // Into a fresh cache the planted result is adopted (its key follows), recorded as the bundle's, and recomputing tells.
  const fresh = tempDir('wsol-trust-fresh2-');
  const adopted = await runCli(['import', planted], fresh);
  assert.equal(adopted.code, 0, adopted.stderr);
  const imports = readFileSync(join(fresh, 'cache', 'runs', 'imports.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(imports.length, 1);
  const record = JSON.parse(imports[0]!) as { bundle: string; results: { node: string; status: string }[] };
  assert.equal(record.bundle, planted);
  assert.deepEqual(
    record.results.map((r) => [r.node, r.status]),
    [['note', 'added']],
  );
  const shown = await runCli(['show', 'victim.json', 'note'], fresh);
  assert.match(shown.stdout, /imported\s+from bundle .*crafted\.tar\.gz .*recompute with: wsol-run verify victim\.json --recompute note/);
  const check = await runCli(['verify', 'victim.json', '--recompute', 'note', '--wide'], fresh);
  assert.equal(check.code, 3, check.stdout + check.stderr);
  assert.match(check.stdout, /note\s+differs\s.*recomputed: other bytes than the lock \(the lock's result came from bundle .*crafted\.tar\.gz/);
  const honest = await runCli(['verify', 'victim.json', '--recompute', 'note'], v.home);
  assert.equal(honest.code, 0, honest.stdout + honest.stderr);
  assert.match(honest.stdout, /note\s+same\s.*recomputed: the same bytes as the lock/);
  const misplaced = await runCli(['victim.json', '--recompute', 'note'], v.home);
  assert.equal(misplaced.code, 2);
});

test('run that finds the lock key with other bytes warns and leaves the lock as it was; --update-lock writes it', async () => {
  const v = await exported(victim, 'victim');
  const lockFile = join(v.home, 'victim.lock.json');
  const original = readFileSync(lockFile, 'utf8');
  // The lock says another digest for the same key (a lock edited by hand, or a cache that changed under it).
  const edited = JSON.parse(original) as Lock;
  edited.nodes.note!.digest = 'f'.repeat(64);
  const editedText = `${JSON.stringify(edited, null, 2)}\n`;
  writeFileSync(lockFile, editedText);
  const r = await runCli(['victim.json', '--wide'], v.home);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /note: same key [0-9a-f]{12} as the lock, other bytes \(the cache holds [0-9a-f]{12}, the lock says ffffffffffff\)/);
  assert.match(r.stdout, /victim\.lock\.json was NOT rewritten/);
  assert.equal(readFileSync(lockFile, 'utf8'), editedText, 'the lock is left as it was');
  const accepted = await runCli(['victim.json', '--update-lock'], v.home);
  assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);
  assert.equal(readFileSync(lockFile, 'utf8'), original);
});

test('verify re-hashes what it reuses: a byte rotted in a cached artifact with its mtime intact is found and recomputed', async () => {
  const v = await exported(victim, 'victim');
  const digest = v.lock.nodes.note!.digest;
  const file = join(v.home, 'cache', 'artifacts', digest.slice(0, 2), digest, 'out.txt');
  // A whole-second mtime, as the manifest records it, so that restoring it after the rot is exact.
  const manifestFile = join(v.home, 'cache', 'artifacts', digest.slice(0, 2), `${digest}.json`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { mtimes: Record<string, number> };
  const second = new Date(1_600_000_000_000);
  manifest.mtimes['out.txt'] = second.getTime();
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const bytes = readFileSync(file);
  bytes[0] = bytes[0]! ^ 1;
  writeFileSync(file, bytes, { flag: 'w', mode: 0o644 });
  utimesSync(file, second, second);
  const plain = await runCli(['victim.json', '--json'], v.home);
  assert.ok(!plain.events.some((e) => e.event === 'node-start'), 'a plain run trusts the mtime (the fast check); only verify and --verify re-hash');
  const r = await runCli(['verify', 'victim.json', '--json'], v.home);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(
    r.events.some((e) => e.event === 'node-start' && e.node === 'note'),
    'the rotted result is not reused',
  );
  assert.equal(readFileSync(file, 'utf8'), 'the real result\n', 'recomputed to the locked bytes');
});

test('a bundle names only <name>.json and <name>.lock.json in --into: a dot file or a path is refused and nothing is written', async () => {
  const v = await exported(victim, 'victim');
  for (const [file, lock] of [
    ['.bashrc', '.bashrc.lock.json'],
    ['../victim.json', '../victim.lock.json'],
    ['victim.json', '.profile'],
  ] as const) {
    const bad = await crafted(v.bundle, (root, index) => {
      void root;
      index.pipeline = { file, lock };
    });
    const into = tempDir('wsol-trust-into-');
    const r = await runCli(['import', bad, '--into', into], into);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /refused: its (pipeline|lock) file name .* is not/);
    assert.deepEqual(readdirSync(into), [], `nothing written for ${file}`);
  }
});

test('a member the index does not list, or larger than it says, stops the read before anything is unpacked', async () => {
  const v = await exported(victim, 'victim');
  const root = tempDir('wsol-craft-unlisted-');
  await tar.x({ file: v.bundle, cwd: root });
  const digest = v.lock.nodes.note!.digest;
  writeFileSync(join(root, 'cache', 'artifacts', digest, 'huge.bin'), Buffer.alloc(8 * 1024 * 1024));
  const out = join(tempDir('wsol-crafted-unlisted-'), 'unlisted.tar.gz');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((p) => statSync(join(root, p)).isFile() && p !== 'wsol-bundle.json');
  await tar.c({ gzip: true, file: out, cwd: root, portable: true }, ['wsol-bundle.json', ...files.sort()]);
  const into = tempDir('wsol-trust-unlisted-');
  const r = await runCli(['import', out], into);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /refused: member cache\/artifacts\/[0-9a-f]{64}\/huge\.bin is not in its index; nothing was unpacked/);
  assert.deepEqual(snapshot(join(into, 'cache')), [], 'nothing entered the cache');

  // The index must come first: a bundle that puts it last is refused before any member is written.
  const last = join(tempDir('wsol-crafted-last-'), 'last.tar.gz');
  await tar.c({ gzip: true, file: last, cwd: root, portable: true }, [...files.filter((p) => !p.endsWith('huge.bin')).sort(), 'wsol-bundle.json']);
  const r2 = await runCli(['import', last], tempDir('wsol-trust-last-'));
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /refused: its first member is .*, not wsol-bundle\.json/);
});

test('import --into a file is an environment error (exit 2) and commits nothing to the cache', async () => {
  const v = await exported(victim, 'victim');
  const dir = tempDir('wsol-trust-intofile-');
  writeFileSync(join(dir, 'afile'), 'mine\n');
  const r = await runCli(['import', v.bundle, '--into', join(dir, 'afile')], dir);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--into names a file, not a folder/);
  assert.doesNotMatch(r.stderr, /this is a bug/);
  assert.deepEqual(snapshot(join(dir, 'cache')), [], 'nothing was committed');
  assert.equal(readFileSync(join(dir, 'afile'), 'utf8'), 'mine\n');
});
