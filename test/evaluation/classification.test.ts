import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision, binaryMetrics, rocAuc, topKAccuracy, trueClassRank } from '../../src/evaluation/classification.js';
import { nearRegion, stlLocalizationAp } from '../../src/evaluation/stl-localization.js';

test('top-k accuracy from the rank of the true class (ties: lower class index first)', () => {
  assert.equal(trueClassRank([0.1, 0.7, 0.2], 1), 0);
  assert.equal(trueClassRank([0.1, 0.7, 0.2], 0), 2);
  assert.equal(trueClassRank([0.5, 0.5], 1), 1);
  assert.equal(trueClassRank([0.5, 0.5], 0), 0);
  assert.equal(topKAccuracy([0, 1, 5, 4], 1), 25);
  assert.equal(topKAccuracy([0, 1, 5, 4], 5), 75);
});

test("ROC AUC: ties count one half (scikit-learn's roc_auc_score values)", () => {
  // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 75);
  assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 50);
  assert.throws(() => rocAuc([0.1, 0.2], [1, 1]), /both classes/);
});

test("average precision: step-wise, as scikit-learn's average_precision_score", () => {
  // average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333...
  assert.ok(Math.abs(averagePrecision([0.1, 0.4, 0.35, 0.8], [false, false, true, true]) - 83.33333333333333) < 1e-9);
  // Ties are one threshold: [1, 0] both at 0.5 -> precision 0.5 at recall 1.
  assert.equal(averagePrecision([0.5, 0.5], [true, false]), 50);
  assert.throws(() => averagePrecision([0.5], [false]), /at least one positive/);
});

test('binary ACC, AUC, AP+ and AP- from two-class scores (logits or probabilities alike)', () => {
  const labels = Int32Array.from([0, 0, 1, 1]);
  const probs = Float32Array.from([0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8]);
  const m = binaryMetrics(probs, labels);
  assert.equal(m.acc, 75);
  assert.equal(m.auc, 75);
  const logits = Float32Array.from(Array.from(probs, (p) => Math.log(p)));
  assert.deepEqual(binaryMetrics(logits, labels), m);
  // AP- ranks by -margin: 0.8 (neg), 0.3 (pos), 0.2 (neg), -0.6 (pos) -> 1 * 0.5 + 2/3 * 0.5.
  assert.ok(Math.abs(m.apNeg - (100 * 5) / 6) < 1e-9);
});

test('STL localization AP: a positive image counts only when the map maximum is near the ground truth', () => {
  assert.ok(nearRegion(20, 20, 16, [[30, 30, 40, 40]], null, 64, 64));
  assert.ok(!nearRegion(10, 10, 16, [[30, 30, 40, 40]], null, 64, 64));
  const mask = new Uint8Array(64 * 64);
  mask[40 * 64 + 40] = 1;
  assert.ok(nearRegion(30, 50, 10, [], mask, 64, 64));
  assert.ok(!nearRegion(29, 50, 10, [], mask, 64, 64));
  // Two positives (one found), one negative ranked between them.
  const ap = stlLocalizationAp([
    { score: 0.9, positive: true, found: true },
    { score: 0.7, positive: false, found: false },
    { score: 0.5, positive: true, found: false },
  ]);
  assert.equal(ap, 50); // recall 0.5 at precision 1, then no further true positive
  assert.equal(
    stlLocalizationAp([
      { score: 1, positive: true, found: true },
      { score: 0, positive: false, found: false },
    ]),
    100,
  );
  assert.throws(() => stlLocalizationAp([{ score: 1, positive: false, found: false }]), /positive image/);
});
