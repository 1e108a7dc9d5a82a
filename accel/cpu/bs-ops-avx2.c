/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-ops-avx2.c: the small ops with AVX2, and the AVX2 installer.
 *
 * sign, add and batchnorm are explicit AVX2 (8 channels at a time). The rest (input
 * conversion, thermometer, pooling, concat, transpose) are plain loops over typed
 * rows, with no per-element calls or type switches (the scalar reference has both),
 * which the compiler vectorises where it can; the AVX-512 table keeps them.
 */
#include "bs-cpu-avx2.h"

/* sign: 32 bytes, 16 int16 or 8 int32 to a mask of their sign bits. */
static uint64_t
sign_bits (const uint8_t *src, BsActType type, int32_t n)
{
  int elem = bs_plan_elem_size (type);
  uint8_t tmp[64 * 4 + 32] __attribute__ ((aligned (32)));
  uint64_t bits = 0;

  if (n < 64)
    {
      /* Only the 32-byte loads that reach past n read the copy's zeros. */
      memcpy (tmp, src, (gsize) n * elem);
      memset (tmp + (gsize) n * elem, 0, 32);
      src = tmp;
    }
  for (int32_t i = 0; i < n; i += 32 / elem)
    {
      __m256i v = _mm256_loadu_si256 ((const __m256i *) (src + i * elem));
      uint64_t m;

      if (elem == 1)
        m = (uint32_t) _mm256_movemask_epi8 (v);
      else if (elem == 2)
        m = _pext_u32 ((uint32_t) _mm256_movemask_epi8 (v), 0xaaaaaaaau);
      else
        m = (uint32_t) _mm256_movemask_ps (_mm256_castsi256_ps (v));
      bits |= m << i;
    }
  return n < 64 ? bits & ((1ull << n) - 1) : bits;
}

static void
bs_sign_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsShape s = args->out->shape;
  BsActType type = args->in[0]->type;
  int elem = bs_plan_elem_size (type);
  int32_t words = bs_plan_words (s.c);
  const uint8_t *in = args->in_data[0];
  uint64_t *out = args->out_data;
  int64_t px = (int64_t) tile->y0 * s.w;

  /* int8 with 8, 16 or 32 channels, whole pixels: the sign bits of 32 consecutive
   * bytes are 32/C pixels' words. */
  if (elem == 1 && tile->c0 == 0 && tile->c1 == s.c && (s.c == 8 || s.c == 16 || s.c == 32))
    for (int32_t per = 32 / s.c; px + per <= (int64_t) tile->y1 * s.w; px += per)
      {
        uint32_t m = (uint32_t) _mm256_movemask_epi8 (_mm256_loadu_si256 ((const __m256i *) (in + px * s.c)));

        for (int32_t i = 0; i < per; i++)
          out[px + i] = s.c == 32 ? m : (m >> (i * s.c)) & ((1u << s.c) - 1);
      }
  for (; px < (int64_t) tile->y1 * s.w; px++)
    for (int32_t w = tile->c0 / 64; w < bs_plan_words (tile->c1); w++)
      out[px * words + w] = sign_bits (in + (px * s.c + 64 * w) * elem, type, MIN (64, s.c - 64 * w));
}

/* add: sat32 (a + b) (see add_t in bs-ops-avx512.c), then the transform; the wrap
 * test only where the inputs' ranges allow a wrap (exact). Types, kind and exact
 * are constants where the caller specialises. */
static BS_AVX2_INLINE void
add_t (const BsCpuOpArgs *args, const BsCpuTile *tile, const BsCpuReq *req,
       const BsActType ta, const BsActType tb, const BsOutKind kind, const BsActType to,
       const gboolean exact)
{
  const BsShape s = args->out->shape;
  int ea = bs_plan_elem_size (ta), eb = bs_plan_elem_size (tb), eo = bs_plan_elem_size (to);
  const uint8_t *a = args->in_data[0], *b = args->in_data[1];
  uint8_t *out = args->out_data;
  const __m256i max32 = _mm256_set1_epi32 (G_MAXINT32);

  /* 8 channels outer: their parameters stay in registers across the pixels. */
  for (int32_t o = tile->c0; o < tile->c1; o += 8)
    {
      const int n = MIN (8, tile->c1 - o);
      const int64_t end = (int64_t) tile->y1 * s.w * s.c + o;
      BsAvx2Req r;

      bs_avx2_req_load (&r, req, o, kind);
      for (int64_t i = (int64_t) tile->y0 * s.w * s.c + o; i < end; i += s.c)
        {
          __m256i va = bs_avx2_load (a + i * ea, ta, n);
          __m256i vb = bs_avx2_load (b + i * eb, tb, n);
          __m256i sum = _mm256_add_epi32 (va, vb);

          if (!exact)
            {
              /* (a ^ sum) & (b ^ sum): negative where the sum wrapped. */
              __m256i wrapped = _mm256_and_si256 (_mm256_xor_si256 (va, sum), _mm256_xor_si256 (vb, sum));
              __m256i sat = _mm256_xor_si256 (_mm256_srai_epi32 (va, 31), max32);

              sum = _mm256_castps_si256 (_mm256_blendv_ps (_mm256_castsi256_ps (sum), _mm256_castsi256_ps (sat),
                                                           _mm256_castsi256_ps (wrapped)));
            }
          bs_avx2_store (out + i * eo, to, n, bs_avx2_transform_r (sum, &r));
        }
    }
}

