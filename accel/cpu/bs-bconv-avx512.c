/* bs-bconv-avx512.c: binary conv/FC with AVX-512 VPOPCNTD.
 *
 * A GEMM over patches (bs-cpu-conv.h): each zmm lane is one output channel, each step
 * one 32-bit word of the patch, broadcast to all lanes, XORed with 16 channels'
 * weights, popcounted and added: 512 binary MACs in three instructions. A block
 * keeps P pixels × C chunks of 16 channels in registers (up to 4 × 4 + 4 weights).
 *
 * Zero padding: taps outside the image are zero bytes in the patch, which adds the
 * popcount of those taps' weights to p; it is subtracted (from a per-tap table) for
 * the border pixels only, which also use K = cin × (valid taps) and the threshold
 * row of their valid tap count, exactly as the scalar kernel.
 */
#include "bs-cpu-avx512.h"
#include "bs-cpu-conv.h"

/* Accumulates a[p][j] = popcount (window p XOR weights of chunk j) for P pixels × C
 * chunks of 16 channels from o. P, C constant: everything stays in registers. */
static BS_AVX512_INLINE void
accumulate (const BsCpuBconvPacked *pk, const uint8_t *const *rows, const gsize *off,
            int32_t o, __m512i a[BS_CONV_MAX_P][4], const int P, const int C)
{
  const uint32_t *w = pk->w + o;
  const int32_t kds = pk->kds, cpad = pk->cpad;
  const __m512i mask = _mm512_set1_epi32 ((int) pk->seg_mask);
  const gboolean masked = pk->seg_mask != ~0u;

#pragma GCC unroll 8
  for (int p = 0; p < P; p++)
#pragma GCC unroll 4
    for (int j = 0; j < C; j++)
      a[p][j] = _mm512_setzero_si512 ();
  for (int32_t dy = 0; dy < pk->n_seg; dy++)
    {
      const uint8_t *x[BS_CONV_MAX_P];

#pragma GCC unroll 8
      for (int p = 0; p < P; p++)
        x[p] = rows[dy] + off[p];
      for (int32_t k = 0; k < kds; k++, w += cpad)
        {
          __m512i wv[4];
          /* The segment's last word: its bytes past the segment are the next
           * pixel's. */
          gboolean last = masked && k == kds - 1;

#pragma GCC unroll 4
          for (int j = 0; j < C; j++)
            wv[j] = _mm512_load_si512 (w + 16 * j);
#pragma GCC unroll 8
          for (int p = 0; p < P; p++)
            {
              __m512i xb = _mm512_set1_epi32 ((int) bs_conv_load32 (x[p] + 4 * k));

              if (last)
                xb = _mm512_and_si512 (xb, mask);
#pragma GCC unroll 4
              for (int j = 0; j < C; j++)
                a[p][j] = _mm512_add_epi32 (a[p][j], _mm512_popcnt_epi32 (_mm512_xor_si512 (xb, wv[j])));
            }
        }
    }
}

/* A border pixel with valid taps [dy0, dy1) × [dx0, dx1): the mismatches its zeroed
 * taps added, all taps' weight popcounts less the valid rectangle's. */
static BS_AVX512_INLINE __m512i
border_excess (const BsCpuBconvPacked *pk, int32_t o, int32_t dy0, int32_t dy1, int32_t dx0,
               int32_t dx1)
{
  int32_t k1 = pk->kernel + 1;
  const int32_t *r = pk->wrect + o;
  gsize cpad = pk->cpad;
  __m512i all = _mm512_load_si512 (r + ((gsize) pk->kernel * k1 + pk->kernel) * cpad);
  __m512i valid = _mm512_sub_epi32 (_mm512_add_epi32 (_mm512_load_si512 (r + ((gsize) dy1 * k1 + dx1) * cpad),
                                                      _mm512_load_si512 (r + ((gsize) dy0 * k1 + dx0) * cpad)),
                                    _mm512_add_epi32 (_mm512_load_si512 (r + ((gsize) dy0 * k1 + dx1) * cpad),
                                                      _mm512_load_si512 (r + ((gsize) dy1 * k1 + dx0) * cpad)));

  return _mm512_sub_epi32 (all, valid);
}

