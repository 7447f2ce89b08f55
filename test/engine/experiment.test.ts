/** Which runs are experiments: anything but the pipeline file as committed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { experimentReasons } from '../../src/engine/run/experiment.js';
import type { LockFile } from '../../src/engine/lockfile.js';

const lock = (backend?: string): LockFile => ({
  lockVersion: 2,
  pipeline: { name: 'p', file: 'p.json', sha256: '0' },
  wsolRun: '0',
  overrides: [],
  params: {},
  env: backend ? { backend } : {},
  nodes: {},
});

test('another backend than the lock names is an experiment; the same one, no lock, or no backend at all is not', () => {
  const none = { overrides: [], plugins: [] };
  assert.deepEqual(experimentReasons({ ...none, env: { backend: 'wasm@1' }, previous: lock('cpu@1') }), ["backend wasm@1 (the lock's: cpu@1)"]);
  assert.deepEqual(experimentReasons({ ...none, env: { backend: 'cpu@1' }, previous: lock('cpu@1') }), []);
  assert.deepEqual(experimentReasons({ ...none, env: { backend: 'wasm@1' }, previous: undefined }), []);
  assert.deepEqual(experimentReasons({ ...none, env: {}, previous: lock() }), []);
});

test('--set and --plugin are named as typed', () => {
  assert.deepEqual(experimentReasons({ overrides: ['a.x=1', 'b.y=2'], plugins: ['p.js'], env: {}, previous: undefined }), [
    '--set a.x=1 --set b.y=2',
    '--plugin p.js',
  ]);
});
