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
  // `show` prints an evaluation's metrics later (of the configuration named: a --set run is an experiment, not in the lock).
  const show = await runCli(['show', file, 'eval-localizer', ...TINY], dir);
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
  const plan = await runCli(['plan', file, ...args, '--verbose', '--wide'], dir);
  assert.equal(plan.code, 0, plan.stderr);
  for (const v of ['1-baseline-cam', '2-new-optimisation', '3-smt', '4-topk-acam', '5-vst'])
    assert.match(plan.stdout, new RegExp(`localizer\\[variant=${v},seed=0\\]`));
  const run = await runCli([file, '--json', ...args], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  const table = run.events.find((e) => e.event === 'node-done' && e.node === 'table') as { digest: string } | undefined;
  assert.ok(table);
  const show = await runCli(['show', file, 'table', '--path', ...args], dir);
  const markdown = readFileSync(join(show.stdout.trim(), 'table.md'), 'utf8');
  assert.equal(markdown.trim().split('\n').length, 2 + 5, markdown);
  assert.match(markdown, /\| 5-vst \| 1 \|/);
});

/** A shipped regime at a tiny size: one seed, a few images, one epoch, narrow layers (same depth: DGL sweeps name conv4-conv6). */
function tinyRegime(extra: string[] = []): string[] {
  return ['train=80', 'val=40', 'test=40', 'pretrainImages=100', 'seeds=[0]', 'channels=[8,8,8,8,8,8,8]', ...extra].flatMap((s) => ['--set', `params.${s}`]);
}

/** NUM40 at the tiny size, every trainer one epoch. */
const NUM40_TINY = tinyRegime(['camEpochs=1', 'newEpochs=1', 'regressorEpochs=1']);

function metricsOf(r: { events: Record<string, unknown>[] }): Map<string, Record<string, unknown>> {
  return new Map(r.events.filter((e) => e.event === 'node-done').map((e) => [String(e.node), (e.metrics ?? {}) as Record<string, unknown>]));
}

test('NUM40 runs at a tiny size: 40 number classes, floor, ceiling, every SLT-Net column, the chain, part domination and the DGL sweeps', async () => {
  const dir = tempDir();
  const file = shipped('num40.json', dir);
  const run = await runCli([file, '--json', ...NUM40_TINY], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  const m = metricsOf(run);
  assert.equal(m.get('data')!.classes, 40);
  for (const id of [
    'eval-floor',
    'eval-ceiling',
    'eval[seed=0,variant=1-cam]',
    'eval[seed=0,variant=2-new-opt]',
    'eval[seed=0,variant=3-smt]',
    'acam-eval[seed=0]',
    'eval[seed=0,variant=5-vst]',
  ])
    assert.ok(Number.isFinite(m.get(id)?.gtKnownLoc), `${id}: ${JSON.stringify(m.get(id))}`);
  assert.ok(Number(m.get('eval-ceiling')!.gtKnownLoc) >= 95, 'the filled-box ceiling at 8-px cells scores nearly 100 % GT-known');
  assert.ok(Number.isFinite(m.get('chain-eval[seed=0]')?.boxGtKnownLoc));
  assert.ok(Number.isFinite(m.get('parts[seed=0,variant=1-cam]')?.missOnePart));
  const sweep = m.get('sweep[seed=0,variant=3-dgl]')!;
  for (let l = 3; l <= 7; l++) assert.ok(`gtKnownLoc@conv${l}` in sweep, JSON.stringify(sweep));
  assert.ok(!(`gtKnownLoc@conv2` in sweep));
  const middle = m.get('middle-sweep[seed=0,variant=3-dgl]')!;
  assert.ok(['conv4', 'conv5', 'conv6'].includes(String(middle.layer)), JSON.stringify(middle));
  assert.ok(!('gtKnownLoc@conv7' in middle));
  // The class names are the numbers.
  const show = await runCli(['show', file, 'data', '--path', ...NUM40_TINY], dir);
  const { info } = JSON.parse(readFileSync(join(show.stdout.trim(), 'dataset.json'), 'utf8')) as { info: { classNames: string[] } };
  assert.deepEqual(info.classNames.slice(0, 3), ['10', '11', '12']);
  assert.equal(info.classNames[39], '89');
});

test('REP10 runs at a tiny size: 10 classes 00..99, CAM, Min-Max Entropy with and without erasing, STL from scratch', async () => {
  const dir = tempDir();
  const file = shipped('rep10.json', dir);
  const run = await runCli([file, '--json', ...tinyRegime(['epochs=1', 'stlEpochs=1'])], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  const m = metricsOf(run);
  assert.equal(m.get('data')!.classes, 10);
  for (const id of [
    'cam-eval[seed=0]',
    'mme-eval[seed=0,erasingDepth=0]',
    'mme-eval[seed=0,erasingDepth=4]',
    'stl-eval[variant=maxpool,seed=0]',
    'stl-eval[variant=stl-maxpool,seed=0]',
  ])
    assert.ok(Number.isFinite(m.get(id)?.f1Pos), `${id}: ${JSON.stringify(m.get(id))}`);
  assert.ok(Number.isFinite(m.get('cam-parts[seed=0]')?.missOnePart));
  // The two regimes share the pretrained backbone: NUM40 at the same tiny size finds it cached.
  const num40 = shipped('num40.json', dir);
  const plan = await runCli(['plan', num40, ...NUM40_TINY, '--verbose', '--wide'], dir);
  assert.match(plan.stdout, /pretrain\[seed=0\] +train\/classifier +cached/);
});

test('DGL on CUB without the data says what it expected', async () => {
  const dir = tempDir();
  const cub = shipped('dgl-cub.json', dir);
  const missing = await runCli(
    [cub, '--json', '--keep-going', '--set', 'params.root=no/CUB_200_2011', '--set', `params.source=${join(dir, 'no-package')}`],
    dir,
  );
  // Both missing paths at once, before any node runs (engine/data/required-paths.ts).
  assert.equal(missing.code, 2, missing.stderr);
  assert.equal(missing.events.filter((e) => e.event === 'node-start').length, 0);
  assert.match(missing.stderr, /CUB-200-2011 .*not found: no\/CUB_200_2011 does not exist/);
  assert.match(missing.stderr, /CUB_200_2011\.tgz/);
  assert.match(missing.stderr, /ResNet50 package .*no-package does not exist[\s\S]*--set params\.source=/);
});
