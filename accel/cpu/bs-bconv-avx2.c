/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-bconv-avx2.c: binary conv/FC with AVX2.
 *
 * The window GEMM of bs-bconv-avx512.c on 8-channel ymm lanes. AVX2 has no vector
 * popcount: each byte's count comes from two 16-entry table lookups (VPSHUFB on the
 * nibbles, Mula's method) and is summed in byte lanes for up to 31 words (31 · 8 <
 * 256), then widened to 32 bits (VPMADDUBSW, VPMADDWD with ones). A block is 4 pixels
 * × 16 channels (8 byte accumulators), repeated for each chunk of the group.
 */
#include "bs-cpu-avx2.h"
#include "bs-cpu-conv.h"

#define P 4

static BS_AVX2_INLINE __m256i
popcount_bytes (__m256i v, __m256i lut, __m256i low)
{
  __m256i lo = _mm256_and_si256 (v, low);
  __m256i hi = _mm256_and_si256 (_mm256_srli_epi16 (v, 4), low);

  return _mm256_add_epi8 (_mm256_shuffle_epi8 (lut, lo), _mm256_shuffle_epi8 (lut, hi));
}

static BS_AVX2_INLINE __m256i
widen_bytes (__m256i b)
{
  return _mm256_madd_epi16 (_mm256_maddubs_epi16 (b, _mm256_set1_epi8 (1)), _mm256_set1_epi16 (1));
}

/* The popcounts of one chunk (16 channels from o) for the P pixels at off: p[i][h]
 * gets pixel i's channels 8h..8h+7. The byte counters stay in registers and are
 * widened into p every 31 words and at the end. Always inlined, with constant
 * indices into p after unrolling: p stays in registers. short_window (a constant):
 * the window has at most 31 words, so p is only written at the end and is not live
 * in the loop (eight more ymm live there made the byte counters spill). */
