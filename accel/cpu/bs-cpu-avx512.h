/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-avx512.h: AVX-512 helpers shared by bs-*-avx512.c: the RAW/REQUANT output
 * transform on 16 channels and typed stores. Include only from files built with the
 * AVX-512 flags (accel/meson.build). */
#pragma once

#include <immintrin.h>

#include "bs-cpu-pack.h"

G_BEGIN_DECLS

#define BS_AVX512_INLINE inline __attribute__ ((always_inline))

/* Masks as integers through an explicit KMOV: GCC 12 may spill a __mmask16 (or 32)
 * with KMOVW (KMOVD) and, where the value is widened, reload the slot with a 64-bit
 * MOV: the upper bits are then stack garbage (seen under -fsanitize=alignment, which
 * adds register pressure). The cast intrinsics (_cvtmask16_u32) get folded into that
 * same pattern; an asm cannot be. */
static inline uint32_t
bs_avx512_mask16 (__mmask16 m)
{
  uint32_t r;

  __asm__ ("kmovw %1, %0" : "=r" (r) : "k" (m));
  return r;
}

static inline uint32_t
bs_avx512_mask32 (__mmask32 m)
{
  uint32_t r;

  __asm__ ("kmovd %1, %0" : "=r" (r) : "k" (m));
  return r;
}

/* Installers of each family (bs-bconv-avx512.c, bs-qconv-avx512.c, bs-ops-avx512.c). */
void bs_bconv_install_avx512 (BsCpuKernels *table);
void bs_qconv_install_avx512 (BsCpuKernels *table);
void bs_ops_install_avx512 (BsCpuKernels *table);
void bs_cpu_install_avx512 (BsCpuKernels *table);

/* The parameters of one chunk's transform in registers: loaded once per block of
 * pixels (the compiler cannot hoist them itself: the output stores might alias). */
typedef struct
{
  __m512i mul_e, mul_o, add_e, add_o, sh_e, sh_o;
  __m512i bias;
  __m512i lo, hi;            /* int64 lanes when wide, else int32 */
  gboolean has_bias, requant, wide, clamp32;
} BsAvx512Req;

static BS_AVX512_INLINE BsAvx512Req
bs_avx512_req_load (const BsCpuReq *req, int32_t o, const BsOutKind kind)
{
  BsAvx512Req r;

  r.has_bias = req->bias != NULL;
  r.bias = r.has_bias ? _mm512_load_si512 (req->bias + o) : _mm512_setzero_si512 ();
  r.requant = kind == BS_OUT_REQUANT;
  r.wide = r.requant && req->wide;
  r.clamp32 = r.requant && req->clamp32;
  if (r.requant)
    {
      const BsCpuReqChunk *ch = &req->chunks[o / BS_CPU_CHUNK];

      r.mul_e = _mm512_load_si512 (ch->mul[0]);
      r.mul_o = _mm512_load_si512 (ch->mul[1]);
      r.add_e = _mm512_load_si512 (ch->add[0]);
      r.add_o = _mm512_load_si512 (ch->add[1]);
      r.sh_e = _mm512_load_si512 (ch->shift[0]);
      r.sh_o = _mm512_load_si512 (ch->shift[1]);
      r.lo = r.wide ? _mm512_set1_epi64 (req->lo) : _mm512_set1_epi32 (req->lo);
      r.hi = r.wide ? _mm512_set1_epi64 (req->hi) : _mm512_set1_epi32 (req->hi);
    }
  else
    r.mul_e = r.mul_o = r.add_e = r.add_o = r.sh_e = r.sh_o = r.lo = r.hi = _mm512_setzero_si512 ();
  return r;
}

/* sat (round_shift (x · mul + add, shift)) for 16 channels, exactly as bs_requant:
 * the products are 64-bit (VPMULDQ on the even lanes, then on the odd ones moved
 * down), the rounding constant is in add, the shift is arithmetic. The result is
 * saturated here unless the narrowing store does it (see BsCpuReq). */
