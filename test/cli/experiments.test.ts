/**
 * Experiments: the lock records the committed configuration only. A run with
 * --set (or --plugin, or another backend than the lock's) is recorded in the
 * run store with its overrides, keys, digests and metrics, and leaves the lock
 * as committed unless --update-lock; a failed or cancelled run writes no lock.
 * `exp show` lists the runs, `exp diff` compares two of them (or the lock).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli, startCli, tempDir, writePipeline } from '../helpers/cli.js';

const lockOf = (file: string): string => file.replace(/\.json$/, '.lock.json');
const read = (path: string): string => readFileSync(path, 'utf8');

const chain = {
  name: 'chain',
  nodes: { a: { type: 'util/concat', with: { text: 'a' } }, b: { type: 'util/concat', inputs: { x: 'a' }, with: { text: 'b' } } },
};

test('a --set run leaves the committed lock byte-identical and is recorded as an experiment; --update-lock writes it', async () => {
  const dir = tempDir('wsol-exp-');
  const file = writePipeline(dir, chain);
  assert.equal((await runCli([file], dir)).code, 0);
  const committed = read(lockOf(file));
  const exp = await runCli([file, '--set', 'a.text=z'], dir);
  assert.equal(exp.code, 0, exp.stderr);
  assert.equal(read(lockOf(file)), committed, 'the lock is the committed configuration only');
  assert.match(exp.stdout, /experiment \(--set a\.text=z\): lock left as committed; --update-lock to record it/);
  const shown = await runCli(['exp', 'show', file, '--json'], dir);
  assert.equal(shown.code, 0, shown.stderr);
  const [newest] = shown.events as { overrides: string[]; experiment: boolean; status: string; nodes: Record<string, { key: string; digest: string }> }[];
  assert.deepEqual(newest?.overrides, ['a.text=z']);
  assert.equal(newest?.experiment, true);
  assert.equal(newest?.status, 'succeeded');
  assert.match(newest?.nodes.b?.digest ?? '', /^[0-9a-f]{64}$/);

  const updated = await runCli([file, '--set', 'a.text=z', '--update-lock'], dir);
  assert.equal(updated.code, 0, updated.stderr);
  assert.notEqual(read(lockOf(file)), committed);
  assert.deepEqual((JSON.parse(read(lockOf(file))) as { overrides: string[] }).overrides, ['a.text=z']);
});

test('a --preset run is an experiment: the lock stays byte-identical, the run records the preset as its overrides and --run replays it', async () => {
  const dir = tempDir('wsol-exp-');
  const file = writePipeline(dir, {
    ...chain,
    params: { text: 'a' },
    presets: { tiny: { text: 't' } },
    nodes: { ...chain.nodes, a: { type: 'util/concat', with: { text: '${params.text}' } } },
  });
  assert.equal((await runCli([file], dir)).code, 0);
  const committed = read(lockOf(file));
  const exp = await runCli([file, '--preset', 'tiny'], dir);
  assert.equal(exp.code, 0, exp.stderr);
  assert.equal(read(lockOf(file)), committed);
  assert.match(exp.stdout, /experiment \(--set params\.text="t"\): lock left as committed/);
  const [row] = (await runCli(['exp', 'show', file, '--json'], dir)).events as { id: string; overrides: string[] }[];
  assert.deepEqual(row?.overrides, ['params.text="t"']);
  const replay = await runCli(['plan', file, '--run', row!.id], dir);
  assert.equal(replay.code, 0, replay.stderr);
  assert.match(replay.stdout, /0 to run/);
  const unknown = await runCli([file, '--preset', 'tiny2'], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--preset tiny2: no such preset in this pipeline\. Did you mean 'tiny'\?/);
});

test('a --plugin run is an experiment too: the lock stays as committed', async () => {
  const dir = tempDir('wsol-exp-');
  const file = writePipeline(dir, chain);
  assert.equal((await runCli([file], dir)).code, 0);
  const committed = read(lockOf(file));
  const plugin = fileURLToPath(new URL('../plugins/toy-plugin.js', import.meta.url));
  const r = await runCli([file, '--plugin', plugin], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(read(lockOf(file)), committed);
  assert.match(r.stdout, /experiment \(--plugin .*toy-plugin\.js\): lock left as committed/);
  const [row] = (await runCli(['exp', 'show', file, '--json'], dir)).events as { plugins: string[]; experiment: boolean }[];
  assert.equal(row?.experiment, true);
  assert.equal(row?.plugins.length, 1);
});

test('a failed run and a cancelled run write no lock, and leave an existing one as it was', async () => {
  const dir = tempDir('wsol-exp-');
  const failing = writePipeline(dir, { name: 'f', nodes: { a: { type: 'util/sleep', with: { ms: 1, fail: 'boom' } } } }, 'f.json');
  assert.equal((await runCli([failing], dir)).code, 1);
  assert.equal(existsSync(lockOf(failing)), false, 'no lock with "nodes": {}');

  const file = writePipeline(
    dir,
    { name: 'g', nodes: { a: { type: 'util/concat', with: { text: 'a' } }, s: { type: 'util/sleep', with: { ms: 1 } } } },
    'g.json',
  );
  assert.equal((await runCli([file], dir)).code, 0);
  const committed = read(lockOf(file));
  // The committed file now fails: the lock must keep the last good record.
  writePipeline(
    dir,
    { name: 'g', nodes: { a: { type: 'util/concat', with: { text: 'b' } }, s: { type: 'util/sleep', with: { ms: 1, fail: 'boom' } } } },
    'g.json',
  );
  assert.equal((await runCli([file, '--keep-going'], dir)).code, 1);
  assert.equal(read(lockOf(file)), committed);

  writePipeline(dir, { name: 'g', nodes: { a: { type: 'util/concat', with: { text: 'c' } }, s: { type: 'util/sleep', with: { ms: 60_000 } } } }, 'g.json');
  const cli = startCli([file, '--json'], dir);
  cli.onStdoutLine((line) => {
    if (line.includes('"node-start"') && line.includes('"s"')) cli.child.kill('SIGINT');
  });
  const cancelled = await cli.done;
  assert.equal(cancelled.code, 130, cancelled.stderr);
  assert.equal(read(lockOf(file)), committed);
});

const evalPipeline = {
  name: 'ev',
  nodes: {
    data: { type: 'dataset/synthetic-shapes', with: { size: 24, train: 2, val: 4, test: 4, seed: 1 } },
    floor: { type: 'maps/intensity', inputs: { dataset: 'data' } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'floor' } },
  },
};

const dir = tempDir('wsol-exp-eval-');
const file = writePipeline(dir, evalPipeline, 'ev.json');
let firstId = '';
let secondId = '';

test('exp show lists two real runs newest first, with overrides and metrics (text, --json, --csv)', async () => {
  assert.equal((await runCli([file], dir)).code, 0);
  const second = await runCli([file, '--set', 'data.seed=2'], dir);
  assert.equal(second.code, 0, second.stderr);
  const json = await runCli(['exp', 'show', file, '--json'], dir);
  assert.equal(json.code, 0, json.stderr);
  const rows = json.events as { id: string; overrides: string[]; metrics: Record<string, Record<string, unknown>> }[];
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0]?.overrides, ['data.seed=2'], 'newest first');
  assert.deepEqual(rows[1]?.overrides, []);
  assert.equal(typeof rows[0]?.metrics.eval?.maxBoxAccV2, 'number');
  assert.equal(typeof rows[1]?.metrics.eval?.maxBoxAccV2, 'number', 'metrics of a cached evaluation too');
  secondId = rows[0]!.id;
  firstId = rows[1]!.id;

  const text = await runCli(['exp', 'show', file], dir);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /id.*when.*overrides.*status/);
  assert.ok(lines.findIndex((l) => l.includes(secondId)) < lines.findIndex((l) => l.includes(firstId)), 'newest first');
  assert.match(text.stdout, /data\.seed=2/);
  assert.match(text.stdout, /eval\.maxBoxAccV2/);

  const csv = await runCli(['exp', 'show', file, '--csv'], dir);
  assert.equal(csv.code, 0, csv.stderr);
  const [header, row] = csv.stdout.trim().split('\n');
  assert.match(header ?? '', /^id,when,overrides,backend,status,.*eval\.maxBoxAccV2/);
  assert.match(row ?? '', new RegExp(`^${secondId},`));

  assert.equal((await runCli(['exp', 'show', file, '--json', '--limit', '1'], dir)).events.length, 1);
  assert.equal((await runCli(['exp', 'show', file, '--json', '--status', 'failed'], dir)).events.length, 0);
});

test('exp diff A B shows the changed param and the metric change; exp diff lock HEAD too', async () => {
  const diff = await runCli(['exp', 'diff', firstId.slice(0, 20), secondId, '--json'], dir);
  assert.equal(diff.code, 0, diff.stderr);
  const d = JSON.parse(diff.stdout) as {
    params: { node: string; param: string; a: unknown; b: unknown }[];
    metrics: { node: string; metric: string; a: number; b: number; change: number | null }[];
  };
  assert.deepEqual(
    d.params.find((p) => p.node === 'data' && p.param === 'seed'),
    { node: 'data', param: 'seed', a: 1, b: 2 },
  );
  const m = d.metrics.find((x) => x.node === 'eval' && x.metric === 'maxBoxAccV2');
  assert.ok(m, 'the evaluation metric is compared');
  assert.equal(m.change, m.b - m.a);

  const text = await runCli(['exp', 'diff', firstId, secondId], dir);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /data\s+seed\s+1\s+2/);
  assert.match(text.stdout, /eval\s+maxBoxAccV2/);

  const vsLock = await runCli(['exp', 'diff', 'lock', 'HEAD', '--pipeline', file, '--json'], dir);
  assert.equal(vsLock.code, 0, vsLock.stderr);
  const l = JSON.parse(vsLock.stdout) as typeof d & { a: { label: string }; b: { label: string } };
  assert.equal(l.a.label, 'lock');
  assert.ok(
    l.params.some((p) => p.node === 'data' && p.param === 'seed' && p.a === 1 && p.b === 2),
    'the lock is the committed seed, HEAD the experiment',
  );

  const unknown = await runCli(['exp', 'diff', 'nosuchrun', 'HEAD', '--pipeline', file], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /error: no run 'nosuchrun'/);
  assert.doesNotMatch(unknown.stderr, /\n\s+at /);
});

test("verify after --set names the param that changed, not only 'another key'", async () => {
  const v = await runCli(['verify', file, '--set', 'data.seed=3', '--wide'], dir);
  assert.equal(v.code, 3, v.stderr + v.stdout);
  assert.match(v.stdout, /param seed changed from 1 to 3/);
  assert.match(v.stdout, /another key than the lock's \([0-9a-f]+\): param seed changed/, 'the key is named, then why it differs');
});
