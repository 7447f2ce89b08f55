/*
 * Winograd minimal filtering for 3x3, stride-1 convolutions (Lavin & Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2016): F(2x2,3x3) and
 * F(4x4,3x3) for the forward pass and the input gradient, and their
 * transposes F(3x3,2x2) and F(3x3,4x4) for the filter gradient. The
 * convolution becomes, per tile, one element-wise product in a transformed
 * space of 16 (or 36) points summed over channels: 16 (or 36) GEMMs with the
 * 4x8 tile of the direct kernels, and 2.25x (or 4x) fewer multiplies.
 * The transforms run on 4 channels at a time (NHWC keeps them contiguous).
 */
#include "kernels_common.h"

/*
 * For each of `planes` transformed points xi: M[xi][t][k] = V[xi][t][:C] .
 * U[xi][:C][k] for the unit's `nt` tiles (rows of V/M are tiles, `tiles` per
 * plane; rows past nt are computed from stale data and never read back).
 * U is packed [planes][K/8][C][8]. The 4x8 tile of the direct kernels.
 */
static inline void gemm_planes(cfp V, cfp U, float* M, int planes, int tiles, int nt, int c, int c4, int kblocks) {
  const int k8 = kblocks * 8, groups = (nt + 3) / 4;
  const v128_t vzero = wasm_f32x4_splat(0.f);
  for (int xi = 0; xi < planes; xi++) {
    for (int kb = 0; kb < kblocks; kb++) {
      cfp panel = U + (xi * kblocks + kb) * c * 8;
      for (int g = 0; g < groups; g++) {
        cfp a0 = V + (xi * tiles + g * 4) * c4, a1 = a0 + c4, a2 = a1 + c4, a3 = a2 + c4;
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
        float* o = M + (xi * tiles + g * 4) * k8 + kb * 8;
        wasm_v128_store(o, c00); wasm_v128_store(o + 4, c01); o += k8;
        wasm_v128_store(o, c10); wasm_v128_store(o + 4, c11); o += k8;
        wasm_v128_store(o, c20); wasm_v128_store(o + 4, c21); o += k8;
        wasm_v128_store(o, c30); wasm_v128_store(o + 4, c31);
      }
    }
  }
}

/*
 * For each plane xi: P[xi][c][k] += sum over the unit's nt tiles of
 * X[xi][t][c] * D[xi][t][k] (rows of P are channels, 4 at a time; columns
 * output channels, 8 at a time). X rows have C4 floats, D rows K8.
 */
