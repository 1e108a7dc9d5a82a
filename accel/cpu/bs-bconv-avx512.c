/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-bconv-avx512.c: binary conv/FC with AVX-512 VPOPCNTD.
 *
 * A GEMM over windows read in place (bs-cpu-conv.h): each zmm lane is one output
 * channel, each step one 32-bit word of a window, broadcast to all lanes, XORed with
 * 16 channels' weights, popcounted and added: 512 binary MACs in three instructions.
 * A block keeps P pixels × C chunks of 16 channels in registers (8 × 1, 8 × 2, 6 × 3
 * or 4 × 4, plus the weights), then transforms them there: threshold to bits, or
 * dot = K - 2p requantised, and stores.
 *
 * Zero padding: taps outside the image are zero bytes in the dense rows, which adds
 * the popcount of those taps' weights to p; for the border pixels only, that is
 * subtracted (all taps' popcount less the valid rectangle's, from a 2D prefix sum),
 * and K = cin × (valid taps) and the threshold row of their valid tap count are
 * used, exactly as the scalar kernel.
 */
#include "bs-cpu-avx512.h"
#include "bs-cpu-conv.h"

/* What a row's blocks read, copied once per row into a local: the kernels store
 * through byte pointers, which may alias anything, so fields read through pk or args
 * would be reloaded after every store. */
typedef struct
{
  const uint32_t *w;           /* weights of the group's first channel */
  const int32_t *wrect;        /* likewise */
  int32_t kds, cpad, n_seg, plain;
  gboolean masked;
  uint32_t seg_mask;
  int32_t cin, cout, kernel, stride, pad, in_w, kk;
  int32_t x_lo, x_hi;
  gboolean row_inside;         /* the row's windows are inside the input vertically */
  int32_t dy0, dy1;
  uint8_t *dst;                /* the row's first output element of the group */
  gsize dst_pixel;             /* bytes (int outputs) or words (bits) per pixel */
  const int32_t *thr;          /* threshold rows, at the group's first channel */
  int32_t thr_stride;
  uint64_t flip;
  BsAvx512Req req[4];
} RowCtx;

/* One word of P pixels' windows against C chunks of weights. */
static BS_AVX512_INLINE void
accumulate_word (const uint8_t *const *x, const uint32_t *w, int32_t k, __m512i mask,
                 __m512i a[BS_CONV_MAX_P][4], const int P, const int C, const gboolean masked)
{
  __m512i wv[4];

#pragma GCC unroll 4
  for (int j = 0; j < C; j++)
    wv[j] = _mm512_load_si512 (w + 16 * j);
#pragma GCC unroll 8
  for (int p = 0; p < P; p++)
    {
      __m512i xb = _mm512_set1_epi32 ((int) bs_conv_load32 (x[p] + 4 * k));

      if (masked)
        xb = _mm512_and_si512 (xb, mask);
#pragma GCC unroll 4
      for (int j = 0; j < C; j++)
        a[p][j] = _mm512_add_epi32 (a[p][j], _mm512_popcnt_epi32 (_mm512_xor_si512 (xb, wv[j])));
    }
}

/* Accumulates a[p][j] = popcount (window p XOR weights of chunk j) for P pixels × C
 * chunks of 16 channels. P, C constant: everything stays in registers. A segment's
 * last word may hold the next pixel's bytes: it is masked, peeled off. */
