/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-ops-avx512.c: the elementwise ops that sit between the convolutions of every
 * block (sign, add + requantisation, batchnorm, global average pool) with AVX-512,
 * 16 or 64 channels at a time; the rarer ops come from the AVX2 table. Also the
 * AVX-512 installer. */
#include "bs-cpu-avx512.h"

/* sign, per pixel: one output word per 64 channels, the sign bits of up to 64
 * elements. */
static void
sign_pixels (const BsCpuOpArgs *args, const BsCpuTile *tile, int64_t px0, int64_t px1)
{
  const BsShape s = args->out->shape;
  BsActType type = args->in[0]->type;
  int elem = bs_plan_elem_size (type);
  int32_t words = bs_plan_words (s.c);
  const uint8_t *in = args->in_data[0];
  uint64_t *out = args->out_data;

  for (int64_t px = px0; px < px1; px++)
    for (int32_t w = tile->c0 / 64; w < bs_plan_words (tile->c1); w++)
      {
        int32_t n = MIN (64, s.c - 64 * w);
        const uint8_t *src = in + (px * s.c + 64 * w) * elem;
        uint64_t bits = 0;

        if (elem == 1)
          bits = _cvtmask64_u64 (_mm512_movepi8_mask (_mm512_maskz_loadu_epi8 (_bzhi_u64 (~0ull, n), src)));
        else if (elem == 2)
          for (int32_t h = 0; h < n; h += 32)
            bits |= (uint64_t) bs_avx512_mask32 (_mm512_movepi16_mask (_mm512_maskz_loadu_epi16 (_bzhi_u32 (~0u, n - h),
                                                                                              src + 2 * h))) << h;
        else
          for (int32_t q = 0; q < n; q += 16)
            bits |= (uint64_t) bs_avx512_mask16 (_mm512_cmplt_epi32_mask (_mm512_maskz_loadu_epi32 ((__mmask16) _bzhi_u32 (0xffff, n - q),
                                                                                                   src + 4 * q),
                                                                         _mm512_setzero_si512 ())) << q;
        out[px * words + w] = bits;
      }
}

/* sign of int8 with 8, 16, 32 or a multiple of 64 channels, whole pixels: the sign
 * bits of 64 consecutive bytes are 64/C pixels' words (or one word), zero-extended. */
static void
bs_sign_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  int32_t c = args->out->shape.c, w = args->out->shape.w;
  int64_t px0 = (int64_t) tile->y0 * w, px1 = (int64_t) tile->y1 * w;
  const int8_t *in = args->in_data[0];
  uint64_t *out = args->out_data;
  int32_t per_block = 64 / c;

  if (bs_plan_elem_size (args->in[0]->type) != 1 || tile->c0 != 0 || tile->c1 != c
      || (c != 8 && c != 16 && c != 32 && c % 64 != 0))
    {
      sign_pixels (args, tile, px0, px1);
      return;
    }
  if (c % 64 == 0)
    {
      for (int64_t i = px0 * c; i < px1 * c; i += 64)
        out[i / 64] = _cvtmask64_u64 (_mm512_movepi8_mask (_mm512_loadu_si512 (in + i)));
      return;
    }
  for (; px0 + per_block <= px1; px0 += per_block)
    {
      __m128i m = _mm_cvtsi64_si128 ((long long) _cvtmask64_u64 (_mm512_movepi8_mask (_mm512_loadu_si512 (in + px0 * c))));

      if (c == 16)
        _mm256_storeu_si256 ((__m256i *) (out + px0), _mm256_cvtepu16_epi64 (m));
      else if (c == 32)
        _mm_storeu_si128 ((__m128i *) (out + px0), _mm_cvtepu32_epi64 (m));
      else
        _mm512_storeu_si512 (out + px0, _mm512_cvtepu8_epi64 (m));
    }
  sign_pixels (args, tile, px0, px1);
}

/* add: sat32 (a + b), then the transform. The 32-bit sum wraps; where it did (both
 * inputs of one sign, the sum of the other) the saturated value is INT32_MAX for a
 * positive a, INT32_MIN for a negative one: (a >> 31) ^ INT32_MAX. */
static BS_AVX512_INLINE void
add_t (const BsCpuOpArgs *args, const BsCpuTile *tile, const BsCpuReq *req,
       const BsActType ta, const BsActType tb, const BsOutKind kind, const BsActType to,
       const gboolean exact)
{
  const BsShape s = args->out->shape;
  int ea = bs_plan_elem_size (ta), eb = bs_plan_elem_size (tb), eo = bs_plan_elem_size (to);
  const uint8_t *a = args->in_data[0], *b = args->in_data[1];
  uint8_t *out = args->out_data;
  const __m512i max32 = _mm512_set1_epi32 (G_MAXINT32);

  /* Chunks outer: each chunk's parameters stay in registers across the pixels. */
  for (int32_t o = tile->c0; o < tile->c1; o += 16)
    {
      BsAvx512Req r = bs_avx512_req_load (req, o, kind);
      __mmask16 m = (__mmask16) bs_cpu_chunk_mask (o, s.c);

      for (int64_t px = (int64_t) tile->y0 * s.w; px < (int64_t) tile->y1 * s.w; px++)
        {
          int64_t i = px * s.c + o;
          __m512i va = bs_avx512_load (a + i * ea, ta, m);
          __m512i vb = bs_avx512_load (b + i * eb, tb, m);
          __m512i sum = _mm512_add_epi32 (va, vb);

          if (!exact)
            {
              /* (a ^ sum) & (b ^ sum): negative where the sum wrapped. */
              __m512i wrapped = _mm512_ternarylogic_epi32 (va, vb, sum, 0x42);
              __mmask16 w = _mm512_cmplt_epi32_mask (wrapped, _mm512_setzero_si512 ());

              sum = _mm512_mask_xor_epi32 (sum, w, _mm512_srai_epi32 (va, 31), max32);
            }
          bs_avx512_store (out + i * eo, to, m, bs_avx512_transform_r (sum, &r));
        }
    }
}