static inline void gemm_planes_transposed(cfp X, cfp D, float* P, int planes, int tiles, int nt, int c4, int kblocks) {
  const int k8 = kblocks * 8;
  for (int xi = 0; xi < planes; xi++) {
    cfp xp = X + xi * tiles * c4, dp = D + xi * tiles * k8;
    for (int kb = 0; kb < kblocks; kb++) {
      for (int cb = 0; cb < c4; cb += 4) {
        float* o = P + (xi * c4 + cb) * k8 + kb * 8;
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

/*
 * Addresses of the s x s input patch of tile (ty, tx) of image n whose
 * outputs start at (ty*m, tx*m): the input row (C floats) or the zero row.
 */
static inline void patch_rows(const int32_t* j, int32_t* rows, int s, int m, int n, int ty, int tx) {
  const int h = j[J_H], w = j[J_W], c = j[J_C], y0 = ty * m - j[J_PT], x0 = tx * m - j[J_PL];
  cfp x = (cfp)j[J_X];
  for (int a = 0; a < s; a++)
    for (int b = 0; b < s; b++) {
      const int yy = y0 + a, xx = x0 + b;
      rows[a * s + b] = (yy >= 0 && yy < h && xx >= 0 && xx < w) ? (int32_t)(x + ((n * h + yy) * w + xx) * c) : j[J_ZERO];
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
void winograd(const int32_t* j, int tid) {
  const int n_ = j[J_N], c = j[J_C], k = j[J_K], oh = j[J_OH], ow = j[J_OW], act = j[J_ACT];
  const int th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = n_ * th * tw, units = (tiles + WG_TILES - 1) / WG_TILES;
  const int c4 = round_up(c, 4), kblocks = (k + 7) / 8, k8 = kblocks * 8;
  int32_t* rows = (int32_t*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  float* V = (float*)(rows + 16);
  float* M = V + 16 * WG_TILES * c4;
  cfp U = (cfp)j[J_WP], bias = (cfp)j[J_BIAS];
  float* y = (float*)j[J_Y];
  const v128_t vzero = wasm_f32x4_splat(0.f);
  for (int u = next_unit(j, units); u >= 0; u = next_unit(j, units)) {
    const int t0 = u * WG_TILES, nt = imin(WG_TILES, tiles - t0);
    /* Input transform. */
    for (int tt = 0; tt < nt; tt++) {
      const int t = t0 + tt, n = t / (th * tw), r = t % (th * tw);
      patch_rows(j, rows, 4, 2, n, r / tw, r % tw);
      input_transform(rows, V + tt * c4, c4, WG_TILES * c4);
    }
    /* 16 GEMMs: M[xi][t][k] = V[xi][t][:] . U[xi][:][k]. */
    gemm_planes(V, U, M, 16, WG_TILES, nt, c, c4, kblocks);
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
void winograd_filter_grad(const int32_t* j, int tid) {
  const int n_ = j[J_N], c = j[J_C], k = j[J_K], oh = j[J_OH], ow = j[J_OW];
  const int th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = n_ * th * tw, units = (tiles + WGF_TILES - 1) / WGF_TILES;
  const int c4 = round_up(c, 4), k8 = round_up(k, 8), kblocks = k8 / 8;
  int32_t* rows = (int32_t*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  float* X = (float*)(rows + 16);
  float* D = X + 16 * WGF_TILES * c4;
  cfp dy = (cfp)j[J_WP];
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
      patch_rows(j, rows, 4, 2, n, ty, tx);
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
    /* P[xi] += X[xi]^T D[xi]. */
    gemm_planes_transposed(X, D, part, 16, WGF_TILES, nt, c4, kblocks);
  }
  }
}

/*
 * Winograd filter U = G g G^T for every (c, k), G = [1 0 0; 1/2 1/2 1/2;
 * 1/2 -1/2 1/2; 0 0 1], packed [16][K/8][C][8] (zero past K). With
 * `transposed`, g is the input-gradient filter: w flipped in both axes with
 * C and K swapped (then "c" counts w's K and "k" w's C).
 */
static void pack_winograd_range(cfp w, float* out, int c, int k, int transposed, int ci0, int ci1, float* u) {
  const int kblocks = (k + 7) / 8;
  for (int ci = ci0; ci < ci1; ci++)
    for (int xi = 0; xi < 16 * kblocks; xi++)
      for (int q = 0; q < 8; q++) out[(xi * c + ci) * 8 + q] = 0.f;
  for (int ci = ci0; ci < ci1; ci++)
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
      u[0] = t00; u[1] = (t00 + t01 + t02) * 0.5f; u[2] = (t00 - t01 + t02) * 0.5f; u[3] = t02;
      u[4] = t10; u[5] = (t10 + t11 + t12) * 0.5f; u[6] = (t10 - t11 + t12) * 0.5f; u[7] = t12;
      u[8] = t20; u[9] = (t20 + t21 + t22) * 0.5f; u[10] = (t20 - t21 + t22) * 0.5f; u[11] = t22;
      u[12] = t30; u[13] = (t30 + t31 + t32) * 0.5f; u[14] = (t30 - t31 + t32) * 0.5f; u[15] = t32;
      for (int xi = 0; xi < 16; xi++) out[((xi * kblocks + ki / 8) * c + ci) * 8 + ki % 8] = u[xi];
    }
}

void EXPORT(pack_filter_winograd)(cfp w, float* out, int c, int k, int transposed) {
  float u[16];
  pack_winograd_range(w, out, c, k, transposed, 0, c, u);
}

/*
 * Maps the (summed) Winograd filter-gradient part P [16][C4][K8] back:
 * dW[a][b][c][k] = (G^T P G)[a][b], G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1].
 */
static void unpack_winograd_range(cfp part, int c, int k, float* out, int ci0, int ci1) {
  const int c4 = round_up(c, 4), k8 = round_up(k, 8);
  for (int ci = ci0; ci < ci1; ci++)
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

void EXPORT(unpack_winograd_filter_grad)(cfp part, int c, int k, float* out) { unpack_winograd_range(part, c, k, out, 0, c); }

/* ---- F(4x4, 3x3) and its transpose F(3x3, 4x4): 6x6 patches, 36 points. ---- */

/*
 * B^T d for 6 vectors (one patch column or row), B^T =
 * [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
 * Reads in[i * is], writes out[i * os] (vectors, in floats).
 */
static inline void bt6(cfp in, int is, float* out, int os) {
  const v128_t d0 = wasm_v128_load(in), d1 = wasm_v128_load(in + is), d2 = wasm_v128_load(in + 2 * is);
  const v128_t d3 = wasm_v128_load(in + 3 * is), d4 = wasm_v128_load(in + 4 * is), d5 = wasm_v128_load(in + 5 * is);
  const v128_t four = wasm_f32x4_splat(4.f), five = wasm_f32x4_splat(5.f), two = wasm_f32x4_splat(2.f);
  const v128_t a = wasm_f32x4_sub(d4, wasm_f32x4_mul(four, d2)), b = wasm_f32x4_sub(d3, wasm_f32x4_mul(four, d1));
  const v128_t c = wasm_f32x4_sub(d4, d2), e = wasm_f32x4_mul(two, wasm_f32x4_sub(d3, d1));
  wasm_v128_store(out, wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d0), wasm_f32x4_mul(five, d2)), d4));
  wasm_v128_store(out + os, wasm_f32x4_add(a, b));
  wasm_v128_store(out + 2 * os, wasm_f32x4_sub(a, b));
  wasm_v128_store(out + 3 * os, wasm_f32x4_add(c, e));
  wasm_v128_store(out + 4 * os, wasm_f32x4_sub(c, e));
  wasm_v128_store(out + 5 * os, wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d1), wasm_f32x4_mul(five, d3)), d5));
}

/*
 * Input transform of one 6x6 patch (36 row addresses) into the 36 planes,
 * 4 channels at a time: columns first into `tmp` (42 vectors of scratch),
 * then rows into out[xi * plane + cc].
 */
static inline void input_transform6(const int32_t* rows, float* out, int c4, int plane, float* tmp) {
  float* col = tmp;       /* 6 vectors: one patch column */
  float* q = tmp + 6 * 4; /* 36 vectors: q[a'][b] = (B^T d)[a'][b] at (a' * 6 + b) * 4 */
  for (int cc = 0; cc < c4; cc += 4) {
    for (int b = 0; b < 6; b++) {
      for (int a = 0; a < 6; a++) wasm_v128_store(col + a * 4, wasm_v128_load((cfp)rows[a * 6 + b] + cc));
      bt6(col, 4, q + b * 4, 6 * 4);
    }
    for (int a = 0; a < 6; a++) bt6(q + a * 6 * 4, 4, out + (a * 6) * plane + cc, plane);
  }
}

/* A^T m for 6 vectors in[i * is] -> 4 vectors out[i * os], A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]. */
static inline void at6(cfp in, int is, float* out, int os) {
  const v128_t m0 = wasm_v128_load(in), m1 = wasm_v128_load(in + is), m2 = wasm_v128_load(in + 2 * is);
  const v128_t m3 = wasm_v128_load(in + 3 * is), m4 = wasm_v128_load(in + 4 * is), m5 = wasm_v128_load(in + 5 * is);
  const v128_t s12 = wasm_f32x4_add(m1, m2), d12 = wasm_f32x4_sub(m1, m2), s34 = wasm_f32x4_add(m3, m4), d34 = wasm_f32x4_sub(m3, m4);
  wasm_v128_store(out, wasm_f32x4_add(wasm_f32x4_add(m0, s12), s34));
  wasm_v128_store(out + os, wasm_f32x4_add(d12, wasm_f32x4_mul(wasm_f32x4_splat(2.f), d34)));
  wasm_v128_store(out + 2 * os, wasm_f32x4_add(s12, wasm_f32x4_mul(wasm_f32x4_splat(4.f), s34)));
  wasm_v128_store(out + 3 * os, wasm_f32x4_add(wasm_f32x4_add(d12, wasm_f32x4_mul(wasm_f32x4_splat(8.f), d34)), m5));
}

/*
 * 3x3 convolution, stride 1, no dilation, any padding, by F(4x4, 3x3): per
 * unit of WG4_TILES 4x4 output tiles, V = B^T d B (36 planes), M = V U
 * (36 GEMMs), y = act(A^T M A + bias). U is packed by pack_filter_winograd4
 * as [36][K/8][C][8]. Scratch: 36 row addresses, 72 vectors, V, M.
 */
void winograd4(const int32_t* j, int tid) {
  const int n_ = j[J_N], c = j[J_C], k = j[J_K], oh = j[J_OH], ow = j[J_OW], act = j[J_ACT];
  const int th = (oh + 3) / 4, tw = (ow + 3) / 4, tiles = n_ * th * tw, units = (tiles + WG4_TILES - 1) / WG4_TILES;
  const int c4 = round_up(c, 4), kblocks = (k + 7) / 8, k8 = kblocks * 8;
  int32_t* rows = (int32_t*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  float* tmp = (float*)(rows + 64); /* 64 addresses (36 used), then 72 vectors */
  float* V = tmp + 72 * 4;
  float* M = V + 36 * WG4_TILES * c4;
  cfp U = (cfp)j[J_WP], bias = (cfp)j[J_BIAS];
  float* y = (float*)j[J_Y];
  const v128_t vzero = wasm_f32x4_splat(0.f);
  for (int u = next_unit(j, units); u >= 0; u = next_unit(j, units)) {
    const int t0 = u * WG4_TILES, nt = imin(WG4_TILES, tiles - t0);
    for (int tt = 0; tt < nt; tt++) {
      const int t = t0 + tt, n = t / (th * tw), r = t % (th * tw);
      patch_rows(j, rows, 6, 4, n, r / tw, r % tw);
      input_transform6(rows, V + tt * c4, c4, WG4_TILES * c4, tmp);
    }
    gemm_planes(V, U, M, 36, WG4_TILES, nt, c, c4, kblocks);
    for (int tt = 0; tt < nt; tt++) {
      const int t = t0 + tt, n = t / (th * tw), r = t % (th * tw), oy = (r / tw) * 4, ox = (r % tw) * 4;
      const int rows_out = imin(4, oh - oy), cols_out = imin(4, ow - ox);
      for (int kk = 0; kk < k8; kk += 4) {
        cfp mi = M + tt * k8 + kk;
        const int plane = WG4_TILES * k8;
        /* Columns: (A^T m) for each of the 6 columns into tmp[(a'*6 + b)*4], then rows into tmp[36*4 + (a'*4 + b')*4]. */
        for (int b = 0; b < 6; b++) at6(mi + b * plane, 6 * plane, tmp + b * 4, 6 * 4);
        for (int a = 0; a < 4; a++) at6(tmp + a * 6 * 4, 4, tmp + (36 + a * 4) * 4, 4);
        const v128_t bv = bias ? wasm_v128_load(bias + kk) : vzero;
        const int lanes = imin(4, k - kk);
        for (int a = 0; a < rows_out; a++)
          for (int b = 0; b < cols_out; b++) {
            v128_t v = wasm_f32x4_add(wasm_v128_load(tmp + (36 + a * 4 + b) * 4), bv);
            if (act == 1) v = wasm_f32x4_max(v, vzero);
            float* o = y + ((n * oh + oy + a) * ow + ox + b) * k + kk;
            if (lanes == 4) wasm_v128_store(o, v);
            else {
              /* Channel tail: through memory, lane by lane. */
              float* lane = tmp + 68 * 4;
              wasm_v128_store(lane, v);
              for (int q = 0; q < lanes; q++) o[q] = lane[q];
            }
          }
      }
    }
  }
}

/*
 * Filter gradient of a 3x3, stride-1 convolution by F(3x3, 4x4), the
 * transpose of F(4x4, 3x3): 6x6 patches of x through B^T . B, 4x4 tiles of
 * dy through A . A^T (A = [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8; 1 -2 4 -8;
 * 0 0 0 1]), P[xi] = sum over tiles of X[xi]^T D[xi] per block (zeroed here),
 * dW = G^T P G (unpack_winograd4_filter_grad).
 */
void winograd4_filter_grad(const int32_t* j, int tid) {
  const int n_ = j[J_N], c = j[J_C], k = j[J_K], oh = j[J_OH], ow = j[J_OW];
  const int th = (oh + 3) / 4, tw = (ow + 3) / 4, tiles = n_ * th * tw, units = (tiles + WG4F_TILES - 1) / WG4F_TILES;
  const int c4 = round_up(c, 4), k8 = round_up(k, 8), kblocks = k8 / 8;
  int32_t* rows = (int32_t*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  float* tmp = (float*)(rows + 64); /* 64 addresses (36 used), then 72 vectors */
  float* X = tmp + 72 * 4;
  float* D = X + 36 * WG4F_TILES * c4;
  cfp dy = (cfp)j[J_WP];
  const int32_t zero = j[J_ZERO];
  const int blocks = j[J_BLOCKS];
  for (int blk = next_unit(j, blocks); blk >= 0; blk = next_unit(j, blocks)) {
    float* part = (float*)j[J_Y] + blk * 36 * c4 * k8;
    for (int i = 0; i < 36 * c4 * k8; i += 4) wasm_v128_store(part + i, wasm_f32x4_splat(0.f));
    int u_lo, u_hi;
    block_range(blk, blocks, units, &u_lo, &u_hi);
    for (int u = u_lo; u < u_hi; u++) {
      const int t0 = u * WG4F_TILES, nt = imin(WG4F_TILES, tiles - t0);
      for (int tt = 0; tt < nt; tt++) {
        const int t = t0 + tt, n = t / (th * tw), r = t % (th * tw), ty = r / tw, tx = r % tw;
        patch_rows(j, rows, 6, 4, n, ty, tx);
        input_transform6(rows, X + tt * c4, c4, WG4F_TILES * c4, tmp);
        /* dy tile 4x4 (zero past the edge): its addresses in rows[0..15], free again after the input transform. */
        const int oy = ty * 4, ox = tx * 4;
        for (int a = 0; a < 4; a++)
          for (int b = 0; b < 4; b++)
            rows[a * 4 + b] = (oy + a < oh && ox + b < ow) ? (int32_t)(dy + ((n * oh + oy + a) * ow + ox + b) * k) : zero;
        const int plane = WG4F_TILES * k8;
        for (int kk = 0; kk < k8; kk += 4) {
          /* Columns: A e for each of the 4 columns (e[a][b], a = 0..3) into tmp[(a'*4 + b)*4], a' = 0..5. */
          for (int b = 0; b < 4; b++) {
            const v128_t e0 = wasm_v128_load((cfp)rows[b] + kk), e1 = wasm_v128_load((cfp)rows[4 + b] + kk);
            const v128_t e2 = wasm_v128_load((cfp)rows[8 + b] + kk), e3 = wasm_v128_load((cfp)rows[12 + b] + kk);
            const v128_t p = wasm_f32x4_add(e0, e2), q = wasm_f32x4_add(e1, e3);
            const v128_t p4 = wasm_f32x4_add(e0, wasm_f32x4_mul(wasm_f32x4_splat(4.f), e2));
            const v128_t q4 = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(2.f), e1), wasm_f32x4_mul(wasm_f32x4_splat(8.f), e3));
            wasm_v128_store(tmp + (0 * 4 + b) * 4, e0);
            wasm_v128_store(tmp + (1 * 4 + b) * 4, wasm_f32x4_add(p, q));
            wasm_v128_store(tmp + (2 * 4 + b) * 4, wasm_f32x4_sub(p, q));
            wasm_v128_store(tmp + (3 * 4 + b) * 4, wasm_f32x4_add(p4, q4));
            wasm_v128_store(tmp + (4 * 4 + b) * 4, wasm_f32x4_sub(p4, q4));
            wasm_v128_store(tmp + (5 * 4 + b) * 4, e3);
          }
          /* Rows: A applied along each of the 6 rows, into D[(a'*6 + b')][tt][kk]. */
          float* dout = D + tt * k8 + kk;
          for (int a = 0; a < 6; a++) {
            const v128_t e0 = wasm_v128_load(tmp + (a * 4 + 0) * 4), e1 = wasm_v128_load(tmp + (a * 4 + 1) * 4);
            const v128_t e2 = wasm_v128_load(tmp + (a * 4 + 2) * 4), e3 = wasm_v128_load(tmp + (a * 4 + 3) * 4);
            const v128_t p = wasm_f32x4_add(e0, e2), q = wasm_f32x4_add(e1, e3);
            const v128_t p4 = wasm_f32x4_add(e0, wasm_f32x4_mul(wasm_f32x4_splat(4.f), e2));
            const v128_t q4 = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(2.f), e1), wasm_f32x4_mul(wasm_f32x4_splat(8.f), e3));
            wasm_v128_store(dout + (a * 6 + 0) * plane, e0);
            wasm_v128_store(dout + (a * 6 + 1) * plane, wasm_f32x4_add(p, q));
            wasm_v128_store(dout + (a * 6 + 2) * plane, wasm_f32x4_sub(p, q));
            wasm_v128_store(dout + (a * 6 + 3) * plane, wasm_f32x4_add(p4, q4));
            wasm_v128_store(dout + (a * 6 + 4) * plane, wasm_f32x4_sub(p4, q4));
            wasm_v128_store(dout + (a * 6 + 5) * plane, e3);
          }
        }
      }
      gemm_planes_transposed(X, D, part, 36, WG4F_TILES, nt, c4, kblocks);
    }
  }
}