static BS_AVX512_INLINE void
accumulate (const RowCtx *ctx, const uint8_t *const *rows, const gsize *off,
            __m512i a[BS_CONV_MAX_P][4], const int P, const int C)
{
  const uint32_t *w = ctx->w;
  const int32_t cpad = ctx->cpad;
  const __m512i mask = _mm512_set1_epi32 ((int) ctx->seg_mask);

#pragma GCC unroll 8
  for (int p = 0; p < P; p++)
#pragma GCC unroll 4
    for (int j = 0; j < C; j++)
      a[p][j] = _mm512_setzero_si512 ();
  for (int32_t dy = 0; dy < ctx->n_seg; dy++)
    {
      const uint8_t *x[BS_CONV_MAX_P];

#pragma GCC unroll 8
      for (int p = 0; p < P; p++)
        x[p] = rows[dy] + off[p];
      for (int32_t k = 0; k < ctx->plain; k++, w += cpad)
        accumulate_word (x, w, k, mask, a, P, C, FALSE);
      if (ctx->masked)
        {
          accumulate_word (x, w, ctx->kds - 1, mask, a, P, C, TRUE);
          w += cpad;
        }
    }
}

/* A border pixel with valid taps [dy0, dy1) × [dx0, dx1): the mismatches its zeroed
 * taps added to chunk j, all taps' weight popcounts less the valid rectangle's. */
static BS_AVX512_INLINE __m512i
border_excess (const RowCtx *ctx, int j, int32_t dx0, int32_t dx1)
{
  int32_t k = ctx->kernel, k1 = k + 1, dy0 = ctx->dy0, dy1 = ctx->dy1;
  const int32_t *r = ctx->wrect + 16 * j;
  gsize cpad = ctx->cpad;
  __m512i all = _mm512_load_si512 (r + ((gsize) k * k1 + k) * cpad);
  __m512i valid = _mm512_sub_epi32 (_mm512_add_epi32 (_mm512_load_si512 (r + ((gsize) dy1 * k1 + dx1) * cpad),
                                                      _mm512_load_si512 (r + ((gsize) dy0 * k1 + dx0) * cpad)),
                                    _mm512_add_epi32 (_mm512_load_si512 (r + ((gsize) dy0 * k1 + dx1) * cpad),
                                                      _mm512_load_si512 (r + ((gsize) dy1 * k1 + dx0) * cpad)));

  return _mm512_sub_epi32 (all, valid);
}

/* One block, accumulated and transformed in registers. P, C, kind and type are
 * constants in every instantiation; full: all P pixels are real. */
