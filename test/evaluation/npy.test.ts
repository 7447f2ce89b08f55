import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeNpy, encodeNpy } from '../../src/evaluation/npy.js';
import { PixelAccumulator } from '../../src/evaluation/pixel-metrics.js';
import { quantizeScoremap, thresholdList } from '../../src/evaluation/scoremap.js';
import { boxesFromScoremap } from '../../src/evaluation/box-extraction.js';

test('the .npy file is byte for byte what np.save writes for a float32 H x W array (header checked by hand)', () => {
  const bytes = encodeNpy(Float32Array.from([0, 0.5, 1, 0.25, 0.75, 1]), [2, 3]);
  assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLen = bytes[8]! + 256 * bytes[9]!;
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + headerLen));
  // np.save (numpy 2.4) writes a header of 118 bytes here: the 59-byte dict, 20 spaces of
  // room for the first axis to grow to 21 digits, 38 spaces to reach 128 bytes, a newline.
  assert.equal(headerLen, 118);
  assert.equal(header, `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }${' '.repeat(58)}\n`);
  assert.equal(bytes.length, 10 + headerLen + 6 * 4);
  // 0.5 as little-endian float32 is 00 00 00 3f.
  assert.deepEqual(Array.from(bytes.subarray(10 + headerLen + 4, 10 + headerLen + 8)), [0, 0, 0, 0x3f]);
  assert.equal(new TextDecoder('latin1').decode(encodeNpy(Float32Array.from([1]), [1]).subarray(10, 70)).includes("'shape': (1,)"), true);
});

test('the writer reads back exactly (any shape, any float32 value)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.float32Array({ minLength: 81, maxLength: 81, noNaN: true }),
      (h, w, values) => {
        const data = values.slice(0, h * w);
        const back = decodeNpy(encodeNpy(data, [h, w]));
        assert.deepEqual(back.shape, [h, w]);
        assert.equal(back.descr, '<f4');
        assert.deepEqual(back.data, data);
      },
    ),
  );
});

