/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-conv.h: the part of the SIMD conv kernels that is not SIMD: the dense rows
 * their windows are read from, and walking a tile in rows and channel groups, for
 * the micro-kernels and output transforms of each instruction set (bs-bconv-*.c,
 * bs-qconv-*.c), which include this header and pass their row function as a
 * compile-time constant.
 *
 * A dense row is an input row with each pixel's channels packed to nb bytes (binary:
 * the first nb bytes of its words; int8 widened to int16 for the 16-bit kernels, or
 * offset by 128 for VPDPBUSD) and `pad` zero pixels each side; rows outside the
 * image are zero rows. A ring of `kernel` of them serves every output row that reads
 * them, and a window is `kernel` segments of kernel · nb bytes at the same offset in
 * consecutive rows, read in place (bs-cpu-pack.h): no patch is copied. With
 * "columns" the kernel rows are first interleaved by column, and a window is one
 * segment. A 1x1 binary or int16 conv reads the input rows themselves.
 */
#pragma once

#include <string.h>

#include "bs-cpu-pack.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif

G_BEGIN_DECLS

#define BS_CONV_ALWAYS_INLINE inline __attribute__ ((always_inline))

/* The most pixels a micro-kernel block handles. */
#define BS_CONV_MAX_P BS_CPU_MAX_P

/* Copies exactly n bytes with a few possibly overlapping fixed-size moves (an
 * out-of-line memcpy call per pixel would cost more than the pixel). */
static BS_CONV_ALWAYS_INLINE void
bs_conv_copy (uint8_t *restrict d, const uint8_t *restrict s, gsize n)
{
  while (n > 64)
    {
      memcpy (d, s, 64);
      d += 64;
      s += 64;
      n -= 64;
    }
  if (n >= 32)
    {
      memcpy (d, s, 32);
      memcpy (d + n - 32, s + n - 32, 32);
    }
  else if (n >= 16)
    {
      memcpy (d, s, 16);
      memcpy (d + n - 16, s + n - 16, 16);
    }
  else if (n >= 8)
    {
      memcpy (d, s, 8);
      memcpy (d + n - 8, s + n - 8, 8);
    }
  else if (n >= 4)
    {
      memcpy (d, s, 4);
      memcpy (d + n - 4, s + n - 4, 4);
    }
  else if (n > 0)
    {
      d[0] = s[0];
      d[n / 2] = s[n / 2];
      d[n - 1] = s[n - 1];
    }
}

static BS_CONV_ALWAYS_INLINE uint64_t
bs_load64 (const uint8_t *p)
{
  uint64_t v;

  memcpy (&v, p, 8);
  return v;
}

/* A 32-bit word at any byte address (segments start at any byte). */
static BS_CONV_ALWAYS_INLINE uint32_t
bs_conv_load32 (const uint8_t *p)
{
  uint32_t v;

  memcpy (&v, p, 4);
  return v;
}

typedef struct
{
  int32_t kernel, stride, pad;
  int32_t nb;                /* bytes per pixel in dense rows */
  gboolean direct;           /* kernel 1: read the input rows themselves */
  gboolean widen;            /* int8 input, int16 dense rows */
  gboolean flip;             /* int8 input, dense rows of x XOR 0x80 = x + 128 (VPDPBUSD's
                              * unsigned operand), padding 0x80 (x = 0) */
  gboolean columns;          /* interleave each output row's kernel rows by column */
} BsConvGeom;

typedef struct
{
  BsConvGeom g;
  const uint8_t *in;
  int32_t in_h, in_w;
  gsize in_pixel;            /* bytes per input pixel */
  uint8_t *rows;             /* the ring: kernel rows of row_bytes */
  gsize row_bytes;
  int32_t row_of[16];        /* the input row each slot holds */
  uint8_t *columns;          /* one output row's interleaved columns */
} BsDenseRows;

static inline void
bs_dense_rows_init (BsDenseRows *dr, const BsConvGeom *g, const BsPlanBuffer *in,
                    const void *in_data, uint8_t *scratch, gsize scratch_size)
{
  dr->g = *g;
  dr->in = in_data;
  dr->in_h = in->shape.h;
  dr->in_w = in->shape.w;
  dr->in_pixel = bs_plan_pixel_bytes (in->type, in->shape.c);
  dr->rows = scratch;
  dr->row_bytes = bs_cpu_dense_row_bytes (dr->in_w, g->pad, g->nb);
  for (int i = 0; i < 16; i++)
    dr->row_of[i] = G_MININT32;
  dr->columns = scratch + g->kernel * dr->row_bytes;
  g_assert (g->direct || (g->kernel == 1 && g->stride == 1)
            || g->kernel * dr->row_bytes <= scratch_size);
}

