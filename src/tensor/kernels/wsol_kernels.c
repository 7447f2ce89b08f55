/*
 * wsol-run's training kernels for tfjs's wasm backend (see
 * src/tensor/kernels/README.md): convolution forward, input gradient and
 * filter gradient, and the max-pool gradient, in WebAssembly SIMD128.
 *
 * Layout is tfjs's: activations NHWC, filters [KH][KW][C][K]. Every kernel is
 * a GEMM whose inner tile is 4 rows x 8 columns (8 accumulators: more spill
 * on V8's 16 xmm registers, measured 35 vs 28 GFLOP/s for 6x8), reading its
 * rows through pointers ("indirect" GEMM): padding, strides, dilations and the
 * zero holes of a transposed convolution cost no copies, only a pointer to a
 * row of zeros.
 *
 * Threads: the module runs in several threads on one shared memory; run()
 * gets this thread's index and the thread count and does its share. The code
 * keeps no state, uses no stack (no address-taken locals or arrays: each
 * thread's scratch is passed in) and no data segment, so instances in
 * different threads need nothing else.
 */
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
enum { OP_CONV = 1, OP_CONV_FILTER_GRAD = 2, OP_MAXPOOL_GRAD = 3, OP_COLUMN_SUMS = 4, OP_WINOGRAD = 5, OP_WINOGRAD_FILTER_GRAD = 6 };

/* Pixels per chunk of the filter gradient, tiles of 4 pixels per chunk of the convolution. */
#define DW_CHUNK 128
#define CONV_TILES 16
/* 2x2 output tiles per Winograd work unit (4 GEMM row groups), and per filter-gradient unit. */
#define WG_TILES 16
#define WGF_TILES 32

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

/*
 * y[p][k] = act(bias[k] + sum over taps and c of in(p, tap)[c] * w[tap][c][k]).
 * Weights are packed in panels of 8 output channels: wp[kb][tap*C + c][8].
 * Work is split by tiles of 4 output pixels; within a chunk of tiles each
 * 8-channel panel (taps*C*32 bytes) stays in L1 while the tiles stream by.
 */
static void conv(const int32_t* j, int tid) {
  const int n_ = j[J_N], c = j[J_C], k = j[J_K], kh = j[J_KH], kw = j[J_KW];
  const int oh = j[J_OH], ow = j[J_OW], taps = kh * kw, act = j[J_ACT];
  const int pixels = n_ * oh * ow, tiles = (pixels + 3) / 4, kblocks = (k + 7) / 8;
  const int units = (tiles + CONV_TILES - 1) / CONV_TILES;
  int32_t* ptrs = (int32_t*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  float* tmp = (float*)(ptrs + CONV_TILES * taps * 4);
  float* y = (float*)j[J_Y];
  cfp bias = (cfp)j[J_BIAS];
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int u = next_unit(j, units); u >= 0; u = next_unit(j, units)) {
    const int cs = u * CONV_TILES, ce = imin(cs + CONV_TILES, tiles);
    for (int t = cs; t < ce; t++) {
      for (int q = 0; q < 4; q++) {
        /* Past the last pixel: repeat it (results are not stored). */
        const int p = imin(t * 4 + q, pixels - 1);
        const int n = p / (oh * ow), r = p % (oh * ow), oy = r / ow, ox = r % ow;
        int32_t* dst = ptrs + (t - cs) * taps * 4 + q;
        for (int a = 0; a < kh; a++)
          for (int b = 0; b < kw; b++, dst += 4)
            *dst = row_at(j, n, oy * j[J_SH] + a * j[J_DH] - j[J_PT], ox * j[J_SW] + b * j[J_DW] - j[J_PL]);
      }
    }
    for (int kb = 0; kb < kblocks; kb++) {
      cfp panel = (cfp)j[J_WP] + kb * taps * c * 8;
      const v128_t bias0 = bias ? wasm_v128_load(bias + kb * 8) : zero;
      const v128_t bias1 = bias ? wasm_v128_load(bias + kb * 8 + 4) : zero;
      for (int t = cs; t < ce; t++) {
        const int32_t* tp = ptrs + (t - cs) * taps * 4;
        cfp bp = panel;
        v128_t c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1, c30 = bias0, c31 = bias1;
        for (int tap = 0; tap < taps; tap++, tp += 4) {
          cfp a0 = (cfp)tp[0], a1 = (cfp)tp[1], a2 = (cfp)tp[2], a3 = (cfp)tp[3];
          for (int ci = 0; ci < c; ci++) {
            const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
            bp += 8;
            v128_t x = wasm_v128_load32_splat(a0 + ci);
            c00 = MADD(x, b0, c00); c01 = MADD(x, b1, c01);
            x = wasm_v128_load32_splat(a1 + ci);
            c10 = MADD(x, b0, c10); c11 = MADD(x, b1, c11);
            x = wasm_v128_load32_splat(a2 + ci);
            c20 = MADD(x, b0, c20); c21 = MADD(x, b1, c21);
            x = wasm_v128_load32_splat(a3 + ci);
            c30 = MADD(x, b0, c30); c31 = MADD(x, b1, c31);
          }
        }
        if (act == 1) {
          c00 = wasm_f32x4_max(c00, zero); c01 = wasm_f32x4_max(c01, zero);
          c10 = wasm_f32x4_max(c10, zero); c11 = wasm_f32x4_max(c11, zero);
          c20 = wasm_f32x4_max(c20, zero); c21 = wasm_f32x4_max(c21, zero);
          c30 = wasm_f32x4_max(c30, zero); c31 = wasm_f32x4_max(c31, zero);
        }
        const int p0 = t * 4, k0 = kb * 8;
        if (p0 + 4 <= pixels && k0 + 8 <= k) {
          float* o = y + p0 * k + k0;
          wasm_v128_store(o, c00); wasm_v128_store(o + 4, c01); o += k;
          wasm_v128_store(o, c10); wasm_v128_store(o + 4, c11); o += k;
          wasm_v128_store(o, c20); wasm_v128_store(o + 4, c21); o += k;
          wasm_v128_store(o, c30); wasm_v128_store(o + 4, c31);
        } else {
          wasm_v128_store(tmp, c00); wasm_v128_store(tmp + 4, c01);
          wasm_v128_store(tmp + 8, c10); wasm_v128_store(tmp + 12, c11);
          wasm_v128_store(tmp + 16, c20); wasm_v128_store(tmp + 20, c21);
          wasm_v128_store(tmp + 24, c30); wasm_v128_store(tmp + 28, c31);
          const int rows = imin(4, pixels - p0), cols = imin(8, k - k0);
          for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++) y[(p0 + r) * k + k0 + q] = tmp[r * 8 + q];
        }
      }
    }
  }
}