/*
 * F(4x4, 3x3) filter U = G g G^T, G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
 * 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1], packed [36][K/8][C][8] (zero past K).
 * `transposed` as for pack_filter_winograd.
 */
static void pack_winograd4_range(cfp w, float* out, int c, int k, int transposed, int ci0, int ci1, float* tmp) {
  const int kblocks = (k + 7) / 8;
  float *g = tmp, *t = tmp + 9, *u = tmp + 27;
  for (int ci = ci0; ci < ci1; ci++)
    for (int xi = 0; xi < 36 * kblocks; xi++)
      for (int q = 0; q < 8; q++) out[(xi * c + ci) * 8 + q] = 0.f;
  for (int ci = ci0; ci < ci1; ci++)
    for (int ki = 0; ki < k; ki++) {
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
          g[a * 3 + b] = transposed ? w[((2 - a) * 3 + (2 - b)) * c * k + ki * c + ci] : w[(a * 3 + b) * c * k + ci * k + ki];
      /* t = G g (6x3), then U = t G^T (6x6). */
      for (int b = 0; b < 3; b++) {
        const float g0 = g[b], g1 = g[3 + b], g2 = g[6 + b];
        t[0 * 3 + b] = g0 / 4.f;
        t[1 * 3 + b] = -(g0 + g1 + g2) / 6.f;
        t[2 * 3 + b] = -(g0 - g1 + g2) / 6.f;
        t[3 * 3 + b] = g0 / 24.f + g1 / 12.f + g2 / 6.f;
        t[4 * 3 + b] = g0 / 24.f - g1 / 12.f + g2 / 6.f;
        t[5 * 3 + b] = g2;
      }
      for (int a = 0; a < 6; a++) {
        const float g0 = t[a * 3], g1 = t[a * 3 + 1], g2 = t[a * 3 + 2];
        u[0] = g0 / 4.f; u[1] = -(g0 + g1 + g2) / 6.f; u[2] = -(g0 - g1 + g2) / 6.f;
        u[3] = g0 / 24.f + g1 / 12.f + g2 / 6.f; u[4] = g0 / 24.f - g1 / 12.f + g2 / 6.f; u[5] = g2;
        for (int b = 0; b < 6; b++) out[(((a * 6 + b) * kblocks + ki / 8) * c + ci) * 8 + ki % 8] = u[b];
      }
    }
}