static BS_AVX2_INLINE void
accumulate_t (const BsCpuBconvPacked *pk, const uint8_t *const *rows, const gsize *off,
              int32_t o, __m256i p[P][2], const gboolean short_window)
{
  const __m256i lut = _mm256_setr_epi8 (0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8 (0x0f);
  const uint32_t seg_mask = pk->seg_mask;
  const int32_t kds = pk->kds, cpad = pk->cpad;
  /* A masked last word (its bytes past the segment are the next pixel's) is peeled
   * off the loop and masked in a general register: a mask and an all-ones vector
   * live in the loop would take two of the 16 ymm registers and make the eight byte
   * counters spill. */
  const int32_t unmasked = seg_mask != ~0u ? kds - 1 : kds;
  const uint32_t *w = pk->w + o;
  __m256i b00 = _mm256_setzero_si256 (), b01 = b00, b10 = b00, b11 = b00;
  __m256i b20 = b00, b21 = b00, b30 = b00, b31 = b00;
  int count = 0;

#pragma GCC unroll 4
  for (int i = 0; i < P; i++)
    p[i][0] = p[i][1] = _mm256_setzero_si256 ();
#define FLUSH(i, b0, b1)                                   \
  p[i][0] = _mm256_add_epi32 (p[i][0], widen_bytes (b0));  \
  p[i][1] = _mm256_add_epi32 (p[i][1], widen_bytes (b1));  \
  b0 = b1 = _mm256_setzero_si256 ();
#define STEP(xi, m, b0, b1)                                                              \
  x = _mm256_set1_epi32 ((int) (bs_conv_load32 (xi + 4 * k) & (m)));                    \
  b0 = _mm256_add_epi8 (b0, popcount_bytes (_mm256_xor_si256 (x, w0), lut, low));        \
  b1 = _mm256_add_epi8 (b1, popcount_bytes (_mm256_xor_si256 (x, w1), lut, low));
#define WORD(m)                                                                          \
  {                                                                                      \
    __m256i w0 = _mm256_load_si256 ((const __m256i *) w);                                \
    __m256i w1 = _mm256_load_si256 ((const __m256i *) (w + 8));                          \
    __m256i x;                                                                           \
                                                                                         \
    STEP (x0, m, b00, b01)                                                               \
    STEP (x1, m, b10, b11)                                                               \
    STEP (x2, m, b20, b21)                                                               \
    STEP (x3, m, b30, b31)                                                               \
    /* Byte counts reach 8 per word: flush before 256. */                                \
    if (!short_window && G_UNLIKELY (++count == 31))                                     \
      {                                                                                  \
        FLUSH (0, b00, b01)                                                              \
        FLUSH (1, b10, b11)                                                              \
        FLUSH (2, b20, b21)                                                              \
        FLUSH (3, b30, b31)                                                              \
        count = 0;                                                                       \
      }                                                                                  \
  }
  for (int32_t dy = 0; dy < pk->n_seg; dy++)
    {
      const uint8_t *x0 = rows[dy] + off[0], *x1 = rows[dy] + off[1];
      const uint8_t *x2 = rows[dy] + off[2], *x3 = rows[dy] + off[3];
      int32_t k = 0;

      for (; k < unmasked; k++, w += cpad)
        WORD (~0u)
      if (k < kds)
        {
          WORD (seg_mask)
          w += cpad;
        }
    }
#undef WORD
#undef STEP
  FLUSH (0, b00, b01)
  FLUSH (1, b10, b11)
  FLUSH (2, b20, b21)
  FLUSH (3, b30, b31)
#undef FLUSH
}

static BS_AVX2_INLINE void
accumulate (const BsCpuBconvPacked *pk, const uint8_t *const *rows, const gsize *off,
            int32_t o, __m256i p[P][2])
{
  if (pk->n_seg * pk->kds <= 31)
    accumulate_t (pk, rows, off, o, p, TRUE);
  else
    accumulate_t (pk, rows, off, o, p, FALSE);
}

/* The popcount of 8 channels (o..o+7) less what the zeroed taps of a border window
 * added: all taps' weight popcounts less the valid rectangle's (a 2D prefix sum),
 * taps [dy0, dy1) × [dx0, dx1) valid. */
static BS_AVX2_INLINE __m256i
border_fix (const BsCpuBconvPacked *pk, int32_t o, __m256i p, int32_t dy0, int32_t dy1,
            int32_t dx0, int32_t dx1)
{
  const int32_t *r = pk->wrect + o;
  gsize k = pk->kernel, k1 = k + 1, cpad = pk->cpad;
  __m256i all = _mm256_load_si256 ((const __m256i *) (r + (k * k1 + k) * cpad));
  __m256i v11 = _mm256_load_si256 ((const __m256i *) (r + (dy1 * k1 + dx1) * cpad));
  __m256i v00 = _mm256_load_si256 ((const __m256i *) (r + (dy0 * k1 + dx0) * cpad));
  __m256i v01 = _mm256_load_si256 ((const __m256i *) (r + (dy0 * k1 + dx1) * cpad));
  __m256i v10 = _mm256_load_si256 ((const __m256i *) (r + (dy1 * k1 + dx0) * cpad));
  __m256i valid = _mm256_sub_epi32 (_mm256_add_epi32 (v11, v00), _mm256_add_epi32 (v01, v10));

  return _mm256_sub_epi32 (p, _mm256_sub_epi32 (all, valid));
}

/* A row in blocks of P pixels (px0 + x0 + i; x0 + i is the column: a 1x1 conv, which
 * may run several rows as one, has no border). Per chunk, the popcounts stay in
 * registers from the accumulation through the border correction to the transform
 * (8 channels at a time, their parameters loaded once for the block's pixels) or
 * the threshold compare. kind and the output type to are constants where row
 * specialises. */
static BS_AVX2_INLINE void
row_t (const BsCpuOpArgs *args, const BsCpuBconvPacked *pk, int32_t c, const uint8_t *const *rows,
       gsize pitch, int32_t o, int32_t y, int64_t px0, int32_t n_px, const BsOutKind kind,
       const BsActType to)
{
  const BsOutTransform *out = &args->op->out;
  const gboolean threshold = kind == BS_OUT_THRESHOLD;
  const int32_t k = pk->kernel, cout = pk->cout, in_w = args->in[0]->shape.w;
  const gsize elem = threshold ? 0 : bs_plan_elem_size (to);
  /* A 1x1 conv has no border (and may run several rows as one). */
  const gboolean row_inside = k == 1 || (y >= pk->y_lo && y < pk->y_hi);
  int32_t dy0 = 0, dy1 = 1;
  gsize off[P];

  if (k > 1)
    bs_cpu_window (y, pk->stride, pk->pad, k, args->in[0]->shape.h, &dy0, &dy1);
  for (int32_t x0 = 0; x0 < n_px; x0 += P)
    {
      int32_t n = bs_conv_block_offsets (x0, n_px, pitch, P, off);
      int32_t dx0[P], dx1[P], taps[P];
      uint64_t words[P] = { 0 };
      /* Windows of interior blocks need no per-pixel look. */
      gboolean border = !(row_inside && (k == 1 || (x0 >= pk->x_lo && x0 + P <= pk->x_hi)));

      for (int i = 0; i < P; i++)
        {
          dx0[i] = 0;
          dx1[i] = 1;
          if (border)
            bs_cpu_window (x0 + i, pk->stride, pk->pad, k, in_w, &dx0[i], &dx1[i]);
          taps[i] = border ? (dy1 - dy0) * (dx1[i] - dx0[i]) : k * k;
        }
      for (int j = 0; j < c; j++)
        {
          int32_t oj = o + 16 * j;
          __m256i p[P][2];

          accumulate (pk, rows, off, oj, p);
          if (border)
#pragma GCC unroll 4
            for (int i = 0; i < P; i++)
              if (taps[i] != k * k)
                {
                  p[i][0] = border_fix (pk, oj, p[i][0], dy0, dy1, dx0[i], dx1[i]);
                  p[i][1] = border_fix (pk, oj + 8, p[i][1], dy0, dy1, dx0[i], dx1[i]);
                }
          if (threshold)
#pragma GCC unroll 4
            for (int i = 0; i < P; i++)
              {
                const int32_t *thr = out->threshold + (gsize) taps[i] * out->threshold_stride + oj;
                __m256i g0 = _mm256_cmpgt_epi32 (p[i][0], _mm256_load_si256 ((const __m256i *) thr));
                __m256i g1 = _mm256_cmpgt_epi32 (p[i][1], _mm256_load_si256 ((const __m256i *) (thr + 8)));

                words[i] |= (uint64_t) (_mm256_movemask_ps (_mm256_castsi256_ps (g0))
                                        | _mm256_movemask_ps (_mm256_castsi256_ps (g1)) << 8) << (16 * j);
              }
          else
#pragma GCC unroll 2
            for (int h = 0; h < 2; h++)
              {
                int32_t oh = oj + 8 * h;
                uint8_t *dst = (uint8_t *) args->out_data + ((gsize) (px0 + x0) * cout + oh) * elem;
                BsAvx2Req r;

                if (oh >= cout)
                  break;
                bs_avx2_req_load (&r, &pk->req, oh, kind);
#pragma GCC unroll 4
                for (int i = 0; i < P; i++, dst += cout * elem)
                  if (i < n)
                    {
                      __m256i dot = _mm256_sub_epi32 (_mm256_set1_epi32 (pk->cin * taps[i]),
                                                      _mm256_slli_epi32 (p[i][h], 1));

                      bs_avx2_store (dst, to, MIN (8, cout - oh), bs_avx2_transform_r (dot, &r));
                    }
              }
        }
      if (threshold)
        for (int i = 0; i < n; i++)
          ((uint64_t *) args->out_data)[(gsize) (px0 + x0 + i) * bs_plan_words (cout) + o / 64]
            = words[i] ^ out->flip[o / 64];
    }
}

static void
row (const BsCpuOpArgs *args, const void *packed, int32_t c, const uint8_t *const *rows,
     gsize pitch, int32_t o, int32_t y, int64_t px0, int32_t n_px)
{
  const BsCpuBconvPacked *pk = packed;
  BsOutKind kind = args->op->out.kind;

  /* The requantisation of the bundled models (Blend blocks' main convs). */
  if (kind == BS_OUT_REQUANT && pk->req.type == BS_ACT_I32)
    row_t (args, pk, c, rows, pitch, o, y, px0, n_px, BS_OUT_REQUANT, BS_ACT_I32);
  else
    row_t (args, pk, c, rows, pitch, o, y, px0, n_px, kind, pk->req.type);
}

static const BsConvHooks hooks = {
  .row = row,
};

static void
bs_bconv_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsCpuBconvPacked *pk = args->weights;
  BsConvGeom geom = { pk->kernel, pk->stride, pk->pad, pk->nb, pk->direct, FALSE, FALSE,
                      pk->columns };

  if (pk->fallback)
    {
      BsCpuOpArgs plain = *args;

      plain.weights = args->op->weights;
      bs_bconv_scalar (&plain, tile);
      return;
    }
  bs_conv_drive (args, tile, pk, &geom, pk->cout, &hooks);
}

