import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodesWith, runCli, tempDir, writePipeline } from '../helpers/cli.js';
import { openDataset } from '../../src/datasets/store.js';
import { encodeNpy, decodeNpy } from '../../src/evaluation/npy.js';
import { rng, smoothMap } from '../helpers/random-maps.js';
import { PixelAccumulator } from '../../src/evaluation/pixel-metrics.js';
import { thresholdList } from '../../src/evaluation/scoremap.js';

type Events = Awaited<ReturnType<typeof runCli>>['events'];
const metricsOf = (events: Events, node: string): Record<string, number> =>
  (events.find((e) => e.event === 'node-done' && e.node === node) as { metrics: Record<string, number> } | undefined)?.metrics ?? {};

const DATA = { type: 'dataset/synthetic-shapes', with: { size: 24, train: 2, val: 4, test: 6, seed: 3 } };

test('npy maps from elsewhere are evaluated, exported for wsolevaluation and re-imported to the same numbers', async () => {
  const dir = tempDir('wsol-eval-');
  const first = writePipeline(dir, { name: 'eval', nodes: { data: DATA } });
  const built = await runCli([first, '--json'], dir);
  assert.equal(built.code, 0, built.stderr + built.stdout);
  const dataDir = (await runCli(['show', first, 'data', '--path'], dir)).stdout.trim();
  const dataset = await openDataset(dataDir);
  // Test maps: the ground-truth masks (perfect for PxAP); val maps: smooth noise.
  const rand = rng(4);
  for (const split of ['val', 'test'] as const) {
    const view = dataset.split(split);
    for (let i = 0; i < view.count; i++) {
      const map = split === 'test' ? Float32Array.from(view.mask(i)!) : smoothMap(rand, 24, 24);
      const file = join(dir, 'maps', `${view.ids[i]}.npy`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, encodeNpy(map, [24, 24]));
    }
  }
  const nodes = {
    data: DATA,
    imported: { type: 'maps/npy-import', inputs: { dataset: 'data' }, with: { root: 'maps', splits: ['val', 'test'] } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'imported' } },
    export: { type: 'export/wsolevaluation', inputs: { dataset: 'data', maps: 'imported' }, with: {} },
    masks: { type: 'export/wsolevaluation', inputs: { dataset: 'data', maps: 'imported' }, with: { localization: 'masks', splits: ['test'] } },
  };
  const file = writePipeline(dir, { name: 'eval', nodes });
  const run = await runCli([file, '--json'], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const m = metricsOf(run.events, 'eval');
  assert.equal(m.pxap, 100);
  assert.equal(m.f1Pos, 100);
  for (const k of ['maxBoxAccV2', 'maxBoxAccV2@30', 'maxBoxAccV2@50', 'maxBoxAccV2@70', 'maxBoxAcc', 'gtKnownLoc', 'piou'])
    assert.ok(typeof m[k] === 'number' && m[k]! >= 0 && m[k]! <= 100, k);
  const evalDir = (await runCli(['show', file, 'eval', '--path'], dir)).stdout.trim();
  const detail = JSON.parse(readFileSync(join(evalDir, 'evaluation.json'), 'utf8')) as {
    tauChoice: { chosenOn: string };
    sources: { maps: { preprocess: string } };
  };
  assert.equal(detail.tauChoice.chosenOn, 'val');
  assert.equal(detail.sources.maps.preprocess, 'none');
  const perImage = JSON.parse(readFileSync(join(evalDir, 'per-image.json'), 'utf8')) as { id: string; gtKnown: { box: number[] } }[];
  assert.equal(perImage.length, 6);
  assert.equal(perImage[0]!.gtKnown.box.length, 4);
  assert.ok(JSON.parse(readFileSync(join(evalDir, 'curves.json'), 'utf8')).boxAccMulti['50'].length === 100);

  // The export: wsolevaluation's layout, maps bit-identical to what was evaluated.
  const exportDir = (await runCli(['show', file, 'export', '--path'], dir)).stdout.trim();
  const test_ = dataset.split('test');
  const meta = join(exportDir, 'metadata', 'CUB', 'test'); // boxes: the tool's box evaluator
  assert.deepEqual(readFileSync(join(meta, 'image_ids.txt'), 'utf8').trim().split('\n'), test_.ids);
  assert.equal(readFileSync(join(meta, 'class_labels.txt'), 'utf8').split('\n')[0], `${test_.ids[0]},${test_.labels[0]}`);
  assert.match(readFileSync(join(meta, 'image_sizes.txt'), 'utf8'), new RegExp(`^${test_.ids[0]},224,224\n`));
  assert.equal(readFileSync(join(meta, 'localization.txt'), 'utf8').split('\n')[0], `${test_.ids[0]},${test_.boxes(0)[0]!.join(',')}`);
  const npy = decodeNpy(readFileSync(join(exportDir, 'scoremaps', `${test_.ids[0]}.npy`)));
  assert.deepEqual(npy.shape, [24, 24]);
  assert.deepEqual(npy.data, Float32Array.from(test_.mask(0)!));

  // Mask datasets: the tool's OpenImages layout, masks under <mask_root>/OpenImages.
  const masksDir = (await runCli(['show', file, 'masks', '--path'], dir)).stdout.trim();
  assert.equal(
    readFileSync(join(masksDir, 'metadata', 'OpenImages', 'test', 'localization.txt'), 'utf8').split('\n')[0],
    `${test_.ids[0]},masks/${test_.ids[0]}.png,`,
  );
  assert.ok(
    readFileSync(join(masksDir, 'OpenImages', 'masks', `${test_.ids[0]}.png`))
      .subarray(1, 4)
      .toString() === 'PNG',
  );

  // Re-importing the exported score maps gives a byte-identical maps artifact: the evaluation is reused as is.
  const again = writePipeline(
    dir,
    {
      name: 'again',
      nodes: { data: DATA, imported: { ...nodes.imported, with: { root: join(exportDir, 'scoremaps'), splits: ['val', 'test'] } }, eval: nodes.eval },
    },
    'again.json',
  );
  const rerun = await runCli([again, '--json'], dir);
  assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
  assert.deepEqual(nodesWith(rerun, 'node-cached'), ['data', 'eval']);
});

