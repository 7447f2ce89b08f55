import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxRegion, convexHull, hullRegion, intensityMap, poolCells } from '../../src/methods/baselines.js';
import { runCli, tempDir, writePipeline } from '../helpers/cli.js';

test('cells average what they cover, edge cells included', () => {
  const map = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // 4 wide, 3 high
  const pooled = poolCells(map, 4, 3, 2);
  assert.deepEqual([pooled.width, pooled.height], [2, 2]);
  assert.deepEqual([...pooled.map], [(1 + 2 + 5 + 6) / 4, (3 + 4 + 7 + 8) / 4, (9 + 10) / 2, (11 + 12) / 2]);
  assert.equal(poolCells(map, 4, 3, 1).map, map);
});

test('intensity is the mean of the channels in [0, 1]', () => {
  const image = Uint8Array.from([255, 255, 255, 0, 0, 255]);
  assert.deepEqual(intensityMap(image, { width: 2, height: 1 }, 3), Float32Array.from([1, 1 / 3]));
});

test('the box region fills inclusive corners and clamps an edge at W (CUB x + w)', () => {
  const r = boxRegion([[1, 0, 4, 1]], { width: 4, height: 3 });
  assert.deepEqual([...r], [0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0]);
});

test('the hull of a two-part mask covers the gap between the parts (the ink mask would not)', () => {
  const size = { width: 8, height: 3 };
  const mask = new Uint8Array(24);
  for (const x of [0, 1, 6, 7]) for (let y = 0; y < 3; y++) mask[y * 8 + x] = 1;
  const hull = hullRegion(mask, size);
  assert.deepEqual([...hull], new Array(24).fill(1));
  // A diagonal pair of pixels: the hull is the band between them.
  const d = new Uint8Array(9);
  d[0] = 1;
  d[8] = 1;
  assert.deepEqual([...hullRegion(d, { width: 3, height: 3 })], [1, 1, 0, 1, 1, 1, 0, 1, 1]);
  assert.deepEqual(
    convexHull([
      [0, 0],
      [2, 0],
      [1, 1],
      [2, 2],
      [0, 2],
      [1, 0],
    ]),
    [
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
    ],
  );
});

test('the floor and ceiling nodes run through the CLI: the filled box scores 100 % GT-known, intensity less', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, {
    name: 'floor-ceiling',
    nodes: {
      data: { type: 'dataset/cluttered-mnist', with: { train: 4, val: 40, test: 40 } },
      floor: { type: 'maps/intensity', inputs: { dataset: 'data' }, with: { cell: 8 } },
      ceiling: { type: 'maps/oracle', inputs: { dataset: 'data' } },
      hull: { type: 'maps/oracle', inputs: { dataset: 'data' }, with: { region: 'hull', cell: 8 } },
      'eval-floor': { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'floor' } },
      'eval-ceiling': { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'ceiling' } },
      'eval-hull': { type: 'evaluate/localization', inputs: { dataset: 'data', maps: 'hull' } },
    },
  });
  const r = await runCli([file, '--json'], dir);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const metric = (node: string, m: string): number =>
    (r.events.find((e) => e.event === 'node-done' && e.node === node) as { metrics: Record<string, number> }).metrics[m]!;
  assert.equal(metric('eval-ceiling', 'gtKnownLoc'), 100);
  assert.ok(metric('eval-hull', 'gtKnownLoc') > 50, String(metric('eval-hull', 'gtKnownLoc')));
  assert.ok(metric('eval-floor', 'gtKnownLoc') < 100);
});
