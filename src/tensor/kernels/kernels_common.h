/*
 * What the kernel sources share: the job descriptor, work distribution and
 * small helpers. Everything here is static inline or a declaration: the
 * module keeps no state (see wsol_kernels.c).
 */
#ifndef WSOL_KERNELS_COMMON_H
#define WSOL_KERNELS_COMMON_H
#include <stdint.h>
#include <wasm_simd128.h>

#ifdef WSOL_FMA
/* Built with -mrelaxed-simd; scripts/build-kernels.ts rewrites clang 14's
 * prototype opcode to the final relaxed_madd encoding, which computes a*b + c. */
#define MADD(a, b, acc) __builtin_wasm_fma_f32x4((a), (b), (acc))
#else
#define MADD(a, b, acc) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))
#endif

#define EXPORT(name) __attribute__((export_name(#name))) name

/* Job descriptor: int32 fields, mirrored in src/tensor/kernels/layout.ts. */
enum {
  J_OP, J_N, J_H, J_W, J_C, J_K, J_KH, J_KW, J_SH, J_SW, J_DH, J_DW, J_IH, J_IW,
  J_PT, J_PL, J_OH, J_OW, J_ACT, J_X, J_WP, J_BIAS, J_Y, J_ZERO, J_SCRATCH, J_SCRATCH_BYTES,
  J_NEXT, /* work-unit counter, zero at dispatch: threads take units until none is left */
  J_BLOCKS, /* reductions: how many partial results (see block_range) */
  J_COUNT
};
enum { OP_CONV = 1, OP_CONV_FILTER_GRAD = 2, OP_MAXPOOL_GRAD = 3, OP_COLUMN_SUMS = 4, OP_WINOGRAD = 5, OP_WINOGRAD_FILTER_GRAD = 6, OP_WINOGRAD4 = 7, OP_WINOGRAD4_FILTER_GRAD = 8,
       OP_CENTERED_SQUARES = 9, OP_CHANNEL_AFFINE = 10, OP_BN_GRAD_SUMS = 11, OP_BN_GRAD_APPLY = 12, OP_MATMUL = 13,
       OP_SUM_BLOCKS = 14, OP_PACK_WINOGRAD = 15, OP_PACK_WINOGRAD4 = 16, OP_UNPACK_WINOGRAD = 17, OP_UNPACK_WINOGRAD4 = 18 };

/* Pixels per chunk of the filter gradient, tiles of 4 pixels per chunk of the convolution. */
#define DW_CHUNK 128
#define CONV_TILES 16
/*
 * Winograd tiles per work unit: F(2x2,3x3) forward (4 GEMM row groups) and
 * filter gradient, F(4x4,3x3) forward and filter gradient. F(4x4) forward
 * units are one GEMM row group: measured 10.6 vs 11.4 vs 12.5 ms (4, 8, 16
 * tiles) on the reference model's second layer, its V and M then stay in L1;
 * its filter gradient prefers 8-16. F(2x2) forward: 8 (16.5 vs 17.7 ms at 16).
 */
#define WG_TILES 8
#define WGF_TILES 32
#define WG4_TILES 4
#define WG4F_TILES 16
/* Filter transforms as jobs (winograd.c): input channels per work unit, and the scratch floats one thread needs. */
#define FILTER_CI_UNIT 4
#define WG_TRANSFORM_FLOATS 40
/* Partial sums added per work unit of OP_SUM_BLOCKS (a multiple of 4). */
#define SUM_RANGE 4096
/* Matrix products (matmul.c): rows per work unit, and tfjs's block of the shared dimension (its kBlockSize). */
#define MM_ROWS 64
#define MM_BLOCK 48
/* Rows (pixels) per work unit of the batch-norm jobs that are not reductions. */
#define BN_ROWS 64
/*
 * Per-channel coefficients of the batch-norm jobs, at J_BIAS: BN_VECTORS
 * vectors of K floats each, K rounded up to 4. y = x * SCALE + SHIFT (then
 * ReLU if J_ACT); the input gradient is DY * g + DX_X * (x - MEAN) + DX_C.
 */
enum { BN_MEAN, BN_SCALE, BN_SHIFT, BN_DY, BN_DX_X, BN_DX_C, BN_VECTORS };

typedef const float* cfp;

/*
 * Reductions (filter gradients, column sums) are cut into J_BLOCKS blocks,
 * each with its own partial result, summed in block order at the end. Which
 * thread computes a block does not matter, so results are the same bit for
 * bit whatever the thread count and scheduling. Block b covers work items
 * [*lo, *hi) of `count`.
 */
static inline void block_range(int b, int blocks, int count, int* lo, int* hi) {
  *lo = (int)((int64_t)count * b / blocks);
  *hi = (int)((int64_t)count * (b + 1) / blocks);
}

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int round_up(int a, int m) { return (a + m - 1) / m * m; }

/*
 * The next unit of work for this thread, or -1 when all `units` are taken.
 * Units are handed out dynamically rather than split in equal halves: on a
 * shared machine one thread is often descheduled for a while, and a static
 * split would leave the other waiting for it.
 */
static inline int next_unit(const int32_t* j, int units) {
  const int u = __atomic_fetch_add((int32_t*)&j[J_NEXT], 1, __ATOMIC_RELAXED);
  return u < units ? u : -1;
}

/*
 * Address of the input row (C floats) that logical position (ly, lx) of image
 * n reads, or the zero row. Logical positions index the input dilated by
 * (ih, iw) (a transposed convolution reads only every ih-th row).
 */
static inline int32_t row_at(const int32_t* j, int n, int ly, int lx) {
  if (ly < 0 || lx < 0) return j[J_ZERO];
  int ih = j[J_IH], iw = j[J_IW];
  if (ih > 1) { if (ly % ih) return j[J_ZERO]; ly /= ih; }
  if (iw > 1) { if (lx % iw) return j[J_ZERO]; lx /= iw; }
  if (ly >= j[J_H] || lx >= j[J_W]) return j[J_ZERO];
  return j[J_X] + (((n * j[J_H] + ly) * j[J_W] + lx) * j[J_C]) * 4;
}


/* Winograd kernels (winograd.c). */
void winograd(const int32_t* j, int tid);
void winograd_filter_grad(const int32_t* j, int tid);
void winograd4(const int32_t* j, int tid);
void winograd4_filter_grad(const int32_t* j, int tid);
void filter_transform(const int32_t* j, int tid);

/* Batch-norm jobs (batch_norm.c). */
void centered_squares(const int32_t* j);
void channel_affine(const int32_t* j);
void bn_grad_sums(const int32_t* j);
void bn_grad_apply(const int32_t* j);

/* Matrix products with tfjs's bits (matmul.c). */
void matmul(const int32_t* j, int tid);

#endif