test('bad maps fail the node with the image named and a fix: NaN, missing file, mixed sizes, missing split', async () => {
  const dir = tempDir('wsol-eval-bad-');
  const first = writePipeline(dir, { name: 'bad', nodes: { data: DATA } });
  assert.equal((await runCli([first], dir)).code, 0);
  const dataset = await openDataset((await runCli(['show', first, 'data', '--path'], dir)).stdout.trim());
  const view = dataset.split('test');
  const write = (i: number, map: Float32Array, shape: number[]): void => {
    const f = join(dir, 'maps', `${view.ids[i]}.npy`);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, encodeNpy(map, shape));
  };
  for (let i = 0; i < view.count; i++) write(i, new Float32Array(24 * 24).fill(0.5), [24, 24]);
  const nan = new Float32Array(24 * 24).fill(0.5);
  nan[24 * 3 + 5] = NaN;
  write(2, nan, [24, 24]);
  const nodes = {
    data: DATA,
    imported: { type: 'maps/npy-import', inputs: { dataset: 'data' }, with: { root: 'maps' } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'imported' }, with: { tau: 0.5 } },
  };
  const file = writePipeline(dir, { name: 'bad', nodes });
  const failed = (r: Awaited<ReturnType<typeof runCli>>): { node: string; error: { message: string; hint?: string } } =>
    r.events.find((e) => e.event === 'node-failed') as unknown as { node: string; error: { message: string; hint?: string } };
  const r1 = await runCli([file, '--json'], dir);
  assert.equal(r1.code, 1);
  assert.equal(failed(r1).node, 'eval');
  assert.match(failed(r1).error.message, new RegExp(`score map of image 2 \\(${view.ids[2]}\\) has NaN at \\(x=5, y=3\\)`));
  assert.match(failed(r1).error.hint ?? '', /finite and in \[0, 1\]/);

  write(2, new Float32Array(12 * 12), [12, 12]);
  const r2 = await runCli([file, '--json', '--force', 'imported'], dir);
  assert.match(failed(r2).error.message, /is 12x12, but .* is 24x24/);

  const eval2 = writePipeline(dir, { name: 'bad2', nodes: { ...nodes, eval: { ...nodes.eval, with: { split: 'val' } } } }, 'bad2.json');
  write(2, new Float32Array(24 * 24), [24, 24]);
  const r3 = await runCli([eval2, '--json', '--force', 'imported'], dir);
  assert.match(failed(r3).error.message, /no maps of split val \(it has test\)/);

  const missing = writePipeline(
    dir,
    { name: 'bad3', nodes: { ...nodes, imported: { ...nodes.imported, with: { root: 'maps', splits: ['val'] } } } },
    'bad3.json',
  );
  const r4 = await runCli([missing, '--json'], dir);
  assert.match(failed(r4).error.message, new RegExp(`no map for image "${dataset.split('val').ids[0]}"`));
  assert.match(failed(r4).error.hint ?? '', /<root>\/<image id>.npy/);
});

