import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateLocalization, type GroundTruth, type LocalizationOptions, type MapSet } from '../../src/evaluation/localization.js';
import type { Box } from '../../src/evaluation/iou.js';
import { randomBoxes, rng, smoothMap } from '../helpers/random-maps.js';
import { MapInputError } from '../../src/core/errors.js';

const W = 16,
  H = 12;

function groundTruth(boxes: Box[][], labels: number[], masks?: Uint8Array[]): GroundTruth {
  return {
    count: boxes.length,
    ids: boxes.map((_, i) => `img${i}.png`),
    labels: Int32Array.from(labels),
    boxes: (i) => boxes[i]!,
    mask: (i) => masks?.[i] ?? null,
    ignoreMask: () => null,
  };
}

function mapSet(maps: Float32Array[], width = W, height = H): MapSet {
  return { width, height, target: 'gt', map: (i) => maps[i]! };
}

const OPTIONS: LocalizationOptions = {
  imageSize: { width: W, height: H },
  thresholdStep: 0.01,
  deltas: [30, 50, 70],
  preprocess: 'resize-normalize',
  nanMaps: 'error',
  singleBox: true,
  stlTolerance: 2,
  fixedTau: null,
};

/** 1 on the box minus its last row and column (the reference's box is one pixel wider), 0 elsewhere. */
function perfectMap(box: Box): Float32Array {
  return Float32Array.from({ length: W * H }, (_, i) =>
    i % W >= box[0] && i % W < box[2] && Math.floor(i / W) >= box[1] && Math.floor(i / W) < box[3] ? 1 : 0,
  );
}

test('perfect maps score 100 on every box and mask metric; τ is chosen on the choice split', () => {
  const rand = rng(3);
  const boxes: Box[][] = Array.from({ length: 6 }, () => {
    const x0 = Math.floor(rand() * 8),
      y0 = Math.floor(rand() * 6);
    return [[x0, y0, x0 + 3 + Math.floor(rand() * 4), y0 + 3 + Math.floor(rand() * 4)]];
  });
  const maps = boxes.map((b) => perfectMap(b[0]!));
  const masks = maps.map((m) => Uint8Array.from(m));
  const gt = groundTruth(boxes, [0, 1, 2, 0, 1, 2], masks);
  const scores = { classes: 3, values: Float32Array.from(boxes.flatMap((_, i) => [0, 1, 2].map((c) => (c === gt.labels[i] ? 5 : c)))) };
  const r = evaluateLocalization(
    { split: 'test', gt, maps: mapSet(maps), boxes: null, scores, choose: { split: 'val', gt, maps: mapSet(maps) }, classes: 3 },
    OPTIONS,
  );
  for (const k of [
    'maxBoxAccV2',
    'maxBoxAccV2@30',
    'maxBoxAccV2@50',
    'maxBoxAccV2@70',
    'maxBoxAcc',
    'gtKnownLoc',
    'top1Loc',
    'pxap',
    'piou',
    'f1Pos',
    'f1Neg',
    'top1Cls',
  ])
    assert.equal(r.headline[k], 100, k);
  assert.deepEqual(r.detail.tauChoice, { tau: 0, chosenOn: 'val', metric: 'single-box BoxAcc(τ, 50)' });
  assert.equal(r.perImage[0]!.gtKnown!.hit, true);
  assert.deepEqual(r.perImage[0]!.gtKnown!.box, boxes[0]![0]);
  assert.deepEqual(r.perImage[2]!.multi!.box, boxes[2]![0]);
  assert.equal(r.curves.boxAccMulti!['50']!.length, 100);
});

test('GT-known uses the τ of the choice split, not the evaluated one; Top-1 Loc needs the right class too', () => {
  const rand = rng(9);
  const make = (n: number): { gt: GroundTruth; maps: Float32Array[] } => {
    const boxes = Array.from({ length: n }, () => randomBoxes(rand, W, H, 1));
    return {
      gt: groundTruth(
        boxes,
        boxes.map(() => 0),
      ),
      maps: boxes.map(() => smoothMap(rand, W, H)),
    };
  };
  const val = make(5),
    test_ = make(7);
  const fixed = (tau: number) =>
    evaluateLocalization(
      { split: 'test', gt: test_.gt, maps: mapSet(test_.maps), boxes: null, scores: null, choose: null, classes: 1 },
      { ...OPTIONS, fixedTau: tau },
    );
  const chosen = evaluateLocalization(
    {
      split: 'test',
      gt: test_.gt,
      maps: mapSet(test_.maps),
      boxes: null,
      scores: null,
      choose: { split: 'val', gt: val.gt, maps: mapSet(val.maps) },
      classes: 1,
    },
    OPTIONS,
  );
  const tau = (chosen.detail.tauChoice as { tau: number }).tau;
  assert.equal(chosen.headline.gtKnownLoc, fixed(tau).headline.gtKnownLoc);
  // Wrong classes everywhere: Top-1 Loc is 0 whatever the boxes.
  const wrong = { classes: 2, values: Float32Array.from(test_.maps.flatMap(() => [0, 1])) };
  const r = evaluateLocalization(
    {
      split: 'test',
      gt: test_.gt,
      maps: mapSet(test_.maps),
      boxes: null,
      scores: wrong,
      choose: { split: 'val', gt: val.gt, maps: mapSet(val.maps) },
      classes: 2,
    },
    OPTIONS,
  );
  assert.equal(r.headline.top1Loc, 0);
  assert.equal(r.headline.top1Cls, 0);
  const noChoice = evaluateLocalization(
    { split: 'test', gt: test_.gt, maps: mapSet(test_.maps), boxes: null, scores: null, choose: null, classes: 1 },
    OPTIONS,
  );
  assert.equal(noChoice.headline.gtKnownLoc, undefined);
  assert.match(noChoice.notes.join('\n'), /no split to choose τ on/);
});

