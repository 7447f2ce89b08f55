/**
 * The job descriptor shared with wsol_kernels.c: int32 fields at these
 * indices (the C enum J_*), and the operation codes. Keep both in step.
 */
export const J = {
  OP: 0,
  N: 1,
  H: 2,
  W: 3,
  C: 4,
  K: 5,
  KH: 6,
  KW: 7,
  SH: 8,
  SW: 9,
  DH: 10,
  DW: 11,
  IH: 12,
  IW: 13,
  PT: 14,
  PL: 15,
  OH: 16,
  OW: 17,
  ACT: 18,
  X: 19,
  WP: 20,
  BIAS: 21,
  Y: 22,
  ZERO: 23,
  SCRATCH: 24,
  SCRATCH_BYTES: 25,
  /** Work-unit counter: zero when a job is posted, threads take units until none is left. */
  NEXT: 26,
  /** Reductions: the number of partial results (fixed by the shapes, never by the thread count: results do not depend on scheduling). */
  BLOCKS: 27,
} as const;
export const JOB_FIELDS = 28;
/** The name of a field of the job descriptor (a key of J), whose value is its int32 index. */
export type JobField = keyof typeof J;

export const OP = {
  conv: 1,
  convFilterGrad: 2,
  maxPoolGrad: 3,
  columnSums: 4,
  winograd: 5,
  winogradFilterGrad: 6,
  winograd4: 7,
  winograd4FilterGrad: 8,
  centeredSquares: 9,
  channelAffine: 10,
  bnGradSums: 11,
  bnGradApply: 12,
  matmul: 13,
  sumBlocks: 14,
  packWinograd: 15,
  packWinograd4: 16,
  unpackWinograd: 17,
  unpackWinograd4: 18,
} as const;

/** Scratch floats a thread needs for the filter-transform jobs (WG_TRANSFORM_FLOATS in C). */
export const WG_TRANSFORM_FLOATS = 40;

/** Rows per matrix-product work unit, and tfjs's block of the shared dimension (MM_ROWS, MM_BLOCK in C; matmul.c). */
export const MM_ROWS = 64;
export const MM_BLOCK = 48;

/** Rows per work unit of the batch-norm jobs that are not reductions (BN_ROWS in C). */
export const BN_ROWS = 64;
/** The per-channel coefficient vectors of the batch-norm jobs at J.BIAS, in this order, each K rounded up to 4 floats (BN_* in C). */
export const BN_VECTOR = { mean: 0, scale: 1, shift: 2, dy: 3, dxX: 4, dxC: 5 } as const;
export const BN_VECTORS = 6;

/** Pixels per filter-gradient chunk and 4-pixel tiles per convolution chunk (DW_CHUNK, CONV_TILES in C). */
export const DW_CHUNK = 128;
export const CONV_TILES = 16;
/** 2x2 output tiles per Winograd work unit (WG_TILES in C). */
export const WG_TILES = 8;
/** 2x2 tiles of dy per Winograd filter-gradient work unit (WGF_TILES in C). */
export const WGF_TILES = 32;
/** 4x4 tiles per F(4x4,3x3) unit, forward and filter gradient (WG4_TILES, WG4F_TILES in C; see there). */
export const WG4_TILES = 4;
export const WG4F_TILES = 16;
/**
 * Partial results of a reduction (filter gradient, column sums): a constant,
 * not the thread count, so that results never depend on the machine; enough
 * blocks for two or four threads to balance.
 */
export const REDUCTION_BLOCKS = 8;

/** What the module exports (export names of wsol_kernels.c). */
export interface KernelExports {
  run(job: number, tid: number): void;
  pack_filter(w: number, out: number, taps: number, c: number, k: number): void;
  pack_filter_transposed(w: number, out: number, kh: number, kw: number, c: number, k: number): void;
  pack_filter_winograd(w: number, out: number, c: number, k: number, transposed: number): void;
  pack_filter_winograd4(w: number, out: number, c: number, k: number, transposed: number): void;
  unpack_winograd4_filter_grad(part: number, c: number, k: number, out: number): void;
  sum_blocks(parts: number, blocks: number, floats: number): void;
  unpack_filter_grad(part: number, taps: number, c: number, k: number, out: number): void;
  unpack_winograd_filter_grad(part: number, c: number, k: number, out: number): void;
  pack_matmul_b(src: number, out: number, batch: number, k: number, n: number, sK: number, sCol: number, sBatch: number): void;
  __heap_base: WebAssembly.Global;
}

/**
 * Control block words (int32) at the start of the arena: how the calling
 * thread drives its helpers. SEQ counts posted jobs (helpers sleep on it);
 * STATE is the number of helpers inside the current job, plus CLOSED once
 * the caller has finished its share: a helper joins only a job that is not
 * closed, so the caller never waits for a helper that has not woken yet.
 */
export const CTL = { SEQ: 0, STATE: 1, JOB: 2, STOP: 3, FAILED: 4 } as const;
export const CLOSED = 1 << 30;
export const CTL_BYTES = 64;
