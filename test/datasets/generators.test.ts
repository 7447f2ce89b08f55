import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { clutteredMnist, type ClutteredMnistOptions, type Provenance } from '../../src/datasets/generators/cluttered-mnist.js';
import { mnistPools } from '../../src/datasets/generators/mnist-source.js';
import { syntheticShapes, shapeClassNames, type SyntheticShapesOptions } from '../../src/datasets/generators/synthetic-shapes.js';
import { maskBox } from '../../src/datasets/boxes.js';
import type { SplitSample } from '../../src/datasets/store.js';
import type { SplitName } from '../../src/datasets/types.js';

const mnist: ClutteredMnistOptions = {
  size: 64,
  counts: { train: 60, val: 20, test: 20 },
  digitScale: [0.35, 0.65],
  clutterDensity: 4,
  fragmentSize: 0.15,
  seed: 0,
};

function digest(samples: Iterable<SplitSample>): string {
  const h = createHash('sha256');
  for (const s of samples)
    h.update(JSON.stringify([s.split, s.id, s.label, s.boxes, s.originalSize]))
      .update(s.image)
      .update(s.mask ?? new Uint8Array());
  return h.digest('hex');
}

test('the mnist package pools: 10,000 real digits, 20% of each class held out for test', () => {
  const { train, test: held } = mnistPools();
  assert.equal(train.length + held.length, 10000);
  assert.ok(held.length >= 1990 && held.length <= 2010, `${held.length} test-pool digits`);
  for (let d = 0; d < 10; d++) assert.ok(held.some((s) => s.label === d) && train.some((s) => s.label === d));
  const ink = train[0]!.pixels.reduce((a, v) => a + (v > 0.5 ? 1 : 0), 0);
  assert.ok(ink > 30 && ink < 400, `a digit has ${ink} bright pixels of 784`);
});

test('cluttered MNIST: no source digit (digit or clutter) in two splits', () => {
  const provenance: Record<SplitName, Provenance[]> = { train: [], val: [], test: [] };
  const counts = { train: 0, val: 0, test: 0 };
  for (const s of clutteredMnist(mnist, provenance)) counts[s.split]++;
  assert.deepEqual(counts, mnist.counts);
  const used = (split: SplitName): Set<number> => new Set(provenance[split].flatMap((p) => [p.digit, ...p.clutter]));
  const [train, val, testSet] = [used('train'), used('val'), used('test')];
  assert.ok(
    provenance.train.every((p) => p.clutter.length === 4),
    'density 4 per 64x64 gives 4 fragments',
  );
  for (const [a, b] of [
    [train, val],
    [train, testSet],
    [val, testSet],
  ] as const)
    assert.equal([...a].filter((x) => b.has(x)).length, 0);
  const pools = mnistPools();
  const testPool = new Set(pools.test.map((d) => d.sourceIndex));
  assert.ok(
    [...testSet].every((i) => testPool.has(i)),
    'test images use only the test pool',
  );
  assert.ok([...train, ...val].every((i) => !testPool.has(i)));
});

test('cluttered MNIST: label, tight box of the digit mask, bright pixels under the mask; deterministic for a seed', () => {
  const all = [...clutteredMnist(mnist)];
  for (const s of all) {
    assert.ok(s.label >= 0 && s.label <= 9);
    assert.equal(s.image.length, 64 * 64 * 3);
    assert.deepEqual(s.boxes, [maskBox(s.mask!, 64, 64)]);
    const [x0, y0, x1, y1] = s.boxes[0]!;
    assert.ok(x1 - x0 >= 2 || y1 - y0 >= 8, `a digit box ${s.boxes[0]} is not degenerate`);
    for (let i = 0; i < 64 * 64; i++) {
      if (s.mask![i]) assert.ok(s.image[3 * i]! > 127, "mask pixels are the digit's bright pixels");
      assert.ok(s.image[3 * i] === s.image[3 * i + 1] && s.image[3 * i] === s.image[3 * i + 2], 'grey stored as 3 equal channels');
    }
  }
  const labels = new Set(all.filter((s) => s.split === 'train').map((s) => s.label));
  assert.equal(labels.size, 10, 'every digit appears in 60 training images');
  assert.equal(digest(clutteredMnist(mnist)), digest(all));
  assert.notEqual(digest(clutteredMnist({ ...mnist, seed: 1 })), digest(all));
  // Changing the test count leaves train and val untouched (per-image streams).
  const fewer = [...clutteredMnist({ ...mnist, counts: { ...mnist.counts, test: 5 } })].filter((s) => s.split !== 'test');
  assert.equal(digest(fewer), digest(all.filter((s) => s.split !== 'test')));
});

test('cluttered MNIST at 128x128 with dense clutter', () => {
  const big = [...clutteredMnist({ ...mnist, size: 128, counts: { train: 3, val: 1, test: 1 }, clutterDensity: 8 })];
  assert.equal(big.length, 5);
  for (const s of big) {
    assert.equal(s.image.length, 128 * 128 * 3);
    assert.deepEqual(s.originalSize, { width: 128, height: 128 });
    const b = s.boxes[0]!;
    assert.ok(b[2] - b[0] >= 10 || b[3] - b[1] >= 20, 'the digit scales with the canvas');
  }
});

const shapes: SyntheticShapesOptions = {
  size: 48,
  counts: { train: 16, val: 8, test: 8 },
  shapes: ['circle', 'square', 'triangle', 'star'],
  textures: ['solid', 'stripes'],
  instances: [1, 3],
  objectScale: [0.25, 0.45],
  noise: 0.03,
  seed: 3,
};

test('synthetic shapes: classes are shape x texture, balanced; a box per instance inside the mask; deterministic', () => {
  assert.deepEqual(shapeClassNames(shapes), [
    'circle-solid',
    'circle-stripes',
    'square-solid',
    'square-stripes',
    'triangle-solid',
    'triangle-stripes',
    'star-solid',
    'star-stripes',
  ]);
  const all = [...syntheticShapes(shapes)];
  const train = all.filter((s) => s.split === 'train');
  for (let c = 0; c < 8; c++) assert.equal(train.filter((s) => s.label === c).length, 2);
  let several = 0;
  for (const s of all) {
    assert.ok(s.boxes.length >= 1 && s.boxes.length <= 3);
    if (s.boxes.length > 1) several++;
    const union = maskBox(s.mask!, 48, 48)!;
    assert.equal(Math.min(...s.boxes.map((b) => b[0])), union[0]);
    assert.equal(Math.max(...s.boxes.map((b) => b[3])), union[3]);
    for (const [x0, y0, x1, y1] of s.boxes) {
      assert.ok(x0 >= 0 && y0 >= 0 && x1 < 48 && y1 < 48 && x1 - x0 >= 3 && y1 - y0 >= 3);
      let inside = 0;
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) inside += s.mask![y * 48 + x]!;
      assert.ok(inside >= 0.3 * (x1 - x0 + 1) * (y1 - y0 + 1), 'an instance fills a good part of its box');
    }
  }
  assert.ok(several > 0, 'instances [1, 3] gives some images with several instances');
  assert.equal(digest(syntheticShapes(shapes)), digest(all));
  assert.notEqual(digest(syntheticShapes({ ...shapes, seed: 4 })), digest(all));
});
