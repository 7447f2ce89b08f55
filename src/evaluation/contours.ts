/**
 * Contours of a binary image with the semantics of OpenCV's
 * findContours(RETR_TREE, CHAIN_APPROX_SIMPLE) (the legacy Suzuki-Abe border
 * follower used by OpenCV 3.x-4.x), reproduced step for step because the
 * reference's single-box choice depends on details a plain
 * connected-component labelling does not have:
 * - outer borders of 8-connected foreground and hole borders of 4-connected
 *   background, each traced once, in raster order of their start pixels;
 * - CHAIN_APPROX_SIMPLE keeps the pixels where the chain code changes, so the
 *   polygon (and its shoelace area) is that of the simplified chain;
 * - OpenCV's hierarchy (parent = last border met by the raster scan, found
 *   with its mark cycle of 126 values, bounding rectangles and re-tracing),
 *   and its output order: a pre-order walk of the tree in which each new
 *   contour becomes the FIRST child of its parent, so later-found siblings
 *   come first. Ties in max-by-area depend on that order.
 * Checked against @techstark/opencv-js on random images (test/evaluation/).
 */

/** Chain-code directions: 0 = east, counter-clockwise in image coordinates (y down). */
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];
const MAX_SIZE = 16;

/** One contour as OpenCV's findContours returns it: its simplified polygon, whether it borders a hole, and its parent in the hierarchy. */
export interface Contour {
  /** Vertices x0, y0, x1, y1, ... in image coordinates. */
  points: Int32Array;
  isHole: boolean;
  /** Index of the parent contour in the returned list, or -1 at the top level. */
  parent: number;
}

/** What box extraction needs of a contour: its doubled polygon area (single-box picks the largest) and its bounding rectangle in pixels. */
export interface ContourSummary {
  /** |shoelace area| of the simplified polygon, doubled (an integer). */
  area2: number;
  /** Bounding rectangle of the vertices: x, y, width, height. */
  x: number;
  y: number;
  w: number;
  h: number;
  isHole: boolean;
}

interface Info {
  isHole: boolean;
  parent: Info | null;
  /** Next contour traced with the same mark value. */
  next: Info | null;
  /** Bounding rectangle in padded coordinates. */
  rx: number;
  ry: number;
  rw: number;
  rh: number;
  originIndex: number;
  /** Children in the order found (OpenCV inserts each at the head: read them backwards). */
  children: Info[];
  id: number;
  points: number[] | null;
  area2: number;
}

/**
 * A reusable tracer for images of one size: it keeps its padded working
 * buffer between calls, so sweeping thresholds allocates nothing per call.
 */