static BS_AVX512_INLINE __m512i
bs_avx512_requant_r (__m512i x, const BsAvx512Req *r)
{
  /* Dword swaps (VPSHUFD) move the odd lanes down and back: the shuffle port, not
   * the shift port the 64-bit shifts need. */
  __m512i e = _mm512_mul_epi32 (x, r->mul_e);
  __m512i o = _mm512_mul_epi32 (_mm512_shuffle_epi32 (x, _MM_PERM_CDAB), r->mul_o);
  __m512i v;

  e = _mm512_srav_epi64 (_mm512_add_epi64 (e, r->add_e), r->sh_e);
  o = _mm512_srav_epi64 (_mm512_add_epi64 (o, r->add_o), r->sh_o);
  if (r->wide)
    {
      e = _mm512_min_epi64 (_mm512_max_epi64 (e, r->lo), r->hi);
      o = _mm512_min_epi64 (_mm512_max_epi64 (o, r->lo), r->hi);
    }
  v = _mm512_mask_shuffle_epi32 (e, 0xaaaa, o, _MM_PERM_CDAB);
  if (r->clamp32)
    v = _mm512_min_epi32 (_mm512_max_epi32 (v, r->lo), r->hi);
  return v;
}

/* The RAW or REQUANT value of accumulators x (bias not yet added). */
static BS_AVX512_INLINE __m512i
bs_avx512_transform_r (__m512i x, const BsAvx512Req *r)
{
  if (r->has_bias)
    x = _mm512_add_epi32 (x, r->bias);
  return r->requant ? bs_avx512_requant_r (x, r) : x;
}

/* Stores 16 int32 values as elements of type, narrowing with signed saturation
 * (the requantisation relies on it for full-range int8 and int16). */
static BS_AVX512_INLINE void
bs_avx512_store (void *dst, BsActType type, __mmask16 m, __m512i v)
{
  switch (type)
    {
    case BS_ACT_I4:
    case BS_ACT_I8:
      _mm512_mask_cvtsepi32_storeu_epi8 (dst, m, v);
      break;
    case BS_ACT_U8:
      _mm512_mask_cvtepi32_storeu_epi8 (dst, m, v);
      break;
    case BS_ACT_I16:
      _mm512_mask_cvtsepi32_storeu_epi16 (dst, m, v);
      break;
    case BS_ACT_I32:
    case BS_ACT_BITS:
    default:
      _mm512_mask_storeu_epi32 (dst, m, v);
      break;
    }
}

/* RAW or REQUANT of accumulators x (bias not yet added) for channels [o, o + 16),
 * stored at dst (the element of channel o) under mask m: for single uses; loops
 * load a BsAvx512Req once. */
static BS_AVX512_INLINE void
bs_avx512_transform_store (const BsCpuReq *req, int32_t o, __m512i x, void *dst, __mmask16 m)
{
  BsAvx512Req r = bs_avx512_req_load (req, o, req->kind);

  bs_avx512_store (dst, req->type, m, bs_avx512_transform_r (x, &r));
}

/* The common (kind, type) pairs of RAW/REQUANT outputs, for dispatching once per call
 * to code specialised for them: 0 for any other pair. */
static inline int
bs_avx512_req_case (const BsCpuReq *req)
{
  if (req->kind == BS_OUT_REQUANT && req->type == BS_ACT_I32)
    return 1;
  if (req->kind == BS_OUT_REQUANT && (req->type == BS_ACT_I8 || req->type == BS_ACT_I4))
    return 2;
  if (req->kind == BS_OUT_RAW && req->type == BS_ACT_I32)
    return 3;
  return 0;
}

/* Loads 16 elements of type (masked) as int32. */
static BS_AVX512_INLINE __m512i
bs_avx512_load (const void *src, BsActType type, __mmask16 m)
{
  switch (type)
    {
    case BS_ACT_U8:
      return _mm512_cvtepu8_epi32 (_mm_maskz_loadu_epi8 (m, src));
    case BS_ACT_I4:
    case BS_ACT_I8:
      return _mm512_cvtepi8_epi32 (_mm_maskz_loadu_epi8 (m, src));
    case BS_ACT_I16:
      return _mm512_cvtepi16_epi32 (_mm256_maskz_loadu_epi16 (m, src));
    case BS_ACT_I32:
    case BS_ACT_BITS:
    default:
      return _mm512_maskz_loadu_epi32 (m, src);
    }
}

G_END_DECLS
