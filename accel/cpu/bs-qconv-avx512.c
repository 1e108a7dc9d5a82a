/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-qconv-avx512.c: fixed-point conv/FC with AVX-512 VNNI.
 *
 * The same window GEMM as the binary conv (bs-cpu-conv.h), lanes = 16 output
 * channels:
 * - int8 activations × int8 weights (and int4, stored as int8): VPDPBUSD multiplies
 *   unsigned by signed bytes, four per lane. Activations enter as x XOR 0x80 = x + 128
 *   (unsigned; flipped once while the dense rows are filled, even for 1x1), and
 *   128 · Σ w is subtracted per channel afterwards. Zero padding stays exact: a
 *   padded 0 is 128, which that subtraction covers. The sums may wrap in between; the
 *   true result is within int32 (validation), so it is exact.
 * - anything with 16 bits: VPDPWSSD on int16 pairs; int8 activations are widened
 *   while the dense rows are built.
 * int32 activations keep the scalar kernel.
 */
#include "bs-cpu-avx512.h"
#include "bs-cpu-conv.h"

/* What a row's blocks read, copied once per row into a local: the kernels store
 * through byte pointers, which may alias anything, so fields read through pk or args
 * would be reloaded after every store. */
typedef struct
{
  const uint32_t *w;           /* weights of the group's first channel */
  int32_t kds, cpad, kernel;
  int32_t cout;                /* channels from the group's first */
  uint8_t *dst;                /* the row's first output element of the group */
  gsize dst_pixel;             /* bytes per output pixel */
  __m512i wsum[4];             /* QUAD8: 128 · Σ w per chunk */
  BsAvx512Req req[4];
} RowCtx;

/* Accumulates a[p][j] for P pixels × C chunks of 16 channels; P, C and the layout
 * constant, so everything stays in registers. A segment's last word may read bytes
 * past it: their weights are zero. */
static BS_AVX512_INLINE void
accumulate (const RowCtx *ctx, const uint8_t *const *rows, const gsize *off,
            __m512i a[BS_CONV_MAX_P][4], const int P, const int C,
            const BsCpuQconvLayout layout)
{
  const uint32_t *w = ctx->w;
  const int32_t kds = ctx->kds, cpad = ctx->cpad;

#pragma GCC unroll 8
  for (int p = 0; p < P; p++)
#pragma GCC unroll 4
    for (int j = 0; j < C; j++)
      a[p][j] = _mm512_setzero_si512 ();
  for (int32_t dy = 0; dy < ctx->kernel; dy++)
    {
      const uint8_t *x[BS_CONV_MAX_P];

#pragma GCC unroll 8
      for (int p = 0; p < P; p++)
        x[p] = rows[dy] + off[p];
      for (int32_t k = 0; k < kds; k++, w += cpad)
        {
          __m512i wv[4];

#pragma GCC unroll 4
          for (int j = 0; j < C; j++)
            wv[j] = _mm512_load_si512 (w + 16 * j);
#pragma GCC unroll 8
          for (int p = 0; p < P; p++)
            {
              __m512i xb = _mm512_set1_epi32 ((int) bs_conv_load32 (x[p] + 4 * k));

              if (layout == BS_CPU_QUAD8)
                {
#pragma GCC unroll 4
                  for (int j = 0; j < C; j++)
                    a[p][j] = _mm512_dpbusd_epi32 (a[p][j], xb, wv[j]);
                }
              else
                {
#pragma GCC unroll 4
                  for (int j = 0; j < C; j++)
                    a[p][j] = _mm512_dpwssd_epi32 (a[p][j], xb, wv[j]);
                }
            }
        }
    }
}