/*
 * Filter gradient, one partial per block of pixel chunks:
 *   part[b][tap][c][k] = sum over block b's pixels p of in(p, tap)[c] * dy[p][k]
 * Parts (zeroed here, by the block's thread) have C rounded up to 4 and K up to 8 (rows
 * past C are garbage, never read back). A chunk of DW_CHUNK pixels of dy is
 * packed in 8-channel panels so that the inner loop reads 32 contiguous bytes
 * per pixel.
 */
static void conv_filter_grad(const int32_t* j, int tid) {
  const int c = j[J_C], k = j[J_K], kh = j[J_KH], kw = j[J_KW], oh = j[J_OH], ow = j[J_OW];
  const int taps = kh * kw, c4 = round_up(c, 4), k8 = round_up(k, 8), kblocks = k8 / 8;
  const int pixels = j[J_N] * oh * ow, chunks = (pixels + DW_CHUNK - 1) / DW_CHUNK;
  int32_t* ptrs = (int32_t*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  float* packed = (float*)(ptrs + taps * DW_CHUNK);
  cfp dy = (cfp)j[J_WP];
  const int blocks = j[J_BLOCKS];
  for (int blk = next_unit(j, blocks); blk >= 0; blk = next_unit(j, blocks)) {
  float* part = (float*)j[J_Y] + blk * taps * c4 * k8;
  for (int i = 0; i < taps * c4 * k8; i += 4) wasm_v128_store(part + i, wasm_f32x4_splat(0.f));
  int ch_lo, ch_hi;
  block_range(blk, blocks, chunks, &ch_lo, &ch_hi);
  for (int ch = ch_lo; ch < ch_hi; ch++) {
    const int p0 = ch * DW_CHUNK, np = imin(DW_CHUNK, pixels - p0);
    for (int pp = 0; pp < np; pp++) {
      const int p = p0 + pp, n = p / (oh * ow), r = p % (oh * ow), oy = r / ow, ox = r % ow;
      int32_t* dst = ptrs + pp;
      for (int a = 0; a < kh; a++)
        for (int b = 0; b < kw; b++, dst += DW_CHUNK)
          *dst = row_at(j, n, oy * j[J_SH] + a * j[J_DH] - j[J_PT], ox * j[J_SW] + b * j[J_DW] - j[J_PL]);
      cfp src = dy + p * k;
      for (int kb = 0; kb < kblocks; kb++) {
        float* d = packed + (kb * DW_CHUNK + pp) * 8;
        for (int q = 0; q < 8; q++) {
          const int kk = kb * 8 + q;
          d[q] = kk < k ? src[kk] : 0.f;
        }
      }
    }
    for (int kb = 0; kb < kblocks; kb++) {
      for (int tap = 0; tap < taps; tap++) {
        const int32_t* tp = ptrs + tap * DW_CHUNK;
        for (int cb = 0; cb < c4; cb += 4) {
          v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
          cfp bp = packed + kb * DW_CHUNK * 8;
          for (int pp = 0; pp < np; pp++) {
            cfp a = (cfp)tp[pp] + cb;
            const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
            bp += 8;
            v128_t x = wasm_v128_load32_splat(a);
            c00 = MADD(x, b0, c00); c01 = MADD(x, b1, c01);
            x = wasm_v128_load32_splat(a + 1);
            c10 = MADD(x, b0, c10); c11 = MADD(x, b1, c11);
            x = wasm_v128_load32_splat(a + 2);
            c20 = MADD(x, b0, c20); c21 = MADD(x, b1, c21);
            x = wasm_v128_load32_splat(a + 3);
            c30 = MADD(x, b0, c30); c31 = MADD(x, b1, c31);
          }
          float* o = part + (tap * c4 + cb) * k8 + kb * 8;
          wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), c00));
          wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), c01));
          o += k8;
          wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), c10));
          wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), c11));
          o += k8;
          wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), c20));
          wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), c21));
          o += k8;
          wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), c30));
          wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), c31));
        }
      }
    }
  }
  }
}

