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

/* sat (round_shift (x · mul + add, shift)) of 8 channels: half h (0 or 1) of chunk
 * ch, exactly as bs_requant (see bs_avx512_requant). */
static BS_AVX2_INLINE __m256i
bs_avx2_requant (__m256i x, const BsCpuReq *req, const BsCpuReqChunk *ch, int h)
{
  __m256i e = _mm256_mul_epi32 (x, _mm256_load_si256 ((const __m256i *) (ch->mul[0] + 4 * h)));
  __m256i o = _mm256_mul_epi32 (_mm256_shuffle_epi32 (x, _MM_SHUFFLE (2, 3, 0, 1)),
                                _mm256_load_si256 ((const __m256i *) (ch->mul[1] + 4 * h)));

  e = _mm256_add_epi64 (e, _mm256_load_si256 ((const __m256i *) (ch->add[0] + 4 * h)));
  o = _mm256_add_epi64 (o, _mm256_load_si256 ((const __m256i *) (ch->add[1] + 4 * h)));
  e = bs_avx2_srav_epi64 (e, _mm256_load_si256 ((const __m256i *) (ch->shift[0] + 4 * h)));
  o = bs_avx2_srav_epi64 (o, _mm256_load_si256 ((const __m256i *) (ch->shift[1] + 4 * h)));
  if (req->wide)
    {
      __m256i lo = _mm256_set1_epi64x (req->lo), hi = _mm256_set1_epi64x (req->hi);

      e = bs_avx2_clamp_epi64 (e, lo, hi);
      o = bs_avx2_clamp_epi64 (o, lo, hi);
    }
  e = _mm256_blend_epi32 (e, _mm256_shuffle_epi32 (o, _MM_SHUFFLE (2, 3, 0, 1)), 0xaa);
  if (req->clamp32)
    e = _mm256_min_epi32 (_mm256_max_epi32 (e, _mm256_set1_epi32 (req->lo)), _mm256_set1_epi32 (req->hi));
  return e;
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

/* Loads the first n (1..8) of 8 elements of type as int32, the rest 0. */
static BS_AVX2_INLINE __m256i
bs_avx2_load (const void *src, BsActType type, int n)
{
  int elem = bs_plan_elem_size (type);
  int32_t tmp[8] = { 0 };

  if (n < 8)
    {
      memcpy (tmp, src, (gsize) n * elem);
      src = tmp;
    }
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

/* RAW or REQUANT of 8 accumulators (bias not yet added) for channels [o, o + 8), o a
 * multiple of 8, storing the first n at dst (the element of channel o). */
static BS_AVX2_INLINE void
bs_avx2_transform_store (const BsCpuReq *req, int32_t o, __m256i x, void *dst, int n)
{
  if (req->bias != NULL)
    x = _mm256_add_epi32 (x, _mm256_load_si256 ((const __m256i *) (req->bias + o)));
  if (req->kind == BS_OUT_REQUANT)
    x = bs_avx2_requant (x, req, &req->chunks[o / BS_CPU_CHUNK], o % BS_CPU_CHUNK / 8);
  bs_avx2_store (dst, req->type, n, x);
}

G_END_DECLS