/* Packs n pixels' first nb bytes (nb = 1, 2 or 4) into dst with 8-byte stores: the
 * segments read right after overlap several pixels, and a load from several small
 * stores still in flight cannot be forwarded (it waits for them to retire). */
static BS_CONV_ALWAYS_INLINE void
bs_dense_pack (uint8_t *dst, const uint8_t *src, gsize src_step, int32_t n, const int nb)
{
  const int per = 8 / nb;
  int32_t x = 0;

  for (; x + per <= n; x += per, dst += 8)
    {
      uint64_t v = 0;

#pragma GCC unroll 8
      for (int j = 0; j < per; j++)
        {
          uint32_t p;

          memcpy (&p, src + (gsize) (x + j) * src_step, 4);
          v |= (uint64_t) (nb == 4 ? p : p & ((1u << (8 * nb)) - 1)) << (8 * nb * j);
        }
      memcpy (dst, &v, 8);
    }
  for (; x < n; x++, dst += nb)
    memcpy (dst, src + (gsize) x * src_step, nb);
}

/* Converts n input pixels (HWC, consecutive) to their dense form at dst. */
static inline void
bs_dense_fill (const BsDenseRows *dr, uint8_t *dst, const uint8_t *src, int32_t n)
{
  const BsConvGeom *g = &dr->g;
  gsize nb = g->nb;

  if (g->widen)
    {
      gsize m = (gsize) n * (nb / 2), i = 0;
      const int8_t *s8 = (const int8_t *) src;
      int16_t *d16 = (int16_t *) dst;

      /* HWC int8 with no gaps: the pixels are one run. */
#ifdef __AVX2__
      for (; i + 16 <= m; i += 16)
        _mm256_storeu_si256 ((__m256i *) (d16 + i), _mm256_cvtepi8_epi16 (_mm_loadu_si128 ((const __m128i *) (s8 + i))));
#endif
      for (; i < m; i++)
        d16[i] = s8[i];
    }
  else if (g->flip)
    {
      gsize m = (gsize) n * nb, i = 0;

#ifdef __AVX512BW__
      for (; i + 64 <= m; i += 64)
        _mm512_storeu_si512 (dst + i, _mm512_xor_si512 (_mm512_loadu_si512 (src + i),
                                                        _mm512_set1_epi8 ((char) 0x80)));
#endif
      for (; i + 8 <= m; i += 8)
        {
          uint64_t v = bs_load64 (src + i) ^ 0x8080808080808080ull;

          memcpy (dst + i, &v, 8);
        }
      for (; i < m; i++)
        dst[i] = src[i] ^ 0x80;
    }
  else if (nb == dr->in_pixel)
    memcpy (dst, src, (gsize) n * nb);
  else
    /* Bits: the low bytes of each pixel's words. */
    switch (nb)
      {
      case 1: bs_dense_pack (dst, src, dr->in_pixel, n, 1); break;
      case 2: bs_dense_pack (dst, src, dr->in_pixel, n, 2); break;
      case 4: bs_dense_pack (dst, src, dr->in_pixel, n, 4); break;
      default:
        for (int32_t x = 0; x < n; x++)
          bs_conv_copy (dst + x * nb, src + x * dr->in_pixel, nb);
        break;
      }
}

/* Dense row iy (any integer) of the ring, filling its slot if it holds another row. */
static inline const uint8_t *
bs_dense_row (BsDenseRows *dr, int32_t iy)
{
  const BsConvGeom *g = &dr->g;
  int32_t slot = ((iy % g->kernel) + g->kernel) % g->kernel;
  uint8_t *row = dr->rows + slot * dr->row_bytes;
  gsize nb = g->nb, pad_bytes = (gsize) g->pad * nb;

  if (dr->row_of[slot] == iy)
    return row;
  dr->row_of[slot] = iy;
  if (iy < 0 || iy >= dr->in_h)
    {
      memset (row, g->flip ? 0x80 : 0, dr->row_bytes);
      return row;
    }
  memset (row, g->flip ? 0x80 : 0, pad_bytes);
  memset (row + pad_bytes + (gsize) dr->in_w * nb, g->flip ? 0x80 : 0,
          dr->row_bytes - pad_bytes - (gsize) dr->in_w * nb);
  bs_dense_fill (dr, row + pad_bytes, dr->in + (gsize) iy * dr->in_w * dr->in_pixel, dr->in_w);
  return row;
}

