import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMetricValue, metricKind, metricUnit } from '../../src/evaluation/metric-format.js';

test('percentages (Loc, MaxBoxAcc, PxAP, top-1, F1, per-layer variants) print with one decimal and a % sign', () => {
  assert.equal(metricKind('maxBoxAccV2'), 'percent');
  assert.equal(metricKind('maxBoxAccV2@50'), 'percent');
  assert.equal(metricKind('top1Loc@conv5'), 'percent');
  assert.equal(metricUnit('pxap'), '%');
  assert.equal(formatMetricValue('maxBoxAccV2', 22.666666), '22.7%');
  assert.equal(formatMetricValue('gtKnownLoc', 16), '16.0%');
  assert.equal(formatMetricValue('valTop1', 45), '45.0%');
  assert.equal(formatMetricValue('f1Neg', 89.37567091284481), '89.4%');
});

test('counts are integers without unit, losses four decimals, thresholds two, and non-numbers as they are', () => {
  assert.equal(formatMetricValue('images', 1000), '1000');
  assert.equal(metricUnit('images'), '');
  assert.equal(formatMetricValue('finalLoss', 7.024), '7.0240');
  assert.equal(formatMetricValue('threshold', 0.6900000000000001), '0.69');
  assert.equal(formatMetricValue('mapSize', '8x8'), '8x8');
  assert.equal(formatMetricValue('masks', true), 'true');
  assert.equal(formatMetricValue('gtKnownLoc@conv2', null), '-');
});

test('an unknown metric keeps its integer or gets at most four significant decimals', () => {
  assert.equal(formatMetricValue('whatever', 3), '3');
  assert.equal(formatMetricValue('whatever', 1.23456789), '1.2346');
});
