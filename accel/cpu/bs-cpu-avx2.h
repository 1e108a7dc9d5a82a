/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-avx2.h: AVX2 helpers shared by bs-*-avx2.c (and the AVX2 ops the AVX-512
 * table keeps): the RAW/REQUANT output transform on 8 channels, typed loads and
 * stores. Include only from files built with the AVX2 flags (accel/meson.build). */
#pragma once

#include <immintrin.h>
#include <string.h>

#include "bs-cpu-pack.h"

G_BEGIN_DECLS

#define BS_AVX2_INLINE inline __attribute__ ((always_inline))

void bs_bconv_install_avx2 (BsCpuKernels *table);
void bs_qconv_install_avx2 (BsCpuKernels *table);
void bs_ops_install_avx2 (BsCpuKernels *table);
void bs_cpu_install_avx2 (BsCpuKernels *table);

/* bs-ops-avx2.c: int64 sums, any input type. */
void bs_global_avgpool_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile);

/* Arithmetic right shift of int64 lanes by per-lane counts (AVX2 has only the
 * logical one): flipping a negative value, shifting and flipping back floors. */
static BS_AVX2_INLINE __m256i
bs_avx2_srav_epi64 (__m256i v, __m256i s)
{
  __m256i neg = _mm256_cmpgt_epi64 (_mm256_setzero_si256 (), v);

  return _mm256_xor_si256 (_mm256_srlv_epi64 (_mm256_xor_si256 (v, neg), s), neg);
}

static BS_AVX2_INLINE __m256i
bs_avx2_clamp_epi64 (__m256i v, __m256i lo, __m256i hi)
{
  v = _mm256_blendv_epi8 (v, lo, _mm256_cmpgt_epi64 (lo, v));
  return _mm256_blendv_epi8 (v, hi, _mm256_cmpgt_epi64 (v, hi));
}

/* The parameters of one 8-channel half of a chunk's transform in registers: loaded
 * once per run of pixels (the compiler cannot hoist them itself: the output stores
 * might alias). */
typedef struct
{
  __m256i mul_e, mul_o, add_e, add_o, up_e, up_o, down;
  __m256i bias;
  __m256i lo, hi;            /* int32 lanes */
  const BsCpuReqChunk *ch;   /* the chunk, for the wide case's shifts */
  int h;                     /* the half: channels 8h..8h+7 of the chunk */
  gboolean has_bias, requant, wide, clamp32;
} BsAvx2Req;

/* kind: req->kind, or a constant for the callers that specialise on it. Fills *r
 * in place (a struct of ymm returned by value is copied through memory). */
static BS_AVX2_INLINE void
bs_avx2_req_load (BsAvx2Req *r, const BsCpuReq *req, int32_t o, const BsOutKind kind)
{
  r->has_bias = req->bias != NULL;
  r->bias = r->has_bias ? _mm256_load_si256 ((const __m256i *) (req->bias + o)) : _mm256_setzero_si256 ();
  r->requant = kind == BS_OUT_REQUANT;
  r->wide = r->requant && req->wide;
  r->clamp32 = r->requant && req->clamp32;
  r->ch = r->requant ? &req->chunks[o / BS_CPU_CHUNK] : NULL;
  r->h = o % BS_CPU_CHUNK / 8;
  if (r->requant)
    {
      const BsCpuReqChunk *ch = r->ch;
      int h = r->h;

      r->mul_e = _mm256_load_si256 ((const __m256i *) (ch->mul[0] + 4 * h));
      r->mul_o = _mm256_load_si256 ((const __m256i *) (ch->mul[1] + 4 * h));
      r->add_e = _mm256_load_si256 ((const __m256i *) (ch->add[0] + 4 * h));
      r->add_o = _mm256_load_si256 ((const __m256i *) (ch->add[1] + 4 * h));
      r->up_e = _mm256_load_si256 ((const __m256i *) (ch->up[0] + 4 * h));
      r->up_o = _mm256_load_si256 ((const __m256i *) (ch->up[1] + 4 * h));
      r->down = _mm256_load_si256 ((const __m256i *) (ch->down + 8 * h));
      r->lo = _mm256_set1_epi32 (req->lo);
      r->hi = _mm256_set1_epi32 (req->hi);
    }
}

/* sat (round_shift (x · mul + add, shift)) of 8 channels, exactly as bs_requant.
 * The products are 64-bit (VPMULDQ on the even lanes, then on the odd ones moved
 * down) and add holds the rounding constant, so with v = x · mul + add the result
 * is floor (v / 2^s). AVX2 has no 64-bit arithmetic shift; unless the results may
 * leave int32 (wide), none is needed:
 * - s <= 32: shift v left by 32 - s (VPSLLVQ) and take the high 32 bits. Exact: the
 *   result r fits int32 (not wide: req_range bounds it over every reachable x), so
 *   -2^(31+s) <= v < 2^(31+s) and v · 2^(32-s) lies in [-2^63, 2^63 - 2^(32-s)], no
 *   overflow; its high half is floor (v · 2^(32-s) / 2^32) = r.
 * - s > 32: the high 32 bits are floor (v / 2^32), and an int32 arithmetic shift by
 *   s - 32 (VPSRAVD, at most 30) gives floor (floor (v / 2^32) / 2^(s-32)) = r.
 * Both at once: shift left by up = max (0, 32 - s), take the high halves, shift
 * right by down = max (0, s - 32). Wide results (a saturation that cuts 64-bit
 * values) take an emulated 64-bit shift and a 64-bit clamp. The result is saturated
 * here unless the narrowing store does it (see BsCpuReq). */
