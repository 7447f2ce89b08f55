import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainNativeLoadFailure } from '../../src/tensor/backends/init.js';
import { planBackend } from '../../src/tensor/backends/select.js';

test('the backend is chosen by what is installed, without loading tfjs', () => {
  const plan = planBackend();
  assert.match(plan.fact, /^wasm@4\.22\.0\+nn\d+\+kernels\d+$/);
  assert.equal(planBackend('cpu').name, 'cpu');
  assert.throws(() => planBackend('tensorflow-gpu'), /@tensorflow\/tfjs-node-gpu is not installed/);
});

test('native load failures are explained in terms a user can act on', () => {
  assert.match(
    explainNativeLoadFailure('tensorflow-gpu', 'libcudart.so.11.0: cannot open shared object file: No such file or directory'),
    /CUDA libraries are missing \(libcudart\.so\.11\.0\): it needs CUDA 11\.2 \+ cuDNN 8\.1/,
  );
  assert.match(explainNativeLoadFailure('tensorflow', "Cannot find module '.../lib/napi-v8/tfjs_binding.node'"), /native binding is missing/);
});
