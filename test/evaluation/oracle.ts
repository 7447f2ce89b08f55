/**
 * The test oracle: OpenCV 4.5.2 compiled to wasm (@techstark/opencv-js, a
 * devDependency). Loaded once per test file; slow, so only for comparisons
 * on small random inputs.
 */
import { createRequire } from 'node:module';

interface CvMat {
  data: Uint8Array;
  data32S: Int32Array;
  data32F: Float32Array;
  delete(): void;
}
interface CvMatVector {
  size(): number;
  get(i: number): CvMat;
  delete(): void;
}
interface Cv {
  CV_8UC1: number;
  CV_32FC1: number;
  RETR_TREE: number;
  CHAIN_APPROX_SIMPLE: number;
  INTER_CUBIC: number;
  INTER_NEAREST: number;
  Mat: new () => CvMat;
  MatVector: new () => CvMatVector;
  Size: new (w: number, h: number) => unknown;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): CvMat;
  findContours(img: CvMat, contours: CvMatVector, hierarchy: CvMat, mode: number, method: number): void;
  contourArea(c: CvMat): number;
  boundingRect(c: CvMat): { x: number; y: number; width: number; height: number };
  resize(src: CvMat, dst: CvMat, size: unknown, fx: number, fy: number, interpolation: number): void;
  onRuntimeInitialized?: () => void;
}

let loading: Promise<{ cv: Cv }> | null = null;

/**
 * Resolves to `{ cv }`. The Emscripten module object has a then() of its own:
 * resolving or returning it from a promise would loop forever, hence the wrapper.
 */
export function opencv(): Promise<{ cv: Cv }> {
  loading ??= new Promise<{ cv: Cv }>((resolve) => {
    const cv = createRequire(import.meta.url)('@techstark/opencv-js') as Cv;
    if (typeof cv.findContours === 'function') resolve({ cv });
    else cv.onRuntimeInitialized = () => resolve({ cv });
  });
  return loading;
}

export interface OracleContour {
  points: number[];
  area: number;
  rect: [number, number, number, number];
  parent: number;
}

export function cvContours(cv: Cv, binary: Uint8Array, width: number, height: number): OracleContour[] {
  const img = cv.matFromArray(
    height,
    width,
    cv.CV_8UC1,
    Array.from(binary, (v) => (v ? 255 : 0)),
  );
  const contours = new cv.MatVector();
  const hierarchy = new cv.Mat();
  cv.findContours(img, contours, hierarchy, cv.RETR_TREE, cv.CHAIN_APPROX_SIMPLE);
  const out: OracleContour[] = [];
  const h = hierarchy.data32S;
  for (let i = 0; i < contours.size(); i++) {
    const c = contours.get(i);
    const r = cv.boundingRect(c);
    out.push({ points: Array.from(c.data32S), area: cv.contourArea(c), rect: [r.x, r.y, r.width, r.height], parent: h[4 * i + 3]! });
    c.delete();
  }
  img.delete();
  contours.delete();
  hierarchy.delete();
  return out;
}

export function cvResizeCubic(cv: Cv, map: Float32Array, width: number, height: number, outWidth: number, outHeight: number): Float32Array {
  const src = cv.matFromArray(height, width, cv.CV_32FC1, map);
  const dst = new cv.Mat();
  cv.resize(src, dst, new cv.Size(outWidth, outHeight), 0, 0, cv.INTER_CUBIC);
  const out = Float32Array.from(dst.data32F);
  src.delete();
  dst.delete();
  return out;
}

/** cv2.resize(map, (outWidth, outHeight), interpolation=INTER_NEAREST) of a one-channel uint8 or float32 map. */
export function cvResizeNearest<T extends Uint8Array | Float32Array>(cv: Cv, map: T, width: number, height: number, outWidth: number, outHeight: number): T {
  const float = map instanceof Float32Array;
  const src = cv.matFromArray(height, width, float ? cv.CV_32FC1 : cv.CV_8UC1, map);
  const dst = new cv.Mat();
  cv.resize(src, dst, new cv.Size(outWidth, outHeight), 0, 0, cv.INTER_NEAREST);
  const out = (float ? Float32Array.from(dst.data32F) : Uint8Array.from(dst.data)) as T;
  src.delete();
  dst.delete();
  return out;
}
