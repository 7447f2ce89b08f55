/*
 * Batch normalisation in training: the jobs behind wsol-run's batch-norm
 * kernels (src/tensor/backends/wasm-batch-norm.ts). Activations are
 * [rows][K] (NHWC with N*H*W rows); per-channel coefficients come from the
 * caller at J_BIAS (layout: BN_* in kernels_common.h), computed there from
 * the batch moments, so each job is one pass over its inputs:
 *
 *   mean       column sums (OP_COLUMN_SUMS, wsol_kernels.c) / rows
 *   variance   centered_squares: per-block sums of (x - mean)^2
 *   forward    channel_affine: y = x * scale + shift, optionally ReLU'd
 *   backward   bn_grad_sums: per-block sums of g and g * (x - mean), where g
 *              is dy masked by the ReLU recomputed from x (no copy of y);
 *              bn_grad_apply: dx = DY * g + DX_X * (x - mean) + DX_C
 *
 * Reductions write one part per block (J_BLOCKS), never per thread, so the
 * results do not depend on the thread count.
 */
#include "kernels_common.h"

static inline cfp bn_vector(const int32_t* j, int which) { return (cfp)j[J_BIAS] + which * round_up(j[J_K], 4); }

/* The forward output before the ReLU; the gradient recomputes it with the same operations, so its mask matches the forward's. */
static inline v128_t bn_affine(v128_t x, v128_t scale, v128_t shift) { return wasm_f32x4_add(wasm_f32x4_mul(x, scale), shift); }
static inline float bn_affine1(float x, float scale, float shift) { return x * scale + shift; }

/* dy, or 0 where the ReLU after the batch norm was off (forward output <= 0). */
static inline v128_t bn_masked(v128_t dy, v128_t x, v128_t scale, v128_t shift, int relu) {
  return relu ? wasm_v128_and(dy, wasm_f32x4_gt(bn_affine(x, scale, shift), wasm_f32x4_splat(0.f))) : dy;
}
static inline float bn_masked1(float dy, float x, float scale, float shift, int relu) {
  return relu && !(bn_affine1(x, scale, shift) > 0.f) ? 0.f : dy;
}

/* Block b's part (K rounded up to 4 floats) at Y + b * K4: the sum of (x - mean)^2 over its rows. */
void centered_squares(const int32_t* j) {
  const int rows = j[J_N], k = j[J_K], k4 = k / 4 * 4, kr = round_up(k, 4), blocks = j[J_BLOCKS];
  cfp x = (cfp)j[J_X], mean = bn_vector(j, BN_MEAN);
  for (int b = next_unit(j, blocks); b >= 0; b = next_unit(j, blocks)) {
    float* part = (float*)j[J_Y] + b * kr;
    for (int i = 0; i < kr; i++) part[i] = 0.f;
    int r0, r1;
    block_range(b, blocks, rows, &r0, &r1);
    for (int r = r0; r < r1; r++) {
      cfp row = x + r * k;
      int q = 0;
      for (; q < k4; q += 4) {
        const v128_t d = wasm_f32x4_sub(wasm_v128_load(row + q), wasm_v128_load(mean + q));
        wasm_v128_store(part + q, MADD(d, d, wasm_v128_load(part + q)));
      }
      for (; q < k; q++) {
        const float d = row[q] - mean[q];
        part[q] += d * d;
      }
    }
  }
}

/* y = x * scale + shift per channel, ReLU'd when J_ACT; units of BN_ROWS rows. */
void channel_affine(const int32_t* j) {
  const int rows = j[J_N], k = j[J_K], k4 = k / 4 * 4, relu = j[J_ACT], units = (rows + BN_ROWS - 1) / BN_ROWS;
  cfp x = (cfp)j[J_X], scale = bn_vector(j, BN_SCALE), shift = bn_vector(j, BN_SHIFT);
  float* y = (float*)j[J_Y];
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int u = next_unit(j, units); u >= 0; u = next_unit(j, units)) {
    const int r1 = imin(rows, (u + 1) * BN_ROWS);
    for (int r = u * BN_ROWS; r < r1; r++) {
      cfp row = x + r * k;
      float* out = y + r * k;
      int q = 0;
      for (; q < k4; q += 4) {
        v128_t v = bn_affine(wasm_v128_load(row + q), wasm_v128_load(scale + q), wasm_v128_load(shift + q));
        if (relu) v = wasm_f32x4_pmax(zero, v);
        wasm_v128_store(out + q, v);
      }
      for (; q < k; q++) {
        const float v = bn_affine1(row[q], scale[q], shift[q]);
        out[q] = relu && !(v > 0.f) ? 0.f : v;
      }
    }
  }
}

