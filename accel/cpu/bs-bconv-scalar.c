/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-bconv-scalar.c: binary conv/FC on packed bits, portable C.
 *
 * p = popcount (x XOR w) over the taps inside the image only: that is zero padding,
 * exact, with K = Cin × (valid taps). Bits past Cin are 0 in both activations and
 * weights, so whole words can be XORed.
 */
#include "bs-cpu-kernels.h"

typedef struct
{
  const uint64_t *x;          /* input, packed HWC */
  const uint64_t *w;          /* weights [Cout][k][k][words] */
  int32_t in_w, words, kernel;
  int32_t iy0, ix0;           /* input position of tap (0, 0) */
  int32_t dy0, dy1, dx0, dx1; /* valid taps */
} Window;

static inline int32_t
mismatches (const Window *win, int32_t o)
{
  int32_t p = 0;

  for (int32_t dy = win->dy0; dy < win->dy1; dy++)
    for (int32_t dx = win->dx0; dx < win->dx1; dx++)
      {
        const uint64_t *a = win->x + ((int64_t) (win->iy0 + dy) * win->in_w + win->ix0 + dx) * win->words;
        const uint64_t *b = win->w + (((int64_t) o * win->kernel + dy) * win->kernel + dx) * win->words;

        for (int32_t j = 0; j < win->words; j++)
          p += __builtin_popcountll (a[j] ^ b[j]);
      }
  return p;
}

static void
pixel_threshold (const BsOutTransform *out, const Window *win, int32_t taps,
                 const BsCpuTile *tile, uint64_t *dst)
{
  const int32_t *threshold = out->threshold + (int64_t) taps * out->threshold_stride;
  uint64_t word = 0;

  for (int32_t o = tile->c0; o < tile->c1; o++)
    {
      word |= (uint64_t) (mismatches (win, o) > threshold[o]) << (o % 64);
      if (o % 64 == 63 || o == tile->c1 - 1)
        {
          dst[o / 64] = word ^ out->flip[o / 64];
          word = 0;
        }
    }
}

static void
pixel_int (const BsOutTransform *out, const Window *win, int32_t k_bits,
           const BsCpuTile *tile, void *dst, uint64_t base)
{
  for (int32_t o = tile->c0; o < tile->c1; o++)
    {
      int64_t dot = k_bits - 2 * (int64_t) mismatches (win, o);

      bs_cpu_store (dst, out->type, base + o, bs_cpu_transform_int (out, o, dot));
    }
}

void
bs_bconv_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  const BsPlanOp *op = args->op;
  const BsShape in = args->in[0]->shape;
  const BsShape out = args->out->shape;
  int32_t out_words = bs_plan_words (out.c);
  Window win = { args->in_data[0], args->weights, in.w, op->w_tap_stride, op->kernel };

  for (int32_t y = tile->y0; y < tile->y1; y++)
    {
      win.iy0 = y * op->stride - op->pad;
      bs_cpu_window (y, op->stride, op->pad, op->kernel, in.h, &win.dy0, &win.dy1);
      for (int32_t x = 0; x < out.w; x++)
        {
          uint64_t px = (uint64_t) y * out.w + x;
          int32_t taps;

          win.ix0 = x * op->stride - op->pad;
          bs_cpu_window (x, op->stride, op->pad, op->kernel, in.w, &win.dx0, &win.dx1);
          taps = (win.dy1 - win.dy0) * (win.dx1 - win.dx0);
          if (op->out.kind == BS_OUT_THRESHOLD)
            pixel_threshold (&op->out, &win, taps, tile, (uint64_t *) args->out_data + px * out_words);
          else
            pixel_int (&op->out, &win, in.c * taps, tile, args->out_data, px * out.c);
        }
    }
}
