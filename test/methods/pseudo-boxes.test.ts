import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseThreshold, pseudoBoxes } from '../../src/methods/pseudo-boxes.js';
import type { MapsSplit } from '../../src/artifacts/maps.js';
import type { SplitView } from '../../src/datasets/types.js';
import { tinyDataset } from '../helpers/tiny-dataset.js';

/** Maps = the ground-truth masks (a perfect localizer). */
function maskMaps(split: SplitView, size: number): MapsSplit {
  const maps = new Float32Array(split.count * size * size);
  for (let i = 0; i < split.count; i++) maps.set(split.mask(i)!, i * size * size);
  return { entry: { count: split.count, height: size, width: size, ids: [...split.ids], classes: 0 }, maps, scores: null };
}

test('pseudo boxes from mask-like maps hit the ground truth; the threshold is chosen on val', async () => {
  const { view } = await tinyDataset({ size: 32 });
  const grid = view.info.imageSize;
  const val = view.split('val');
  const choice = chooseThreshold(maskMaps(val, 32), val, grid, 0.05);
  assert.equal(choice.accuracy, 100, `curve ${choice.curve.join(',')}`);
  assert.ok(choice.tau >= 0 && choice.tau < 1);
  const train = view.split('train');
  const boxes = pseudoBoxes(maskMaps(train, 32), grid, choice.tau);
  assert.equal(boxes.length, train.count);
  boxes.forEach((b, i) => {
    const [gx0, gy0, gx1, gy1] = train.boxes(i)[0]!;
    assert.ok(b[0] === gx0 && b[1] === gy0 && b[2] - gx1 <= 1 && b[2] >= gx1 && b[3] - gy1 <= 1 && b[3] >= gy1, `image ${i}: ${b} vs ${train.boxes(i)[0]}`);
  });
});
