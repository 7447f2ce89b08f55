import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { trainSltLocalizer, type SltLocalizerParams } from '../../src/methods/trainers/slt-localizer.js';
import { trainClassifier } from '../../src/methods/trainers/classifier.js';
import { trainStl } from '../../src/methods/trainers/stl.js';
import { trainRegressor } from '../../src/methods/trainers/regressor.js';
import type { TrainingParams } from '../../src/methods/network-params.js';
import { tinyDataset } from '../helpers/tiny-dataset.js';

const hooks = { signal: new AbortController().signal, progress: () => {}, log: () => {} };
const base: TrainingParams = {
  backbone: 'small',
  channels: [8, 16],
  poolAfter: [0],
  batchNorm: true,
  extraConv: 0,
  pretrained: '',
  epochs: 6,
  batchSize: 16,
  seed: 1,
  optimizer: 'sgd',
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 1e-4,
  schedule: 'constant',
  lrStep: 30,
  lrDecay: 0.1,
  headLrMultiplier: 1,
};
const cam: SltLocalizerParams = {
  ...base,
  head: { kind: 'gap-fc' },
  localizationMap: 'cam',
  vstReduction: 'sum',
  augment: { shift: 0, flip: false },
  smt: false,
  alpha: 0.4,
  topK: 1,
  vst: false,
  beta: 1,
  vstStimuli: { flip: true, scales: [0.75, 1, 1.25], brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.05 },
};

test('the CAM trainer lowers its loss; SMT + VST train too and log their parts', async () => {
  const tf = await initTensorBackend('wasm');
  const { view } = await tinyDataset();
  const plain = await trainClassifier(tf, view, { ...base, head: { kind: 'gap-fc' }, augment: { shift: 2, flip: 'auto' } }, hooks);
  assert.ok(plain.log.at(-1)!.loss < plain.log[0]!.loss, plain.log.map((r) => r.loss).join(', '));
  plain.net.dispose();
  const slt = await trainSltLocalizer(tf, view, { ...cam, smt: true, vst: true, epochs: 4 }, hooks);
  assert.ok('vst' in slt.log[0]!.parts && 'smt' in slt.log[0]!.parts);
  assert.ok(slt.log.at(-1)!.loss < slt.log[0]!.loss, slt.log.map((r) => r.loss).join(', '));
  slt.net.dispose();
});

test('the same seed gives the same losses (deterministic on a backend)', async () => {
  const tf = await initTensorBackend('wasm');
  const { view } = await tinyDataset();
  const a = await trainSltLocalizer(tf, view, { ...cam, epochs: 2 }, hooks);
  const b = await trainSltLocalizer(tf, view, { ...cam, epochs: 2 }, hooks);
  assert.deepEqual(
    a.log.map((r) => r.loss),
    b.log.map((r) => r.loss),
  );
  a.net.dispose();
  b.net.dispose();
});

test('STL (with and without the classifier branch) and the regressor lower their losses', async () => {
  const tf = await initTensorBackend('wasm');
  const { view } = await tinyDataset();
  for (const [classifierBranch, branchFeatures] of [
    [true, 'flatten'],
    [true, 'gap'],
    [false, 'flatten'],
  ] as const) {
    const p = {
      pooling: 'avg',
      lseR: 5,
      classifierBranch,
      hidden: 16,
      branchFeatures,
      alphaSchedule: 'linear',
      alphaStart: 0.1,
      alphaEnd: 0.9,
      alphaSwitchAt: 0.5,
    } as const;
    const r = await trainStl(tf, view, { ...base, ...p, augment: { shift: 0, flip: false } }, hooks);
    assert.ok(r.log.at(-1)!.loss < r.log[0]!.loss, `${classifierBranch} ${branchFeatures}: ${r.log.map((x) => x.loss).join(', ')}`);
    r.net.dispose();
  }
  const train = view.split('train');
  const targets = Array.from({ length: train.count }, (_, i) => train.boxes(i)[0]!);
  for (const features of ['flatten', 'gap'] as const) {
    const reg = await trainRegressor(tf, view, targets, { ...base, hidden: 16, lr: 0.02, features }, hooks);
    assert.ok(reg.log.at(-1)!.loss < reg.log[0]!.loss, `${features}: ${reg.log.map((x) => x.loss).join(', ')}`);
    reg.net.dispose();
  }
});

test('a NaN loss stops training with the epoch and step', async () => {
  const tf = await initTensorBackend('wasm');
  const { view } = await tinyDataset();
  await assert.rejects(trainSltLocalizer(tf, view, { ...cam, lr: 1e30, epochs: 3 }, hooks), /the loss became (NaN|Infinity|-Infinity) at epoch \d+, step \d+/);
});