static BS_AVX2_INLINE __m256i
bs_avx2_requant_r (__m256i x, const BsAvx2Req *r)
{
  __m256i e = _mm256_mul_epi32 (x, r->mul_e);
  __m256i o = _mm256_mul_epi32 (_mm256_shuffle_epi32 (x, _MM_SHUFFLE (2, 3, 0, 1)), r->mul_o);

  e = _mm256_add_epi64 (e, r->add_e);
  o = _mm256_add_epi64 (o, r->add_o);
  if (r->wide)
    {
      __m256i lo = _mm256_cvtepi32_epi64 (_mm256_castsi256_si128 (r->lo));
      __m256i hi = _mm256_cvtepi32_epi64 (_mm256_castsi256_si128 (r->hi));

      e = bs_avx2_srav_epi64 (e, _mm256_load_si256 ((const __m256i *) (r->ch->shift[0] + 4 * r->h)));
      o = bs_avx2_srav_epi64 (o, _mm256_load_si256 ((const __m256i *) (r->ch->shift[1] + 4 * r->h)));
      e = bs_avx2_clamp_epi64 (e, lo, hi);
      o = bs_avx2_clamp_epi64 (o, lo, hi);
      return _mm256_blend_epi32 (e, _mm256_shuffle_epi32 (o, _MM_SHUFFLE (2, 3, 0, 1)), 0xaa);
    }
  e = _mm256_sllv_epi64 (e, r->up_e);
  o = _mm256_sllv_epi64 (o, r->up_o);
  /* The high halves: the even channels' move down, the odd ones' are in place. */
  e = _mm256_blend_epi32 (_mm256_shuffle_epi32 (e, _MM_SHUFFLE (3, 3, 1, 1)), o, 0xaa);
  e = _mm256_srav_epi32 (e, r->down);
  if (r->clamp32)
    e = _mm256_min_epi32 (_mm256_max_epi32 (e, r->lo), r->hi);
  return e;
}

/* The RAW or REQUANT value of 8 accumulators x (bias not yet added). */
static BS_AVX2_INLINE __m256i
bs_avx2_transform_r (__m256i x, const BsAvx2Req *r)
{
  if (r->has_bias)
    x = _mm256_add_epi32 (x, r->bias);
  return r->requant ? bs_avx2_requant_r (x, r) : x;
}

/* Stores the first n (1..8) of 8 int32 values as type, narrowing with signed
 * saturation (PACKSSDW, PACKSSWB: the requantisation relies on it). */
static BS_AVX2_INLINE void
bs_avx2_store (void *dst, BsActType type, int n, __m256i v)
{
  __m128i w16 = _mm_packs_epi32 (_mm256_castsi256_si128 (v), _mm256_extracti128_si256 (v, 1));
  int32_t tmp[8];

  switch (type)
    {
    case BS_ACT_I4:
    case BS_ACT_I8:
      w16 = _mm_packs_epi16 (w16, w16);
      if (n == 8)
        _mm_storel_epi64 (dst, w16);
      else
        {
          _mm_storel_epi64 ((__m128i *) tmp, w16);
          memcpy (dst, tmp, n);
        }
      break;
    case BS_ACT_I16:
      if (n == 8)
        _mm_storeu_si128 (dst, w16);
      else
        {
          _mm_storeu_si128 ((__m128i *) tmp, w16);
          memcpy (dst, tmp, 2 * n);
        }
      break;
    case BS_ACT_U8:
    case BS_ACT_BITS:
    case BS_ACT_I32:
    default:
      if (n == 8)
        _mm256_storeu_si256 (dst, v);
      else
        {
          _mm256_storeu_si256 ((__m256i *) tmp, v);
          memcpy (dst, tmp, 4 * n);
        }
      break;
    }
}

/* Loads 8 elements of type as int32. */
static BS_AVX2_INLINE __m256i
bs_avx2_load8 (const void *src, BsActType type)
{
  switch (type)
    {
    case BS_ACT_U8:
      return _mm256_cvtepu8_epi32 (_mm_loadl_epi64 (src));
    case BS_ACT_I4:
    case BS_ACT_I8:
      return _mm256_cvtepi8_epi32 (_mm_loadl_epi64 (src));
    case BS_ACT_I16:
      return _mm256_cvtepi16_epi32 (_mm_loadu_si128 (src));
    case BS_ACT_I32:
    case BS_ACT_BITS:
    default:
      return _mm256_loadu_si256 (src);
    }
}

/* Loads the first n (1..8) of 8 elements of type as int32, the rest 0. */
static BS_AVX2_INLINE __m256i
bs_avx2_load (const void *src, BsActType type, int n)
{
  if (n < 8)
    {
      int32_t tmp[8] = { 0 };

      memcpy (tmp, src, (gsize) n * bs_plan_elem_size (type));
      return bs_avx2_load8 (tmp, type);
    }
  return bs_avx2_load8 (src, type);
}

G_END_DECLS
