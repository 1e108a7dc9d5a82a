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

static void
accumulate (const void *packed, int32_t c, const uint8_t *const *rows, const gsize *off,
            int32_t o, int32_t *acc)
{
  const BsCpuBconvPacked *pk = packed;
  const __m256i lut = _mm256_setr_epi8 (0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8 (0x0f);
  const __m256i mask = _mm256_set1_epi32 ((int) pk->seg_mask);
  const gboolean masked = pk->seg_mask != ~0u;
  const int32_t kds = pk->kds, cpad = pk->cpad;

  for (int j = 0; j < c; j++)
    {
      const uint32_t *w = pk->w + o + 16 * j;
      int32_t *a = acc + 16 * j;
      __m256i b00 = _mm256_setzero_si256 (), b01 = b00, b10 = b00, b11 = b00;
      __m256i b20 = b00, b21 = b00, b30 = b00, b31 = b00;
      int count = 0;

      for (int p = 0; p < P; p++)
        memset (a + p * 64, 0, 16 * sizeof (int32_t));
#define FLUSH(p, b0, b1)                                                                 \
      _mm256_store_si256 ((__m256i *) (a + p * 64),                                      \
                          _mm256_add_epi32 (_mm256_load_si256 ((__m256i *) (a + p * 64)), \
                                            widen_bytes (b0)));                          \
      _mm256_store_si256 ((__m256i *) (a + p * 64 + 8),                                  \
                          _mm256_add_epi32 (_mm256_load_si256 ((__m256i *) (a + p * 64 + 8)), \
                                            widen_bytes (b1)));                          \
      b0 = b1 = _mm256_setzero_si256 ();
      for (int32_t dy = 0; dy < pk->n_seg; dy++)
        {
          const uint8_t *x0 = rows[dy] + off[0], *x1 = rows[dy] + off[1];
          const uint8_t *x2 = rows[dy] + off[2], *x3 = rows[dy] + off[3];

          for (int32_t k = 0; k < kds; k++, w += cpad)
            {
              __m256i w0 = _mm256_load_si256 ((const __m256i *) w);
              __m256i w1 = _mm256_load_si256 ((const __m256i *) (w + 8));
              /* The segment's last word: its bytes past the segment are the next
               * pixel's. */
              __m256i m = masked && k == kds - 1 ? mask : _mm256_set1_epi32 (-1);
              __m256i x;

#define STEP(xi, b0, b1)                                                                 \
              x = _mm256_and_si256 (_mm256_set1_epi32 ((int) bs_conv_load32 (xi + 4 * k)), m); \
              b0 = _mm256_add_epi8 (b0, popcount_bytes (_mm256_xor_si256 (x, w0), lut, low)); \
              b1 = _mm256_add_epi8 (b1, popcount_bytes (_mm256_xor_si256 (x, w1), lut, low));
              STEP (x0, b00, b01)
              STEP (x1, b10, b11)
              STEP (x2, b20, b21)
              STEP (x3, b30, b31)
#undef STEP
              /* Byte counts reach 8 per word: flush before 256. */
              if (++count == 31)
                {
                  FLUSH (0, b00, b01)
                  FLUSH (1, b10, b11)
                  FLUSH (2, b20, b21)
                  FLUSH (3, b30, b31)
                  count = 0;
                }
            }
        }
      FLUSH (0, b00, b01)
      FLUSH (1, b10, b11)
      FLUSH (2, b20, b21)
      FLUSH (3, b30, b31)
#undef FLUSH
    }
}

/* The popcount of 8 channels (8j..8j+7 from o) less what the zeroed taps of a
 * border window added: all taps' weight popcounts less the valid rectangle's (a 2D
 * prefix sum), taps [dy0, dy1) × [dx0, dx1) valid. */
static BS_AVX2_INLINE __m256i
border_fix (const BsCpuBconvPacked *pk, int32_t o, int j, __m256i p, int32_t dy0, int32_t dy1,
            int32_t dx0, int32_t dx1)
{
  const int32_t *r = pk->wrect + o + 8 * j;
  gsize k = pk->kernel, k1 = k + 1, cpad = pk->cpad;
  __m256i all = _mm256_load_si256 ((const __m256i *) (r + (k * k1 + k) * cpad));
  __m256i v11 = _mm256_load_si256 ((const __m256i *) (r + (dy1 * k1 + dx1) * cpad));
  __m256i v00 = _mm256_load_si256 ((const __m256i *) (r + (dy0 * k1 + dx0) * cpad));
  __m256i v01 = _mm256_load_si256 ((const __m256i *) (r + (dy0 * k1 + dx1) * cpad));
  __m256i v10 = _mm256_load_si256 ((const __m256i *) (r + (dy1 * k1 + dx0) * cpad));
  __m256i valid = _mm256_sub_epi32 (_mm256_add_epi32 (v11, v00), _mm256_add_epi32 (v01, v10));

  return _mm256_sub_epi32 (p, _mm256_sub_epi32 (all, valid));
}

/* Pixels px0 + x0 + i, i < n; x0 + i is the column (a 1x1 conv, which may run
 * several rows as one, has no border). acc becomes the dot products K - 2p, then
 * the transform runs 8 channels at a time with their parameters in registers. */
static void
finish (const BsCpuOpArgs *args, const void *packed, int32_t c, int32_t o, int32_t y,
        int64_t px0, int32_t x0, int32_t n, int32_t *acc)
{
  const BsCpuBconvPacked *pk = packed;
  const BsOutTransform *out = &args->op->out;
  const BsShape in = args->in[0]->shape;
  int32_t k = pk->kernel;
  int32_t dy0 = 0, dy1 = 1;

  if (k > 1)
    bs_cpu_window (y, pk->stride, pk->pad, k, in.h, &dy0, &dy1);
  for (int32_t i = 0; i < n; i++)
    {
      int32_t x = x0 + i, dx0 = 0, dx1 = 1, taps;
      uint64_t px = (uint64_t) (px0 + x);
      gboolean border;

      if (k > 1)
        bs_cpu_window (x, pk->stride, pk->pad, k, in.w, &dx0, &dx1);
      taps = (dy1 - dy0) * (dx1 - dx0);
      border = taps != k * k;
      if (out->kind == BS_OUT_THRESHOLD)
        {
          const int32_t *thr = out->threshold + (gsize) taps * out->threshold_stride + o;
          uint64_t word = 0;

          for (int j = 0; j < 2 * c; j++)
            {
              __m256i p = _mm256_load_si256 ((const __m256i *) (acc + i * 64 + 8 * j));
              __m256i gt;

              if (border)
                p = border_fix (pk, o, j, p, dy0, dy1, dx0, dx1);
              gt = _mm256_cmpgt_epi32 (p, _mm256_load_si256 ((const __m256i *) (thr + 8 * j)));
              word |= (uint64_t) _mm256_movemask_ps (_mm256_castsi256_ps (gt)) << (8 * j);
            }
          ((uint64_t *) args->out_data)[px * bs_plan_words (pk->cout) + o / 64] = word ^ out->flip[o / 64];
        }
      else
        {
          __m256i kbits = _mm256_set1_epi32 (pk->cin * taps);

          for (int j = 0; j < 2 * c; j++)
            {
              __m256i p = _mm256_load_si256 ((const __m256i *) (acc + i * 64 + 8 * j));

              if (border)
                p = border_fix (pk, o, j, p, dy0, dy1, dx0, dx1);
              _mm256_store_si256 ((__m256i *) (acc + i * 64 + 8 * j),
                                  _mm256_sub_epi32 (kbits, _mm256_slli_epi32 (p, 1)));
            }
        }
    }
  if (out->kind != BS_OUT_THRESHOLD)
    {
      int elem = bs_plan_elem_size (pk->req.type);

      for (int j = 0; j < 2 * c && o + 8 * j < pk->cout; j++)
        {
          int32_t oj = o + 8 * j;
          uint8_t *dst = (uint8_t *) args->out_data + ((uint64_t) (px0 + x0) * pk->cout + oj) * elem;
          BsAvx2Req r;

          bs_avx2_req_load (&r, &pk->req, oj, pk->req.kind);

          for (int32_t i = 0; i < n; i++, dst += (gsize) pk->cout * elem)
            bs_avx2_store (dst, pk->req.type, MIN (8, pk->cout - oj),
                           bs_avx2_transform_r (_mm256_load_si256 ((const __m256i *) (acc + i * 64 + 8 * j)), &r));
        }
    }
}

/* Accumulates into memory (16 ymm registers hold one chunk's 4 pixels), then
 * transforms; a row in blocks of P pixels. */
static void
row (const BsCpuOpArgs *args, const void *packed, int32_t c, const uint8_t *const *rows,
     gsize pitch, int32_t o, int32_t y, int64_t px0, int32_t n_px)
{
  int32_t acc[P * 64] __attribute__ ((aligned (32)));
  gsize off[P];

  for (int32_t x0 = 0; x0 < n_px; x0 += P)
    {
      int32_t n = bs_conv_block_offsets (x0, n_px, pitch, P, off);

      accumulate (packed, c, rows, off, o, acc);
      finish (args, packed, c, o, y, px0, x0, n, acc);
    }
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

/* The AVX2 peak: the accumulation above on L1-resident operands (62-word windows,
 * 4 chunks). */
static uint64_t
popcount_peak_avx2 (uint64_t iterations)
{
  enum { KD = 62, C = 4 };
  uint32_t row[P * KD + 16] __attribute__ ((aligned (64)));
  uint32_t weights[KD][C * 16] __attribute__ ((aligned (64)));
  BsCpuBconvPacked pk = { 0 };
  const uint8_t *rows[1] = { (const uint8_t *) row };
  gsize off[BS_CONV_MAX_P] = { 0 };
  int32_t acc[BS_CONV_MAX_P * 64] __attribute__ ((aligned (64)));
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
    {
      accumulate (&pk, C, rows, off, 0, acc);
      sink += acc[it % 64];
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