test('float64 .npy maps stay float64 through import, evaluation and export: PxAP near a bin edge is the float64 one', async () => {
  const dir = tempDir('wsol-eval-f64-');
  const first = writePipeline(dir, { name: 'f64', nodes: { data: DATA } });
  assert.equal((await runCli([first], dir)).code, 0);
  const dataset = await openDataset((await runCli(['show', first, 'data', '--path'], dir)).stdout.trim());
  const view = dataset.split('test');
  // Foreground just under the bin edge 0.30 (rounded to float32 it is above it); background at 0.30, 0.295 and 0.05.
  const near = 0.3 - 1e-10;
  const background = [0.3, 0.295, 0.05];
  const maps = Array.from({ length: view.count }, (_, i) => Float64Array.from(view.mask(i)!, (fg, k) => (fg ? near : background[k % 3]!)));
  maps.forEach((map, i) => {
    const file = join(dir, 'maps', `${view.ids[i]}.npy`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, encodeNpy(map, [24, 24]));
  });
  const nodes = {
    data: DATA,
    imported: { type: 'maps/npy-import', inputs: { dataset: 'data' }, with: { root: 'maps' } },
    eval: { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'imported' }, with: { tau: 0.5 } },
    export: { type: 'export/wsolevaluation', inputs: { dataset: 'data', maps: 'imported' }, with: { splits: ['test'] } },
  };
  const file = writePipeline(dir, { name: 'f64', nodes });
  const run = await runCli([file, '--json'], dir);
  assert.equal(run.code, 0, run.stderr + run.stdout);

  // The float64 computation (PixelAccumulator on float64 values is numpy's, test/evaluation/npy.test.ts), and what float32 rounding gave.
  const pxapOf = (rounded: boolean): number => {
    const acc = new PixelAccumulator(thresholdList(0.01));
    maps.forEach((map, i) => acc.add(rounded ? Float32Array.from(map) : map, view.mask(i)!, view.ignoreMask(i)));
    return acc.pxap();
  };
  const pxap = metricsOf(run.events, 'eval').pxap;
  assert.equal(pxap, pxapOf(false));
  assert.ok(Math.abs(pxapOf(true) - pxapOf(false)) > 1, `float32 rounding moves PxAP: ${pxapOf(true)} vs ${pxapOf(false)}`);

  const importedDir = (await runCli(['show', file, 'imported', '--path'], dir)).stdout.trim();
  const manifest = JSON.parse(readFileSync(join(importedDir, 'maps.json'), 'utf8')) as { splits: { test: { dtype?: string } } };
  assert.equal(manifest.splits.test.dtype, 'float64');
  // The export hands the tool the same float64 values.
  const exportDir = (await runCli(['show', file, 'export', '--path'], dir)).stdout.trim();
  const exported = decodeNpy(readFileSync(join(exportDir, 'scoremaps', `${view.ids[0]}.npy`)));
  assert.equal(exported.descr, '<f8');
  assert.deepEqual(exported.data, maps[0]);

  // One dtype per split: a float32 file among float64 ones is an error naming both.
  writeFileSync(join(dir, 'maps', `${view.ids[1]}.npy`), encodeNpy(Float32Array.from(maps[1]!), [24, 24]));
  const mixed = await runCli([file, '--json', '--force', 'imported'], dir);
  assert.equal(mixed.code, 1);
  const failure = mixed.events.find((e) => e.event === 'node-failed') as { node: string; error: { message: string; hint?: string } } | undefined;
  assert.equal(failure?.node, 'imported');
  assert.match(failure?.error.message ?? '', /holds <f4, but .* holds <f8: float64 and narrower maps are mixed in split test/);
  assert.match(failure?.error.hint ?? '', /one dtype/);
});
