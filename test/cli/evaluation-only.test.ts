/**
 * Evaluation-only datasets: another project's maps evaluated on a
 * wsolevaluation-layout dataset that has a test split alone, or val and test,
 * with no made-up training split; and what the nodes say when asked for a
 * split such a dataset does not have.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli, tempDir, writePipeline, type CliResult } from '../helpers/cli.js';
import { writeWsolFixture, type WsolFixture } from '../helpers/fixtures/wsol-metadata.js';
import { openDataset } from '../../src/datasets/store.js';
import { encodeNpy } from '../../src/evaluation/npy.js';
import type { SplitName } from '../../src/datasets/types.js';

const SIZE = 24;

type Failure = { node: string; error: { message: string; hint?: string } };
const failure = (r: CliResult): Failure | undefined => r.events.find((e) => e.event === 'node-failed') as Failure | undefined;
const metricsOf = (r: CliResult, node: string): Record<string, unknown> =>
  (r.events.find((e) => e.event === 'node-done' && e.node === node) as { metrics?: Record<string, unknown> } | undefined)?.metrics ?? {};
const logsOf = (r: CliResult, node: string): string[] => r.events.filter((e) => e.event === 'node-log' && e.node === node).map((e) => String(e.message));

function dataNode(fx: WsolFixture, splitDirs: Record<SplitName, string>): unknown {
  return { type: 'dataset/wsol-metadata', with: { metadata: fx.metadata, imageRoot: fx.imageRoot, splitDirs, imageSize: SIZE, name: 'FIXTURE' } };
}

/** Builds the dataset node alone, then writes a score map per image of `splits` (1 inside each box, 0 outside) under dir/maps; returns the dataset's counts. */
async function writeMaps(dir: string, data: unknown, splits: readonly SplitName[]): Promise<Record<SplitName, number>> {
  const file = writePipeline(dir, { name: 'data-only', nodes: { data } }, 'data-only.json');
  const built = await runCli([file, '--json'], dir);
  assert.equal(built.code, 0, built.stderr + built.stdout);
  const dataset = await openDataset((await runCli(['show', file, 'data', '--path'], dir)).stdout.trim());
  for (const split of splits) {
    const view = dataset.split(split);
    for (let i = 0; i < view.count; i++) {
      const map = new Float32Array(SIZE * SIZE);
      for (const [x0, y0, x1, y1] of view.boxes(i))
        for (let y = Math.max(0, y0); y <= Math.min(SIZE - 1, y1); y++) for (let x = Math.max(0, x0); x <= Math.min(SIZE - 1, x1); x++) map[y * SIZE + x] = 1;
      const path = join(dir, 'maps', `${view.ids[i]}.npy`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, encodeNpy(map, [SIZE, SIZE]));
    }
  }
  return dataset.info.counts;
}