export class ContourTracer {
  readonly width: number;
  readonly height: number;
  private readonly stride: number;
  private readonly img: Int8Array;
  private readonly deltas: Int32Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.stride = width + 2;
    this.img = new Int8Array((width + 2) * (height + 2));
    const s = this.stride;
    const d = [1, -s + 1, -s, -s - 1, -1, s - 1, s, s + 1];
    this.deltas = Int32Array.from([...d, ...d]);
  }

  /** Contours of `fg(i)` (true = foreground) in OpenCV's output order. */
  contours(fg: (i: number) => boolean, keepPoints = true): { infos: Contour[]; summaries: ContourSummary[] } {
    const found = this.trace(fg, keepPoints);
    const order = preorder(found.roots);
    const index = new Map<Info, number>();
    order.forEach((c, i) => index.set(c, i));
    const infos: Contour[] = order.map((c) => ({
      points: Int32Array.from(c.points ?? []),
      isHole: c.isHole,
      parent: c.parent ? index.get(c.parent)! : -1,
    }));
    return { infos, summaries: order.map((c) => this.summary(c)) };
  }

  /** Area and bounding rectangle of every contour, in OpenCV's output order (no point lists kept). */
  summaries(fg: (i: number) => boolean): ContourSummary[] {
    return preorder(this.trace(fg, false).roots).map((c) => this.summary(c));
  }

  /** Same as summaries() for a quantised map thresholded at q > level. */
  summariesAbove(q: Uint8Array, level: number): ContourSummary[] {
    this.load(q, level);
    return preorder(this.scan(false).roots).map((c) => this.summary(c));
  }

  private summary(c: Info): ContourSummary {
    return { area2: c.area2, x: c.rx - 1, y: c.ry - 1, w: c.rw, h: c.rh, isHole: c.isHole };
  }

  private load(q: Uint8Array, level: number): void {
    const { img, width, height, stride } = this;
    for (let y = 0; y < height; y++) {
      const src = y * width;
      const dst = (y + 1) * stride + 1;
      for (let x = 0; x < width; x++) img[dst + x] = q[src + x]! > level ? 1 : 0;
    }
  }

  private trace(fg: (i: number) => boolean, keepPoints: boolean): { roots: Info[] } {
    const { img, width, height, stride } = this;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) img[(y + 1) * stride + x + 1] = fg(y * width + x) ? 1 : 0;
    return this.scan(keepPoints);
  }

  /** The raster scan of cvFindNextContour (mode RETR_TREE, 8-bit image). */
  private scan(keepPoints: boolean): { roots: Info[] } {
    const { img, stride } = this;
    const width = this.width + 1; // scanned columns are 1..width (padded)
    const height = this.height + 1;
    const frame: Info = {
      isHole: true,
      parent: null,
      next: null,
      rx: 0,
      ry: 0,
      rw: stride,
      rh: this.height + 2,
      originIndex: -1,
      children: [],
      id: -1,
      points: null,
      area2: 0,
    };
    const table: (Info | null)[] = new Array<Info | null>(128).fill(null);
    let nbd = 2;
    let lnbdX = 0;
    let lnbdY = 1;
    let count = 0;
    for (let y = 1; y < height; y++) {
      const row = y * stride;
      let prev = 0;
      let p = 0;
      for (let x = 1; x < width; x++) {
        for (; x < width; x++) {
          p = img[row + x]!;
          if (p !== prev) break;
        }
        if (x >= width) break;
        let isHole = false;
        if (!(prev === 0 && p === 1)) {
          if (p !== 0 || prev < 1) {
            prev = p;
            if (prev & -2) lnbdX = x;
            continue;
          }
          if (prev & -2) lnbdX = x - 1;
          isHole = true;
        }
        const ox = x - (isHole ? 1 : 0);
        let parent: Info;
        if (lnbdX <= 0) parent = frame;
        else {
          const lval = img[lnbdY * stride + lnbdX]! & 0x7f;
          let par: Info | null = null;
          for (let cur = table[lval] ?? null; cur; cur = cur.next) {
            if ((lnbdX - cur.rx) >>> 0 < cur.rw && (lnbdY - cur.ry) >>> 0 < cur.rh) {
              if (par && this.reaches(par.originIndex, row + lnbdX, par.isHole)) break;
              par = cur;
            }
          }
          if (!par) throw new Error('contour tracing: no enclosing border found (internal error)');
          parent = par.isHole === isHole ? (par.parent ?? frame) : par;
        }
        lnbdX = ox;
        const lval = nbd;
        nbd = (nbd + 1) & 127;
        if (nbd === 0) nbd = 3;
        const info: Info = {
          isHole,
          parent: parent === frame ? null : parent,
          next: table[lval] ?? null,
          rx: 0,
          ry: 0,
          rw: 0,
          rh: 0,
          originIndex: row + ox,
          children: [],
          id: count++,
          points: keepPoints ? [] : null,
          area2: 0,
        };
        this.fetch(info, ox, y, lval);
        table[lval] = info;
        parent.children.push(info);
        prev = img[row + x]!;
      }
      lnbdX = 0;
      lnbdY = y + 1;
    }
    return { roots: frame.children };
  }

  /** icvFetchContourEx with CHAIN_APPROX_SIMPLE: marks the border, records vertices, area and rectangle. */
  private fetch(info: Info, ox: number, oy: number, nbd: number): void {
    const { img, deltas } = this;
    const i0 = info.originIndex;
    let px = ox,
      py = oy;
    let minX = px,
      maxX = px,
      minY = py,
      maxY = py;
    const pts = info.points;
    let s = info.isHole ? 0 : 4;
    let sEnd = s;
    let i1 = 0;
    do {
      s = (s - 1) & 7;
      i1 = i0 + deltas[s]!;
    } while (img[i1] === 0 && s !== sEnd);
    // Shoelace over the vertices as they are written (exact integers).
    let firstX = 0,
      firstY = 0,
      lastX = 0,
      lastY = 0,
      n = 0,
      acc = 0;
    const vertex = (vx: number, vy: number): void => {
      if (n === 0) {
        firstX = vx;
        firstY = vy;
      } else acc += lastX * vy - lastY * vx;
      lastX = vx;
      lastY = vy;
      n++;
      if (pts) pts.push(vx - 1, vy - 1);
    };
    if (s === sEnd) {
      img[i0] = nbd | -128;
      vertex(px, py);
    } else {
      let i3 = i0;
      let i4 = 0;
      let prevS = s ^ 4;
      for (;;) {
        sEnd = s;
        s = Math.min(s, MAX_SIZE - 1);
        while (s < MAX_SIZE - 1) {
          i4 = i3 + deltas[++s]!;
          if (img[i4] !== 0) break;
        }
        s &= 7;
        if ((s - 1) >>> 0 < sEnd) img[i3] = nbd | -128;
        else if (img[i3] === 1) img[i3] = nbd;
        if (s !== prevS) {
          vertex(px, py);
          if (px < minX) minX = px;
          else if (px > maxX) maxX = px;
          if (py < minY) minY = py;
          else if (py > maxY) maxY = py;
        }
        prevS = s;
        px += DX[s]!;
        py += DY[s]!;
        if (i4 === i0 && i3 === i1) break;
        i3 = i4;
        s = (s + 4) & 7;
      }
    }
    if (n > 1) acc += lastX * firstY - lastY * firstX;
    info.area2 = Math.abs(acc);
    info.rx = minX;
    info.ry = minY;
    info.rw = maxX - minX + 1;
    info.rh = maxY - minY + 1;
  }

  /** icvTraceContour: does the border traced from `start` pass through `stop`? */
  private reaches(start: number, stop: number, isHole: boolean): boolean {
    const { img, deltas } = this;
    const sEnd = isHole ? 0 : 4;
    let s = sEnd;
    let i1 = 0;
    do {
      s = (s - 1) & 7;
      i1 = start + deltas[s]!;
    } while (img[i1] === 0 && s !== sEnd);
    let i3 = start;
    if (s !== sEnd) {
      let i4 = 0;
      for (;;) {
        s = Math.min(s, MAX_SIZE - 1);
        while (s < MAX_SIZE - 1) {
          i4 = i3 + deltas[++s]!;
          if (img[i4] !== 0) break;
        }
        if (i3 === stop || (i4 === start && i3 === i1)) break;
        i3 = i4;
        s = (s + 4) & 7;
      }
    }
    return i3 === stop;
  }
}