/* Block b's parts at Y + b * 2 * K4: the sums of g, then of g * (x - mean), over its rows (x at J_X, dy at J_WP). */
void bn_grad_sums(const int32_t* j) {
  const int rows = j[J_N], k = j[J_K], k4 = k / 4 * 4, kr = round_up(k, 4), blocks = j[J_BLOCKS], relu = j[J_ACT];
  cfp x = (cfp)j[J_X], dy = (cfp)j[J_WP];
  cfp mean = bn_vector(j, BN_MEAN), scale = bn_vector(j, BN_SCALE), shift = bn_vector(j, BN_SHIFT);
  for (int b = next_unit(j, blocks); b >= 0; b = next_unit(j, blocks)) {
    float* sum_g = (float*)j[J_Y] + b * 2 * kr;
    float* sum_gx = sum_g + kr;
    for (int i = 0; i < 2 * kr; i++) sum_g[i] = 0.f;
    int r0, r1;
    block_range(b, blocks, rows, &r0, &r1);
    for (int r = r0; r < r1; r++) {
      cfp xr = x + r * k, dr = dy + r * k;
      int q = 0;
      for (; q < k4; q += 4) {
        const v128_t xv = wasm_v128_load(xr + q);
        const v128_t g = bn_masked(wasm_v128_load(dr + q), xv, wasm_v128_load(scale + q), wasm_v128_load(shift + q), relu);
        wasm_v128_store(sum_g + q, wasm_f32x4_add(wasm_v128_load(sum_g + q), g));
        wasm_v128_store(sum_gx + q, MADD(g, wasm_f32x4_sub(xv, wasm_v128_load(mean + q)), wasm_v128_load(sum_gx + q)));
      }
      for (; q < k; q++) {
        const float g = bn_masked1(dr[q], xr[q], scale[q], shift[q], relu);
        sum_g[q] += g;
        sum_gx[q] += g * (xr[q] - mean[q]);
      }
    }
  }
}

/* dx = DY * g + DX_X * (x - mean) + DX_C per channel (x at J_X, dy at J_WP); units of BN_ROWS rows. */
void bn_grad_apply(const int32_t* j) {
  const int rows = j[J_N], k = j[J_K], k4 = k / 4 * 4, relu = j[J_ACT], units = (rows + BN_ROWS - 1) / BN_ROWS;
  cfp x = (cfp)j[J_X], dy = (cfp)j[J_WP];
  cfp mean = bn_vector(j, BN_MEAN), scale = bn_vector(j, BN_SCALE), shift = bn_vector(j, BN_SHIFT);
  cfp p = bn_vector(j, BN_DY), qx = bn_vector(j, BN_DX_X), c0 = bn_vector(j, BN_DX_C);
  float* dx = (float*)j[J_Y];
  for (int u = next_unit(j, units); u >= 0; u = next_unit(j, units)) {
    const int r1 = imin(rows, (u + 1) * BN_ROWS);
    for (int r = u * BN_ROWS; r < r1; r++) {
      cfp xr = x + r * k, dr = dy + r * k;
      float* out = dx + r * k;
      int q = 0;
      for (; q < k4; q += 4) {
        const v128_t xv = wasm_v128_load(xr + q);
        const v128_t g = bn_masked(wasm_v128_load(dr + q), xv, wasm_v128_load(scale + q), wasm_v128_load(shift + q), relu);
        const v128_t v = MADD(wasm_v128_load(qx + q), wasm_f32x4_sub(xv, wasm_v128_load(mean + q)), MADD(wasm_v128_load(p + q), g, wasm_v128_load(c0 + q)));
        wasm_v128_store(out + q, v);
      }
      for (; q < k; q++) {
        const float g = bn_masked1(dr[q], xr[q], scale[q], shift[q], relu);
        out[q] = qx[q] * (xr[q] - mean[q]) + (p[q] * g + c0[q]);
      }
    }
  }
}
