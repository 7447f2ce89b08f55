import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeKernelModule, initTensorBackend } from '../../src/tensor/backends/init.js';
import { assertParity, parityLosses } from '../helpers/training-parity.js';

test('a few training steps on wasm match the cpu backend’s losses', async () => {
  process.env.WSOL_RUN_KERNEL_CHECKS = '1';
  const tf = await initTensorBackend('wasm');
  await import('@tensorflow/tfjs-backend-cpu');
  const cpu = await parityLosses(tf, 'cpu', 5);
  const wasm = await parityLosses(tf, 'wasm', 5);
  assertParity(cpu, wasm, 'wasm', assert);
  const m = activeKernelModule();
  assert.ok(m && !m.failed, 'the kernel module ran every step (no failover to the previous kernels)');
  await tf.setBackend('wasm');
});
