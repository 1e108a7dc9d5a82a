/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-qconv-avx2.c: fixed-point conv/FC with AVX2 VPMADDWD.
 *
 * Every width (int4/int8/int16 activations, 8- or 16-bit weights) runs on int16
 * pairs: VPMADDWD multiplies 16 int16 pairs and adds each pair into an int32 lane,
 * exactly (weights are never -32768, so a pair cannot overflow; lanes may wrap in
 * between but the result fits int32). VPMADDUBSW would be twice as wide but
 * saturates its 16-bit pair sums, so it cannot be exact here. int8 activations are
 * widened while the dense rows are built; int32 ones keep the scalar kernel.
 */
#include "bs-cpu-avx2.h"
#include "bs-cpu-conv.h"

#define P 4

/* The sums of one chunk (16 channels from o) for the P pixels at off: a[i][h] gets
 * pixel i's channels 8h..8h+7. Always inlined, with constant indices into a after
 * unrolling: a stays in registers. */
static BS_AVX2_INLINE void
accumulate (const BsCpuQconvPacked *pk, const uint8_t *const *rows, const gsize *off,
            int32_t o, __m256i a[P][2])
{
  const int32_t kds = pk->kds, cpad = pk->cpad;
  const uint32_t *w = (const uint32_t *) pk->w + o;
  __m256i a00 = _mm256_setzero_si256 (), a01 = a00, a10 = a00, a11 = a00;
  __m256i a20 = a00, a21 = a00, a30 = a00, a31 = a00;

  for (int32_t dy = 0; dy < pk->kernel; dy++)
    {
      const uint8_t *x0 = rows[dy] + off[0], *x1 = rows[dy] + off[1];
      const uint8_t *x2 = rows[dy] + off[2], *x3 = rows[dy] + off[3];

      for (int32_t k = 0; k < kds; k++, w += cpad)
        {
          __m256i w0 = _mm256_load_si256 ((const __m256i *) w);
          __m256i w1 = _mm256_load_si256 ((const __m256i *) (w + 8));
          __m256i x;

#define STEP(xi, a0, a1)                                                \
          x = _mm256_set1_epi32 ((int) bs_conv_load32 (xi + 4 * k));      \
          a0 = _mm256_add_epi32 (a0, _mm256_madd_epi16 (x, w0));        \
          a1 = _mm256_add_epi32 (a1, _mm256_madd_epi16 (x, w1));
          STEP (x0, a00, a01)
          STEP (x1, a10, a11)
          STEP (x2, a20, a21)
          STEP (x3, a30, a31)
#undef STEP
        }
    }
  a[0][0] = a00;
  a[0][1] = a01;
  a[1][0] = a10;
  a[1][1] = a11;
  a[2][0] = a20;
  a[2][1] = a21;
  a[3][0] = a30;
  a[3][1] = a31;
}

/* A run of n_px pixels from px0 in blocks of P; per chunk, the sums stay in
 * registers through the transform (8 channels at a time, their parameters loaded
 * once for the block's pixels). kind and the output type to are constants where
 * row specialises. */
static BS_AVX2_INLINE void
row_t (const BsCpuOpArgs *args, const BsCpuQconvPacked *pk, int32_t c, const uint8_t *const *rows,
       gsize pitch, int32_t o, int64_t px0, int32_t n_px, const BsOutKind kind, const BsActType to)
{
  const int32_t cout = pk->cout;
  const gsize elem = bs_plan_elem_size (to);
  gsize off[P];

  for (int32_t x0 = 0; x0 < n_px; x0 += P)
    {
      int32_t n = bs_conv_block_offsets (x0, n_px, pitch, P, off);

      for (int j = 0; j < c; j++)
        {
          int32_t oj = o + 16 * j;
          __m256i a[P][2];

          accumulate (pk, rows, off, oj, a);
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
                  bs_avx2_store (dst, to, MIN (8, cout - oh), bs_avx2_transform_r (a[i][h], &r));
            }
        }
    }
}

static void
row (const BsCpuOpArgs *args, const void *packed, int32_t c, const uint8_t *const *rows,
     gsize pitch, int32_t o, int32_t y, int64_t px0, int32_t n_px)
{
  const BsCpuQconvPacked *pk = packed;
  BsOutKind kind = pk->req.kind;
  BsActType to = pk->req.type;

  (void) y;
  /* The requantisations of the bundled models. */
  if (kind == BS_OUT_REQUANT && to == BS_ACT_I32)
    row_t (args, pk, c, rows, pitch, o, px0, n_px, BS_OUT_REQUANT, BS_ACT_I32);
  else if (kind == BS_OUT_REQUANT && to == BS_ACT_I8)
    row_t (args, pk, c, rows, pitch, o, px0, n_px, BS_OUT_REQUANT, BS_ACT_I8);
  else
    row_t (args, pk, c, rows, pitch, o, px0, n_px, kind, to);
}

static const BsConvHooks hooks = {
  .row = row,
};

static BS_AVX2_INLINE void
qconv (const BsCpuOpArgs *args, const BsCpuTile *tile, BsCpuKernelFunc scalar)
{
  const BsCpuQconvPacked *pk = args->weights;
  BsConvGeom geom = { pk->kernel, pk->stride, pk->pad, pk->nb, pk->direct,
                      pk->in_elem != pk->elem, FALSE, FALSE };

  if (pk->fallback)
    {
      BsCpuOpArgs plain = *args;

      plain.weights = args->op->weights;
      scalar (&plain, tile);
      return;
    }
  bs_conv_drive (args, tile, pk, &geom, pk->cout, &hooks);
}

static void
bs_qconv_x8w8_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, bs_qconv_x8w8_scalar);
}

static void
bs_qconv_x8w16_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, bs_qconv_x8w16_scalar);
}

static void
bs_qconv_x16w8_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, bs_qconv_x16w8_scalar);
}

static void
bs_qconv_x16w16_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, bs_qconv_x16w16_scalar);
}

void
bs_qconv_install_avx2 (BsCpuKernels *table)
{
  table->qconv[BS_CPU_QX_I8][BS_CPU_QW_I8] = bs_qconv_x8w8_avx2;
  table->qconv[BS_CPU_QX_I8][BS_CPU_QW_I16] = bs_qconv_x8w16_avx2;
  table->qconv[BS_CPU_QX_I16][BS_CPU_QW_I8] = bs_qconv_x16w8_avx2;
  table->qconv[BS_CPU_QX_I16][BS_CPU_QW_I16] = bs_qconv_x16w16_avx2;
  for (int x = BS_CPU_QX_I8; x <= BS_CPU_QX_I16; x++)
    for (int w = 0; w < BS_CPU_N_QW; w++)
      table->qconv_pack[x][w] = bs_cpu_qconv_pack_pair16;
}