static void
bs_add_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsCpuReqPacked *pk = args->weights;
  const BsCpuReq *req = &pk->req;
  BsActType ta = args->in[0]->type, tb = args->in[1]->type;

  /* The residual adds of the bundled models. */
  if (ta == BS_ACT_I32 && tb == BS_ACT_I32 && req->kind == BS_OUT_REQUANT && req->type == BS_ACT_I8
      && pk->exact_sum)
    add_t (args, tile, req, BS_ACT_I32, BS_ACT_I32, BS_OUT_REQUANT, BS_ACT_I8, TRUE);
  else
    add_t (args, tile, req, ta, tb, req->kind, req->type, pk->exact_sum);
}

static void
bs_batchnorm_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsCpuReq *req = &((const BsCpuReqPacked *) args->weights)->req;
  const BsShape s = args->out->shape;
  BsActType ti = args->in[0]->type;
  int ei = bs_plan_elem_size (ti), eo = bs_plan_elem_size (req->type);
  const uint8_t *in = args->in_data[0];
  uint8_t *out = args->out_data;

  for (int32_t o = tile->c0; o < tile->c1; o += 8)
    {
      const int n = MIN (8, tile->c1 - o);
      const int64_t end = (int64_t) tile->y1 * s.w * s.c + o;
      BsAvx2Req r;

      bs_avx2_req_load (&r, req, o, req->kind);
      for (int64_t i = (int64_t) tile->y0 * s.w * s.c + o; i < end; i += s.c)
        {
          bs_avx2_store (out + i * eo, req->type, n, bs_avx2_transform_r (bs_avx2_load (in + i * ei, ti, n), &r));
        }
    }
}

/* Typed element access for the plain loops. */
static inline int32_t
get (const void *p, int elem, int64_t i)
{
  switch (elem)
    {
    case 1: return ((const int8_t *) p)[i];
    case 2: return ((const int16_t *) p)[i];
    default: return ((const int32_t *) p)[i];
    }
}

static inline void
put (void *p, int elem, int64_t i, int32_t v)
{
  switch (elem)
    {
    case 1: ((int8_t *) p)[i] = (int8_t) v; break;
    case 2: ((int16_t *) p)[i] = (int16_t) v; break;
    default: ((int32_t *) p)[i] = v; break;
    }
}

/* Strides of a u8 input: the caller's CHW image, or an HWC buffer (the image
 * through concat or transpose). */
static inline void
u8_strides (const BsPlanBuffer *in, int64_t *pixel, int64_t *channel)
{
  *pixel = in->is_input ? 1 : in->shape.c;
  *channel = in->is_input ? (int64_t) in->shape.h * in->shape.w : 1;
}

/* input and quantize_input: u8 to HWC, as is or minus 128. */
static inline void
image_to_hwc (const BsCpuOpArgs *args, const BsCpuTile *tile, uint8_t flip)
{
  const BsShape s = args->out->shape;
  const uint8_t *img = args->in_data[0];
  uint8_t *out = args->out_data;
  int64_t sp, sc;

  u8_strides (args->in[0], &sp, &sc);
  /* Channel by channel: each a contiguous plane of the CHW image, written with a
   * stride of C. */
  for (int32_t c = tile->c0; c < tile->c1; c++)
    {
      const uint8_t *src = img + c * sc;
      uint8_t *dst = out + c;

      if (sp == 1)
        for (int64_t px = (int64_t) tile->y0 * s.w; px < (int64_t) tile->y1 * s.w; px++)
          dst[px * s.c] = src[px] ^ flip;
      else
        for (int64_t px = (int64_t) tile->y0 * s.w; px < (int64_t) tile->y1 * s.w; px++)
          dst[px * s.c] = src[px * sp] ^ flip;
    }
}

static void
bs_input_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  image_to_hwc (args, tile, 0);
}