void EXPORT(pack_filter_winograd4)(cfp w, float* out, int c, int k, int transposed) {
  float tmp[WG_TRANSFORM_FLOATS];
  pack_winograd4_range(w, out, c, k, transposed, 0, c, tmp);
}

/*
 * Maps the (summed) F(3x3, 4x4) filter-gradient part P [36][C4][K8] back:
 * dW = G^T P G, G^T = [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0;
 * 0 -1/6 -1/6 1/6 1/6 1].
 */
static void unpack_winograd4_range(cfp part, int c, int k, float* out, int ci0, int ci1, float* tmp) {
  const int c4 = round_up(c, 4), k8 = round_up(k, 8);
  float *t = tmp, *p = tmp + 18;
  for (int ci = ci0; ci < ci1; ci++)
    for (int ki = 0; ki < k; ki++) {
      /* t = G^T P (3x6): along the first index. */
      for (int b = 0; b < 6; b++) {
        for (int a = 0; a < 6; a++) p[a] = part[((a * 6 + b) * c4 + ci) * k8 + ki];
        t[0 * 6 + b] = p[0] / 4.f - (p[1] + p[2]) / 6.f + (p[3] + p[4]) / 24.f;
        t[1 * 6 + b] = -(p[1] - p[2]) / 6.f + (p[3] - p[4]) / 12.f;
        t[2 * 6 + b] = -(p[1] + p[2]) / 6.f + (p[3] + p[4]) / 6.f + p[5];
      }
      for (int a = 0; a < 3; a++) {
        const float* r = t + a * 6;
        out[(a * 3 + 0) * c * k + ci * k + ki] = r[0] / 4.f - (r[1] + r[2]) / 6.f + (r[3] + r[4]) / 24.f;
        out[(a * 3 + 1) * c * k + ci * k + ki] = -(r[1] - r[2]) / 6.f + (r[3] - r[4]) / 12.f;
        out[(a * 3 + 2) * c * k + ci * k + ki] = -(r[1] + r[2]) / 6.f + (r[3] + r[4]) / 6.f + r[5];
      }
    }
}