/*
 * Max-pool gradient: each output's gradient goes to the FIRST maximum of its
 * (clipped) window in row-major order, whatever its sign. Threads take whole
 * images, so overlapping windows never race.
 */
static void maxpool_grad(const int32_t* j) {
  const int h = j[J_H], w = j[J_W], c = j[J_C], fh = j[J_KH], fw = j[J_KW];
  const int oh = j[J_OH], ow = j[J_OW], sh = j[J_SH], sw = j[J_SW], pt = j[J_PT], pl = j[J_PL];
  cfp x = (cfp)j[J_X], dy = (cfp)j[J_WP];
  float* dx = (float*)j[J_Y];
  const int c4 = c / 4 * 4;
  for (int n = next_unit(j, j[J_N]); n >= 0; n = next_unit(j, j[J_N])) {
    for (int i = n * h * w * c; i < (n + 1) * h * w * c; i++) dx[i] = 0.f;
    for (int oy = 0; oy < oh; oy++) {
      const int i0 = imax(0, oy * sh - pt), i1 = imin(h, oy * sh - pt + fh);
      for (int ox = 0; ox < ow; ox++) {
        const int j0 = imax(0, ox * sw - pl), j1 = imin(w, ox * sw - pl + fw);
        if (i0 >= i1 || j0 >= j1) continue;
        cfp g = dy + ((n * oh + oy) * ow + ox) * c;
        const int base = ((n * h + i0) * w + j0) * c;
        for (int ch = 0; ch < c4; ch += 4) {
          v128_t best = wasm_v128_load(x + base + ch), at = wasm_i32x4_splat(0);
          int pos = 0;
          for (int i = i0; i < i1; i++)
            for (int jj = j0; jj < j1; jj++, pos++) {
              const v128_t v = wasm_v128_load(x + ((n * h + i) * w + jj) * c + ch);
              const v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_splat(pos), at, gt);
            }
          const v128_t gv = wasm_v128_load(g + ch);
          pos = 0;
          for (int i = i0; i < i1; i++)
            for (int jj = j0; jj < j1; jj++, pos++) {
              float* d = dx + ((n * h + i) * w + jj) * c + ch;
              const v128_t hit = wasm_i32x4_eq(at, wasm_i32x4_splat(pos));
              wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), wasm_v128_and(gv, hit)));
            }
        }
        for (int ch = c4; ch < c; ch++) {
          float best = x[base + ch];
          int at = base + ch;
          for (int i = i0; i < i1; i++)
            for (int jj = j0; jj < j1; jj++) {
              const int idx = ((n * h + i) * w + jj) * c + ch;
              if (x[idx] > best) { best = x[idx]; at = idx; }
            }
          dx[at] += g[ch];
        }
      }
    }
  }
}

/*
 * Winograd input transform of one 4x4 patch (16 row addresses): for each
 * group of 4 channels, out[xi * plane + cc] = (B^T d B)[xi], with
 * B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
 */
