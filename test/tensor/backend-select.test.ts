import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainNativeLoadFailure } from '../../src/tensor/backends/init.js';
import { backendFact, NETWORK_CODE_VERSION, planBackend, WASM_KERNELS_VERSION } from '../../src/tensor/backends/select.js';
import { expectedKernels } from '../../src/tensor/kernels/variant.js';

test('the backend is chosen by what is installed, without loading tfjs', () => {
  const plan = planBackend();
  assert.match(plan.fact, /^wasm@4\.22\.0\+nn\d+\+kernels\d+-(fma|simd128)$/);
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

test('the backend fact names the kernel build a worker will run: fused, plain SIMD128, or off', () => {
  assert.equal(expectedKernels({ WSOL_RUN_KERNELS: '0' }), 'off');
  assert.equal(expectedKernels({ WSOL_RUN_KERNEL_FMA: '0' }), 'plain');
  assert.ok(['fma', 'plain'].includes(expectedKernels({})));
  assert.equal(backendFact('wasm', '4.22.0', 'off'), `wasm@4.22.0+nn${NETWORK_CODE_VERSION}+kernels${WASM_KERNELS_VERSION}-off`);
  assert.equal(backendFact('wasm', '4.22.0', 'plain'), `wasm@4.22.0+nn${NETWORK_CODE_VERSION}+kernels${WASM_KERNELS_VERSION}-simd128`);
  assert.equal(backendFact('cpu', '4.22.0', undefined), `cpu@4.22.0+nn${NETWORK_CODE_VERSION}`);
});
