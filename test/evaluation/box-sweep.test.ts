import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BoxSweeper } from '../../src/evaluation/box-sweep.js';
import { boxesAtThresholds } from '../../src/evaluation/box-extraction.js';
import { BoxAccuracy } from '../../src/evaluation/box-accuracy.js';
import { bestIou, type Box } from '../../src/evaluation/iou.js';
import { quantizeScoremap, thresholdList } from '../../src/evaluation/scoremap.js';
import { randomBoxes, rng, smoothMap } from '../helpers/random-maps.js';

const THRESHOLDS = thresholdList(0.01);

/** Best IoU per threshold the reference way: contours at every threshold. */
function reference(q: Uint8Array, w: number, h: number, gt: Box[], mode: 'single' | 'multi'): number[] {
  return boxesAtThresholds(q, w, h, THRESHOLDS, mode).map((boxes) => bestIou(boxes, gt));
}

test('the union-find sweep equals per-threshold contours (multi-box) on random smooth and noisy maps', () => {
  const rand = rng(21);
  for (let t = 0; t < 150; t++) {
    const w = 2 + Math.floor(rand() * 30),
      h = 2 + Math.floor(rand() * 30);
    const map = smoothMap(rand, w, h, undefined, rand() * 0.4);
    const q = quantizeScoremap(map);
    const gt = randomBoxes(rand, w, h);
    const sweeper = new BoxSweeper(w, h);
    assert.deepEqual(Array.from(sweeper.multiBestIou(q, THRESHOLDS, gt)), reference(q, w, h, gt, 'multi'), `map ${t} (${w}x${h})`);
    assert.deepEqual(sweeper.multiBestIouOfMap(map, THRESHOLDS, gt), sweeper.multiBestIou(q, THRESHOLDS, gt));
    assert.deepEqual(Array.from(sweeper.singleBestIou(q, THRESHOLDS, gt)), reference(q, w, h, gt, 'single'), `map ${t} (${w}x${h}) single`);
  }
});

test('the sweep equals contours on arbitrary quantised maps (fast-check), plateaus and maps with few levels included', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 12 }),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 144, maxLength: 144 }),
      fc.integer({ min: 1, max: 255 }),
      fc.tuple(fc.nat(11), fc.nat(11), fc.nat(11), fc.nat(11)),
      (w, h, values, levels, [a, b, c, d]) => {
        // Few distinct levels make plateaus, holes and ties likely.
        const q = Uint8Array.from(values.slice(0, w * h), (v) => Math.floor(v / levels) * levels);
        const gt: Box[] = [[Math.min(a, c) % w, Math.min(b, d) % h, Math.max(a, c) % w, Math.max(b, d) % h]];
        if (gt[0]![2] < gt[0]![0]) gt[0] = [gt[0]![2], gt[0]![1], gt[0]![0], gt[0]![3]];
        if (gt[0]![3] < gt[0]![1]) gt[0] = [gt[0]![0], gt[0]![3], gt[0]![2], gt[0]![1]];
        const sweeper = new BoxSweeper(w, h);
        assert.deepEqual(Array.from(sweeper.multiBestIou(q, THRESHOLDS, gt)), reference(q, w, h, gt, 'multi'));
      },
    ),
    { numRuns: 200 },
  );
});

test('all-zero, constant and single-pixel maps sweep like the contours do', () => {
  const gt: Box[] = [[1, 1, 3, 2]];
  for (const [w, h, values] of [
    [5, 4, new Array(20).fill(0)],
    [5, 4, new Array(20).fill(128)],
    [1, 1, [255]],
    [1, 1, [0]],
    [7, 1, [0, 9, 0, 9, 9, 0, 9]],
    [1, 6, [9, 0, 9, 9, 0, 9]],
  ] as [number, number, number[]][]) {
    const q = Uint8Array.from(values);
    const sweeper = new BoxSweeper(w, h);
    const box: Box[] = [[0, 0, Math.min(1, w - 1), Math.min(1, h - 1)]];
    for (const truth of [gt, box]) {
      assert.deepEqual(Array.from(sweeper.multiBestIou(q, THRESHOLDS, truth)), reference(q, w, h, truth, 'multi'), `${w}x${h} ${values}`);
      assert.deepEqual(Array.from(sweeper.singleBestIou(q, THRESHOLDS, truth)), reference(q, w, h, truth, 'single'), `${w}x${h} ${values} single`);
    }
  }
});

