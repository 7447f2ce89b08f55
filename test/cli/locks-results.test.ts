import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';
import { packagePath } from '../../src/paths.js';

const pipeline = {
  name: 'locks',
  nodes: {
    src: { type: 'util/concat', with: { text: 'S' } },
    sweep: { type: 'util/concat', inputs: { in: 'src' }, matrix: { text: ['1', '2'] } },
  },
};

test('every shipped lock is what today’s code computes from its pipeline (keys, backend, format), without running anything', async () => {
  const dir = packagePath('pipelines');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.lock.json'))
    .map((f) => join(dir, f));
  // Data paths in pipelines are relative to the working directory: the package root, as a user runs them.
  const r = await runCli(['locks', ...files], packagePath('.'));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // The pipelines RESULTS.md reads are among the ones with a lock.
  for (const name of [
    'num40',
    'rep10',
    'num40-calibration',
    'cluttered-mnist-bounds',
    'quickstart',
    'slt-net-ablation',
    'stl-cluttered-mnist',
    'imagenet-photos',
  ])
    assert.match(r.stdout, new RegExp(`current  \\S*${name}\\.json`), `${name}: ${r.stdout}`);
});

test('locks: a param edit, a node-version-like key change, a trial lock and a missing lock are stale; current after a re-run', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline);
  assert.equal((await runCli([file], dir)).code, 0);
  const ok = await runCli(['locks', file], dir);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /current .* \(3 node keys reproduced\)/);

  writePipeline(dir, { ...pipeline, nodes: { ...pipeline.nodes, src: { type: 'util/concat', with: { text: 'T' } } } });
  const edited = await runCli(['locks', file], dir);
  assert.equal(edited.code, 3);
  assert.match(edited.stdout, /STALE/);
  assert.match(edited.stdout, /the pipeline file was edited after the lock was written/);
  assert.match(edited.stdout, /src: key \w+, the lock has \w+: param text changed from "S" to "T"/);

  // A lock whose recorded key was changed (as a node-version bump changes what today's code computes).
  writePipeline(dir, pipeline);
  assert.equal((await runCli([file], dir)).code, 0);
  const lockFile = join(dir, 'pipeline.lock.json');
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { nodes: Record<string, { key: string; version: number }>; overrides: string[] };
  lock.nodes.src!.version = 0;
  lock.nodes.src!.key = '0'.repeat(64);
  lock.overrides = ['src.text=X'];
  writeFileSync(lockFile, JSON.stringify(lock));
  const bumped = await runCli(['locks', file, '--json'], dir);
  assert.equal(bumped.code, 3);
  const verdict = bumped.events.find((e) => e.event === 'lock') as { status: string; problems: { node?: string; message: string }[] };
  assert.equal(verdict.status, 'stale');
  assert.ok(
    verdict.problems.some((p) => p.node === 'src' && /node version changed from 0 to 1/.test(p.message)),
    JSON.stringify(verdict),
  );
  assert.ok(verdict.problems.some((p) => /written by a run with overrides/.test(p.message)));

  const other = writePipeline(dir, pipeline, 'other.json');
  assert.equal((await runCli(['locks', other], dir)).code, 0, 'no lock: listed, not a failure');
  const required = await runCli(['locks', other, '--require-lock'], dir);
  assert.equal(required.code, 3);
  assert.match(required.stdout, /no lock file .*other\.lock\.json/);
});