void EXPORT(unpack_winograd4_filter_grad)(cfp part, int c, int k, float* out) {
  float tmp[WG_TRANSFORM_FLOATS];
  unpack_winograd4_range(part, c, k, out, 0, c, tmp);
}

/*
 * The filter transforms above as jobs, on every thread: work units are
 * FILTER_CI_UNIT input channels each; every (c, k) is computed alone, as in
 * the single-thread exports, so the bits are the same whoever computes it.
 * Temporaries live in the thread's scratch (run() may not use the stack).
 * J_X: the source, J_Y: the output, J_C / J_K: c and k as the exports take
 * them, J_ACT: transposed (packing).
 */
void filter_transform(const int32_t* j, int tid) {
  const int c = j[J_C], k = j[J_K], units = (c + FILTER_CI_UNIT - 1) / FILTER_CI_UNIT;
  float* tmp = (float*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  cfp src = (cfp)j[J_X];
  float* out = (float*)j[J_Y];
  for (int u = next_unit(j, units); u >= 0; u = next_unit(j, units)) {
    const int ci0 = u * FILTER_CI_UNIT, ci1 = imin(ci0 + FILTER_CI_UNIT, c);
    switch (j[J_OP]) {
      case OP_PACK_WINOGRAD: pack_winograd_range(src, out, c, k, j[J_ACT], ci0, ci1, tmp); break;
      case OP_PACK_WINOGRAD4: pack_winograd4_range(src, out, c, k, j[J_ACT], ci0, ci1, tmp); break;
      case OP_UNPACK_WINOGRAD: unpack_winograd_range(src, c, k, out, ci0, ci1); break;
      case OP_UNPACK_WINOGRAD4: unpack_winograd4_range(src, c, k, out, ci0, ci1, tmp); break;
      default: break;
    }
  }
}