function npy(descr: string, shape: string, payload: Uint8Array, fortran = false): Uint8Array {
  const header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }\n`;
  const out = new Uint8Array(10 + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out[8] = header.length & 255;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(payload, 10 + header.length);
  return out;
}

test('the reader takes float64, integer and Fortran-ordered files, and names what is wrong with others', () => {
  const f64 = npy('<f8', '(1, 2)', new Uint8Array(Float64Array.from([0.25, 1]).buffer));
  assert.deepEqual(decodeNpy(f64).data, Float64Array.from([0.25, 1]));
  const bigEndian = new Uint8Array(8);
  new DataView(bigEndian.buffer).setFloat64(0, 0.3 - 1e-10, false);
  assert.deepEqual(decodeNpy(npy('>f8', '(1,)', bigEndian)).data, Float64Array.from([0.3 - 1e-10]));
  assert.deepEqual(decodeNpy(npy('|u1', '(2,)', Uint8Array.from([3, 255]))).data, Float32Array.from([3, 255]));
  // Fortran order: column-major [[1, 2], [3, 4]] is stored 1, 3, 2, 4.
  const fortran = npy('<f4', '(2, 2)', new Uint8Array(Float32Array.from([1, 3, 2, 4]).buffer), true);
  assert.deepEqual(decodeNpy(fortran).data, Float32Array.from([1, 2, 3, 4]));
  const fortran64 = npy('<f8', '(2, 2)', new Uint8Array(Float64Array.from([1, 3, 2, 4]).buffer), true);
  assert.deepEqual(decodeNpy(fortran64).data, Float64Array.from([1, 2, 3, 4]));
  assert.throws(() => decodeNpy(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])), /not a .npy file/);
  assert.throws(() => decodeNpy(npy('<c8', '(1,)', new Uint8Array(8))), /unsupported dtype <c8/);
  assert.throws(() => decodeNpy(npy('<f4', '(2, 2)', new Uint8Array(8))), /truncated/);
});

test('float64 files are written as np.save writes them (<f8) and read back bit for bit', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 6 }),
      fc.float64Array({ minLength: 36, maxLength: 36, noNaN: true }),
      (h, w, values) => {
        const data = values.slice(0, h * w);
        const bytes = encodeNpy(data, [h, w]);
        const headerLen = bytes[8]! + 256 * bytes[9]!;
        assert.equal((10 + headerLen) % 64, 0);
        assert.equal(bytes.length, 10 + headerLen + 8 * h * w);
        const back = decodeNpy(bytes);
        assert.equal(back.descr, '<f8');
        assert.ok(back.data instanceof Float64Array);
        assert.deepEqual(back.data, data);
      },
    ),
  );
});

/*
 * Values that differ from a threshold only beyond float32 precision. The
 * expected numbers are numpy 2.4's, computed with wsolevaluation's
 * formulas on the same values as float64 and as float32 arrays:
 *   (np.array([v]) * 255).astype(np.uint8), np.histogram(scores, bins=[*np.arange(0, 1, 0.01), 1, 2, 3]),
 *   tp = hist_true[::-1].cumsum(), ..., (precision[1:] * np.diff(recall))[nonzero[1:]].sum() * 100.
 */
const JUST_BELOW = 0.3 - 1e-10; // float64: below the edge 0.30; as float32 it is 0.3000000119, above it

test('a float64 score map read from .npy keeps its precision: PxAP equals numpy float64, not the float32-rounded value', () => {
  // 4 x 4: the first 8 pixels are foreground.
  const values = [JUST_BELOW, JUST_BELOW, JUST_BELOW, JUST_BELOW, 0.7, 0.7, 0.1, 0.5, 0.3, 0.3, 0.295, 0.2, 0, 0.9, JUST_BELOW, 0.05];
  const map = decodeNpy(encodeNpy(Float64Array.from(values), [4, 4])).data;
  assert.ok(map instanceof Float64Array);
  const mask = Uint8Array.from(values, (_, i) => (i < 8 ? 1 : 0));
  const pxapOf = (m: Float32Array | Float64Array): number => {
    const acc = new PixelAccumulator(thresholdList(0.01));
    acc.add(m, mask, null);
    return acc.pxap();
  };
  assert.equal(pxapOf(map), 62.351190476190474); // numpy, float64 scores
  assert.equal(pxapOf(Float32Array.from(values)), 65.00270562770562); // numpy, the same scores as float32
});

test('a float64 score map is quantised in float64 as numpy does: a value just under 128/255 is level 127, and its boxes follow', () => {
  const v = 128 / 255 - 1e-12;
  // numpy: (np.array([v]) * 255).astype(np.uint8) is 127; with dtype=np.float32 it is 128.
  assert.deepEqual(quantizeScoremap(Float64Array.from([v, 1])), Uint8Array.from([127, 255]));
  assert.deepEqual(quantizeScoremap(Float32Array.from([v, 1])), Uint8Array.from([128, 255]));
  // At τ = 0.5 (level int(0.5 * 255) = 127) the float64 map's object is below the level and only the peak remains.
  const w = 8,
    h = 6;
  const values = new Float64Array(w * h);
  for (let y = 1; y <= 4; y++) for (let x = 1; x <= 5; x++) values[y * w + x] = v;
  values[7] = 1; // the peak, at (7, 0), apart from the object
  assert.deepEqual(boxesFromScoremap(values, w, h, 0.5, 'multi'), [[7, 0, 7, 1]]);
  // Rounded to float32 the object is level 128 and stays: the box the float32 path would report.
  const rounded = boxesFromScoremap(Float32Array.from(values), w, h, 0.5, 'multi');
  assert.deepEqual(
    rounded.sort((a, b) => a[0] - b[0]),
    [
      [1, 1, 6, 5],
      [7, 0, 7, 1],
    ],
  );
});
