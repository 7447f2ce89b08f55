import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyMiss, missShares } from '../../src/evaluation/parts.js';

const tens = [10, 10, 19, 29] as const;
const units = [22, 10, 31, 29] as const;
const distractor = [50, 40, 59, 59] as const;

test('a missed box over one digit is part domination; over a distractor or nothing, not', () => {
  assert.equal(classifyMiss([9, 9, 20, 30], [tens, units], [distractor]), 'one-part');
  assert.equal(classifyMiss([21, 8, 33, 31], [tens, units], [distractor]), 'one-part');
  assert.equal(classifyMiss([49, 39, 60, 60], [tens, units], [distractor]), 'distractor');
  assert.equal(classifyMiss([0, 50, 8, 60], [tens, units], [distractor]), 'other');
  // A box covering both digits (too large to be a hit) is not part domination.
  assert.equal(classifyMiss([0, 0, 63, 63], [tens, units], [distractor]), 'other');
});

test('shares are over the misses only', () => {
  const parts = [tens, units];
  const s = missShares([
    { hit: true, box: [10, 10, 31, 29], parts, distractors: [distractor] },
    { hit: false, box: [9, 9, 20, 30], parts, distractors: [distractor] },
    { hit: false, box: [49, 39, 60, 60], parts, distractors: [distractor] },
    { hit: false, box: [21, 8, 33, 31], parts, distractors: [distractor] },
    { hit: false, box: [0, 50, 8, 60], parts, distractors: [distractor] },
  ]);
  assert.deepEqual(s, { images: 5, misses: 4, onePart: 50, distractor: 25, other: 25 });
});