static BS_AVX512_INLINE void
block_t (const RowCtx *ctx, const uint8_t *const *rows, const gsize *off, int32_t x0,
         int32_t n, const int P, const int C, const BsCpuQconvLayout layout,
         const BsOutKind kind, const BsActType type, const gboolean full)
{
  int32_t elem = bs_plan_elem_size (type);
  uint8_t *dst = ctx->dst + x0 * ctx->dst_pixel;
  __m512i a[BS_CONV_MAX_P][4];

  accumulate (ctx, rows, off, a, P, C, layout);
#pragma GCC unroll 4
  for (int j = 0; j < C; j++)
    {
      __mmask16 m = (__mmask16) bs_cpu_chunk_mask (16 * j, ctx->cout);

#pragma GCC unroll 8
      for (int p = 0; p < P; p++)
        if (full || p < n)
          {
            __m512i v = a[p][j];

            if (layout == BS_CPU_QUAD8)
              v = _mm512_sub_epi32 (v, ctx->wsum[j]);
            bs_avx512_store (dst + (gsize) p * ctx->dst_pixel + 16 * j * elem, type, m,
                             bs_avx512_transform_r (v, &ctx->req[j]));
          }
    }
}

#define P1 8
#define P2 8
#define P3 6
#define P4 4

/* A row: blocks of P pixels with layout, kind and type constant. */
static BS_AVX512_INLINE void
row_t (const BsCpuOpArgs *args, const BsCpuQconvPacked *pk, const uint8_t *const *rows,
       gsize pitch, int32_t o, int64_t px0, int32_t n_px, const int P, const int C,
       const BsCpuQconvLayout layout, const BsOutKind kind, const BsActType type)
{
  int32_t elem = bs_plan_elem_size (type);
  gsize off[BS_CONV_MAX_P];
  RowCtx ctx;

  ctx.w = (const uint32_t *) pk->w + o;
  ctx.kds = pk->kds;
  ctx.cpad = pk->cpad;
  ctx.kernel = pk->kernel;
  ctx.cout = pk->cout - o;
  ctx.dst_pixel = (gsize) pk->cout * elem;
  ctx.dst = (uint8_t *) args->out_data + ((gsize) px0 * pk->cout + o) * elem;
  for (int j = 0; j < C; j++)
    {
      ctx.wsum[j] = layout == BS_CPU_QUAD8 ? _mm512_load_si512 (pk->wsum + o + 16 * j)
                                           : _mm512_setzero_si512 ();
      ctx.req[j] = bs_avx512_req_load (&pk->req, o + 16 * j, kind);
    }

  for (int32_t x0 = 0; x0 < n_px; x0 += P)
    {
      int32_t n = bs_conv_block_offsets (x0, n_px, pitch, P, off);

      /* Full blocks (all but a row's last) skip the per-pixel checks. */
      if (n == P)
        block_t (&ctx, rows, off, x0, n, P, C, layout, kind, type, TRUE);
      else
        block_t (&ctx, rows, off, x0, n, P, C, layout, kind, type, FALSE);
    }
}

/* One function per layout, output kind and type (each with its four chunk counts),
 * so that no function holds every instantiation. */
#define ROW_FUNC(name, layout, kind, type)                                               \
  static void                                                                            \
  name (const BsCpuOpArgs *args, const BsCpuQconvPacked *pk, int32_t c,                  \
        const uint8_t *const *rows, gsize pitch, int32_t o, int64_t px0, int32_t n)      \
  {                                                                                      \
    switch (c)                                                                           \
      {                                                                                  \
      case 1: row_t (args, pk, rows, pitch, o, px0, n, P1, 1, layout, kind, type); break; \
      case 2: row_t (args, pk, rows, pitch, o, px0, n, P2, 2, layout, kind, type); break; \
      case 3: row_t (args, pk, rows, pitch, o, px0, n, P3, 3, layout, kind, type); break; \
      default: row_t (args, pk, rows, pitch, o, px0, n, P4, 4, layout, kind, type); break; \
      }                                                                                  \
  }

ROW_FUNC (row_quad8_requant_i32, BS_CPU_QUAD8, BS_OUT_REQUANT, BS_ACT_I32)
ROW_FUNC (row_quad8_requant_i8, BS_CPU_QUAD8, BS_OUT_REQUANT, BS_ACT_I8)
ROW_FUNC (row_quad8_raw_i32, BS_CPU_QUAD8, BS_OUT_RAW, BS_ACT_I32)
ROW_FUNC (row_quad8_any, BS_CPU_QUAD8, pk->req.kind, pk->req.type)
ROW_FUNC (row_pair16_any, BS_CPU_PAIR16, pk->req.kind, pk->req.type)