test('maps at another size are resized bicubic; a NaN map is an error naming the image (or zeros when asked)', () => {
  const gt = groundTruth([[[2, 2, 9, 7]], [[0, 0, 4, 4]]], [0, 0]);
  const small = [smoothMap(rng(1), 4, 3), Float32Array.from({ length: 12 }, (_, i) => (i === 5 ? NaN : i))];
  assert.throws(
    () => evaluateLocalization({ split: 'test', gt, maps: mapSet(small, 4, 3), boxes: null, scores: null, choose: null, classes: 1 }, OPTIONS),
    (e: unknown) => e instanceof MapInputError && /map of image 1 \(img1.png\) has NaN at \(x=1, y=1\)/.test(e.message) && /nanMaps/.test(e.hint ?? ''),
  );
  const zero = evaluateLocalization(
    { split: 'test', gt, maps: mapSet(small, 4, 3), boxes: null, scores: null, choose: null, classes: 1 },
    { ...OPTIONS, nanMaps: 'zero' },
  );
  assert.ok(zero.headline.maxBoxAccV2 !== undefined);
  // Score maps evaluated as they are must have the evaluation size and values in [0, 1].
  assert.throws(
    () =>
      evaluateLocalization(
        { split: 'test', gt, maps: mapSet(small, 4, 3), boxes: null, scores: null, choose: null, classes: 1 },
        { ...OPTIONS, preprocess: 'none' },
      ),
    /is 3x4, the evaluation size is 12x16/,
  );
  const outOfRange = [new Float32Array(W * H).fill(2), new Float32Array(W * H)];
  assert.throws(
    () =>
      evaluateLocalization(
        { split: 'test', gt, maps: mapSet(outOfRange), boxes: null, scores: null, choose: null, classes: 1 },
        { ...OPTIONS, preprocess: 'none' },
      ),
    /image 0 \(img0.png\) has 2 at \(x=0, y=0\), outside \[0, 1\]/,
  );
});

test('boxes input: the first box answers; Top-1 / Top-5 Loc with scores; binary datasets get ACC, AUC, AP and STL AP', () => {
  const gt = groundTruth([[[0, 0, 5, 5]], [[4, 4, 9, 9]], [], [[2, 2, 3, 3]]], [1, 1, 0, 1]);
  const predicted: Box[][] = [
    [[0, 0, 5, 5]],
    [
      [0, 0, 1, 1],
      [4, 4, 9, 9],
    ],
    [[1, 1, 2, 2]],
    [],
  ];
  const scores = { classes: 2, values: Float32Array.from([0, 1, 0.2, 0.1, 0.9, 0.1, 0.3, 0.7]) };
  const r = evaluateLocalization({ split: 'test', gt, maps: null, boxes: predicted, scores, choose: null, classes: 2 }, OPTIONS);
  assert.equal(r.headline.boxGtKnownLoc, 100 / 3);
  assert.equal(r.headline.boxTop1Loc, 100 / 3);
  assert.equal(r.headline.acc, 75);
  assert.deepEqual((r.detail.boxes as { anyBoxLoc: number }).anyBoxLoc, 200 / 3);
  // STL: maps peaking inside the box of images 0 and 3, outside for image 1.
  const peak = (x: number, y: number): Float32Array => Float32Array.from({ length: W * H }, (_, i) => (i === y * W + x ? 1 : 0));
  const maps = [peak(2, 2), peak(15, 0), peak(8, 8), peak(3, 3)];
  const s = evaluateLocalization({ split: 'test', gt, maps: mapSet(maps), boxes: null, scores, choose: null, classes: 2 }, { ...OPTIONS, singleBox: false });
  assert.deepEqual(
    s.perImage.map((p) => p.stlFound),
    [true, false, false, true],
  );
  // Positives ranked by s1 - s0: image 0 (1, found), image 3 (0.4, found), image 1 (-0.1, missed); negative image 2 (-0.8).
  assert.equal(s.headline.stlLocAp, (2 / 3) * 100);
});
