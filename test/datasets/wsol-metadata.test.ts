import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildWsolMetadata, type WsolMetadataOptions } from '../../src/datasets/loaders/wsol-metadata.js';
import { writeWsolFixture, type WsolFixture } from '../helpers/fixtures/wsol-metadata.js';
import { openDataset } from '../../src/datasets/store.js';
import { rescaleBox } from '../../src/datasets/boxes.js';
import { DatasetInputError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/cli.js';
import { assertColourNear, expectedMask, pixel } from './helpers.js';
import { paintMask } from '../helpers/fixtures/pixels.js';

const SIZE = 20;
const options = (fx: WsolFixture, more: Partial<WsolMetadataOptions> = {}): WsolMetadataOptions => ({
  metadata: fx.metadata,
  imageRoot: fx.imageRoot,
  splitDirs: { train: 'train', val: 'val', test: 'test' },
  imageSize: SIZE,
  name: 'FIXTURE',
  ...more,
});

test('wsolevaluation metadata with boxes: several boxes per image, no localization for train', async () => {
  const fx = await writeWsolFixture(tempDir(), { mode: 'boxes', perSplit: 3, classes: 2, trainLocalization: false });
  const out = tempDir();
  const info = await buildWsolMetadata(out, options(fx, { classNames: ['cat', 'dog'] }));
  assert.deepEqual(info.counts, { train: 3, val: 3, test: 3 });
  assert.deepEqual(info.classNames, ['cat', 'dog']);
  assert.equal(info.hasMasks, false);
  const view = await openDataset(out);
  for (const split of ['train', 'val', 'test'] as const) {
    const sv = view.split(split);
    const truth = fx.images.filter((i) => i.split === split);
    assert.deepEqual(
      sv.ids,
      truth.map((t) => t.id),
    );
    truth.forEach((t, i) => {
      assert.equal(sv.labels[i], t.label);
      assert.deepEqual(sv.originalSizes[i], { width: t.width, height: t.height });
      assert.deepEqual(sv.boxesOriginal(i), split === 'train' ? [] : t.objects);
      assert.deepEqual(
        sv.boxes(i),
        split === 'train' ? [] : t.objects.map((b) => rescaleBox(b, { width: t.width, height: t.height }, { width: SIZE, height: SIZE })),
      );
      assertColourNear(pixel(sv, i, SIZE, SIZE - 1, SIZE - 1), t.background, 2, `background of ${t.id}`);
      assert.equal(sv.mask(i), null);
    });
  }
  const unnamed = await buildWsolMetadata(tempDir(), options(fx));
  assert.deepEqual(unnamed.classNames, ['0', '1']);
});

test('wsolevaluation metadata with masks: instance masks OR-ed, ignore = ignore AND NOT foreground', async () => {
  const fx = await writeWsolFixture(tempDir(), { mode: 'masks', perSplit: 2, classes: 3, trainLocalization: true });
  const out = tempDir();
  const info = await buildWsolMetadata(out, options(fx));
  assert.equal(info.hasMasks, true);
  assert.equal(info.hasIgnoreMasks, true);
  const view = await openDataset(out);
  for (const split of ['train', 'val', 'test'] as const) {
    const sv = view.split(split);
    fx.images
      .filter((i) => i.split === split)
      .forEach((t, i) => {
        const fg = expectedMask(t.width, t.height, t.objects, SIZE);
        assert.deepEqual([...sv.mask(i)!], fg, `mask of ${t.id}`);
        const ignore = expectedMask(t.width, t.height, [t.ignore!], SIZE).map((v, k) => (v && !fg[k] ? 1 : 0));
        assert.ok(
          ignore.some((v) => v === 1),
          'the fixture leaves some ignore pixels',
        );
        assert.deepEqual([...sv.ignoreMask(i)!], ignore, `ignore mask of ${t.id}`);
        assert.deepEqual(sv.boxes(i), []);
      });
  }
});

test('wsolevaluation metadata with masks: stored masks are the pixels cv2.resize(INTER_NEAREST) gives, where floor(x * W / 20) would not', async () => {
  const { cvResizeNearest, opencv } = await import('../evaluation/oracle.js');
  const { cv } = await opencv();
  // 52 and 104 wide at 20 px: OpenCV's rounded inverse scale reads columns 12 / 25 where the integer quotient reads 13 / 26,
  // the fixture's rectangle edges (x1 = 12, x0 = 16 .. x1 = 25).
  const sizes = [
    [52, 30],
    [104, 30],
    [26, 24],
  ] as const;
  const fx = await writeWsolFixture(tempDir(), { mode: 'masks', perSplit: 1, classes: 1, trainLocalization: true, sizes });
  const out = tempDir();
  await buildWsolMetadata(out, options(fx));
  const view = await openDataset(out);
  let quotientDiffers = 0;
  for (const t of fx.images) {
    const sv = view.split(t.split);
    const i = sv.ids.indexOf(t.id);
    const painted = new Uint8Array(t.width * t.height);
    for (const r of t.objects) {
      const m = paintMask(t.width, t.height, r, 255);
      for (let k = 0; k < m.length; k++) painted[k] = painted[k]! | m[k]!;
    }
    const cvMask = [...cvResizeNearest(cv, painted, t.width, t.height, SIZE, SIZE)].map((v) => (v > 127 ? 1 : 0));
    assert.deepEqual([...sv.mask(i)!], cvMask, `mask of ${t.id} (${t.width}x${t.height})`);
    const quotient = Array.from({ length: SIZE * SIZE }, (_, k) => {
      const sx = Math.floor(((k % SIZE) * t.width) / SIZE);
      const sy = Math.floor((Math.floor(k / SIZE) * t.height) / SIZE);
      return painted[sy * t.width + sx]! > 127 ? 1 : 0;
    });
    if (quotient.some((v, k) => v !== cvMask[k])) quotientDiffers++;
  }
  assert.ok(quotientDiffers > 0, 'the sizes are chosen so that the integer quotient misreads some pixels');
});

async function rejects(fx: WsolFixture, message: RegExp, more: Partial<WsolMetadataOptions> = {}): Promise<void> {
  await assert.rejects(
    buildWsolMetadata(tempDir(), options(fx, more)),
    (e: unknown) => e instanceof DatasetInputError && message.test(e.message) && Boolean(e.hint),
  );
}

test('wsolevaluation metadata: bad input names the file and line', async () => {
  let fx = await writeWsolFixture(tempDir(), { mode: 'boxes', perSplit: 2, classes: 2, trainLocalization: true });
  await rejects(fx, /class_labels\.txt:2: class index 1 is not one of the 1 class names given/, { classNames: ['only'] });
  const sizes = join(fx.metadata, 'val', 'image_sizes.txt');
  writeFileSync(sizes, readFileSync(sizes, 'utf8').replace(/,(\d+),(\d+)\n$/, ',99,$2\n'));
  await rejects(fx, /val[/\\]image_sizes\.txt:2: image 'val\/01\/img_3\.png' is declared 99x\d+ but .* is \d+x\d+/);

  fx = await writeWsolFixture(tempDir(), { mode: 'boxes', perSplit: 2, classes: 2, trainLocalization: true });
  const loc = join(fx.metadata, 'test', 'localization.txt');
  writeFileSync(loc, `${readFileSync(loc, 'utf8')}test/00/img_4.png,1,2,300,4\n`);
  await rejects(fx, /test[/\\]localization\.txt:\d+: image 'test\/00\/img_4\.png': box \(1, 2, 300, 4\) lies outside/);
  rmSync(loc);
  await rejects(fx, /test[/\\]localization\.txt is missing/);
  await rejects(fx, /split folder .*nope is missing/, { splitDirs: { train: 'train', val: 'nope', test: 'test' } });

  fx = await writeWsolFixture(tempDir(), { mode: 'masks', perSplit: 2, classes: 2, trainLocalization: true });
  const masks = join(fx.metadata, 'val', 'localization.txt');
  const lines = readFileSync(masks, 'utf8').split('\n');
  lines[2] = lines[2]!.replace(/,$/, ',val/ignore.png');
  writeFileSync(masks, lines.join('\n'));
  await rejects(fx, /val[/\\]localization\.txt:3: an ignore path on a later line of image/);

  fx = await writeWsolFixture(tempDir(), { mode: 'boxes', perSplit: 2, classes: 2, trainLocalization: true });
  writeFileSync(join(fx.metadata, 'train', 'image_ids.txt'), 'train/00/img_0.png\ntrain/00/img_0.png\n');
  await rejects(fx, /train[/\\]image_ids\.txt:2: image id 'train\/00\/img_0\.png' appears twice \(first at line 1\)/);
});

test('wsolevaluation metadata: a split mapped to "" is absent (a test set alone); class names from a file in three forms', async () => {
  const fx = await writeWsolFixture(tempDir(), { mode: 'boxes', perSplit: 3, classes: 2, trainLocalization: false });
  rmSync(join(fx.metadata, 'train'), { recursive: true });
  const info = await buildWsolMetadata(tempDir(), options(fx, { splitDirs: { train: '', val: '', test: 'test' } }));
  assert.deepEqual(info.counts, { train: 0, val: 0, test: 3 });
  await assert.rejects(buildWsolMetadata(tempDir(), options(fx, { splitDirs: { train: '', val: '', test: '' } })), /every split is mapped to ""/);

  const { readClassNames } = await import('../../src/datasets/class-names.js');
  const dir = tempDir();
  const forms: [string, string][] = [
    ['list.json', '["cat", "dog"]'],
    ['object.json', '{"1": "dog", "0": "cat"}'],
    ['lines.txt', 'cat\ndog\n'],
  ];
  for (const [name, text] of forms) {
    writeFileSync(join(dir, name), text);
    assert.deepEqual(await readClassNames(join(dir, name)), ['cat', 'dog'], name);
  }
  writeFileSync(join(dir, 'gap.json'), '{"0": "cat", "2": "bird"}');
  await assert.rejects(readClassNames(join(dir, 'gap.json')), /class 1 has no name/);
  await assert.rejects(readClassNames(join(dir, 'missing.txt')), /cannot be read/);
});