test('a test split alone: imported maps get MaxBoxAcc without fake splits; GT-known is skipped with what to set; asking for val says how', async () => {
  const dir = tempDir('wsol-eval-only-');
  const fx = await writeWsolFixture(join(dir, 'fixture'), { mode: 'boxes', perSplit: 3, classes: 2, trainLocalization: false });
  rmSync(join(fx.metadata, 'train'), { recursive: true });
  rmSync(join(fx.metadata, 'val'), { recursive: true });

  // The default splitDirs name a train folder this dataset does not have: the hint says how to declare it absent.
  const defaults = writePipeline(
    dir,
    { name: 'defaults', nodes: { data: { type: 'dataset/wsol-metadata', with: { metadata: fx.metadata, imageRoot: fx.imageRoot } } } },
    'defaults.json',
  );
  const missing = await runCli([defaults, '--json'], dir);
  // Checked before anything runs (engine/data/required-paths.ts).
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /lacks train\/image_ids\.txt, val\/image_ids\.txt/);
  assert.match(missing.stderr, /set splitDirs\.<split> to "" for a split the dataset does not have/);

  const data = dataNode(fx, { train: '', val: '', test: 'test' });
  assert.deepEqual(await writeMaps(dir, data, ['test']), { train: 0, val: 0, test: 3 });
  const nodes = {
    data,
    imported: { type: 'maps/npy-import', inputs: { dataset: 'data' }, with: { root: 'maps' } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'imported' } },
  };
  const file = writePipeline(dir, { name: 'test-only', nodes });
  const run = await runCli([file, '--json'], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const m = metricsOf(run, 'eval');
  assert.equal(typeof m.maxBoxAccV2, 'number');
  assert.equal(typeof m.maxBoxAcc, 'number');
  assert.equal(m.gtKnownLoc, undefined, 'no val split: no τ is chosen, so no GT-known');
  // The note says what to do, and does not offer choosing on test as an honest default.
  const note = logsOf(run, 'eval').find((l) => l.includes('to choose τ on')) ?? '';
  assert.match(note, /the dataset has no val images to choose τ on \(it has test\): GT-known \/ Top-k Loc are skipped/);
  assert.match(note, /add a val split with localization labels to the dataset \(dataset\/wsol-metadata: a folder under metadata named by splitDirs\.val\)/);
  assert.match(note, /--set eval\.tau=<τ>/);
  assert.match(note, /set eval\.chooseSplit to "test" only to reproduce published numbers whose protocol chose the threshold on test/);
  const evalDir = (await runCli(['show', file, 'eval', '--path'], dir)).stdout.trim();
  const evaluation = JSON.parse(readFileSync(join(evalDir, 'evaluation.json'), 'utf8')) as { notes: string[] };
  assert.ok(evaluation.notes.includes(note), 'the same note is in evaluation.json');

  // A fixed τ gives GT-known on a test-only set.
  const fixed = await runCli([file, '--json', '--set', 'eval.tau=0.5'], dir);
  assert.equal(fixed.code, 0, fixed.stderr + fixed.stdout);
  assert.equal(typeof metricsOf(fixed, 'eval').gtKnownLoc, 'number');

  // Importing val maps, or evaluating val, on a dataset without val: errors that name the splits it has and what to set.
  const importVal = await runCli([file, '--json', '--set', 'imported.splits=["val","test"]'], dir);
  assert.equal(importVal.code, 1);
  assert.equal(failure(importVal)?.node, 'imported');
  assert.match(failure(importVal)?.error.message ?? '', /the dataset has no val images \(it has test\)/);
  assert.match(failure(importVal)?.error.hint ?? '', /import the splits it has: --set imported\.splits='\["test"\]'/);
  assert.match(failure(importVal)?.error.hint ?? '', /add a val split with localization labels to the dataset/);
  const evalVal = await runCli([file, '--json', '--set', 'eval.split=val'], dir);
  assert.equal(evalVal.code, 1);
  assert.equal(failure(evalVal)?.node, 'eval');
  assert.match(failure(evalVal)?.error.message ?? '', /split val of the dataset is empty \(it has test\)/);
  assert.match(failure(evalVal)?.error.hint ?? '', /--set eval\.split=test/);
  // Pseudo boxes at a threshold chosen on val: the same advice (this node has no chooseSplit).
  const pseudo = writePipeline(
    dir,
    { name: 'pseudo', nodes: { ...nodes, boxes: { type: 'boxes/pseudo', inputs: { dataset: 'data', maps: 'imported' }, with: { splits: ['test'] } } } },
    'pseudo.json',
  );
  const noVal = await runCli([pseudo, '--json'], dir);
  assert.equal(noVal.code, 1);
  assert.equal(failure(noVal)?.node, 'boxes');
  assert.match(failure(noVal)?.error.message ?? '', /the dataset has no val images to choose the pseudo-box threshold on \(it has test\)/);
  assert.match(failure(noVal)?.error.hint ?? '', /add a val split with localization labels .* or give a fixed threshold \(--set boxes\.threshold=<τ>\)$/);
});

test('val and test alone: τ is chosen on val, as published protocols do, with no train split', async () => {
  const dir = tempDir('wsol-eval-only-val-');
  const fx = await writeWsolFixture(join(dir, 'fixture'), { mode: 'boxes', perSplit: 3, classes: 2, trainLocalization: false });
  rmSync(join(fx.metadata, 'train'), { recursive: true });
  const data = dataNode(fx, { train: '', val: 'val', test: 'test' });
  assert.deepEqual(await writeMaps(dir, data, ['val', 'test']), { train: 0, val: 3, test: 3 });
  const nodes = {
    data,
    imported: { type: 'maps/npy-import', inputs: { dataset: 'data' }, with: { root: 'maps', splits: ['val', 'test'] } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'imported' } },
  };
  const file = writePipeline(dir, { name: 'val-test', nodes });
  const run = await runCli([file, '--json'], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const m = metricsOf(run, 'eval');
  assert.equal(typeof m.gtKnownLoc, 'number');
  assert.equal(typeof m.maxBoxAccV2, 'number');
  const evalDir = (await runCli(['show', file, 'eval', '--path'], dir)).stdout.trim();
  const evaluation = JSON.parse(readFileSync(join(evalDir, 'evaluation.json'), 'utf8')) as { tauChoice: { chosenOn: string } };
  assert.equal(evaluation.tauChoice.chosenOn, 'val');
});