/* The AVX2 peak: the accumulation above on L1-resident operands (31-word windows,
 * the longest that need no flush in the loop, 4 chunks). */
static uint64_t
popcount_peak_avx2 (uint64_t iterations)
{
  enum { KD = 31, C = 4 };
  uint32_t row[P * KD + 16] __attribute__ ((aligned (64)));
  uint32_t weights[KD][C * 16] __attribute__ ((aligned (64)));
  BsCpuBconvPacked pk = { 0 };
  const uint8_t *rows[1] = { (const uint8_t *) row };
  gsize off[BS_CONV_MAX_P] = { 0 };
  volatile int32_t sink = 0;

  for (int i = 0; i < P * KD; i++)
    row[i] = (uint32_t) i * 2654435761u;
  for (int i = 0; i < KD * C * 16; i++)
    weights[i / (C * 16)][i % (C * 16)] = (uint32_t) i * 40503u;
  pk.w = &weights[0][0];
  pk.kernel = pk.n_seg = 1;
  pk.kds = KD;
  pk.cpad = C * 16;
  pk.seg_mask = ~0u;
  for (int p = 0; p < P; p++)
    off[p] = (gsize) p * KD * 4;
  for (uint64_t it = 0; it < iterations; it++)
    for (int j = 0; j < C; j++)
      {
        __m256i p[P][2], v;

        accumulate (&pk, rows, off, 16 * j, p);
        v = _mm256_xor_si256 (_mm256_xor_si256 (p[0][0], p[1][1]), _mm256_xor_si256 (p[2][0], p[3][1]));
        v = _mm256_xor_si256 (v, _mm256_xor_si256 (_mm256_xor_si256 (p[0][1], p[1][0]),
                                                     _mm256_xor_si256 (p[2][1], p[3][0])));
        sink += _mm256_cvtsi256_si32 (v);
      }
  (void) sink;
  return iterations * P * C * 16 * KD * 32;
}

void
bs_bconv_install_avx2 (BsCpuKernels *table)
{
  table->bconv = bs_bconv_avx2;
  table->bconv_pack = bs_cpu_bconv_pack;
  table->popcount_peak = popcount_peak_avx2;
}