test('locks --refresh: an edit that keeps every key (a value made a param, a preset) is recorded without running; any other edit is refused', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline);
  assert.equal((await runCli([file], dir)).code, 0);
  const lockFile = join(dir, 'pipeline.lock.json');
  const before = JSON.parse(readFileSync(lockFile, 'utf8')) as { pipeline: { sha256: string }; params: object; nodes: object };
  const parametrised = {
    ...pipeline,
    params: { text: 'S' },
    presets: { smoke: { text: 'x' } },
    nodes: { ...pipeline.nodes, src: { type: 'util/concat', with: { text: '${params.text}' } } },
  };
  writePipeline(dir, parametrised);
  const stale = await runCli(['locks', file], dir);
  assert.equal(stale.code, 3);
  assert.match(stale.stdout, /3 reproduced, 1 problem/);
  assert.match(stale.stdout, /wsol-run locks --refresh/);
  const refreshed = await runCli(['locks', '--refresh', file], dir);
  assert.equal(refreshed.code, 0, refreshed.stdout + refreshed.stderr);
  assert.match(refreshed.stdout, /refreshed .*pipeline\.json \(3 node keys reproduced/);
  const after = JSON.parse(readFileSync(lockFile, 'utf8')) as typeof before;
  assert.notEqual(after.pipeline.sha256, before.pipeline.sha256);
  assert.deepEqual(after.params, { text: 'S' });
  assert.deepEqual(after.nodes, before.nodes, 'the node records are untouched');
  assert.equal((await runCli(['locks', file], dir)).code, 0);
  // A value edit changes a key: refresh leaves the lock as it is and the verdict stays stale.
  writePipeline(dir, { ...parametrised, params: { text: 'T' } });
  const refused = await runCli(['locks', '--refresh', file], dir);
  assert.equal(refused.code, 3);
  assert.match(refused.stdout, /STALE .*src: key \w+, the lock has \w+: param text changed from "S" to "T"/s);
  assert.deepEqual(JSON.parse(readFileSync(lockFile, 'utf8')), after);
});

test('results: tables rendered from a lock, --check passes on the rendered document and fails naming a table edited by hand', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, {
    name: 'm',
    nodes: { t: { type: 'diagnostics/train-speed', with: { steps: 2, warmup: 1, batch: 2, size: 16 }, matrix: { seed: [0, 1] } } },
  });
  const run = await runCli([file], dir);
  assert.equal(run.code, 0, run.stderr);
  const spec = {
    kind: 'metrics',
    lock: 'pipeline.lock.json',
    runs: true,
    columns: [{ metric: 'finalLoss', label: 'loss', digits: 3 }],
    rows: [{ label: 'speed', nodes: 't[seed=*]' }],
  };
  const doc = join(dir, 'R.md');
  writeFileSync(doc, `# R\n\n<!-- results ${JSON.stringify(spec)} -->\n<!-- /results -->\n\nprose stays\n`);
  const check0 = await runCli(['results', doc, '--check'], dir);
  assert.equal(check0.code, 3, 'an empty table differs from its lock');
  const render = await runCli(['results', doc], dir);
  assert.equal(render.code, 0, render.stderr);
  const text = readFileSync(doc, 'utf8');
  assert.match(text, /\| speed \| 2 \| \d+\.\d{3} ± \d+\.\d{3} \|/);
  assert.match(text, /prose stays/);
  assert.equal((await runCli(['results', doc, '--check'], dir)).code, 0);
  writeFileSync(doc, text.replace(/\| speed \| 2 \| [^\n]*/, '| speed | 2 | 0.001 ± 0.000 |'));
  const check = await runCli(['results', doc, '--check'], dir);
  assert.equal(check.code, 3);
  assert.match(check.stdout, /differs: the table at .*R\.md:3/);
  // A lock whose backend fact names wasm with another kernel build than today's can never be reproduced: stale.
  const lockFile = join(dir, 'pipeline.lock.json');
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { env: Record<string, string> };
  assert.match(lock.env.backend!, /^wasm@/);
  assert.equal((await runCli(['locks', file], dir)).code, 0);
  writeFileSync(lockFile, JSON.stringify({ ...lock, env: { backend: 'wasm@4.22.0+kernels3' } }));
  const old = await runCli(['locks', file], dir);
  assert.equal(old.code, 3);
  assert.match(old.stdout, /backend wasm@4\.22\.0\+kernels3: today's code on that backend is wasm@/);
  const missing = await runCli(['results', join(dir, 'nope.md')], dir);
  assert.equal(missing.code, 2);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
});

test('RESULTS.md is what its lock files render: every generated table', async () => {
  const r = await runCli(['results', packagePath('RESULTS.md'), '--check'], packagePath('.'));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\d+ tables match their lock files/);
});