#undef ROW_FUNC

static void
row_quad8 (const BsCpuOpArgs *args, const void *packed, int32_t c, const uint8_t *const *rows,
           gsize pitch, int32_t o, int32_t y, int64_t px0, int32_t n)
{
  const BsCpuQconvPacked *pk = packed;

  switch (bs_avx512_req_case (&pk->req))
    {
    case 1: row_quad8_requant_i32 (args, pk, c, rows, pitch, o, px0, n); break;
    case 2: row_quad8_requant_i8 (args, pk, c, rows, pitch, o, px0, n); break;
    case 3: row_quad8_raw_i32 (args, pk, c, rows, pitch, o, px0, n); break;
    default: row_quad8_any (args, pk, c, rows, pitch, o, px0, n); break;
    }
}

static void
row_pair16 (const BsCpuOpArgs *args, const void *packed, int32_t c, const uint8_t *const *rows,
            gsize pitch, int32_t o, int32_t y, int64_t px0, int32_t n)
{
  row_pair16_any (args, packed, c, rows, pitch, o, px0, n);
}

static const BsConvHooks hooks_quad8 = {
  .row = row_quad8,
};

static const BsConvHooks hooks_pair16 = {
  .row = row_pair16,
};

static gboolean
run_fallback (const BsCpuOpArgs *args, const BsCpuTile *tile, BsCpuKernelFunc scalar)
{
  const BsCpuQconvPacked *pk = args->weights;
  BsCpuOpArgs plain;

  if (!pk->fallback)
    return FALSE;
  plain = *args;
  plain.weights = args->op->weights;
  scalar (&plain, tile);
  return TRUE;
}

static BS_AVX512_INLINE void
qconv (const BsCpuOpArgs *args, const BsCpuTile *tile, const BsConvHooks *hooks)
{
  const BsCpuQconvPacked *pk = args->weights;
  BsConvGeom geom = { pk->kernel, pk->stride, pk->pad, pk->nb, pk->direct,
                      pk->in_elem != pk->elem, pk->layout == BS_CPU_QUAD8, FALSE };

  bs_conv_drive (args, tile, pk, &geom, pk->cout, hooks);
}

static void
bs_qconv_x8w8_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  if (!run_fallback (args, tile, bs_qconv_x8w8_scalar))
    qconv (args, tile, &hooks_quad8);
}

static void
bs_qconv_x8w16_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  if (!run_fallback (args, tile, bs_qconv_x8w16_scalar))
    qconv (args, tile, &hooks_pair16);
}

static void
bs_qconv_x16w8_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  if (!run_fallback (args, tile, bs_qconv_x16w8_scalar))
    qconv (args, tile, &hooks_pair16);
}

static void
bs_qconv_x16w16_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  if (!run_fallback (args, tile, bs_qconv_x16w16_scalar))
    qconv (args, tile, &hooks_pair16);
}

void
bs_qconv_install_avx512 (BsCpuKernels *table)
{
  table->qconv[BS_CPU_QX_I8][BS_CPU_QW_I8] = bs_qconv_x8w8_avx512;
  table->qconv_pack[BS_CPU_QX_I8][BS_CPU_QW_I8] = bs_cpu_qconv_pack_quad8;
  table->qconv[BS_CPU_QX_I8][BS_CPU_QW_I16] = bs_qconv_x8w16_avx512;
  table->qconv_pack[BS_CPU_QX_I8][BS_CPU_QW_I16] = bs_cpu_qconv_pack_pair16;
  table->qconv[BS_CPU_QX_I16][BS_CPU_QW_I8] = bs_qconv_x16w8_avx512;
  table->qconv_pack[BS_CPU_QX_I16][BS_CPU_QW_I8] = bs_cpu_qconv_pack_pair16;
  table->qconv[BS_CPU_QX_I16][BS_CPU_QW_I16] = bs_qconv_x16w16_avx512;
  table->qconv_pack[BS_CPU_QX_I16][BS_CPU_QW_I16] = bs_cpu_qconv_pack_pair16;
}
