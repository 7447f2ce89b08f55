/**
 * The filter between a webgpu run and the terminal: Dawn's and the
 * drivers' lines (with Dawn's source-line continuation and blank line) are
 * native; wsol-run's own errors and warnings, and anything of another
 * shape, pass through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeLineFilter, shouldCaptureNativeStderr } from '../../src/cli/native-stderr.js';

test('Dawn warnings, their continuation lines and Mesa/Vulkan complaints are native; our own lines are not', () => {
  const lines: [string, boolean][] = [
    ["Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory", true],
    ['    at operator() (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/BackendVk.cpp:368)', true],
    ['', true],
    ['error: data: the dataset root does not exist', false],
    ['', false],
    ['Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.', true],
    ['warning: --jobs 100 is more than this machine can hold: using 8', false],
    ['vkCreateInstance: Found no drivers!', true],
    ['error: XDG_RUNTIME_DIR is invalid or not set in the environment.', true],
    ['    at Object.run (file:///x/y.js:1:1)', false],
    ['cancelling: stopping running nodes (Ctrl-C again to quit at once)', false],
  ];
  const f = new NativeLineFilter();
  for (const [line, native] of lines) assert.equal(f.isNative(line), native, JSON.stringify(line));
});

test('only a webgpu computation is handed to a filtered child, and never from inside that child', () => {
  const saved = process.env.WSOL_RUN_NATIVE_STDERR;
  try {
    delete process.env.WSOL_RUN_NATIVE_STDERR;
    assert.equal(shouldCaptureNativeStderr('webgpu@4.22.0+nn2+dawn0.6.2+opengl.x'), true);
    assert.equal(shouldCaptureNativeStderr('wasm@4.22.0+nn2+kernels4-fma'), false);
    assert.equal(shouldCaptureNativeStderr(undefined), false);
    process.env.WSOL_RUN_NATIVE_STDERR = 'captured';
    assert.equal(shouldCaptureNativeStderr('webgpu@4.22.0+nn2+dawn0.6.2+opengl.x'), false);
  } finally {
    if (saved === undefined) delete process.env.WSOL_RUN_NATIVE_STDERR;
    else process.env.WSOL_RUN_NATIVE_STDERR = saved;
  }
});
