import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensorFailureHint } from '../../src/tensor/backends/failures.js';

test('a wasm trap from an outgrown heap gets a hint that names the fix; other errors get none', () => {
  const trap = new Error('memory access out of bounds');
  trap.name = 'RuntimeError';
  assert.match(tensorFailureHint(trap) ?? '', /lower batchSize or the image size/);
  assert.match(tensorFailureHint(new Error('Aborted(OOM). Build with -sASSERTIONS for more info.')) ?? '', /4 GiB/);
  assert.equal(tensorFailureHint(new Error('shapes [2,3] and [4] are incompatible')), undefined);
});