/** cvTreeToNodeSeq: node, then its children (latest found first), then its next sibling. */
function preorder(roots: Info[]): Info[] {
  const out: Info[] = [];
  const stack: Info[] = [];
  // Children are kept in found order; pushing them in that order pops the latest first.
  for (const r of roots) stack.push(r);
  while (stack.length) {
    const c = stack.pop()!;
    out.push(c);
    for (const child of c.children) stack.push(child);
  }
  return out;
}

/** findContours(RETR_TREE, CHAIN_APPROX_SIMPLE) of a binary image (non-zero = foreground). */
export function findContours(binary: Uint8Array, width: number, height: number): Contour[] {
  if (binary.length !== width * height) throw new RangeError(`binary image has ${binary.length} values, expected ${width}x${height}`);
  return new ContourTracer(width, height).contours((i) => binary[i] !== 0).infos;
}

/** cv2.contourArea (not oriented): |shoelace| / 2 of the vertices. */
export function contourArea(points: Int32Array): number {
  const n = points.length / 2;
  if (n === 0) return 0;
  let acc = 0;
  let px = points[2 * n - 2]!,
    py = points[2 * n - 1]!;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!,
      y = points[2 * i + 1]!;
    acc += px * y - py * x;
    px = x;
    py = y;
  }
  return Math.abs(acc) / 2;
}

/** cv2.boundingRect of a point list: [x, y, width, height]. */
export function boundingRect(points: Int32Array): [number, number, number, number] {
  if (points.length === 0) return [0, 0, 0, 0];
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    x0 = Math.min(x0, points[i]!);
    x1 = Math.max(x1, points[i]!);
    y0 = Math.min(y0, points[i + 1]!);
    y1 = Math.max(y1, points[i + 1]!);
  }
  return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}
