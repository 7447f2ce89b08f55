import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initTensorBackend, runningBackendFact } from '../../src/tensor/backends/init.js';
import { backendFactMismatch } from '../../src/tensor/backends/for-node.js';
import { planBackend } from '../../src/tensor/backends/select.js';

test('a worker computes with the backend fact the CLI predicted, and refuses a key that names other arithmetic', async () => {
  await initTensorBackend('wasm');
  const predicted = planBackend('wasm').fact;
  assert.equal(runningBackendFact(), predicted);
  assert.equal(backendFactMismatch(predicted), undefined);
  const other = predicted.replace(/-(fma|simd128)$/, '-off');
  const refusal = backendFactMismatch(other);
  assert.ok(refusal);
  assert.match(refusal.message, /computes with .*-(fma|simd128), but the node's cache key says .*-off: .* not kept/);
});