static inline void input_transform(const int32_t* rows, float* out, int c4, int plane) {
      for (int cc = 0; cc < c4; cc += 4) {
#define LD(i) wasm_v128_load((cfp)rows[i] + cc)
        v128_t r0, r1, r2, r3, d0, d1, d2, d3;
#define BT(o0, o1, o2, o3, i0, i1, i2, i3) \
        o0 = wasm_f32x4_sub(i0, i2); o1 = wasm_f32x4_add(i1, i2); o2 = wasm_f32x4_sub(i2, i1); o3 = wasm_f32x4_sub(i1, i3);
        float* vo = out + cc;
        const int xs = plane;
        /* q = B^T d (one patch column at a time), then each row of q times B. B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
        v128_t q00, q01, q02, q03, q10, q11, q12, q13, q20, q21, q22, q23, q30, q31, q32, q33;
        d0 = LD(0); d1 = LD(4); d2 = LD(8); d3 = LD(12);
        BT(q00, q10, q20, q30, d0, d1, d2, d3)
        d0 = LD(1); d1 = LD(5); d2 = LD(9); d3 = LD(13);
        BT(q01, q11, q21, q31, d0, d1, d2, d3)
        d0 = LD(2); d1 = LD(6); d2 = LD(10); d3 = LD(14);
        BT(q02, q12, q22, q32, d0, d1, d2, d3)
        d0 = LD(3); d1 = LD(7); d2 = LD(11); d3 = LD(15);
        BT(q03, q13, q23, q33, d0, d1, d2, d3)
#define ROW(a, i0, i1, i2, i3) \
        BT(r0, r1, r2, r3, i0, i1, i2, i3) \
        wasm_v128_store(vo + (a * 4 + 0) * xs, r0); wasm_v128_store(vo + (a * 4 + 1) * xs, r1); \
        wasm_v128_store(vo + (a * 4 + 2) * xs, r2); wasm_v128_store(vo + (a * 4 + 3) * xs, r3);
        ROW(0, q00, q01, q02, q03)
        ROW(1, q10, q11, q12, q13)
        ROW(2, q20, q21, q22, q23)
        ROW(3, q30, q31, q32, q33)
#undef ROW
#undef BT
#undef LD
      }
}

/*
 * 3x3 convolution, stride 1, no dilation, any padding, by Winograd's minimal
 * filtering F(2x2, 3x3): each 2x2 output tile costs 16 multiplies per (c, k)
 * instead of 36. Per unit of WG_TILES tiles:
 *   V[xi][t][c]  = (B^T d B)[xi]  for the tile's 4x4 input patch d
 *   M[xi][t][k]  = sum_c V[xi][t][c] * U[xi][c][k]      (16 GEMMs, 4x8 tiles)
 *   y(tile)      = act(A^T M A + bias)
 * U = G g G^T is packed by pack_filter_winograd as [xi][K/8][C][8].
 * The transforms run on 4 channels at a time (NHWC keeps them contiguous).
 */
static void winograd(const int32_t* j, int tid) {
  const int n_ = j[J_N], h = j[J_H], w = j[J_W], c = j[J_C], k = j[J_K], oh = j[J_OH], ow = j[J_OW];
  const int pt = j[J_PT], pl = j[J_PL], act = j[J_ACT];
  const int th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = n_ * th * tw, units = (tiles + WG_TILES - 1) / WG_TILES;
  const int c4 = round_up(c, 4), kblocks = (k + 7) / 8, k8 = kblocks * 8;
  int32_t* rows = (int32_t*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  float* V = (float*)(rows + 16);
  float* M = V + 16 * WG_TILES * c4;
  cfp x = (cfp)j[J_X], U = (cfp)j[J_WP], bias = (cfp)j[J_BIAS];
  float* y = (float*)j[J_Y];
  const int32_t zero = j[J_ZERO];
  const v128_t vzero = wasm_f32x4_splat(0.f);
  for (int u = next_unit(j, units); u >= 0; u = next_unit(j, units)) {
    const int t0 = u * WG_TILES, nt = imin(WG_TILES, tiles - t0);
    /* Input transform. */
    for (int tt = 0; tt < nt; tt++) {
      const int t = t0 + tt, n = t / (th * tw), r = t % (th * tw), y0 = (r / tw) * 2 - pt, x0 = (r % tw) * 2 - pl;
      for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) {
          const int yy = y0 + a, xx = x0 + b;
          rows[a * 4 + b] = (yy >= 0 && yy < h && xx >= 0 && xx < w) ? (int32_t)(x + ((n * h + yy) * w + xx) * c) : zero;
        }
      input_transform(rows, V + tt * c4, c4, WG_TILES * c4);
    }
    /* 16 GEMMs: M[xi][t][k] = V[xi][t][:] . U[xi][:][k]. */
    const int groups = (nt + 3) / 4;
    for (int xi = 0; xi < 16; xi++) {
      for (int kb = 0; kb < kblocks; kb++) {
        cfp panel = U + (xi * kblocks + kb) * c * 8;
        for (int g = 0; g < groups; g++) {
          cfp a0 = V + (xi * WG_TILES + g * 4) * c4, a1 = a0 + c4, a2 = a1 + c4, a3 = a2 + c4;
          cfp bp = panel;
          v128_t c00 = vzero, c01 = vzero, c10 = vzero, c11 = vzero, c20 = vzero, c21 = vzero, c30 = vzero, c31 = vzero;
          for (int ci = 0; ci < c; ci++) {
            const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
            bp += 8;
            v128_t xv = wasm_v128_load32_splat(a0 + ci);
            c00 = MADD(xv, b0, c00); c01 = MADD(xv, b1, c01);
            xv = wasm_v128_load32_splat(a1 + ci);
            c10 = MADD(xv, b0, c10); c11 = MADD(xv, b1, c11);
            xv = wasm_v128_load32_splat(a2 + ci);
            c20 = MADD(xv, b0, c20); c21 = MADD(xv, b1, c21);
            xv = wasm_v128_load32_splat(a3 + ci);
            c30 = MADD(xv, b0, c30); c31 = MADD(xv, b1, c31);
          }
          float* o = M + (xi * WG_TILES + g * 4) * k8 + kb * 8;
          wasm_v128_store(o, c00); wasm_v128_store(o + 4, c01); o += k8;
          wasm_v128_store(o, c10); wasm_v128_store(o + 4, c11); o += k8;
          wasm_v128_store(o, c20); wasm_v128_store(o + 4, c21); o += k8;
          wasm_v128_store(o, c30); wasm_v128_store(o + 4, c31);
        }
      }
    }
    /* Output transform: y = A^T M A (+ bias, activation), A^T = [1 1 1 0; 0 1 -1 -1]. */
    for (int tt = 0; tt < nt; tt++) {
      const int t = t0 + tt, n = t / (th * tw), r = t % (th * tw), oy = (r / tw) * 2, ox = (r % tw) * 2;
      const int rows_out = imin(2, oh - oy), cols_out = imin(2, ow - ox);
      for (int kk = 0; kk < k8; kk += 4) {
        cfp mi = M + tt * k8 + kk;
        const int xs = WG_TILES * k8;
#define LM(a, b) wasm_v128_load(mi + ((a) * 4 + (b)) * xs)
        /* A^T M: two rows, each over the 4 columns. */
        v128_t u00, u01, u02, u03, u10, u11, u12, u13;
#define AT(o0, o1, i0, i1, i2, i3) \
        o0 = wasm_f32x4_add(wasm_f32x4_add(i0, i1), i2); o1 = wasm_f32x4_sub(wasm_f32x4_sub(i1, i2), i3);
        AT(u00, u10, LM(0, 0), LM(1, 0), LM(2, 0), LM(3, 0))
        AT(u01, u11, LM(0, 1), LM(1, 1), LM(2, 1), LM(3, 1))
        AT(u02, u12, LM(0, 2), LM(1, 2), LM(2, 2), LM(3, 2))
        AT(u03, u13, LM(0, 3), LM(1, 3), LM(2, 3), LM(3, 3))
        v128_t y00, y01, y10, y11;
        AT(y00, y01, u00, u01, u02, u03)
        AT(y10, y11, u10, u11, u12, u13)
#undef AT
#undef LM
        const v128_t bv = bias ? wasm_v128_load(bias + kk) : vzero;
        y00 = wasm_f32x4_add(y00, bv); y01 = wasm_f32x4_add(y01, bv);
        y10 = wasm_f32x4_add(y10, bv); y11 = wasm_f32x4_add(y11, bv);
        if (act == 1) {
          y00 = wasm_f32x4_max(y00, vzero); y01 = wasm_f32x4_max(y01, vzero);
          y10 = wasm_f32x4_max(y10, vzero); y11 = wasm_f32x4_max(y11, vzero);
        }
        float* base = y + ((n * oh + oy) * ow + ox) * k + kk;
        if (kk + 4 <= k) {
          wasm_v128_store(base, y00);
          if (cols_out > 1) wasm_v128_store(base + k, y01);
          if (rows_out > 1) {
            wasm_v128_store(base + ow * k, y10);
            if (cols_out > 1) wasm_v128_store(base + ow * k + k, y11);
          }
        } else {
          /* Channel tail: lane by lane. */
          const int lanes = k - kk;
          for (int q = 0; q < lanes; q++) {
            float v00, v01, v10, v11;
            switch (q) {
              case 0: v00 = wasm_f32x4_extract_lane(y00, 0); v01 = wasm_f32x4_extract_lane(y01, 0); v10 = wasm_f32x4_extract_lane(y10, 0); v11 = wasm_f32x4_extract_lane(y11, 0); break;
              case 1: v00 = wasm_f32x4_extract_lane(y00, 1); v01 = wasm_f32x4_extract_lane(y01, 1); v10 = wasm_f32x4_extract_lane(y10, 1); v11 = wasm_f32x4_extract_lane(y11, 1); break;
              default: v00 = wasm_f32x4_extract_lane(y00, 2); v01 = wasm_f32x4_extract_lane(y01, 2); v10 = wasm_f32x4_extract_lane(y10, 2); v11 = wasm_f32x4_extract_lane(y11, 2); break;
            }
            base[q] = v00;
            if (cols_out > 1) base[k + q] = v01;
            if (rows_out > 1) {
              base[ow * k + q] = v10;
              if (cols_out > 1) base[ow * k + k + q] = v11;
            }
          }
        }
      }
    }
  }
}

/*
 * Filter gradient of a 3x3, stride-1 convolution by Winograd F(3x3, 2x2),
 * the transpose of F(2x2, 3x3): with the same B and the same 4x4 patches of
 * x, and the 2x2 tiles of dy transformed by A = [1 0; 1 1; 1 -1; 0 -1],
 *   P[xi][c][k] = sum over tiles of (B^T x B)[xi][c] * (A dy A^T)[xi][k]
 * and dW = G^T P G (reduce_winograd_filter_grad): 16 multiplies per (c, k)
 * and 2x2 tile instead of 36. Block b's P (zeroed here) is at
 * Y + b * 16 * C4 * K8; dy is at WP.
 */
static void winograd_filter_grad(const int32_t* j, int tid) {
  const int n_ = j[J_N], h = j[J_H], w = j[J_W], c = j[J_C], k = j[J_K], oh = j[J_OH], ow = j[J_OW];
  const int pt = j[J_PT], pl = j[J_PL];
  const int th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = n_ * th * tw, units = (tiles + WGF_TILES - 1) / WGF_TILES;
  const int c4 = round_up(c, 4), k8 = round_up(k, 8), kblocks = k8 / 8;
  int32_t* rows = (int32_t*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  float* X = (float*)(rows + 16);
  float* D = X + 16 * WGF_TILES * c4;
  cfp x = (cfp)j[J_X], dy = (cfp)j[J_WP];
  const int32_t zero = j[J_ZERO];
  const int blocks = j[J_BLOCKS];
  for (int blk = next_unit(j, blocks); blk >= 0; blk = next_unit(j, blocks)) {
  float* part = (float*)j[J_Y] + blk * 16 * c4 * k8;
  for (int i = 0; i < 16 * c4 * k8; i += 4) wasm_v128_store(part + i, wasm_f32x4_splat(0.f));
  int u_lo, u_hi;
  block_range(blk, blocks, units, &u_lo, &u_hi);
  for (int u = u_lo; u < u_hi; u++) {
    const int t0 = u * WGF_TILES, nt = imin(WGF_TILES, tiles - t0);
    for (int tt = 0; tt < nt; tt++) {
      const int t = t0 + tt, n = t / (th * tw), r = t % (th * tw), ty = r / tw, tx = r % tw;
      const int y0 = ty * 2 - pt, x0 = tx * 2 - pl;
      for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) {
          const int yy = y0 + a, xx = x0 + b;
          rows[a * 4 + b] = (yy >= 0 && yy < h && xx >= 0 && xx < w) ? (int32_t)(x + ((n * h + yy) * w + xx) * c) : zero;
        }
      input_transform(rows, X + tt * c4, c4, WGF_TILES * c4);
      /* dy tile (2x2, zero past the edge). */
      const int oy = ty * 2, ox = tx * 2;
      cfp e00 = dy + ((n * oh + oy) * ow + ox) * k;
      cfp e01 = ox + 1 < ow ? e00 + k : (cfp)zero;
      cfp e10 = oy + 1 < oh ? e00 + ow * k : (cfp)zero;
      cfp e11 = (ox + 1 < ow && oy + 1 < oh) ? e00 + ow * k + k : (cfp)zero;
      float* dout = D + tt * k8;
      const int plane = WGF_TILES * k8;
      for (int kk = 0; kk < k8; kk += 4) {
        const v128_t d00 = wasm_v128_load(e00 + kk), d01 = wasm_v128_load(e01 + kk);
        const v128_t d10 = wasm_v128_load(e10 + kk), d11 = wasm_v128_load(e11 + kk);
        /* Columns: A applied to each column of the tile, then to each resulting row. */
        v128_t r0a = d00, r0b = d01;                                               /* row 0 of A dy */
        v128_t r1a = wasm_f32x4_add(d00, d10), r1b = wasm_f32x4_add(d01, d11);     /* row 1 */
        v128_t r2a = wasm_f32x4_sub(d00, d10), r2b = wasm_f32x4_sub(d01, d11);     /* row 2 */
        v128_t r3a = wasm_f32x4_neg(d10), r3b = wasm_f32x4_neg(d11);               /* row 3 */
#define AROW(a, p, q) \
        wasm_v128_store(dout + ((a) * 4 + 0) * plane + kk, p); \
        wasm_v128_store(dout + ((a) * 4 + 1) * plane + kk, wasm_f32x4_add(p, q)); \
        wasm_v128_store(dout + ((a) * 4 + 2) * plane + kk, wasm_f32x4_sub(p, q)); \
        wasm_v128_store(dout + ((a) * 4 + 3) * plane + kk, wasm_f32x4_neg(q));
        AROW(0, r0a, r0b)
        AROW(1, r1a, r1b)
        AROW(2, r2a, r2b)
        AROW(3, r3a, r3b)
#undef AROW
      }
    }
    /* P[xi] += X[xi]^T D[xi]: rows of P are channels c (4 at a time), columns k (8 at a time), summed over the unit's tiles. */
    for (int xi = 0; xi < 16; xi++) {
      cfp xp = X + xi * WGF_TILES * c4, dp = D + xi * WGF_TILES * k8;
      for (int kb = 0; kb < kblocks; kb++) {
        for (int cb = 0; cb < c4; cb += 4) {
          float* o = part + (xi * c4 + cb) * k8 + kb * 8;
          v128_t c00 = wasm_v128_load(o), c01 = wasm_v128_load(o + 4);
          v128_t c10 = wasm_v128_load(o + k8), c11 = wasm_v128_load(o + k8 + 4);
          v128_t c20 = wasm_v128_load(o + 2 * k8), c21 = wasm_v128_load(o + 2 * k8 + 4);
          v128_t c30 = wasm_v128_load(o + 3 * k8), c31 = wasm_v128_load(o + 3 * k8 + 4);
          cfp a = xp + cb, bp = dp + kb * 8;
          for (int tt = 0; tt < nt; tt++, a += c4, bp += k8) {
            const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
            v128_t xv = wasm_v128_load32_splat(a);
            c00 = MADD(xv, b0, c00); c01 = MADD(xv, b1, c01);
            xv = wasm_v128_load32_splat(a + 1);
            c10 = MADD(xv, b0, c10); c11 = MADD(xv, b1, c11);
            xv = wasm_v128_load32_splat(a + 2);
            c20 = MADD(xv, b0, c20); c21 = MADD(xv, b1, c21);
            xv = wasm_v128_load32_splat(a + 3);
            c30 = MADD(xv, b0, c30); c31 = MADD(xv, b1, c31);
          }
          wasm_v128_store(o, c00); wasm_v128_store(o + 4, c01);
          wasm_v128_store(o + k8, c10); wasm_v128_store(o + k8 + 4, c11);
          wasm_v128_store(o + 2 * k8, c20); wasm_v128_store(o + 2 * k8 + 4, c21);
          wasm_v128_store(o + 3 * k8, c30); wasm_v128_store(o + 3 * k8 + 4, c31);
        }
      }
    }
  }
  }
}

/*
 * Column sums of x [N rows][K]: block b's part (K rounded up to 4) at
 * Y + b * K4 sums its range of rows. The caller adds the parts.
 */
static void column_sums(const int32_t* j) {
  const int rows = j[J_N], k = j[J_K], k4 = k / 4 * 4, blocks = j[J_BLOCKS];
  cfp x = (cfp)j[J_X];
  for (int b = next_unit(j, blocks); b >= 0; b = next_unit(j, blocks)) {
    float* part = (float*)j[J_Y] + b * round_up(k, 4);
    for (int i = 0; i < round_up(k, 4); i++) part[i] = 0.f;
    int r0, r1;
    block_range(b, blocks, rows, &r0, &r1);
    for (int r = r0; r < r1; r++) {
      cfp row = x + r * k;
      int q = 0;
      for (; q < k4; q += 4) wasm_v128_store(part + q, wasm_f32x4_add(wasm_v128_load(part + q), wasm_v128_load(row + q)));
      for (; q < k; q++) part[q] += row[q];
    }
  }
}

/* This thread's share of the job at `job` (thread `tid` picks its scratch). */
void EXPORT(run)(const int32_t* job, int tid) {
  switch (job[J_OP]) {
    case OP_CONV: conv(job, tid); break;
    case OP_CONV_FILTER_GRAD: conv_filter_grad(job, tid); break;
    case OP_MAXPOOL_GRAD: maxpool_grad(job); break;
    case OP_COLUMN_SUMS: column_sums(job); break;
    case OP_WINOGRAD: winograd(job, tid); break;
    case OP_WINOGRAD_FILTER_GRAD: winograd_filter_grad(job, tid); break;
    default: break;
  }
}

/* Forward filter [taps][C][K] -> panels [K/8][taps*C][8], zero-padded past K. */
void EXPORT(pack_filter)(cfp w, float* out, int taps, int c, int k) {
  const int kblocks = (k + 7) / 8;
  for (int kb = 0; kb < kblocks; kb++)
    for (int r = 0; r < taps * c; r++)
      for (int q = 0; q < 8; q++) {
        const int kk = kb * 8 + q;
        *out++ = kk < k ? w[r * k + kk] : 0.f;
      }
}

/*
 * Filter of the input gradient: the forward filter flipped in both spatial
 * axes with C and K swapped, as panels [C/8][taps*K][8]:
 * element (tap', kk, cc) = w[kh-1-a][kw-1-b][cc][kk] for tap' = a*kw + b.
 */
void EXPORT(pack_filter_transposed)(cfp w, float* out, int kh, int kw, int c, int k) {
  const int cblocks = (c + 7) / 8, taps = kh * kw;
  for (int cb = 0; cb < cblocks; cb++)
    for (int t = 0; t < taps; t++) {
      const int a = t / kw, b = t % kw, src_tap = (kh - 1 - a) * kw + (kw - 1 - b);
      for (int kk = 0; kk < k; kk++)
        for (int q = 0; q < 8; q++) {
          const int cc = cb * 8 + q;
          *out++ = cc < c ? w[(src_tap * c + cc) * k + kk] : 0.f;
        }
    }
}

/* parts[0] += parts[1] + ... + parts[blocks-1], in block order (`floats` per part, a multiple of 4). */
void EXPORT(sum_blocks)(float* parts, int blocks, int floats) {
  for (int b = 1; b < blocks; b++) {
    cfp src = parts + b * floats;
    for (int i = 0; i < floats; i += 4) wasm_v128_store(parts + i, wasm_f32x4_add(wasm_v128_load(parts + i), wasm_v128_load(src + i)));
  }
}

/* The filter gradient out [taps][C][K] from the (summed) part [taps][C4][K8]. */
void EXPORT(unpack_filter_grad)(cfp part, int taps, int c, int k, float* out) {
  const int c4 = round_up(c, 4), k8 = round_up(k, 8);
  for (int t = 0; t < taps; t++)
    for (int cc = 0; cc < c; cc++)
      for (int kk = 0; kk < k; kk++) out[(t * c + cc) * k + kk] = part[(t * c4 + cc) * k8 + kk];
}

/*
 * Winograd filter U = G g G^T for every (c, k), G = [1 0 0; 1/2 1/2 1/2;
 * 1/2 -1/2 1/2; 0 0 1], packed [16][K/8][C][8] (zero past K). With
 * `transposed`, g is the input-gradient filter: w flipped in both axes with
 * C and K swapped (then "c" counts w's K and "k" w's C).
 */
void EXPORT(pack_filter_winograd)(cfp w, float* out, int c, int k, int transposed) {
  const int kblocks = (k + 7) / 8;
  for (int i = 0; i < 16 * kblocks * c * 8; i++) out[i] = 0.f;
  for (int ci = 0; ci < c; ci++)
    for (int ki = 0; ki < k; ki++) {
      float g0, g1, g2, g3, g4, g5, g6, g7, g8;
#define G(a, b) (transposed ? w[((2 - (a)) * 3 + (2 - (b))) * c * k + ki * c + ci] : w[((a) * 3 + (b)) * c * k + ci * k + ki])
      g0 = G(0, 0); g1 = G(0, 1); g2 = G(0, 2);
      g3 = G(1, 0); g4 = G(1, 1); g5 = G(1, 2);
      g6 = G(2, 0); g7 = G(2, 1); g8 = G(2, 2);
#undef G
      /* t = G g (4x3), rows: g_row0, (r0+r1+r2)/2, (r0-r1+r2)/2, r2 */
      const float t00 = g0, t01 = g1, t02 = g2;
      const float t10 = (g0 + g3 + g6) * 0.5f, t11 = (g1 + g4 + g7) * 0.5f, t12 = (g2 + g5 + g8) * 0.5f;
      const float t20 = (g0 - g3 + g6) * 0.5f, t21 = (g1 - g4 + g7) * 0.5f, t22 = (g2 - g5 + g8) * 0.5f;
      const float t30 = g6, t31 = g7, t32 = g8;
      /* U = t G^T (4x4): columns c0, (c0+c1+c2)/2, (c0-c1+c2)/2, c2 */
      const float u[16] = {
        t00, (t00 + t01 + t02) * 0.5f, (t00 - t01 + t02) * 0.5f, t02,
        t10, (t10 + t11 + t12) * 0.5f, (t10 - t11 + t12) * 0.5f, t12,
        t20, (t20 + t21 + t22) * 0.5f, (t20 - t21 + t22) * 0.5f, t22,
        t30, (t30 + t31 + t32) * 0.5f, (t30 - t31 + t32) * 0.5f, t32,
      };
      for (int xi = 0; xi < 16; xi++) out[((xi * kblocks + ki / 8) * c + ci) * 8 + ki % 8] = u[xi];
    }
}

/*
 * Maps the (summed) Winograd filter-gradient part P [16][C4][K8] back:
 * dW[a][b][c][k] = (G^T P G)[a][b], G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1].
 */
void EXPORT(unpack_winograd_filter_grad)(cfp part, int c, int k, float* out) {
  const int c4 = round_up(c, 4), k8 = round_up(k, 8);
  for (int ci = 0; ci < c; ci++)
    for (int ki = 0; ki < k; ki++) {
      float p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;
#define P(xi) part[((xi) * c4 + ci) * k8 + ki]
      p0 = P(0); p1 = P(1); p2 = P(2); p3 = P(3); p4 = P(4); p5 = P(5); p6 = P(6); p7 = P(7);
      p8 = P(8); p9 = P(9); p10 = P(10); p11 = P(11); p12 = P(12); p13 = P(13); p14 = P(14); p15 = P(15);
#undef P
      /* Rows: t = G^T P (3x4). */
      const float t00 = p0 + 0.5f * (p4 + p8), t01 = p1 + 0.5f * (p5 + p9), t02 = p2 + 0.5f * (p6 + p10), t03 = p3 + 0.5f * (p7 + p11);
      const float t10 = 0.5f * (p4 - p8), t11 = 0.5f * (p5 - p9), t12 = 0.5f * (p6 - p10), t13 = 0.5f * (p7 - p11);
      const float t20 = 0.5f * (p4 + p8) + p12, t21 = 0.5f * (p5 + p9) + p13, t22 = 0.5f * (p6 + p10) + p14, t23 = 0.5f * (p7 + p11) + p15;
      /* Columns: t G (3x3). */
#define OUT(a, b, v) out[((a) * 3 + (b)) * c * k + ci * k + ki] = (v)
      OUT(0, 0, t00 + 0.5f * (t01 + t02)); OUT(0, 1, 0.5f * (t01 - t02)); OUT(0, 2, 0.5f * (t01 + t02) + t03);
      OUT(1, 0, t10 + 0.5f * (t11 + t12)); OUT(1, 1, 0.5f * (t11 - t12)); OUT(1, 2, 0.5f * (t11 + t12) + t13);
      OUT(2, 0, t20 + 0.5f * (t21 + t22)); OUT(2, 1, 0.5f * (t21 - t22)); OUT(2, 2, 0.5f * (t21 + t22) + t23);
#undef OUT
    }
}