/* One block, accumulated and transformed in registers. P, C, kind and type are
 * constants in every instantiation. */
static BS_AVX512_INLINE void
block_t (const BsCpuOpArgs *args, const BsCpuBconvPacked *pk, const uint8_t *const *rows,
         const gsize *off, int32_t o, int32_t y, int32_t x0, int32_t n, const int P,
         const int C, const BsOutKind kind, const BsActType type)
{
  const BsOutTransform *out = &args->op->out;
  int32_t in_w = args->in[0]->shape.w, kk = pk->kernel * pk->kernel;
  int32_t elem = bs_plan_elem_size (type), out_words = bs_plan_words (pk->cout);
  gboolean row_inside = y >= pk->y_lo && y < pk->y_hi;
  uint64_t px = (uint64_t) y * args->out->shape.w + x0;
  __m512i a[BS_CONV_MAX_P][4];
  int32_t taps[BS_CONV_MAX_P];
  int32_t dy0, dy1;

  accumulate (pk, rows, off, o, a, P, C);
  bs_cpu_window (y, pk->stride, pk->pad, pk->kernel, args->in[0]->shape.h, &dy0, &dy1);
#pragma GCC unroll 8
  for (int p = 0; p < P; p++)
    {
      taps[p] = kk;
      if (G_UNLIKELY (!row_inside || x0 + p < pk->x_lo || x0 + p >= pk->x_hi))
        {
          int32_t dx0, dx1;

          bs_cpu_window (x0 + p, pk->stride, pk->pad, pk->kernel, in_w, &dx0, &dx1);
          taps[p] = (dy1 - dy0) * (dx1 - dx0);
#pragma GCC unroll 4
          for (int j = 0; j < C; j++)
            a[p][j] = _mm512_sub_epi32 (a[p][j], border_excess (pk, o + 16 * j, dy0, dy1, dx0, dx1));
        }
    }

  if (kind == BS_OUT_THRESHOLD)
    {
      uint64_t flip = out->flip[o / 64];
      uint64_t *dst = (uint64_t *) args->out_data + px * out_words + o / 64;

#pragma GCC unroll 8
      for (int p = 0; p < P; p++)
        if (p < n)
          {
            const int32_t *thr = out->threshold + (gsize) taps[p] * out->threshold_stride + o;
            uint64_t word = 0;

#pragma GCC unroll 4
            for (int j = 0; j < C; j++)
              word |= (uint64_t) _mm512_cmpgt_epi32_mask (a[p][j], _mm512_load_si512 (thr + 16 * j)) << (16 * j);
            dst[(gsize) p * out_words] = word ^ flip;
          }
      return;
    }

#pragma GCC unroll 4
  for (int j = 0; j < C; j++)
    {
      BsAvx512Req r = bs_avx512_req_load (&pk->req, o + 16 * j, kind);
      __mmask16 m = (__mmask16) bs_cpu_chunk_mask (o + 16 * j, pk->cout);
      uint8_t *dst = (uint8_t *) args->out_data + (px * pk->cout + o + 16 * j) * elem;

#pragma GCC unroll 8
      for (int p = 0; p < P; p++)
        if (p < n)
          {
            /* dot = K - 2p */
            __m512i dot = _mm512_sub_epi32 (_mm512_set1_epi32 (pk->cin * taps[p]),
                                            _mm512_add_epi32 (a[p][j], a[p][j]));

            bs_avx512_store (dst + (gsize) p * pk->cout * elem, type, m, bs_avx512_transform_r (dot, &r));
          }
    }
}

/* Pixels per block by chunk count: as many accumulators as leave room for the
 * weights and a broadcast in the 32 registers. */
#define P1 8
#define P2 8
#define P3 6
#define P4 4

