/*
 * Matrix products for tfjs's BatchMatMul where tfjs's wasm backend does not
 * call XNNPACK (a transposed operand, or a batch above 1: the gradients of
 * every dense layer), with tfjs's exact bits.
 *
 * tfjs computes those outputs one at a time: over k in blocks of 48, each
 * block's products added in k order into a partial that starts at 0, each
 * partial added to the output (which starts at 0), then 0 added (its absent
 * bias). This kernel does the same operations in the same order, four
 * outputs of a row per SIMD lane group, so a product or a sum is never fused
 * or reassociated (no MADD here, also in the fma build): swapping it in
 * changes the speed of a training, not one bit of its results.
 *
 * Layout: A is read through strides (rows J_SH, k J_SW, batch J_KH floats),
 * so either orientation is read in place; B is packed by pack_matmul_b in
 * panels of 8 columns, [batch][N8/8][K][8], zero past N. Work units are a
 * batch item's chunk of MM_ROWS rows; within one, each 8-column panel stays
 * in cache while the chunk's 4-row tiles go by.
 */
#include "kernels_common.h"

void matmul(const int32_t* j, int tid) {
  const int batch = j[J_N], m = j[J_H], n = j[J_W], kk = j[J_C];
  const int sa_row = j[J_SH], sa_k = j[J_SW], sa_batch = j[J_KH], block = j[J_KW];
  const int n8 = round_up(n, 8), panels = n8 / 8, chunks = (m + MM_ROWS - 1) / MM_ROWS;
  float* tile = (float*)(j[J_SCRATCH] + tid * j[J_SCRATCH_BYTES]);
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int u = next_unit(j, batch * chunks); u >= 0; u = next_unit(j, batch * chunks)) {
    const int b = u / chunks, r0 = (u % chunks) * MM_ROWS, r1 = imin(r0 + MM_ROWS, m);
    cfp a = (cfp)j[J_X] + b * sa_batch;
    float* y = (float*)j[J_Y] + b * m * n;
    for (int p = 0; p < panels; p++) {
      cfp panel = (cfp)j[J_WP] + (b * panels + p) * kk * 8;
      for (int i0 = r0; i0 < r1; i0 += 4) {
        /* Rows past the last repeat it (their results are not stored). */
        cfp a0 = a + imin(i0, m - 1) * sa_row, a1 = a + imin(i0 + 1, m - 1) * sa_row;
        cfp a2 = a + imin(i0 + 2, m - 1) * sa_row, a3 = a + imin(i0 + 3, m - 1) * sa_row;
        v128_t o00 = zero, o01 = zero, o10 = zero, o11 = zero, o20 = zero, o21 = zero, o30 = zero, o31 = zero;
        for (int k0 = 0; k0 < kk; k0 += block) {
          const int k1 = imin(k0 + block, kk);
          v128_t s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero, s31 = zero;
          cfp bp = panel + k0 * 8;
          for (int k = k0; k < k1; k++, bp += 8) {
            const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
            const int at = k * sa_k;
            v128_t x = wasm_f32x4_splat(a0[at]);
            s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x, b0)); s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x, b1));
            x = wasm_f32x4_splat(a1[at]);
            s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x, b0)); s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x, b1));
            x = wasm_f32x4_splat(a2[at]);
            s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(x, b0)); s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(x, b1));
            x = wasm_f32x4_splat(a3[at]);
            s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(x, b0)); s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(x, b1));
          }
          /* (output + partial) + 0, as tfjs: the + 0 turns a -0 sum into +0. */
          o00 = wasm_f32x4_add(wasm_f32x4_add(o00, s00), zero); o01 = wasm_f32x4_add(wasm_f32x4_add(o01, s01), zero);
          o10 = wasm_f32x4_add(wasm_f32x4_add(o10, s10), zero); o11 = wasm_f32x4_add(wasm_f32x4_add(o11, s11), zero);
          o20 = wasm_f32x4_add(wasm_f32x4_add(o20, s20), zero); o21 = wasm_f32x4_add(wasm_f32x4_add(o21, s21), zero);
          o30 = wasm_f32x4_add(wasm_f32x4_add(o30, s30), zero); o31 = wasm_f32x4_add(wasm_f32x4_add(o31, s31), zero);
        }
        wasm_v128_store(tile, o00); wasm_v128_store(tile + 4, o01);
        wasm_v128_store(tile + 8, o10); wasm_v128_store(tile + 12, o11);
        wasm_v128_store(tile + 16, o20); wasm_v128_store(tile + 20, o21);
        wasm_v128_store(tile + 24, o30); wasm_v128_store(tile + 28, o31);
        const int rows = imin(4, m - i0), cols = imin(8, n - p * 8);
        for (int r = 0; r < rows; r++)
          for (int q = 0; q < cols; q++) y[(i0 + r) * n + p * 8 + q] = tile[r * 8 + q];
      }
    }
  }
}

/*
 * B(b, k, jj) = src[b * s_batch + k * s_k + jj * s_col] -> panels
 * [batch][N8/8][K][8], zero-padded past N (either orientation of B).
 */
void EXPORT(pack_matmul_b)(cfp src, float* out, int batch, int kk, int n, int s_k, int s_col, int s_batch) {
  const int panels = (n + 7) / 8;
  for (int b = 0; b < batch; b++)
    for (int p = 0; p < panels; p++)
      for (int k = 0; k < kk; k++)
        for (int q = 0; q < 8; q++) {
          const int col = p * 8 + q;
          *out++ = col < n ? src[b * s_batch + k * s_k + col * s_col] : 0.f;
        }
}
