import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodesWith, runCli, tempDir, writePipeline } from '../helpers/cli.js';

const pipeline = {
  name: 'verbs',
  nodes: {
    src: { type: 'util/concat', with: { text: 'S' } },
    sweep: { type: 'util/concat', inputs: { in: 'src' }, matrix: { text: ['1', '2'] } },
    report: { type: 'util/concat', inputs: { all: 'sweep[*]' } },
  },
};

test('graph prints the expanded DAG as dot and mermaid', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline);
  const dot = await runCli(['graph', file], dir);
  assert.equal(dot.code, 0);
  assert.match(dot.stdout, /^digraph "verbs" \{/);
  assert.match(dot.stdout, /"src" -> "sweep\[text=1\]";/);
  assert.match(dot.stdout, /"sweep\[text=2\]" -> "report";/);
  const mermaid = await runCli(['graph', file, '--format', 'mermaid'], dir);
  assert.match(mermaid.stdout, /^flowchart LR/);
  assert.match(mermaid.stdout, /n0 --> n1/);
  assert.match(mermaid.stdout, /n2 --> n3/);
  const bad = await runCli(['graph', file, '--format', 'png'], dir);
  assert.equal(bad.code, 2);
});

test('show prints a node’s artifact, files and timing; status lists runs', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline);
  assert.equal((await runCli([file], dir)).code, 0);
  const show = await runCli(['show', file, 'sweep[text=2]'], dir);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /type\s+util\/concat v1/);
  assert.match(show.stdout, /files\s+out\.txt \(2 B\)/);
  assert.match(show.stdout, /timing\s+ran in \d+/);
  const json = await runCli(['show', file, 'report', '--json'], dir);
  const info = json.events[0] as { artifact: string; inputs: { all: { node: string }[] } };
  assert.ok(existsSync(join(info.artifact, 'out.txt')));
  assert.deepEqual(
    info.inputs.all.map((i) => i.node),
    ['sweep[text=1]', 'sweep[text=2]'],
  );
  const missing = await runCli(['show', file, 'sweep'], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /node 'sweep' has no result in the lock file/);

  assert.equal((await runCli([file], dir)).code, 0);
  const status = await runCli(['status'], dir);
  assert.match(status.stdout, /verbs\s+.*succeeded\s+0 ran, 4 cached/);
  assert.match(status.stdout, /verbs\s+.*succeeded\s+4 ran, 0 cached/);
  const one = await runCli(['status', file], dir);
  assert.match(one.stdout, /report\s+cached/);
});

test('gc removes what no lock file or recent run references, and says what it freed', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline);
  assert.equal((await runCli([file], dir)).code, 0);
  assert.equal((await runCli([file, '--set', 'src.text=T'], dir)).code, 0);
  // Both versions are referenced by recent runs: nothing to collect.
  const keep = await runCli(['gc', '--grace', '0'], dir);
  assert.match(keep.stdout, /freed 0 B: 0 artifact\(s\)/);
  // Only the lock file protects artifacts now: it records the committed configuration, not the --set experiment.
  const dry = await runCli(['gc', '--keep-days', '0', '--grace', '0', '--dry-run', '--json'], dir);
  const planned = dry.events[0] as { removedArtifacts: number; freedBytes: number };
  assert.equal(planned.removedArtifacts, 4);
  const gc = await runCli(['gc', '--keep-days', '0', '--grace', '0'], dir);
  assert.match(gc.stdout, /freed \d+ B: 4 artifact\(s\), 4 action record\(s\)/);
  // The committed configuration's results survive; the experiment is recomputed.
  const committed = await runCli([file, '--json'], dir);
  assert.deepEqual(nodesWith(committed, 'node-start'), []);
  const experiment = await runCli([file, '--json', '--set', 'src.text=T'], dir);
  assert.equal(nodesWith(experiment, 'node-start').length, 4);
});

test('--json streams one event per line with the documented fields', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline);
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.events[0]!.event, 'run-start');
  assert.equal(r.events.at(-1)!.event, 'run-done');
  for (const e of r.events.filter((x) => String(x.event).startsWith('node-'))) assert.equal(typeof e.node, 'string');
  const done = r.events.find((e) => e.event === 'node-done')!;
  assert.match(String(done.digest), /^[0-9a-f]{64}$/);
  assert.equal(typeof done.durationMs, 'number');
});