/* x - 128 in int8 is x XOR 0x80. */
static void
bs_quantize_input_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  image_to_hwc (args, tile, 0x80);
}

/* Sets bits [from, to) of a packed pixel, clipped to [lo, hi). */
static inline void
set_bit_range (uint64_t *words, int32_t from, int32_t to, int32_t lo, int32_t hi)
{
  from = MAX (from, lo);
  to = MIN (to, hi);
  while (from < to)
    {
      int32_t w = from / 64, b = from % 64, n = MIN (64 - b, to - from);

      words[w] |= (n == 64 ? ~0ull : ((1ull << n) - 1)) << b;
      from += n;
    }
}

/* thermometer: channel c·B + k is -1 (bit 1) iff k >= L, L = (x·B + 128) >> 8. */
static void
bs_thermometer_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsShape s = args->out->shape;
  const BsShape in = args->in[0]->shape;
  const uint8_t *img = args->in_data[0];
  int32_t levels = args->op->levels, words = bs_plan_words (s.c);
  int32_t w0 = tile->c0 / 64, w1 = bs_plan_words (tile->c1);
  uint64_t *out = args->out_data;
  int64_t sp, sc;

  u8_strides (args->in[0], &sp, &sc);
  for (int64_t px = (int64_t) tile->y0 * s.w; px < (int64_t) tile->y1 * s.w; px++)
    {
      uint64_t *dst = out + px * words;

      memset (dst + w0, 0, sizeof (uint64_t) * (w1 - w0));
      for (int32_t c = tile->c0 / levels; c < in.c && c * levels < tile->c1; c++)
        {
          int32_t l = (img[c * sc + px * sp] * levels + 128) >> 8;

          set_bit_range (dst, c * levels + l, (c + 1) * levels, tile->c0, tile->c1);
        }
    }
}

/* round_div (sum, n) = floor ((2 sum + n) / 2n), through a double quotient that is
 * then corrected to the exact floor. */
static inline int32_t
round_div (int64_t sum, int64_t n)
{
  int64_t a = 2 * sum + n, d = 2 * n;
  int64_t q = (int64_t) __builtin_floor ((double) a / (double) d);

  while (q * d > a)
    q--;
  while ((q + 1) * d <= a)
    q++;
  return (int32_t) q;
}

static void
bs_avgpool_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsShape s = args->out->shape;
  const BsShape in = args->in[0]->shape;
  int elem = bs_plan_elem_size (args->in[0]->type);
  int32_t k = args->op->kernel, st = args->op->stride, nc = tile->c1 - tile->c0;
  g_autofree int64_t *sum = g_new (int64_t, nc);

  for (int32_t y = tile->y0; y < tile->y1; y++)
    for (int32_t x = 0; x < s.w; x++)
      {
        memset (sum, 0, sizeof (int64_t) * nc);
        for (int32_t dy = 0; dy < k; dy++)
          for (int32_t dx = 0; dx < k; dx++)
            {
              int64_t base = ((int64_t) (y * st + dy) * in.w + x * st + dx) * in.c + tile->c0;

              for (int32_t c = 0; c < nc; c++)
                sum[c] += get (args->in_data[0], elem, base + c);
            }
        for (int32_t c = 0; c < nc; c++)
          put (args->out_data, elem, ((int64_t) y * s.w + x) * s.c + tile->c0 + c,
               round_div (sum[c], (int64_t) k * k));
      }
}

/* global_avgpool: int32 sums are exact for inputs up to 16 bits over fewer than 2^16
 * pixels (as in bs-ops-avx512.c); otherwise (i32 inputs, huge maps) the scalar
 * kernel's int64 sums. */
void
bs_global_avgpool_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
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
  for (int32_t o = tile->c0; o < tile->c1; o += 8)
    {
      int m = MIN (8, tile->c1 - o);
      __m256i sum = _mm256_setzero_si256 ();
      int32_t sums[8];

      for (int64_t px = 0; px < n; px++)
        sum = _mm256_add_epi32 (sum, bs_avx2_load (src + (px * in.c + o) * elem, type, m));
      _mm256_storeu_si256 ((__m256i *) sums, sum);
      for (int j = 0; j < m; j++)
        bs_cpu_store (args->out_data, type, o + j, (int32_t) bs_round_div (sums[j], n));
    }
}

/* Bits [at, at + n) of a packed pixel, n <= 64, at the bottom of a word. */
static inline uint64_t
get_bits (const uint64_t *words, int32_t at, int32_t n)
{
  int32_t w = at / 64, b = at % 64;
  uint64_t v = words[w] >> b;

  if (b != 0 && b + n > 64)
    v |= words[w + 1] << (64 - b);
  return n == 64 ? v : v & ((1ull << n) - 1);
}

