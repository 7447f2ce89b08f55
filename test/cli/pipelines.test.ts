import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodesWith, runCli, tempDir } from '../helpers/cli.js';
import { packagePath } from '../../src/paths.js';

const TINY = ['--set', 'data.train=48', '--set', 'data.val=24', '--set', 'data.test=24', '--set', 'params.epochs=1'];

function shipped(name: string, dir: string): string {
  const target = join(dir, name);
  copyFileSync(packagePath(`pipelines/${name}`), target);
  return target;
}

test('the quickstart runs end to end at a tiny size, then re-runs as a no-op; a NaN loss fails only its branch', async () => {
  const dir = tempDir();
  const file = shipped('quickstart.json', dir);
  const r = await runCli([file, '--json', ...TINY], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const done = r.events.filter((e) => e.event === 'node-done') as { node: string; metrics?: Record<string, number> }[];
  assert.deepEqual(done.map((e) => e.node).sort(), [
    'boxes',
    'classifier',
    'data',
    'eval',
    'eval-localizer',
    'localizer',
    'localizer-maps',
    'pseudo-boxes',
    'regressor',
    'report',
  ]);
  const evalLoc = done.find((e) => e.node === 'eval-localizer')!.metrics!;
  for (const m of ['gtKnownLoc', 'top1Loc', 'maxBoxAccV2', 'pxap']) assert.ok(Number.isFinite(evalLoc[m]), `${m} in ${JSON.stringify(evalLoc)}`);
  const evalBoxes = done.find((e) => e.node === 'eval')!.metrics!;
  assert.ok(Number.isFinite(evalBoxes.boxGtKnownLoc), JSON.stringify(evalBoxes));
  const again = await runCli([file, '--json', ...TINY], dir);
  assert.equal(nodesWith(again, 'node-start').length, 0);
  // `show` prints an evaluation's metrics later.
  const show = await runCli(['show', file, 'eval-localizer'], dir);
  assert.match(show.stdout, /gtKnownLoc/);
  // A diverging learning rate: the classifier fails naming epoch and step; the localizer branch still finishes.
  const nan = await runCli([file, '--json', '--keep-going', ...TINY, '--set', 'classifier.lr=1e30', '--set', 'classifier.optimizer=sgd'], dir);
  assert.equal(nan.code, 1);
  const failed = nan.events.find((e) => e.event === 'node-failed') as { node: string; error: { message: string; hint?: string } };
  assert.equal(failed.node, 'classifier');
  assert.match(failed.error.message, /the loss became .* at epoch 1, step \d+/);
  assert.doesNotMatch(nan.stderr, /\n\s+at /, 'no stack trace');
});

test('the SLT-Net ablation expands into its five variants and ends in one comparison table', async () => {
  const dir = tempDir();
  const file = shipped('slt-net-ablation.json', dir);
  const args = [...TINY.filter((a) => !a.startsWith('params.epochs')).slice(0, 6), '--set', 'params.seeds=[0]', '--set', 'params.channels=[8,8,8,8]'];
  const plan = await runCli(['plan', file, ...args], dir);
  assert.equal(plan.code, 0, plan.stderr);
  for (const v of ['1-baseline-cam', '2-new-optimisation', '3-smt', '4-topk-acam', '5-vst'])
    assert.match(plan.stdout, new RegExp(`localizer\\[variant=${v},seed=0\\]`));
  const run = await runCli([file, '--json', ...args], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  const table = run.events.find((e) => e.event === 'node-done' && e.node === 'table') as { digest: string } | undefined;
  assert.ok(table);
  const show = await runCli(['show', file, 'table', '--path'], dir);
  const markdown = readFileSync(join(show.stdout.trim(), 'table.md'), 'utf8');
  assert.equal(markdown.trim().split('\n').length, 2 + 5, markdown);
  assert.match(markdown, /\| 5-vst \| 1 \|/);
});

test('the testbed runs at a tiny size: floor, ceiling, every localizer column and the full chain in one table, part domination, STL', async () => {
  const dir = tempDir();
  const file = shipped('testbed.json', dir);
  const tiny = ['train=200', 'val=100', 'test=100', 'pretrainImages=400', 'epochs=1', 'pretrainEpochs=1', 'seeds=[0]'].flatMap((s) => ['--set', `params.${s}`]);
  const run = await runCli([file, '--json', ...tiny], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  const table = readFileSync(join((await runCli(['show', file, 'table', '--path'], dir)).stdout.trim(), 'table.md'), 'utf8');
  for (const row of [
    /\| eval-floor \| 1 \|/,
    /\| eval-floor \| 8 \|/,
    /\| eval-ceiling \|/,
    /\| eval \| +\| 1-cam \|/,
    /\| eval \| +\| 4-vst \|/,
    /\| chain-eval \|/,
  ])
    assert.match(table, row);
  assert.match(table, /\| eval-ceiling \|[^|]*\| +\| 1 \| +\| 100\.00 \|/, 'the filled-box ceiling scores 100 % GT-known');
  const parts = readFileSync(join((await runCli(['show', file, 'parts-table', '--path'], dir)).stdout.trim(), 'table.md'), 'utf8');
  assert.match(parts, /missOnePart/);
  const stl = readFileSync(join((await runCli(['show', file, 'stl-table', '--path'], dir)).stdout.trim(), 'table.md'), 'utf8');
  assert.match(stl, /\| stl-avgpool \|/);
});

test('DGL on the testbed runs at a tiny size into its headline and per-layer tables; DGL on CUB without the data says what it expected', async () => {
  const dir = tempDir();
  const file = shipped('dgl.json', dir);
  const tiny = ['train=200', 'val=100', 'test=100', 'pretrainImages=400', 'epochs=1', 'seeds=[0]'].flatMap((s) => ['--set', `params.${s}`]);
  const run = await runCli([file, '--json', ...tiny], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  const table = readFileSync(join((await runCli(['show', file, 'table', '--path'], dir)).stdout.trim(), 'table.md'), 'utf8');
  for (const row of [
    /\| eval-floor \|/,
    /\| eval-ceiling \|/,
    /\| cam-eval \|/,
    /\| sweep \| 1-gradcam \|/,
    /\| sweep \| 2-selection \|/,
    /\| sweep \| 3-dgl \|/,
  ])
    assert.match(table, row);
  const layers = readFileSync(join((await runCli(['show', file, 'layer-table', '--path'], dir)).stdout.trim(), 'table.md'), 'utf8');
  assert.match(layers, /gtKnownLoc@conv1 \| gtKnownLoc@conv2 \| gtKnownLoc@conv3 \| gtKnownLoc@conv4 \| gtKnownLoc@conv5/);

  const cub = shipped('dgl-cub.json', dir);
  const missing = await runCli(
    [cub, '--json', '--keep-going', '--set', 'params.root=no/CUB_200_2011', '--set', `params.source=${join(dir, 'no-package')}`],
    dir,
  );
  assert.notEqual(missing.code, 0);
  const failed = Object.fromEntries(missing.events.filter((e) => e.event === 'node-failed').map((e) => [e.node, e.error])) as Record<
    string,
    { message: string; hint?: string }
  >;
  assert.match(failed.data!.message, /CUB-200-2011 root \S*no\/CUB_200_2011 does not exist/);
  assert.match(failed.data!.hint ?? '', /CUB_200_2011\.tgz/);
});
