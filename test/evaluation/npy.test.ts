import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeNpy, encodeNpy } from '../../src/evaluation/npy.js';

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
  assert.deepEqual(decodeNpy(f64).data, Float32Array.from([0.25, 1]));
  assert.deepEqual(decodeNpy(npy('|u1', '(2,)', Uint8Array.from([3, 255]))).data, Float32Array.from([3, 255]));
  // Fortran order: column-major [[1, 2], [3, 4]] is stored 1, 3, 2, 4.
  const fortran = npy('<f4', '(2, 2)', new Uint8Array(Float32Array.from([1, 3, 2, 4]).buffer), true);
  assert.deepEqual(decodeNpy(fortran).data, Float32Array.from([1, 2, 3, 4]));
  assert.throws(() => decodeNpy(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])), /not a .npy file/);
  assert.throws(() => decodeNpy(npy('<c8', '(1,)', new Uint8Array(8))), /unsupported dtype <c8/);
  assert.throws(() => decodeNpy(npy('<f4', '(2, 2)', new Uint8Array(8))), /truncated/);
});
