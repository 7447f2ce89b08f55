import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carveValidation } from '../../src/datasets/splits.js';

const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3];

test('val is carved per class, seeded, disjoint from train, and each class keeps a training image', () => {
  const a = carveValidation(labels, { perClass: 2 }, 0);
  assert.deepEqual(
    [...a.train, ...a.val].sort((x, y) => x - y),
    labels.map((_, i) => i),
  );
  assert.deepEqual(a.val.map((i) => labels[i]).sort(), [0, 0, 1, 1, 2]);
  assert.ok(
    a.train.some((i) => labels[i] === 3),
    'a class of one image stays in train',
  );
  assert.deepEqual(carveValidation(labels, { perClass: 2 }, 0), a);
  const seeds = new Set(Array.from({ length: 8 }, (_, s) => JSON.stringify(carveValidation(labels, { perClass: 2 }, s).val)));
  assert.ok(seeds.size > 1, 'the seed chooses which images');
  // round(0.5 * 4) = 2, round(0.5 * 3) = 2, round(0.5 * 2) = 1, and class 3 keeps its only image.
  assert.deepEqual(
    carveValidation(labels, { fraction: 0.5 }, 0)
      .val.map((i) => labels[i])
      .sort(),
    [0, 0, 1, 1, 2],
  );
  assert.deepEqual(carveValidation(labels, { perClass: 0 }, 0).val, []);
});
