/** The progress line's text: what the node reported, throughput included, and an ETA only once known. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressText } from '../../src/cli/reporters/lines.js';

test('a progress line names epoch, step, loss and images per second; no ETA before any progress', () => {
  assert.equal(
    progressText({ epoch: 2, epochs: 10, step: 30, steps: 100, loss: 0.43214, imagesPerSecond: 412.4, fraction: 0.13 }, 13_000),
    'epoch 2/10 · step 30/100 · loss 0.4321 · 412 img/s · 13% · ETA 1m27s',
  );
  assert.equal(progressText({ step: 1, steps: 4, imagesPerSecond: 7.0241 }), 'step 1/4 · 7.02 img/s');
  assert.equal(progressText({ fraction: 0 }, 5000), '0%');
});
