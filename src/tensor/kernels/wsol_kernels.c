/*
 * wsol-run's training kernels for tfjs's wasm backend: convolution forward,
 * input gradient and filter gradient, the max-pool gradient and column sums,
 * in WebAssembly SIMD128 (the JS side: src/tensor/kernels/module.ts and
 * src/tensor/backends/wasm-fast-kernels.ts).
 *
 * Layout is tfjs's: activations NHWC, filters [KH][KW][C][K]. Every kernel is
 * a GEMM whose inner tile is 4 rows x 8 columns (8 accumulators: more spill
 * on V8's 16 xmm registers, measured 35 vs 28 GFLOP/s for 6x8), reading its
 * rows through pointers ("indirect" GEMM): padding, strides, dilations and the
 * zero holes of a transposed convolution cost no copies, only a pointer to a
 * row of zeros.
 *
 * Threads: the module runs in several threads on one shared memory; run()
 * gets this thread's index and takes work units until none is left. The
 * module keeps no state and has no data segment; what run() calls uses no
 * stack (no address-taken locals or arrays: each thread's scratch is passed
 * in), so instances in different threads need nothing else. The filter
 * packing and unpacking functions (which may use the stack, shared by all
 * instances) run only in the calling thread, between jobs.
 *
 * Sources: this file (direct kernels, max-pool gradient, sums, packing),
 * winograd.c (Winograd kernels), batch_norm.c (batch norm in training),
 * kernels_common.h (job layout, helpers).
 */
#include "kernels_common.h"

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
  /*
   * Windows that do not overlap (stride = window, e.g. 2x2/2) each own their
   * pixels: the gradient is written once (g or 0), without zeroing dx first
   * and adding, unless some pixels lie in no window (then zero the image).
   */
  const int disjoint = sh == fh && sw == fw;
  const int covered = disjoint && (oh - 1) * sh - pt + fh >= h && (ow - 1) * sw - pl + fw >= w;
  for (int n = next_unit(j, j[J_N]); n >= 0; n = next_unit(j, j[J_N])) {
    if (!covered) {
      float* img = dx + n * h * w * c;
      int i = 0;
      for (; i + 4 <= h * w * c; i += 4) wasm_v128_store(img + i, wasm_f32x4_splat(0.f));
      for (; i < h * w * c; i++) img[i] = 0.f;
    }
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
              const v128_t mine = wasm_v128_and(gv, wasm_i32x4_eq(at, wasm_i32x4_splat(pos)));
              wasm_v128_store(d, disjoint ? mine : wasm_f32x4_add(wasm_v128_load(d), mine));
            }
        }
        for (int ch = c4; ch < c; ch++) {
          float best = x[base + ch];
          int at = base + ch;
          for (int i = i0; i < i1; i++)
            for (int jj = j0; jj < j1; jj++) {
              const int idx = ((n * h + i) * w + jj) * c + ch;
              if (x[idx] > best) { best = x[idx]; at = idx; }
              if (disjoint) dx[idx] = 0.f;
            }
          dx[at] += g[ch];
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

/* sum_blocks as a job: each unit adds SUM_RANGE floats of every part into part 0, in block order (the bits of sum_blocks). */
static void sum_blocks_job(const int32_t* j) {
  float* parts = (float*)j[J_Y];
  const int blocks = j[J_BLOCKS], floats = j[J_N], units = (floats + SUM_RANGE - 1) / SUM_RANGE;
  for (int u = next_unit(j, units); u >= 0; u = next_unit(j, units)) {
    const int lo = u * SUM_RANGE, hi = imin(lo + SUM_RANGE, floats);
    for (int b = 1; b < blocks; b++) {
      cfp src = parts + b * floats;
      for (int i = lo; i < hi; i += 4) wasm_v128_store(parts + i, wasm_f32x4_add(wasm_v128_load(parts + i), wasm_v128_load(src + i)));
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
    case OP_WINOGRAD4: winograd4(job, tid); break;
    case OP_WINOGRAD4_FILTER_GRAD: winograd4_filter_grad(job, tid); break;
    case OP_CENTERED_SQUARES: centered_squares(job); break;
    case OP_CHANNEL_AFFINE: channel_affine(job); break;
    case OP_BN_GRAD_SUMS: bn_grad_sums(job); break;
    case OP_BN_GRAD_APPLY: bn_grad_apply(job); break;
    case OP_MATMUL: matmul(job, tid); break;
    case OP_SUM_BLOCKS: sum_blocks_job(job); break;
    case OP_PACK_WINOGRAD:
    case OP_PACK_WINOGRAD4:
    case OP_UNPACK_WINOGRAD:
    case OP_UNPACK_WINOGRAD4: filter_transform(job, tid); break;
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

