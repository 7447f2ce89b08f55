import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestIou, checkBox, iou, iouMatrix, rescaleBox } from '../../src/evaluation/iou.js';

test('IoU vectors of the spec (inclusive pixel convention)', () => {
  assert.equal(iou([1, 2, 5, 6], [3, 1, 4, 5]), 8 / 27);
  assert.equal(iou([0, 0, 0, 0], [0, 0, 0, 0]), 1);
  assert.deepEqual(
    iouMatrix(
      [
        [1, 1, 3, 3],
        [4, 4, 5, 5],
      ],
      [
        [1, 1, 3, 3],
        [4, 4, 5, 5],
      ],
    ),
    [
      [1, 0],
      [0, 1],
    ],
  );
  assert.equal(iou([0, 0, 1, 1], [5, 5, 6, 6]), 0);
  assert.equal(
    bestIou(
      [
        [0, 0, 1, 1],
        [1, 2, 5, 6],
      ],
      [[3, 1, 4, 5]],
    ),
    8 / 27,
  );
  assert.equal(bestIou([], [[3, 1, 4, 5]]), 0);
});

test('a box with x1 < x0, y1 < y0 or a negative coordinate is an error', () => {
  assert.throws(() => checkBox([3, 0, 2, 1]), /x1 < x0/);
  assert.throws(() => checkBox([0, 3, 1, 2]), /x1 < x0 or y1 < y0/);
  assert.throws(() => checkBox([-1, 0, 2, 2]), /negative/);
  assert.throws(() => iouMatrix([[0, 0, 1, 1]], [[2, 2, 1, 1]]), /box 0 of the second list/);
  assert.doesNotThrow(() => checkBox([0, 0, 0, 0]));
});

test("ground-truth boxes are rescaled by truncation, x' = int(x * W' / W)", () => {
  assert.deepEqual(rescaleBox([1, 2, 4, 3], { width: 10, height: 20 }, { width: 35, height: 10 }), [3, 1, 14, 1]);
  assert.deepEqual(rescaleBox([1, 2, 1, 2], { width: 3, height: 3 }, { width: 3, height: 3 }), [1, 2, 1, 2]);
});