test('types lists node types with their params', async () => {
  const dir = tempDir();
  const r = await runCli(['types', 'util/sleep'], dir);
  assert.match(r.stdout, /util\/sleep v1 -> text/);
  assert.match(r.stdout, /ms: number \(required\)/);
  const unknown = await runCli(['types', 'util/slep'], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Did you mean 'util\/sleep'/);
});

test('show --set shows the result of that configuration, not only the latest run; an unrun configuration says how to run it', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline);
  assert.equal((await runCli([file], dir)).code, 0);
  assert.equal((await runCli([file, '--set', 'src.text=T'], dir)).code, 0);
  const out = async (args: string[]): Promise<string> => {
    const r = await runCli(['show', file, ...args, '--path'], dir);
    assert.equal(r.code, 0, r.stderr);
    return readFileSync(join(r.stdout.trim(), 'out.txt'), 'utf8');
  };
  // The lock file holds the committed configuration (S), not the --set experiment (T); --set reaches the other configuration, matrix instances included.
  assert.equal(await out(['report']), 'S1S2');
  assert.equal(await out(['report', '--set', 'src.text=T']), 'T1T2');
  assert.equal(await out(['report', '--set', 'src.text=S']), 'S1S2');
  assert.equal(await out(['sweep[text=2]', '--set', 'src.text=S']), 'S2');

  const json = await runCli(['show', file, 'report', '--set', 'src.text=S', '--json'], dir);
  assert.equal(json.code, 0, json.stderr);
  const info = json.events[0] as {
    params: { text: string };
    overrides: string[];
    inputs: { all: { node: string; digest: string }[] };
    lastRun: { status: string } | null;
  };
  assert.deepEqual(info.overrides, ['src.text=S']);
  assert.deepEqual(
    info.inputs.all.map((i) => i.node),
    ['sweep[text=1]', 'sweep[text=2]'],
  );
  assert.equal(info.lastRun?.status, 'done', 'the first run made this result');
  const text = await runCli(['show', file, 'src', '--set', 'src.text=S'], dir);
  assert.match(text.stdout, /set\s+src\.text=S\n/);
  assert.match(text.stdout, /params\s+\{"text":"S"\}/);
  // Without --set: the lock's (committed) configuration, with no overrides.
  const plain = (await runCli(['show', file, 'src'], dir)).stdout;
  assert.match(plain, /params\s+\{"text":"S"\}/);
  assert.doesNotMatch(plain, /^set\s/m);

  const unrun = await runCli(['show', file, 'report', '--set', 'src.text=U x'], dir);
  assert.equal(unrun.code, 2);
  assert.match(unrun.stderr, /'report' has no result with --set 'src\.text=U x' in cache .*: upstream 'sweep\[text=1\]', 'sweep\[text=2\]' will run/);
  assert.match(unrun.stderr, /hint: run that configuration first: wsol-run .*pipeline\.json --set 'src\.text=U x'/);
  const source = await runCli(['show', file, 'src', '--set', 'src.text=U'], dir);
  assert.equal(source.code, 2);
  assert.match(source.stderr, /'src' has no result with --set src\.text=U/);
  const unknown = await runCli(['show', file, 'nope', '--set', 'src.text=S'], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no node 'nope' in this pipeline/);
});

test('show --set gives the metrics of that configuration', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, { name: 'shapes', nodes: { data: { type: 'dataset/synthetic-shapes', with: { size: 16, train: 2, val: 2, test: 3 } } } });
  assert.equal((await runCli([file], dir)).code, 0);
  assert.equal((await runCli([file, '--set', 'data.test=4'], dir)).code, 0);
  const metrics = async (args: string[]): Promise<Record<string, unknown>> => {
    const r = await runCli(['show', file, 'data', '--json', ...args], dir);
    assert.equal(r.code, 0, r.stderr);
    return (r.events[0] as { metrics: Record<string, unknown> }).metrics;
  };
  assert.equal((await metrics([])).test, 3, "the lock's: the committed configuration, not the --set experiment");
  assert.equal((await metrics(['--set', 'data.test=3'])).test, 3);
  assert.equal((await metrics(['--set', 'data.test=4'])).test, 4);
});
