import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCub, type CubOptions } from '../../src/datasets/loaders/cub.js';
import { writeCubFixture } from '../helpers/fixtures/cub.js';
import { openDataset } from '../../src/datasets/store.js';
import { rescaleBox } from '../../src/datasets/boxes.js';
import { DatasetInputError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/cli.js';
import { assertColourNear, dirDigests, expectedMask, pixel } from './helpers.js';

const SIZE = 16;
const options = (root: string, more: Partial<CubOptions> = {}): CubOptions => ({
  root,
  imageSize: SIZE,
  segmentations: 'auto',
  val: { perClass: 1 },
  seed: 0,
  ...more,
});

test('CUB: images, labels, boxes (x, y, x+w, y+h), masks and splits come back from the official format', async () => {
  const fx = await writeCubFixture(join(tempDir(), 'CUB_200_2011'), { classes: 4, trainPerClass: 4, testPerClass: 2, segmentations: true });
  const out = tempDir();
  const info = await buildCub(out, options(fx.root));
  assert.deepEqual(info.counts, { train: 12, val: 4, test: 8 });
  assert.deepEqual(info.classNames, fx.classNames);
  assert.equal(info.hasMasks, true);
  const view = await openDataset(out);
  const seen = new Map<string, string>();
  for (const split of ['train', 'val', 'test'] as const) {
    const sv = view.split(split);
    for (let i = 0; i < sv.count; i++) {
      const truth = fx.images.find((im) => im.relPath === sv.ids[i]);
      assert.ok(truth, `unknown id ${sv.ids[i]}`);
      assert.ok(!seen.has(truth.relPath), `${truth.relPath} in ${seen.get(truth.relPath)} and ${split}`);
      seen.set(truth.relPath, split);
      assert.equal(truth.isTrain, split !== 'test', `${truth.relPath} is in ${split}`);
      assert.equal(sv.labels[i], truth.classIndex);
      assert.deepEqual(sv.originalSizes[i], { width: truth.width, height: truth.height });
      const [x, y, w, h] = truth.xywh;
      assert.deepEqual(sv.boxesOriginal(i), [[x, y, x + w, y + h]]);
      assert.deepEqual(sv.boxes(i), [rescaleBox([x, y, x + w, y + h], { width: truth.width, height: truth.height }, { width: SIZE, height: SIZE })]);
      const [bx0, by0, bx1, by1] = sv.boxes(i)[0]!;
      assertColourNear(pixel(sv, i, SIZE, Math.floor((bx0 + bx1) / 2), Math.floor((by0 + by1) / 2)), truth.objectColour, 24, `object of ${truth.relPath}`);
      assertColourNear(pixel(sv, i, SIZE, SIZE - 1, SIZE - 1), truth.background, 24, `background of ${truth.relPath}`);
      // Foreground > 127.5 only: the grey-100 halo row under the object is not part of the mask.
      assert.deepEqual([...sv.mask(i)!], expectedMask(truth.width, truth.height, [truth.object], SIZE), `mask of ${truth.relPath}`);
    }
  }
  assert.equal(seen.size, fx.images.length);
  for (let c = 0; c < 4; c++) assert.equal([...view.split('val').labels].filter((l) => l === c).length, 1, 'one val image per class');
});

test('CUB: the same params give byte-identical artifacts; another seed carves another val split', async () => {
  const fx = await writeCubFixture(join(tempDir(), 'CUB_200_2011'), { classes: 3, trainPerClass: 4, testPerClass: 1 });
  const [a, b, c] = [tempDir(), tempDir(), tempDir()];
  await buildCub(a, options(fx.root));
  await buildCub(b, options(fx.root, { concurrency: 1 }));
  assert.deepEqual(dirDigests(a), dirDigests(b));
  await buildCub(c, options(fx.root, { seed: 1 }));
  assert.notDeepEqual(readFileSync(join(a, 'val.ids.txt'), 'utf8'), readFileSync(join(c, 'val.ids.txt'), 'utf8'));
  assert.equal((await openDataset(c)).info.hasMasks, false, 'no segmentations folder: no masks');
});

test('CUB: a class subset by name (with or without the NNN. prefix) keeps classes.txt order', async () => {
  const fx = await writeCubFixture(join(tempDir(), 'CUB_200_2011'), { classes: 4, trainPerClass: 2, testPerClass: 1 });
  const out = tempDir();
  const info = await buildCub(out, options(fx.root, { classes: ['Sooty_Albatross', '001.Black_footed_Albatross'], val: { fraction: 0.5 } }));
  assert.deepEqual(info.classNames, ['001.Black_footed_Albatross', '003.Sooty_Albatross']);
  assert.deepEqual(info.counts, { train: 2, val: 2, test: 2 });
  const view = await openDataset(out);
  const test = view.split('test');
  assert.deepEqual([...test.labels], [0, 1]);
  assert.match(test.ids[1]!, /^003\.Sooty_Albatross\//);
  await assert.rejects(
    buildCub(tempDir(), options(fx.root, { classes: ['Penguin'] })),
    (e: DatasetInputError) => /unknown CUB class name 'Penguin'/.test(e.message) && /classes\.txt/.test(e.hint ?? ''),
  );
});

async function brokenFixture(): Promise<string> {
  return (await writeCubFixture(join(tempDir(), 'CUB_200_2011'), { classes: 2, trainPerClass: 2, testPerClass: 1 })).root;
}

async function rejectsWith(root: string, message: RegExp, hint?: RegExp): Promise<void> {
  await assert.rejects(buildCub(tempDir(), options(root)), (e: unknown) => {
    assert.ok(e instanceof DatasetInputError, `a DatasetInputError, got ${String(e)}`);
    assert.match(e.message, message);
    if (hint) assert.match(e.hint ?? '', hint);
    return true;
  });
}

test('CUB: bad input names the file and line and says how to fix it', async () => {
  await rejectsWith(join(tempDir(), 'nowhere'), /CUB-200-2011 root .*nowhere does not exist/, /CUB_200_2011\.tgz.*images\.txt/);

  let root = await brokenFixture();
  const line2 = readFileSync(join(root, 'images.txt'), 'utf8').split('\n')[1]!.split(' ')[1]!;
  rmSync(join(root, 'images', line2));
  await rejectsWith(root, new RegExp(`${line2.replace('.', '\\.')}: image file is missing .*images\\.txt:2`), /extracted completely/);

  root = await brokenFixture();
  writeFileSync(join(root, 'images', line2), 'not a jpeg');
  await rejectsWith(root, /cannot decode image .*images\.txt:2/, /corrupt/);

  root = await brokenFixture();
  const boxes = readFileSync(join(root, 'bounding_boxes.txt'), 'utf8').split('\n');
  boxes[2] = '3 10.0 10.0 500.0 5.0';
  writeFileSync(join(root, 'bounding_boxes.txt'), boxes.join('\n'));
  await rejectsWith(root, /bounding_boxes\.txt:3: image '.*': box \(10, 10, 510, 15\) lies outside the \d+x\d+ image/);

  root = await brokenFixture();
  appendFileSync(join(root, 'image_class_labels.txt'), '99 1\n');
  await rejectsWith(root, /image_class_labels\.txt:7: image id '99' is not in images\.txt/);

  root = await brokenFixture();
  writeFileSync(join(root, 'train_test_split.txt'), readFileSync(join(root, 'train_test_split.txt'), 'utf8').replace(/^2 1\n/m, ''));
  await rejectsWith(root, /train_test_split\.txt: no line for image id '2' \(listed at .*images\.txt:2\)/);

  root = await brokenFixture();
  writeFileSync(join(root, 'bounding_boxes.txt'), readFileSync(join(root, 'bounding_boxes.txt'), 'utf8').replace(/^4 (.*)$/m, '4 1.0 2.0 3.0'));
  await rejectsWith(root, /bounding_boxes\.txt:4: expected 5 fields \(<image_id> <x> <y> <width> <height>\), found 4/);

  root = await brokenFixture();
  writeFileSync(join(root, 'image_class_labels.txt'), readFileSync(join(root, 'image_class_labels.txt'), 'utf8').replace(/^5 2$/m, '5 7'));
  await rejectsWith(root, /image_class_labels\.txt:5: class id 7 is not in classes\.txt/);

  root = await brokenFixture();
  await assert.rejects(buildCub(tempDir(), options(root, { segmentations: 'required' })), /segmentations is missing/);
});