static void
bs_add_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsCpuReqPacked *pk = args->weights;
  const BsCpuReq *req = &pk->req;
  BsActType ta = args->in[0]->type, tb = args->in[1]->type;

  if (ta == BS_ACT_I32 && tb == BS_ACT_I32 && bs_avx512_req_case (req) == 2 && pk->exact_sum)
    add_t (args, tile, req, BS_ACT_I32, BS_ACT_I32, BS_OUT_REQUANT, BS_ACT_I8, TRUE);
  else if (ta == BS_ACT_I32 && tb == BS_ACT_I32 && bs_avx512_req_case (req) == 2)
    add_t (args, tile, req, BS_ACT_I32, BS_ACT_I32, BS_OUT_REQUANT, BS_ACT_I8, FALSE);
  else if (ta == BS_ACT_I32 && tb == BS_ACT_I8 && bs_avx512_req_case (req) == 2)
    add_t (args, tile, req, BS_ACT_I32, BS_ACT_I8, BS_OUT_REQUANT, BS_ACT_I8, pk->exact_sum);
  else
    add_t (args, tile, req, ta, tb, req->kind, req->type, pk->exact_sum);
}

static void
bs_batchnorm_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsCpuReq *req = &((const BsCpuReqPacked *) args->weights)->req;
  const BsShape s = args->out->shape;
  BsActType ti = args->in[0]->type;
  int ei = bs_plan_elem_size (ti), eo = bs_plan_elem_size (req->type);
  const uint8_t *in = args->in_data[0];
  uint8_t *out = args->out_data;

  for (int32_t o = tile->c0; o < tile->c1; o += 16)
    {
      BsAvx512Req r = bs_avx512_req_load (req, o, req->kind);
      __mmask16 m = (__mmask16) bs_cpu_chunk_mask (o, s.c);

      for (int64_t px = (int64_t) tile->y0 * s.w; px < (int64_t) tile->y1 * s.w; px++)
        {
          int64_t i = px * s.c + o;

          bs_avx512_store (out + i * eo, req->type, m, bs_avx512_transform_r (bs_avx512_load (in + i * ei, ti, m), &r));
        }
    }
}

/* global_avgpool: int32 sums are exact for inputs up to 16 bits over fewer than 2^16
 * pixels; otherwise (i32 inputs, huge maps) the AVX2 table's int64 version runs. */
static void
bs_global_avgpool_avx512 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsShape in = args->in[0]->shape;
  BsActType type = args->in[0]->type;
  int elem = bs_plan_elem_size (type);
  int64_t n = (int64_t) in.h * in.w;
  const uint8_t *src = args->in_data[0];

  if (type == BS_ACT_I32 || n >= 65536)
    {
      bs_global_avgpool_scalar (args, tile);
      return;
    }
  for (int32_t o = tile->c0; o < tile->c1; o += 16)
    {
      __mmask16 m = (__mmask16) bs_cpu_chunk_mask (o, in.c);
      __m512i sum = _mm512_setzero_si512 ();
      int32_t sums[16];

      for (int64_t px = 0; px < n; px++)
        sum = _mm512_add_epi32 (sum, bs_avx512_load (src + (px * in.c + o) * elem, type, m));
      _mm512_storeu_si512 (sums, sum);
      for (int j = 0; j < 16 && o + j < in.c; j++)
        bs_cpu_store (args->out_data, type, o + j, (int32_t) bs_round_div (sums[j], n));
    }
}

void
bs_ops_install_avx512 (BsCpuKernels *table)
{
  table->ops[BS_PLAN_OP_SIGN] = bs_sign_avx512;
  table->ops_pack[BS_PLAN_OP_SIGN] = NULL;
  table->ops[BS_PLAN_OP_ADD] = bs_add_avx512;
  table->ops_pack[BS_PLAN_OP_ADD] = bs_cpu_req_pack;
  table->ops[BS_PLAN_OP_BATCHNORM] = bs_batchnorm_avx512;
  table->ops_pack[BS_PLAN_OP_BATCHNORM] = bs_cpu_req_pack;
  table->ops[BS_PLAN_OP_GLOBAL_AVGPOOL] = bs_global_avgpool_avx512;
  table->ops_pack[BS_PLAN_OP_GLOBAL_AVGPOOL] = NULL;
}

void
bs_cpu_install_avx512 (BsCpuKernels *table)
{
  bs_bconv_install_avx512 (table);
  bs_qconv_install_avx512 (table);
  bs_ops_install_avx512 (table);
}
