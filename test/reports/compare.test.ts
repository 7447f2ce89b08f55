import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareResults, comparisonMarkdown } from '../../src/reports/compare.js';

test('rows group over the replicate axis with mean and sample std', () => {
  const rows = compareResults(
    [
      { coords: { variant: 'cam', seed: 0 }, metrics: { acc: 50 } },
      { coords: { variant: 'cam', seed: 1 }, metrics: { acc: 60 } },
      { coords: { variant: 'vst', seed: 0 }, metrics: { acc: 80 } },
    ],
    ['seed'],
    ['acc'],
  );
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.mean.acc, 55);
  assert.ok(Math.abs(rows[0]!.std.acc! - Math.sqrt(50)) < 1e-12);
  assert.equal(rows[1]!.runs, 1);
  const md = comparisonMarkdown(rows, ['acc']);
  assert.match(md, /\| cam \| 2 \| 55\.00 ± 7\.07 \|/);
  assert.match(md, /\| vst \| 1 \| 80\.00 \|/);
});
