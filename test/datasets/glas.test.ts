import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGlas } from '../../src/datasets/loaders/glas.js';
import { writeGlasFixture } from '../helpers/fixtures/glas.js';
import { openDataset } from '../../src/datasets/store.js';
import { DatasetInputError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/cli.js';
import { assertColourNear, dirDigests, expectedMask, pixel } from './helpers.js';

const SIZE = 24;

test('GlaS: BMP images and annotations, grades with leading spaces, one box per gland, testA + testB = test', async () => {
  const root = tempDir();
  const truth = await writeGlasFixture(root, { train: 6, testA: 2, testB: 2 });
  const out = tempDir();
  const info = await buildGlas(out, { root, imageSize: SIZE, val: { fraction: 0.2 }, seed: 0 });
  assert.deepEqual(info.classNames, ['benign', 'malignant']);
  assert.deepEqual(info.counts, { train: 4, val: 2, test: 4 });
  const view = await openDataset(out);
  const all: string[] = [];
  for (const split of ['train', 'val', 'test'] as const) {
    const sv = view.split(split);
    for (let i = 0; i < sv.count; i++) {
      const t = truth.find((g) => `${g.name}.bmp` === sv.ids[i])!;
      assert.ok(t, sv.ids[i]);
      all.push(t.name);
      assert.equal(split === 'test', t.name.startsWith('test'), `${t.name} in ${split}`);
      assert.equal(info.classNames[sv.labels[i]!], t.grade);
      assert.deepEqual(sv.originalSizes[i], { width: t.width, height: t.height });
      assert.deepEqual(sv.boxesOriginal(i), t.glands, `one box per gland of ${t.name}`);
      assert.deepEqual([...sv.mask(i)!], expectedMask(t.width, t.height, t.glands, SIZE), `mask of ${t.name}`);
      const [x0, y0, x1, y1] = sv.boxes(i)[1]!;
      assertColourNear(pixel(sv, i, SIZE, Math.floor((x0 + x1) / 2), Math.floor((y0 + y1) / 2)), t.glandColour, 6, `gland of ${t.name}`);
      assertColourNear(pixel(sv, i, SIZE, SIZE - 1, 0), t.background, 6, `background of ${t.name}`);
    }
  }
  assert.equal(new Set(all).size, truth.length);
  const again = tempDir();
  await buildGlas(again, { root, imageSize: SIZE, val: { fraction: 0.2 }, seed: 0 });
  assert.deepEqual(dirDigests(again), dirDigests(out));
});

test('GlaS: unknown grade, missing annotation and missing root are explained', async () => {
  const root = tempDir();
  await writeGlasFixture(root, { train: 2, testA: 1, testB: 1 });
  const csv = join(root, 'Grade.csv');
  const original = readFileSync(csv, 'utf8');
  writeFileSync(csv, original.replace(' benign,', ' harmless,'));
  await assert.rejects(
    buildGlas(tempDir(), { root, imageSize: SIZE, val: { perClass: 0 }, seed: 0 }),
    (e: unknown) => e instanceof DatasetInputError && /Grade\.csv:2: unknown grade 'harmless' for testA_1/.test(e.message),
  );
  writeFileSync(csv, original);
  rmSync(join(root, 'train_2_anno.bmp'));
  await assert.rejects(
    buildGlas(tempDir(), { root, imageSize: SIZE, val: { perClass: 0 }, seed: 0 }),
    (e: unknown) =>
      e instanceof DatasetInputError && /train_2_anno\.bmp: image file is missing \(mask of 'train_2\.bmp' listed at .*Grade\.csv:5\)/.test(e.message),
  );
  await assert.rejects(
    buildGlas(tempDir(), { root: join(root, 'nope'), imageSize: SIZE, val: { perClass: 0 }, seed: 0 }),
    (e: unknown) => e instanceof DatasetInputError && /GlaS root .* does not exist/.test(e.message) && /Warwick/.test(e.hint ?? ''),
  );
});