/* The columns of one output row: column c (of n, padding included) is the k pixels
 * at c of rows[0..k), nb bytes each. A window is then k consecutive columns. */
static inline void
bs_conv_columns (uint8_t *dst, const uint8_t *const *rows, int32_t n, int32_t k, int32_t nb)
{
  int32_t c = 0;

#ifdef __AVX512BW__
  if (nb == 2 && k == 3)
    {
      /* 32 columns at a time: output word 3c + dy is row dy's word c. A two-source
       * word permute takes rows 0 and 1, a masked one row 2. */
      static const uint16_t pattern[96] = {
#define W(i) (i) % 3 == 2 ? (i) / 3 : (i) % 3 * 32 + (i) / 3
#define W8(i) W (i), W (i + 1), W (i + 2), W (i + 3), W (i + 4), W (i + 5), W (i + 6), W (i + 7)
        W8 (0), W8 (8), W8 (16), W8 (24), W8 (32), W8 (40), W8 (48), W8 (56),
        W8 (64), W8 (72), W8 (80), W8 (88)
#undef W8
#undef W
      };
      /* Output words i of zmm j with (32 j + i) % 3 == 2. */
      static const __mmask32 from2[3] = { 0x24924924, 0x49249249, 0x92492492 };
      __m512i idx[3];

      for (int j = 0; j < 3; j++)
        idx[j] = _mm512_loadu_si512 (pattern + 32 * j);
      for (; c < n; c += 32, dst += 192)
        {
          __m512i r0 = _mm512_loadu_si512 (rows[0] + 2 * c);
          __m512i r1 = _mm512_loadu_si512 (rows[1] + 2 * c);
          __m512i r2 = _mm512_loadu_si512 (rows[2] + 2 * c);

          for (int j = 0; j < 3; j++)
            _mm512_storeu_si512 (dst + 64 * j,
                                 _mm512_mask_permutexvar_epi16 (_mm512_permutex2var_epi16 (r0, idx[j], r1),
                                                                from2[j], idx[j], r2));
        }
      return;
    }
#endif
#if defined __AVX2__ && !defined __AVX512BW__
  if (nb == 2 && k == 3)
    {
      /* 8 columns at a time: output word t (of 24) is row t % 3's word t / 3; each
       * output xmm ORs one byte shuffle of each row. */
      static const uint8_t pattern[3][3][16] __attribute__ ((aligned (16))) = {
#define B(q, s, b) ((8 * (q) + (b) / 2) % 3 == (s) ? 2 * ((8 * (q) + (b) / 2) / 3) + (b) % 2 : 0x80)
#define B16(q, s) { B (q, s, 0), B (q, s, 1), B (q, s, 2), B (q, s, 3), B (q, s, 4), B (q, s, 5), \
                    B (q, s, 6), B (q, s, 7), B (q, s, 8), B (q, s, 9), B (q, s, 10), B (q, s, 11), \
                    B (q, s, 12), B (q, s, 13), B (q, s, 14), B (q, s, 15) }
        { B16 (0, 0), B16 (0, 1), B16 (0, 2) },
        { B16 (1, 0), B16 (1, 1), B16 (1, 2) },
        { B16 (2, 0), B16 (2, 1), B16 (2, 2) },
#undef B16
#undef B
      };

      for (; c < n; c += 8, dst += 48)
        {
          __m128i r0 = _mm_loadu_si128 ((const __m128i *) (rows[0] + 2 * c));
          __m128i r1 = _mm_loadu_si128 ((const __m128i *) (rows[1] + 2 * c));
          __m128i r2 = _mm_loadu_si128 ((const __m128i *) (rows[2] + 2 * c));

          for (int q = 0; q < 3; q++)
            _mm_storeu_si128 ((__m128i *) (dst + 16 * q),
                              _mm_or_si128 (_mm_or_si128 (_mm_shuffle_epi8 (r0, _mm_load_si128 ((const __m128i *) pattern[q][0])),
                                                          _mm_shuffle_epi8 (r1, _mm_load_si128 ((const __m128i *) pattern[q][1]))),
                                            _mm_shuffle_epi8 (r2, _mm_load_si128 ((const __m128i *) pattern[q][2]))));
        }
      return;
    }
#endif
  /* 16 channels (2 bytes) with another kernel size: fixed-size copies, not a memcpy
   * call per pixel. */
  if (nb == 2)
    for (; c < n; c++)
      for (int32_t dy = 0; dy < k; dy++)
        memcpy (dst + ((gsize) c * k + dy) * 2, rows[dy] + (gsize) c * 2, 2);
  for (; c < n; c++)
    for (int32_t dy = 0; dy < k; dy++)
      memcpy (dst + ((gsize) c * k + dy) * nb, rows[dy] + (gsize) c * nb, nb);
}

