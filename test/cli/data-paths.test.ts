/**
 * Declared data paths are checked before anything runs: `plan` and `run` of a
 * pipeline whose dataset or weights are missing stop with exit 2, every
 * missing path at once, each naming the layout expected, where the data is
 * published and the exact --set that points at a copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { writeCubFixture } from '../helpers/fixtures/cub.js';
import { packagePath } from '../../src/paths.js';

/** A copy in `dir`: a run must not write a lock beside the shipped file. */
function shipped(name: string, dir: string): string {
  const target = join(dir, name);
  copyFileSync(packagePath(`pipelines/${name}`), target);
  return target;
}

function assertCubAndWeightsHints(stderr: string): void {
  assert.match(stderr, /slt-net-cub\.json:\d+:\d+: .*CUB-200-2011/, 'located in the pipeline file');
  assert.match(stderr, /https:\/\/www\.vision\.caltech\.edu\/datasets\/cub_200_2011\//, "the dataset's source");
  assert.match(stderr, /images\.txt/, 'the layout expected');
  assert.match(stderr, /--set params\.root=\/path\/to\/CUB_200_2011/, 'the --set the user types (the param comes from params.root)');
  assert.doesNotMatch(stderr, /--set data\.root/);
  assert.match(stderr, /model\.json/, "the weights' layout");
  assert.match(stderr, /--set params\.pretrained=/, 'the --set of the weights');
  assert.match(stderr, /tensorflowjs_converter/, 'how to get the weights');
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

test('plan of slt-net-cub.json without data: exit 2 naming layout, source and the --set of the data and of the weights', async () => {
  const dir = tempDir('wsol-data-paths-');
  const r = await runCli(['plan', shipped('slt-net-cub.json', dir)], dir);
  assert.equal(r.code, 2, r.stderr + r.stdout);
  assertCubAndWeightsHints(r.stderr);
  assert.doesNotMatch(r.stdout, /no earlier result/, 'no plan is printed');
});

test('run of slt-net-cub.json without data: exit 2 before any node runs', async () => {
  const dir = tempDir('wsol-data-paths-');
  const r = await runCli([shipped('slt-net-cub.json', dir), '--json'], dir);
  assert.equal(r.code, 2, r.stderr + r.stdout);
  assertCubAndWeightsHints(r.stderr);
  assert.equal(r.events.filter((e) => e.event === 'node-start' || e.event === 'run-start').length, 0, 'nothing ran');
});

test('plan of min-max-entropy-glas.json without data names GlaS, the Warwick challenge and --set params.root', async () => {
  const dir = tempDir('wsol-data-paths-');
  const r = await runCli(['plan', shipped('min-max-entropy-glas.json', dir)], dir);
  assert.equal(r.code, 2, r.stderr + r.stdout);
  assert.match(r.stderr, /min-max-entropy-glas\.json:\d+:\d+: .*GlaS/);
  assert.match(r.stderr, /Grade\.csv/);
  assert.match(r.stderr, /warwick\.ac\.uk/);
  assert.match(r.stderr, /--set params\.root=\/path\/to\/Warwick_QU_Dataset/);
});

test('a param set in the node itself is named node.param in the hint', async () => {
  const dir = tempDir('wsol-data-paths-');
  const file = join(dir, 'p.json');
  writeFileSync(file, JSON.stringify({ name: 'p', nodes: { birds: { type: 'dataset/cub', with: { root: 'nowhere/CUB' } } } }, null, 2));
  const r = await runCli(['plan', file], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /p\.json:\d+:\d+: /);
  assert.match(r.stderr, /--set birds\.root=\/path\/to\/CUB_200_2011/);
});

test('with a CUB fixture and a weights folder in the layouts expected, plan of slt-net-cub.json passes the check', async () => {
  const dir = tempDir('wsol-data-paths-');
  await writeCubFixture(join(dir, 'data', 'CUB_200_2011'), { classes: 2, trainPerClass: 2, testPerClass: 1 });
  mkdirSync(join(dir, 'weights', 'vgg16-imagenet-tfjs'), { recursive: true });
  writeFileSync(join(dir, 'weights', 'vgg16-imagenet-tfjs', 'model.json'), '{}');
  const r = await runCli(['plan', shipped('slt-net-cub.json', dir)], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /localizer/);
});
