import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { createDatasetWriter, openDataset, writeDatasetArtifact, type SplitSample } from '../../src/datasets/store.js';
import { rescaleBox } from '../../src/datasets/boxes.js';
import type { Box, SplitName } from '../../src/datasets/types.js';
import { tempDir } from '../helpers/cli.js';

const W = 5;
const H = 4;

/** Small deterministic samples: image bytes encode (image, pixel) so any mix-up shows. */
function samples(): SplitSample[] {
  const out: SplitSample[] = [];
  const plan: [SplitName, number][] = [
    ['train', 3],
    ['val', 2],
    ['test', 1],
  ];
  let n = 0;
  for (const [split, count] of plan) {
    for (let k = 0; k < count; k++, n++) {
      const image = Uint8Array.from({ length: W * H * 3 }, (_, j) => (n * 37 + j) % 256);
      const withMasks = split !== 'train';
      const mask = withMasks ? Uint8Array.from({ length: W * H }, (_, j) => ((j + n) % 3 === 0 ? 255 : 0)) : null;
      const ignoreMask = withMasks ? Uint8Array.from({ length: W * H }, (_, j) => (j === n ? 1 : 0)) : null;
      const boxes: Box[] =
        k % 2 === 0
          ? [[1, 2, 4, 3]]
          : [
              [0, 0, 9.5, 19],
              [2.25, 3, 5, 6],
            ];
      out.push({ split, id: `${split}/img_${k}.jpg`, label: n % 2, originalSize: { width: 10, height: 20 }, boxes, image, mask, ignoreMask });
    }
  }
  return out;
}

const header = { name: 'fixture', classNames: ['cat', 'dog'], imageSize: { width: W, height: H }, channels: 3 as const };

test('a dataset written by the store reads back field by field, from memory and from disk', async () => {
  const dir = tempDir();
  const input = samples();
  const info = await writeDatasetArtifact(dir, header, input, { source: 'test' });
  assert.deepEqual(info.counts, { train: 3, val: 2, test: 1 });
  assert.equal(info.hasMasks, true);
  assert.equal(info.hasIgnoreMasks, true);
  for (const maxInMemoryBytes of [undefined, 0]) {
    const view = await openDataset(dir, maxInMemoryBytes === undefined ? {} : { maxInMemoryBytes });
    assert.deepEqual(view.info, info);
    assert.deepEqual(view.manifest.extra, { source: 'test' });
    for (const split of ['train', 'val', 'test'] as const) {
      const mine = input.filter((s) => s.split === split);
      const sv = view.split(split);
      assert.equal(sv.count, mine.length);
      assert.deepEqual(
        sv.ids,
        mine.map((s) => s.id),
      );
      assert.deepEqual(
        [...sv.labels],
        mine.map((s) => s.label),
      );
      mine.forEach((s, i) => {
        assert.deepEqual(sv.originalSizes[i], s.originalSize);
        assert.deepEqual(sv.boxesOriginal(i), s.boxes);
        assert.deepEqual(
          sv.boxes(i),
          s.boxes.map((b) => rescaleBox(b, s.originalSize, header.imageSize)),
        );
        assert.deepEqual([...sv.image(i)], [...s.image]);
        assert.deepEqual(sv.mask(i) && [...sv.mask(i)!], s.mask ? [...s.mask].map((v) => (v ? 1 : 0)) : null);
        assert.deepEqual(sv.ignoreMask(i) && [...sv.ignoreMask(i)!], s.ignoreMask ? [...s.ignoreMask] : null);
      });
      if (sv.count >= 2) {
        const b = sv.batch([1, 0, 1]);
        assert.equal(b.length, 3 * W * H * 3);
        assert.equal(b[0], Math.fround(mine[1]!.image[0]! / 255));
        assert.equal(b[W * H * 3 + 7], Math.fround(mine[0]!.image[7]! / 255));
        assert.equal(b[2 * W * H * 3 + 59], Math.fround(mine[1]!.image[59]! / 255));
      }
      assert.throws(() => sv.image(sv.count), /outside split/);
    }
  }
});

test('boxes at imageSize follow the evaluation spec: truncation (1,2,4,3) in 10x20 -> 35x10 gives (3,1,14,1)', () => {
  assert.deepEqual(rescaleBox([1, 2, 4, 3], { width: 10, height: 20 }, { width: 35, height: 10 }), [3, 1, 14, 1]);
  assert.deepEqual(rescaleBox([1, 2, 1, 2], { width: 3, height: 3 }, { width: 3, height: 3 }), [1, 2, 1, 2]);
});

test('writing the same samples twice gives byte-identical files', async () => {
  const a = tempDir();
  const b = tempDir();
  await writeDatasetArtifact(a, header, samples());
  await writeDatasetArtifact(b, header, samples());
  const files = readdirSync(a).sort();
  assert.deepEqual(readdirSync(b).sort(), files);
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);
});

test('the writer refuses inconsistent samples with a message naming the image', async () => {
  const dir = tempDir();
  const w = await createDatasetWriter(dir, header);
  const [first, second] = samples();
  await w.add('train', first!);
  await assert.rejects(w.add('train', { ...second!, id: first!.id }), /img_0.jpg.*appears twice/);
  await assert.rejects(w.add('train', { ...second!, label: 2 }), /label 2 is not a class index/);
  await assert.rejects(w.add('train', { ...second!, image: new Uint8Array(3) }), /3 image bytes, expected 60/);
  await assert.rejects(w.add('train', { ...second!, mask: new Uint8Array(W * H) }), /must have a mask, or none/);
  await assert.rejects(w.add('train', { ...second!, id: 'a\nb' }), /one line/);
  await w.add('train', second!);
  await w.finish();
  const view = await openDataset(dir);
  assert.deepEqual(view.info.counts, { train: 2, val: 0, test: 0 });
  assert.equal(view.split('val').count, 0);
  assert.equal(view.info.hasMasks, false);
  assert.equal(view.split('train').mask(0), null);
});

test('a truncated or unfinished artifact is an error, never silently short', async () => {
  const dir = tempDir();
  await writeDatasetArtifact(dir, header, samples());
  truncateSync(join(dir, 'train.images.u8'), 100);
  await assert.rejects(openDataset(dir), /train\.images\.u8: 100 bytes, expected 3 x 60 = 180; the dataset artifact is truncated or corrupt/);
  await assert.rejects(openDataset(tempDir()), /dataset\.json is missing/);
});
