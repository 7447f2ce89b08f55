/**
 * NumPy .npy files (format versions 1-3), the score-map format of the
 * community tool: written as little-endian float32 or float64 H x W; read
 * from the common numeric dtypes. float64 files stay float64: the tool
 * evaluates them in float64 numpy, and rounding them to float32 moves values
 * across thresholds (0.299999999 becomes 0.3000000119). The other dtypes
 * come out as float32, which holds every score-map value they can have.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The contents of a .npy file: shape, values in row-major order, and the dtype as stored. */
export interface NpyArray {
  shape: number[];
  /** Values in C (row-major) order: Float64Array for `f8` files, Float32Array otherwise. */
  data: Float32Array | Float64Array;
  /** The dtype as stored, e.g. `<f4`. */
  descr: string;
}

/** A .npy file holding `data` with the given shape (C order): `<f4` for a Float32Array, `<f8` for a Float64Array. */
export function encodeNpy(data: Float32Array | Float64Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`shape (${shape.join(', ')}) holds ${count} values, data has ${data.length}`);
  const wide = data instanceof Float64Array;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${wide ? '<f8' : '<f4'}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // As numpy's np.save: room for the first axis to grow to 21 digits, then
  // spaces so that the data starts at a multiple of 64 bytes, then a newline.
  if (shape.length > 0) header += ' '.repeat(21 - String(shape[0]).length);
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += `${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // version 1.0
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, 10 + header.length);
  if (wide) for (let i = 0; i < data.length; i++) view.setFloat64(i * 8, data[i]!, true);
  else for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}

type Reader = (view: DataView, offset: number) => number;

function readerFor(descr: string): { size: number; read: Reader } | null {
  const little = descr[0] === '<' || descr[0] === '|' || descr[0] === '=';
  const big = descr[0] === '>';
  if (!little && !big) return null;
  const le = !big;
  switch (descr.slice(1)) {
    case 'f4':
      return { size: 4, read: (v, o) => v.getFloat32(o, le) };
    case 'f8':
      return { size: 8, read: (v, o) => v.getFloat64(o, le) };
    case 'u1':
      return { size: 1, read: (v, o) => v.getUint8(o) };
    case 'b1':
      return { size: 1, read: (v, o) => v.getUint8(o) };
    case 'i1':
      return { size: 1, read: (v, o) => v.getInt8(o) };
    case 'u2':
      return { size: 2, read: (v, o) => v.getUint16(o, le) };
    case 'i2':
      return { size: 2, read: (v, o) => v.getInt16(o, le) };
    case 'i4':
      return { size: 4, read: (v, o) => v.getInt32(o, le) };
    case 'u4':
      return { size: 4, read: (v, o) => v.getUint32(o, le) };
    case 'i8':
      return { size: 8, read: (v, o) => Number(v.getBigInt64(o, le)) };
    default:
      return null;
  }
}

/** Parses a .npy file; throws a RangeError saying what is wrong with it. */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new RangeError('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else throw new RangeError(`unsupported .npy format version ${major}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1] === 'True';
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new RangeError(`unreadable .npy header: ${header.trim()}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const reader = readerFor(descr);
  if (!reader) throw new RangeError(`unsupported dtype ${descr} (use float32, float64 or an integer type)`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  if (bytes.length - dataStart < count * reader.size)
    throw new RangeError(`truncated .npy: shape (${shape.join(', ')}) needs ${count * reader.size} bytes of data, found ${bytes.length - dataStart}`);
  const data = descr.slice(1) === 'f8' ? new Float64Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = reader.read(view, dataStart + i * reader.size);
  return { shape, descr, data: fortran && shape.length > 1 ? fortranToC(data, shape) : data };
}

function fortranToC<T extends Float32Array | Float64Array>(data: T, shape: number[]): T {
  if (shape.length !== 2) throw new RangeError('Fortran-ordered .npy files are supported in 2-D only');
  const [h, w] = shape as [number, number];
  const out = (data instanceof Float64Array ? new Float64Array(data.length) : new Float32Array(data.length)) as T;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = data[x * h + y]!;
  return out;
}