test('every box lies inside the map, in both modes, at every threshold', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }), fc.integer(), (w, h, seed) => {
      const rand = rng(seed);
      const q = quantizeScoremap(smoothMap(rand, w, h, undefined, rand() * 0.5));
      for (const mode of ['single', 'multi'] as const) {
        for (const boxes of boxesAtThresholds(q, w, h, THRESHOLDS, mode)) {
          assert.ok(boxes.length >= 1);
          if (mode === 'single') assert.equal(boxes.length, 1);
          for (const [x0, y0, x1, y1] of boxes) {
            assert.ok(x0 >= 0 && y0 >= 0 && x1 <= w - 1 && y1 <= h - 1 && x0 <= x1 && y0 <= y1, `box ${[x0, y0, x1, y1]} in ${w}x${h}`);
          }
        }
      }
    }),
    { numRuns: 60 },
  );
});

test('box accuracy is monotone (non-increasing) in δ, and MaxBoxAccV2 is the mean of the three', () => {
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: 1, max: 12 }), (seed, images) => {
      const rand = rng(seed);
      const deltas = [10, 30, 50, 70, 90];
      const acc = new BoxAccuracy(THRESHOLDS, deltas);
      const sweeper = new BoxSweeper(16, 12);
      for (let i = 0; i < images; i++) acc.add(sweeper.multiBestIou(quantizeScoremap(smoothMap(rand, 16, 12)), THRESHOLDS, randomBoxes(rand, 16, 12)));
      for (let k = 1; k < deltas.length; k++) {
        const lower = acc.curve(deltas[k - 1]!),
          higher = acc.curve(deltas[k]!);
        higher.forEach((v, t) => assert.ok(v <= lower[t]!));
        assert.ok(acc.max(deltas[k]!).value <= acc.max(deltas[k - 1]!).value);
      }
    }),
    { numRuns: 40 },
  );
  const acc = new BoxAccuracy([0, 0.5], [30, 50, 70]);
  acc.add([0.35, 0.8]);
  acc.add([0.6, 0.2]);
  assert.deepEqual(acc.curve(30), [100, 50]);
  assert.deepEqual(acc.max(50), { delta: 50, value: 50, tau: 0, tauIndex: 0 });
  assert.deepEqual(acc.max(70), { delta: 70, value: 50, tau: 0.5, tauIndex: 1 });
  assert.equal(acc.meanMax(), (100 + 50 + 50) / 3);
});

test('a perfect map (1 inside the ground-truth box, 0 outside) scores 100 in both modes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 20 }), fc.integer({ min: 2, max: 20 }), fc.integer(), (w, h, seed) => {
      const rand = rng(seed);
      const [box] = randomBoxes(rand, w, h, 1) as [Box];
      // The reference's box is (x, y, min(x+w, W-1), min(y+h, H-1)): one pixel wider than the
      // object, so an object of at least 2x2 pixels ending at the map edge is found exactly.
      const gt: Box = [box[0], box[1], w - 1, h - 1];
      const map = Float32Array.from({ length: w * h }, (_, i) => (i % w >= gt[0] && Math.floor(i / w) >= gt[1] ? 1 : 0));
      const q = quantizeScoremap(map);
      const sweeper = new BoxSweeper(w, h);
      for (const row of [sweeper.multiBestIou(q, THRESHOLDS, [gt]), sweeper.singleBestIou(q, THRESHOLDS, [gt])]) {
        const acc = new BoxAccuracy(THRESHOLDS, [30, 50, 70]);
        acc.add(row);
        assert.equal(acc.meanMax(), 100);
      }
    }),
    { numRuns: 60 },
  );
});

test('the worker-thread sweep gives the single-threaded results, PxAP included', async () => {
  const { shared, sweepInParallel } = await import('../../src/evaluation/parallel-sweep.js');
  const { PixelAccumulator } = await import('../../src/evaluation/pixel-metrics.js');
  const { mapWithObject } = await import('../helpers/random-maps.js');
  const w = 20,
    h = 16,
    n = 24;
  const objects = Array.from({ length: n }, (_, i) => mapWithObject(rng(50 + i), w, h));
  const maps = shared(Float32Array.from(objects.flatMap((o) => Array.from(o.map))));
  const masks = shared(Uint8Array.from(objects.flatMap((o) => Array.from(o.mask))));
  const boxes = objects.map((o) => [o.box]);
  const result = await sweepInParallel({ width: w, height: h, count: n, maps, masks, boxes, thresholds: THRESHOLDS }, 3);
  const sweeper = new BoxSweeper(w, h);
  const pixels = new PixelAccumulator(THRESHOLDS);
  objects.forEach((o, i) => {
    assert.deepEqual(
      result.bestIou.subarray(i * THRESHOLDS.length, (i + 1) * THRESHOLDS.length),
      sweeper.multiBestIou(quantizeScoremap(o.map), THRESHOLDS, [o.box]),
    );
    pixels.add(o.map, o.mask, null);
  });
  assert.equal(result.pixels!.pxap(), pixels.pxap());
  await assert.rejects(
    sweepInParallel({ width: w, height: h, count: n, maps: Float32Array.from(maps), masks: null, boxes, thresholds: THRESHOLDS }, 2),
    /SharedArrayBuffer/,
  );
});