/* The ISA's part of a conv kernel. */
typedef struct
{
  /* n output pixels from pixel px0 (y · out_w + x, x = 0 for a whole row), for the c
   * chunks of 16 channels (1..4) from o: pixel i's segment of kernel row dy starts
   * at rows[dy] + i · pitch. y is the output row (border handling; a 1x1 conv has
   * no border and may get several rows as one run). Accumulates blocks of pixels in
   * registers, then transforms and stores them. */
  void (*row) (const BsCpuOpArgs *args, const void *packed, int32_t c,
               const uint8_t *const *rows, gsize pitch, int32_t o, int32_t y,
               int64_t px0, int32_t n);
} BsConvHooks;

/* Byte offsets (from the row start) of the P pixels of the block at x0 of a row of
 * out_w pixels; a short last block repeats pixel x0. Returns how many are real. */
static BS_CONV_ALWAYS_INLINE int32_t
bs_conv_block_offsets (int32_t x0, int32_t out_w, gsize pitch, const int P, gsize *off)
{
  int32_t n = MIN (P, out_w - x0);

  off[0] = (gsize) x0 * pitch;
  for (int i = 1; i < P; i++)
    off[i] = i < n ? off[i - 1] + pitch : off[0];
  return n;
}

/* Runs a tile: for each output row its kernel rows (dense, or the input's), swept
 * by 64-channel groups (one output word of bits). A 1x1 conv of stride 1 runs the
 * tile's rows as one run of pixels (a narrow output, an FC on tokens, would waste
 * most of every block), in pieces the scratch holds when it needs dense copies. */
static BS_CONV_ALWAYS_INLINE void
bs_conv_drive (const BsCpuOpArgs *args, const BsCpuTile *tile, const void *packed,
               const BsConvGeom *geom, int32_t cout, const BsConvHooks *hooks)
{
  uint8_t scratch[BS_CPU_SCRATCH] __attribute__ ((aligned (64)));
  const uint8_t *rows[16];
  int32_t out_w = args->out->shape.w;
  BsDenseRows dr;
  gsize step;

  bs_dense_rows_init (&dr, geom, args->in[0], args->in_data[0], scratch, sizeof scratch);
  step = geom->direct ? geom->stride * dr.in_pixel : (gsize) geom->stride * geom->nb;
  if (geom->kernel == 1 && geom->stride == 1)
    {
      int64_t px = (int64_t) tile->y0 * out_w, end = (int64_t) tile->y1 * out_w;
      /* Dense pieces leave 64 bytes of slack. */
      int64_t piece = geom->direct ? end - px : (int64_t) ((sizeof scratch - 64) / geom->nb);

      for (; px < end; px += piece)
        {
          int32_t n = (int32_t) MIN (piece, end - px);

          if (geom->direct)
            rows[0] = dr.in + px * dr.in_pixel;
          else
            {
              bs_dense_fill (&dr, scratch, dr.in + px * dr.in_pixel, n);
              memset (scratch + (gsize) n * geom->nb, geom->flip ? 0x80 : 0, 64);
              rows[0] = scratch;
            }
          for (int32_t o = tile->c0; o < tile->c1; o += 64)
            hooks->row (args, packed, MIN (4, (MIN (o + 64, cout) - o + 15) / 16), rows, step, o,
                        tile->y0, px, n);
        }
      return;
    }
  for (int32_t y = tile->y0; y < tile->y1; y++)
    {
      gsize pitch = step;

      if (geom->direct)
        rows[0] = dr.in + (gsize) y * geom->stride * dr.in_w * dr.in_pixel;
      else
        for (int32_t dy = 0; dy < geom->kernel; dy++)
          rows[dy] = bs_dense_row (&dr, y * geom->stride - geom->pad + dy);
      if (geom->columns)
        {
          /* Built once for every channel group. */
          bs_conv_columns (dr.columns, rows, dr.in_w + 2 * geom->pad, geom->kernel, geom->nb);
          pitch = (gsize) geom->stride * geom->kernel * geom->nb;
          rows[0] = dr.columns;
        }
      for (int32_t o = tile->c0; o < tile->c1; o += 64)
        hooks->row (args, packed, MIN (4, (MIN (o + 64, cout) - o + 15) / 16), rows, pitch, o,
                    y, (int64_t) y * out_w, out_w);
    }
}

G_END_DECLS