static void
bs_concat_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsShape s = args->out->shape;
  int32_t ca = args->in[0]->shape.c, cb = args->in[1]->shape.c;

  for (int64_t px = (int64_t) tile->y0 * s.w; px < (int64_t) tile->y1 * s.w; px++)
    {
      if (args->out->type == BS_ACT_BITS)
        {
          const uint64_t *a = (const uint64_t *) args->in_data[0] + px * bs_plan_words (ca);
          const uint64_t *b = (const uint64_t *) args->in_data[1] + px * bs_plan_words (cb);
          uint64_t *dst = (uint64_t *) args->out_data + px * bs_plan_words (s.c);

          for (int32_t c = tile->c0; c < tile->c1; c += 64)
            {
              int32_t n = MIN (64, tile->c1 - c);
              int32_t na = CLAMP (ca - c, 0, n);
              uint64_t word = na > 0 ? get_bits (a, c, na) : 0;

              if (na < n)
                word |= get_bits (b, c + na - ca, n - na) << na;
              dst[c / 64] = word;
            }
        }
      else
        {
          int elem = bs_plan_elem_size (args->out->type);
          uint8_t *dst = (uint8_t *) args->out_data + px * s.c * elem;
          int32_t a0 = tile->c0, a1 = MIN (tile->c1, ca);
          int32_t b0 = MAX (tile->c0, ca), b1 = tile->c1;

          if (a1 > a0)
            memcpy (dst + a0 * elem, (const uint8_t *) args->in_data[0] + (px * ca + a0) * elem,
                    (gsize) (a1 - a0) * elem);
          if (b1 > b0)
            memcpy (dst + b0 * elem, (const uint8_t *) args->in_data[1] + (px * cb + b0 - ca) * elem,
                    (gsize) (b1 - b0) * elem);
        }
    }
}

/* transpose: output pixel (y = input channel, 0) has the input's H·W pixels as its
 * channels. */
static void
bs_transpose_avx2 (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsShape s = args->out->shape;
  const BsShape in = args->in[0]->shape;

  if (args->out->type == BS_ACT_BITS)
    {
      const uint64_t *src = args->in_data[0];
      int32_t in_words = bs_plan_words (in.c), out_words = bs_plan_words (s.c);

      for (int32_t y = tile->y0; y < tile->y1; y++)
        for (int32_t c = tile->c0; c < tile->c1; c += 64)
          {
            uint64_t word = 0;

            for (int32_t i = 0; i < MIN (64, tile->c1 - c); i++)
              word |= ((src[(int64_t) (c + i) * in_words + y / 64] >> (y % 64)) & 1) << i;
            ((uint64_t *) args->out_data)[(int64_t) y * out_words + c / 64] = word;
          }
    }
  else
    {
      int elem = bs_plan_elem_size (args->out->type);

      for (int32_t y = tile->y0; y < tile->y1; y++)
        for (int32_t c = tile->c0; c < tile->c1; c++)
          put (args->out_data, elem, (int64_t) y * s.c + c,
               get (args->in_data[0], elem, (int64_t) c * in.c + y));
    }
}

void
bs_ops_install_avx2 (BsCpuKernels *table)
{
  static const struct { BsPlanOpKind kind; BsCpuKernelFunc func; BsCpuPackFunc pack; } ops[] = {
    { BS_PLAN_OP_INPUT, bs_input_avx2, NULL },
    { BS_PLAN_OP_QUANTIZE_INPUT, bs_quantize_input_avx2, NULL },
    { BS_PLAN_OP_THERMOMETER, bs_thermometer_avx2, NULL },
    { BS_PLAN_OP_SIGN, bs_sign_avx2, NULL },
    { BS_PLAN_OP_ADD, bs_add_avx2, bs_cpu_req_pack },
    { BS_PLAN_OP_BATCHNORM, bs_batchnorm_avx2, bs_cpu_req_pack },
    { BS_PLAN_OP_AVGPOOL, bs_avgpool_avx2, NULL },
    { BS_PLAN_OP_GLOBAL_AVGPOOL, bs_global_avgpool_avx2, NULL },
    { BS_PLAN_OP_CONCAT, bs_concat_avx2, NULL },
    { BS_PLAN_OP_TRANSPOSE, bs_transpose_avx2, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      table->ops[ops[i].kind] = ops[i].func;
      table->ops_pack[ops[i].kind] = ops[i].pack;
    }
}

void
bs_cpu_install_avx2 (BsCpuKernels *table)
{
  bs_bconv_install_avx2 (table);
  bs_qconv_install_avx2 (table);
  bs_ops_install_avx2 (table);
}
