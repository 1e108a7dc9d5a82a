/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-qconv-scalar.c: fixed-point conv/FC, portable C. int32 accumulation is exact:
 * validation bounds max|x|·Σ|w| + |bias| by 2^31 - 1 per output channel. One generic
 * body, specialised per input and weight width by constant propagation. */
#include "bs-cpu-kernels.h"

#define ALWAYS_INLINE inline __attribute__ ((always_inline))

static ALWAYS_INLINE int32_t
load (const void *p, int64_t i, int size)
{
  switch (size)
    {
    case 1: return ((const int8_t *) p)[i];
    case 2: return ((const int16_t *) p)[i];
    default: return ((const int32_t *) p)[i];
    }
}

static ALWAYS_INLINE int32_t
tap_dot (const void *x, int64_t xi, const void *w, int64_t wi, int32_t cin, int xsize, int wsize)
{
  int32_t acc = 0;

  for (int32_t c = 0; c < cin; c++)
    acc += load (x, xi + c, xsize) * load (w, wi + c, wsize);
  return acc;
}

static ALWAYS_INLINE void
qconv (const BsCpuOpArgs *args, const BsCpuTile *tile, int xsize, int wsize)
{
  const BsPlanOp *op = args->op;
  const BsShape in = args->in[0]->shape;
  const BsShape out = args->out->shape;
  const int32_t k = op->kernel;

  for (int32_t y = tile->y0; y < tile->y1; y++)
    {
      int32_t dy0, dy1, iy0 = y * op->stride - op->pad;

      bs_cpu_window (y, op->stride, op->pad, k, in.h, &dy0, &dy1);
      for (int32_t x = 0; x < out.w; x++)
        {
          int32_t dx0, dx1, ix0 = x * op->stride - op->pad;
          uint64_t px = (uint64_t) y * out.w + x;

          bs_cpu_window (x, op->stride, op->pad, k, in.w, &dx0, &dx1);
          for (int32_t o = tile->c0; o < tile->c1; o++)
            {
              int32_t acc = 0;

              for (int32_t dy = dy0; dy < dy1; dy++)
                for (int32_t dx = dx0; dx < dx1; dx++)
                  acc += tap_dot (args->in_data[0], ((int64_t) (iy0 + dy) * in.w + ix0 + dx) * in.c,
                                  args->weights, (((int64_t) o * k + dy) * k + dx) * op->w_tap_stride,
                                  in.c, xsize, wsize);
              bs_cpu_store (args->out_data, op->out.type, px * out.c + o,
                            bs_cpu_transform_int (&op->out, o, acc));
            }
        }
    }
}

void
bs_qconv_x8w8_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, 1, 1);
}

void
bs_qconv_x8w16_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, 1, 2);
}

void
bs_qconv_x16w8_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, 2, 1);
}

void
bs_qconv_x16w16_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, 2, 2);
}

void
bs_qconv_x32w8_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, 4, 1);
}

void
bs_qconv_x32w16_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  qconv (args, tile, 4, 2);
}
