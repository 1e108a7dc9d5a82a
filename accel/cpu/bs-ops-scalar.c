/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-ops-scalar.c: the small ops, portable C. Each is a value per output element
 * (y, x, c); one driver stores values to any output type, packing bits for BITS
 * outputs (+1 -> 0, -1 -> 1), so each op is only its arithmetic. */
#include "bs-cpu-kernels.h"

typedef int32_t (*ValueFunc) (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c);

/* Input k at (y, x, c): HWC/packed, or the caller's CHW image. */
static inline int32_t
in_at (const BsCpuOpArgs *args, int k, int32_t y, int32_t x, int32_t c)
{
  const BsPlanBuffer *buf = args->in[k];
  uint64_t px = (uint64_t) y * buf->shape.w + x;

  if (buf->is_input)
    return ((const uint8_t *) args->in_data[k])[(uint64_t) c * buf->shape.h * buf->shape.w + px];
  return bs_plan_load (args->in_data[k], buf->type, buf->shape.c, px, c);
}

static void
store_bits (const BsCpuOpArgs *args, const BsCpuTile *tile, ValueFunc value,
            int32_t y, int32_t x, uint64_t *dst)
{
  for (int32_t w = tile->c0 / 64; w < bs_plan_words (tile->c1); w++)
    {
      uint64_t word = 0;

      for (int32_t c = w * 64; c < MIN (tile->c1, w * 64 + 64); c++)
        word |= (uint64_t) (value (args, y, x, c) < 0) << (c % 64);
      dst[w] = word;
    }
}

static void
for_each_output (const BsCpuOpArgs *args, const BsCpuTile *tile, ValueFunc value)
{
  const BsShape out = args->out->shape;
  BsActType type = args->out->type;

  for (int32_t y = tile->y0; y < tile->y1; y++)
    for (int32_t x = 0; x < out.w; x++)
      {
        uint64_t px = (uint64_t) y * out.w + x;

        if (type == BS_ACT_BITS)
          store_bits (args, tile, value, y, x, (uint64_t *) args->out_data + px * bs_plan_words (out.c));
        else
          for (int32_t c = tile->c0; c < tile->c1; c++)
            bs_cpu_store (args->out_data, type, px * out.c + c, value (args, y, x, c));
      }
}

static int32_t
input_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  return in_at (args, 0, y, x, c);
}

void
bs_input_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, input_value);
}

static int32_t
quantize_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  return in_at (args, 0, y, x, c) - 128;
}

void
bs_quantize_input_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, quantize_value);
}

static int32_t
thermometer_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  int32_t levels = args->op->levels;
  int32_t l = (in_at (args, 0, y, x, c / levels) * levels + 128) >> 8;

  return c % levels < l ? 1 : -1;
}

void
bs_thermometer_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, thermometer_value);
}

static int32_t
sign_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  return in_at (args, 0, y, x, c) >= 0 ? 1 : -1;
}

void
bs_sign_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, sign_value);
}

static int32_t
add_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  int64_t sum = (int64_t) in_at (args, 0, y, x, c) + in_at (args, 1, y, x, c);

  return bs_cpu_transform_int (&args->op->out, c, bs_sat (sum, 32, 0));
}

void
bs_add_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, add_value);
}

static int32_t
batchnorm_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  return bs_cpu_transform_int (&args->op->out, c, in_at (args, 0, y, x, c));
}

void
bs_batchnorm_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, batchnorm_value);
}

static int32_t
avgpool_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  int32_t k = args->op->kernel, s = args->op->stride;
  int64_t sum = 0;

  for (int32_t dy = 0; dy < k; dy++)
    for (int32_t dx = 0; dx < k; dx++)
      sum += in_at (args, 0, y * s + dy, x * s + dx, c);
  return (int32_t) bs_round_div (sum, (int64_t) k * k);
}

void
bs_avgpool_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, avgpool_value);
}

static int32_t
global_avgpool_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  const BsShape in = args->in[0]->shape;
  int64_t sum = 0;

  for (int32_t iy = 0; iy < in.h; iy++)
    for (int32_t ix = 0; ix < in.w; ix++)
      sum += in_at (args, 0, iy, ix, c);
  return (int32_t) bs_round_div (sum, (int64_t) in.h * in.w);
}

void
bs_global_avgpool_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, global_avgpool_value);
}

static int32_t
concat_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  int32_t c0 = args->in[0]->shape.c;

  return c < c0 ? in_at (args, 0, y, x, c) : in_at (args, 1, y, x, c - c0);
}

void
bs_concat_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, concat_value);
}

/* Output (H·W, C, 1): output row y is input channel y, output channel c is input
 * pixel c. */
static int32_t
transpose_value (const BsCpuOpArgs *args, int32_t y, int32_t x, int32_t c)
{
  int32_t w = args->in[0]->shape.w;

  return in_at (args, 0, c / w, c % w, y);
}

void
bs_transpose_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile)
{
  for_each_output (args, tile, transpose_value);
}