/* A row: blocks of P pixels with kind and type constant. */
static BS_AVX512_INLINE void
row_t (const BsCpuOpArgs *args, const BsCpuBconvPacked *pk, const uint8_t *const *rows,
       gsize pitch, int32_t o, int32_t y, const int P, const int C, const BsOutKind kind,
       const BsActType type)
{
  int32_t out_w = args->out->shape.w;
  gsize off[BS_CONV_MAX_P];

  for (int32_t x0 = 0; x0 < out_w; x0 += P)
    {
      int32_t n = bs_conv_block_offsets (x0, out_w, pitch, P, off);

      block_t (args, pk, rows, off, o, y, x0, n, P, C, kind, type);
    }
}

#define ROW(kind, type)                                                          \
  switch (c)                                                                     \
    {                                                                            \
    case 1: row_t (args, pk, rows, pitch, o, y, P1, 1, kind, type); break;       \
    case 2: row_t (args, pk, rows, pitch, o, y, P2, 2, kind, type); break;       \
    case 3: row_t (args, pk, rows, pitch, o, y, P3, 3, kind, type); break;       \
    default: row_t (args, pk, rows, pitch, o, y, P4, 4, kind, type); break;      \
    }

static void
row (const BsCpuOpArgs *args, const void *packed, int32_t c, const uint8_t *const *rows,
     gsize pitch, int32_t o, int32_t y)
{
  const BsCpuBconvPacked *pk = packed;

  if (args->op->out.kind == BS_OUT_THRESHOLD)
    ROW (BS_OUT_THRESHOLD, BS_ACT_BITS)
  else
    switch (bs_avx512_req_case (&pk->req))
      {
      case 1: ROW (BS_OUT_REQUANT, BS_ACT_I32) break;
      case 2: ROW (BS_OUT_REQUANT, BS_ACT_I8) break;
      case 3: ROW (BS_OUT_RAW, BS_ACT_I32) break;
      default: ROW (pk->req.kind, pk->req.type) break;
      }
}

#undef ROW

static const BsConvHooks hooks = {
  .row = row,
};

static void
bs_bconv_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsCpuBconvPacked *pk = args->weights;
  BsConvGeom geom = { pk->kernel, pk->stride, pk->pad, pk->nb, pk->direct, FALSE, FALSE,
                      pk->concat ? pk->kd : 0 };

  if (pk->fallback)
    {
      BsCpuOpArgs plain = *args;

      plain.weights = args->op->weights;
      bs_bconv_scalar (&plain, tile);
      return;
    }
  bs_conv_drive (args, tile, pk, &geom, pk->cout, &hooks);
}

/* The machine's XOR-popcount peak: the accumulation above at its best shape (4
 * pixels × 4 chunks) on L1-resident operands, 64-word windows and 4 chunks of
 * weights; the compiler barrier keeps each round from being hoisted out. */
static uint64_t
popcount_peak_avx512 (uint64_t iterations)
{
  enum { KD = 64, P = 4, C = 4 };
  static uint32_t row[P * KD + 16] __attribute__ ((aligned (64)));
  static uint32_t weights[KD][C * 16] __attribute__ ((aligned (64)));
  BsCpuBconvPacked pk = { 0 };
  const uint8_t *rows[1] = { (const uint8_t *) row };
  gsize off[BS_CONV_MAX_P] = { 0 };
  __m512i a[BS_CONV_MAX_P][4], sum = _mm512_setzero_si512 ();

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
      __asm__ volatile ("" ::: "memory");
      accumulate (&pk, rows, off, 0, a, P, C);
      for (int p = 0; p < P; p++)
        for (int j = 0; j < C; j++)
          sum = _mm512_add_epi32 (sum, a[p][j]);
    }
  if (_mm512_reduce_add_epi32 (sum) == 42)
    g_debug ("popcount peak: %d", 42);
  return iterations * P * C * 16 * KD * 32;
}

void
bs_bconv_install_avx512 (BsCpuKernels *table)
{
  table->bconv = bs_bconv_avx512;
  table->bconv_pack = bs_cpu_bconv_pack;
  table->popcount_peak = popcount_peak_avx512;
}