static BS_AVX512_INLINE void
block_t (const RowCtx *ctx, const uint8_t *const *rows, const gsize *off, int32_t x0,
         int32_t n, const int P, const int C, const BsOutKind kind, const BsActType type,
         const gboolean full)
{
  __m512i a[BS_CONV_MAX_P][4];
  int32_t taps[BS_CONV_MAX_P];

  accumulate (ctx, rows, off, a, P, C);
#pragma GCC unroll 8
  for (int p = 0; p < P; p++)
    {
      taps[p] = ctx->kk;
      if (G_UNLIKELY (!ctx->row_inside || x0 + p < ctx->x_lo || x0 + p >= ctx->x_hi))
        {
          int32_t dx0, dx1;

          bs_cpu_window (x0 + p, ctx->stride, ctx->pad, ctx->kernel, ctx->in_w, &dx0, &dx1);
          taps[p] = (ctx->dy1 - ctx->dy0) * (dx1 - dx0);
#pragma GCC unroll 4
          for (int j = 0; j < C; j++)
            a[p][j] = _mm512_sub_epi32 (a[p][j], border_excess (ctx, j, dx0, dx1));
        }
    }

  if (kind == BS_OUT_THRESHOLD)
    {
      uint64_t *dst = (uint64_t *) ctx->dst + x0 * ctx->dst_pixel;

#pragma GCC unroll 8
      for (int p = 0; p < P; p++)
        if (full || p < n)
          {
            const int32_t *thr = ctx->thr + (gsize) taps[p] * ctx->thr_stride;
            uint64_t word = 0;

#pragma GCC unroll 4
            for (int j = 0; j < C; j++)
              word |= (uint64_t) bs_avx512_mask16 (_mm512_cmpgt_epi32_mask (a[p][j], _mm512_load_si512 (thr + 16 * j)))
                      << (16 * j);
            dst[(gsize) p * ctx->dst_pixel] = word ^ ctx->flip;
          }
      return;
    }

#pragma GCC unroll 4
  for (int j = 0; j < C; j++)
    {
      __mmask16 m = (__mmask16) bs_cpu_chunk_mask (16 * j, ctx->cout);
      uint8_t *dst = ctx->dst + (x0 * ctx->dst_pixel) + 16 * j * bs_plan_elem_size (type);

#pragma GCC unroll 8
      for (int p = 0; p < P; p++)
        if (full || p < n)
          {
            /* dot = K - 2p */
            __m512i dot = _mm512_sub_epi32 (_mm512_set1_epi32 (ctx->cin * taps[p]),
                                            _mm512_add_epi32 (a[p][j], a[p][j]));

            bs_avx512_store (dst + (gsize) p * ctx->dst_pixel, type, m, bs_avx512_transform_r (dot, &ctx->req[j]));
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
       gsize pitch, int32_t o, int32_t y, int64_t px0, int32_t n_px, const int P, const int C,
       const BsOutKind kind, const BsActType type)
{
  const BsOutTransform *out = &args->op->out;
  gsize off[BS_CONV_MAX_P];
  RowCtx ctx;

  ctx.w = pk->w + o;
  ctx.wrect = pk->wrect + o;
  ctx.kds = pk->kds;
  ctx.cpad = pk->cpad;
  ctx.n_seg = pk->n_seg;
  ctx.seg_mask = pk->seg_mask;
  ctx.masked = pk->seg_mask != ~0u;
  ctx.plain = ctx.masked ? pk->kds - 1 : pk->kds;
  ctx.cin = pk->cin;
  /* Channels left from o: the chunk masks are relative to the group. */
  ctx.cout = pk->cout - o;
  ctx.kernel = pk->kernel;
  ctx.stride = pk->stride;
  ctx.pad = pk->pad;
  ctx.in_w = args->in[0]->shape.w;
  ctx.kk = pk->kernel * pk->kernel;
  /* A 1x1 conv has no border (and may get several rows as one run). */
  ctx.x_lo = pk->kernel == 1 ? 0 : pk->x_lo;
  ctx.x_hi = pk->kernel == 1 ? G_MAXINT32 : pk->x_hi;
  ctx.row_inside = y >= pk->y_lo && y < pk->y_hi;
  bs_cpu_window (y, pk->stride, pk->pad, pk->kernel, args->in[0]->shape.h, &ctx.dy0, &ctx.dy1);
  ctx.thr = NULL;
  ctx.thr_stride = 0;
  ctx.flip = 0;
  for (int j = 0; j < C; j++)
    ctx.req[j] = bs_avx512_req_load (&pk->req, o + 16 * j, kind);
  if (kind == BS_OUT_THRESHOLD)
    {
      ctx.dst_pixel = bs_plan_words (pk->cout);
      ctx.dst = (uint8_t *) ((uint64_t *) args->out_data + (gsize) px0 * ctx.dst_pixel + o / 64);
      ctx.thr = out->threshold + o;
      ctx.thr_stride = out->threshold_stride;
      ctx.flip = out->flip[o / 64];
    }
  else
    {
      int elem = bs_plan_elem_size (type);

      ctx.dst_pixel = (gsize) pk->cout * elem;
      ctx.dst = (uint8_t *) args->out_data + ((gsize) px0 * pk->cout + o) * elem;
    }

  for (int32_t x0 = 0; x0 < n_px; x0 += P)
    {
      int32_t n = bs_conv_block_offsets (x0, n_px, pitch, P, off);

      /* Full blocks (all but a row's last) skip the per-pixel checks. */
      if (n == P)
        block_t (&ctx, rows, off, x0, n, P, C, kind, type, TRUE);
      else
        block_t (&ctx, rows, off, x0, n, P, C, kind, type, FALSE);
    }
}

/* One function per output kind and type (each with its four chunk counts), so that
 * no function holds every instantiation. */
#define ROW_FUNC(name, kind, type)                                                       \
  static void                                                                            \
  name (const BsCpuOpArgs *args, const BsCpuBconvPacked *pk, int32_t c,                  \
        const uint8_t *const *rows, gsize pitch, int32_t o, int32_t y, int64_t px0,      \
        int32_t n)                                                                       \
  {                                                                                      \
    switch (c)                                                                           \
      {                                                                                  \
      case 1: row_t (args, pk, rows, pitch, o, y, px0, n, P1, 1, kind, type); break;     \
      case 2: row_t (args, pk, rows, pitch, o, y, px0, n, P2, 2, kind, type); break;     \
      case 3: row_t (args, pk, rows, pitch, o, y, px0, n, P3, 3, kind, type); break;     \
      default: row_t (args, pk, rows, pitch, o, y, px0, n, P4, 4, kind, type); break;    \
      }                                                                                  \
  }

ROW_FUNC (row_threshold, BS_OUT_THRESHOLD, BS_ACT_BITS)
ROW_FUNC (row_requant_i32, BS_OUT_REQUANT, BS_ACT_I32)
ROW_FUNC (row_requant_i8, BS_OUT_REQUANT, BS_ACT_I8)
ROW_FUNC (row_raw_i32, BS_OUT_RAW, BS_ACT_I32)
ROW_FUNC (row_any, pk->req.kind, pk->req.type)

#undef ROW_FUNC

static void
row (const BsCpuOpArgs *args, const void *packed, int32_t c, const uint8_t *const *rows,
     gsize pitch, int32_t o, int32_t y, int64_t px0, int32_t n)
{
  const BsCpuBconvPacked *pk = packed;

  if (args->op->out.kind == BS_OUT_THRESHOLD)
    row_threshold (args, pk, c, rows, pitch, o, y, px0, n);
  else
    switch (bs_avx512_req_case (&pk->req))
      {
      case 1: row_requant_i32 (args, pk, c, rows, pitch, o, y, px0, n); break;
      case 2: row_requant_i8 (args, pk, c, rows, pitch, o, y, px0, n); break;
      case 3: row_raw_i32 (args, pk, c, rows, pitch, o, y, px0, n); break;
      default: row_any (args, pk, c, rows, pitch, o, y, px0, n); break;
      }
}

static const BsConvHooks hooks = {
  .row = row,
};

static void
bs_bconv_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
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

/* The machine's XOR-popcount peak: the accumulation above at its best shape (4
 * pixels × 4 chunks) on L1-resident operands, 64-word windows and 4 chunks of
 * weights; the compiler barrier keeps each round from being hoisted out. */
static uint64_t
popcount_peak_avx512 (uint64_t iterations)
{
  enum { KD = 64, P = 4, C = 4 };
  uint32_t row[P * KD + 16] __attribute__ ((aligned (64)));
  uint32_t weights[KD][C * 16] __attribute__ ((aligned (64)));
  RowCtx ctx = { 0 };
  const uint8_t *rows[1] = { (const uint8_t *) row };
  gsize off[BS_CONV_MAX_P] = { 0 };
  __m512i a[BS_CONV_MAX_P][4], sum = _mm512_setzero_si512 ();

  for (int i = 0; i < P * KD; i++)
    row[i] = (uint32_t) i * 2654435761u;
  for (int i = 0; i < KD * C * 16; i++)
    weights[i / (C * 16)][i % (C * 16)] = (uint32_t) i * 40503u;
  ctx.w = &weights[0][0];
  ctx.n_seg = 1;
  ctx.kds = ctx.plain = KD;
  ctx.cpad = C * 16;
  ctx.seg_mask = ~0u;
  for (int p = 0; p < P; p++)
    off[p] = (gsize) p * KD * 4;
  for (uint64_t it = 0; it < iterations; it++)
    {
      __asm__ volatile ("" ::: "memory");
      accumulate (&ctx, rows, off, a, P, C);
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
