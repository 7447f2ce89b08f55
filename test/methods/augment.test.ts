import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { augmentBatch, augments } from '../../src/methods/augment.js';
import { drawVst, vstStimuliSchema } from '../../src/methods/vst.js';

test('a shift moves each image by its own draw within the bound, zero-padded; flips follow the dataset under auto', async () => {
  const tf = await initTensorBackend('wasm');
  const side = 8;
  const image = new Float32Array(side * side);
  image[3 * side + 4] = 1; // one bright pixel at (x=4, y=3)
  const x = tf.tensor4d([...image, ...image, ...image], [3, side, side, 1]);
  const draws = [0.999, 0, 0.5, 0.5, 0, 0.999];
  let k = 0;
  const out = tf.tidy(() => augmentBatch(tf, x, { shift: 2, flip: false }, true, () => draws[k++]!).arraySync()) as number[][][][];
  const where = (img: number[][][]): [number, number] => {
    for (let y = 0; y < side; y++) for (let xx = 0; xx < side; xx++) if (img[y]![xx]![0] === 1) return [xx, y];
    return [-1, -1];
  };
  // The crop offset d = floor(r * (2s + 1)) of the padded image moves content by s - d: draws (0.999, 0) -> (y -2, x +2).
  assert.deepEqual(where(out[0]!), [6, 1]);
  assert.deepEqual(where(out[1]!), [4, 3]);
  assert.deepEqual(where(out[2]!), [2, 5]);
  // auto on digits (not flippable): nothing to do, no draws taken, the same tensor back.
  assert.equal(augments({ shift: 0, flip: 'auto' }, false), false);
  assert.equal(
    augmentBatch(tf, x, { shift: 0, flip: 'auto' }, false, () => assert.fail('no draw expected')),
    x,
  );
  const flipped = tf.tidy(() => augmentBatch(tf, x, { shift: 0, flip: true }, false, () => 0.1).arraySync()) as number[][][][];
  assert.deepEqual(where(flipped[0]!), [3, 3]);
  x.dispose();
});

test('the VST flip stimulus is off on data that may not be flipped (auto), on where it may', () => {
  assert.equal(vstStimuliSchema.properties.flip.default, 'auto');
  const p: Parameters<typeof drawVst>[0] = { flip: 'auto', scales: [1], brightness: 0, contrast: 0, saturation: 0, hue: 0 };
  let digits = 0;
  let photos = 0;
  for (let i = 0; i < 50; i++) {
    const r = (): number => ((i * 7919) % 100) / 100;
    if (drawVst(p, 2, 32, 32, 8, r, false).flip) digits++;
    if (drawVst(p, 2, 32, 32, 8, r, true).flip) photos++;
  }
  assert.equal(digits, 0);
  assert.ok(photos > 0);
});
