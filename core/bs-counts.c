/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-counts.c: op, parameter and activation counts (docs/model-format.md, section 8).
 *
 * Counts describe the network as written in the IR, not a compiled plan: a batchnorm
 * that a backend folds into a conv still counts here, so that every backend, and
 * every run of it, is measured against the same nominal figures.
 */
#include "bs-counts.h"

#include <string.h>

/* Bits per stored batchnorm channel: mul i32 + add i64 + shift i8. */
#define BN_BITS_PER_CHANNEL (32 + 64 + 8)
#define BIAS_BITS 32

static uint64_t
n_elements (BsShape s)
{
  return (uint64_t) s.c * (uint64_t) s.h * (uint64_t) s.w;
}

static int
act_bits (BsActType type)
{
  switch (type)
    {
    case BS_ACT_BITS: return 1;
    case BS_ACT_I4: return 4;
    case BS_ACT_U8:
    case BS_ACT_I8: return 8;
    case BS_ACT_I16: return 16;
    case BS_ACT_I32: return 32;
    default: g_assert_not_reached ();
    }
}

static int
mac_width_index (int bits)
{
  switch (bits)
    {
    case 4: return BS_MAC_W4;
    case 8: return BS_MAC_W8;
    case 16: return BS_MAC_W16;
    case 32: return BS_MAC_W32;
    default: g_assert_not_reached ();
    }
}

/* Bits are counted densely (⌈C·H·W / 8⌉), not in the plan's 64-bit words per pixel,
 * so that the figure does not depend on a backend's word size; i4 takes a byte. */
static uint64_t
activation_bytes (BsShape s, BsActType type)
{
  uint64_t n = n_elements (s);

  switch (type)
    {
    case BS_ACT_BITS: return (n + 7) / 8;
    case BS_ACT_U8:
    case BS_ACT_I4:
    case BS_ACT_I8: return n;
    case BS_ACT_I16: return 2 * n;
    case BS_ACT_I32: return 4 * n;
    default: g_assert_not_reached ();
    }
}

/* Weights that one output element reads: Cin·k·k for a conv, Cin for an FC. */
static uint64_t
weights_per_output (const BsLayer *layer)
{
  uint64_t cin = (uint64_t) layer->in_shape[0].c;

  if (layer->kind == BS_LAYER_CONV_BINARY || layer->kind == BS_LAYER_CONV_FIXED)
    return cin * (uint64_t) layer->kernel * (uint64_t) layer->kernel;
  return cin;
}

static void
count_binary_matmul (const BsLayer *layer, BsCounts *out)
{
  uint64_t per_output = weights_per_output (layer);

  out->binary_macs = n_elements (layer->out_shape) * per_output;
  out->param_bits = (uint64_t) layer->out_shape.c * per_output;
}

static void
count_fixed_matmul (const BsLayer *layer, BsCounts *out)
{
  uint64_t per_output = weights_per_output (layer);
  int width = MAX (layer->wbits, act_bits (layer->in_type[0]));

  out->fixed_macs[mac_width_index (width)] = n_elements (layer->out_shape) * per_output;
  out->param_bits = (uint64_t) layer->out_shape.c * per_output * (uint64_t) layer->wbits;
  if (layer->bias != BS_NONE)
    out->param_bits += (uint64_t) layer->out_shape.c * BIAS_BITS;
}

void
bs_layer_counts (const BsModel *model, int index, BsCounts *out)
{
  const BsLayer *layer;

  g_return_if_fail (model != NULL && out != NULL);
  g_return_if_fail (index >= 0 && index < bs_model_n_layers (model));

  layer = bs_model_layer (model, index);
  /* Derived fields are all zero until bs_model_validate() has run. */
  g_assert (layer->out_shape.c > 0 && layer->out_shape.h > 0 && layer->out_shape.w > 0);

  memset (out, 0, sizeof *out);
  out->activation_bytes = activation_bytes (layer->out_shape, layer->out_type);

  switch (layer->kind)
    {
    case BS_LAYER_CONV_BINARY:
    case BS_LAYER_FC_BINARY:
      count_binary_matmul (layer, out);
      break;
    case BS_LAYER_CONV_FIXED:
    case BS_LAYER_FC_FIXED:
      count_fixed_matmul (layer, out);
      break;
    case BS_LAYER_BATCHNORM:
      out->other_ops = n_elements (layer->out_shape);
      out->param_bits = (uint64_t) layer->out_shape.c * BN_BITS_PER_CHANNEL;
      break;
    case BS_LAYER_QUANTIZE_INPUT:
    case BS_LAYER_THERMOMETER:
    case BS_LAYER_SIGN:
    case BS_LAYER_ADD:
      out->other_ops = n_elements (layer->out_shape);
      break;
    case BS_LAYER_AVGPOOL:
    case BS_LAYER_GLOBAL_AVGPOOL:
      out->other_ops = n_elements (layer->in_shape[0]);
      break;
    case BS_LAYER_CONCAT:
    case BS_LAYER_TRANSPOSE:
    default:
      /* Data movement only. */
      break;
    }
}

static void
counts_accumulate (BsCounts *sum, const BsCounts *c)
{
  sum->binary_macs += c->binary_macs;
  for (int w = 0; w < BS_N_MAC_WIDTHS; w++)
    sum->fixed_macs[w] += c->fixed_macs[w];
  sum->other_ops += c->other_ops;
  sum->param_bits += c->param_bits;
  sum->activation_bytes += c->activation_bytes;
}

void
bs_model_counts (const BsModel *model, BsCounts *total)
{
  g_return_if_fail (model != NULL && total != NULL);

  memset (total, 0, sizeof *total);
  for (int i = 0; i < bs_model_n_layers (model); i++)
    {
      BsCounts c;

      bs_layer_counts (model, i, &c);
      counts_accumulate (total, &c);
    }
}

void
bs_model_counts_by_precision (const BsModel *model, BsCounts *binary, BsCounts *fixed)
{
  BsCounts ignored;

  g_return_if_fail (model != NULL);

  /* Either may be NULL; sum into a scratch struct instead of testing at every layer. */
  binary = binary != NULL ? binary : &ignored;
  fixed = fixed != NULL ? fixed : &ignored;
  memset (binary, 0, sizeof *binary);
  memset (fixed, 0, sizeof *fixed);
  for (int i = 0; i < bs_model_n_layers (model); i++)
    {
      BsPrecision precision = bs_model_layer (model, i)->precision;
      BsCounts c;

      bs_layer_counts (model, i, &c);
      if (precision == BS_PRECISION_BINARY)
        counts_accumulate (binary, &c);
      else if (precision == BS_PRECISION_FIXED)
        counts_accumulate (fixed, &c);
    }
}

uint64_t
bs_counts_fixed_macs (const BsCounts *c)
{
  uint64_t sum = 0;

  g_return_val_if_fail (c != NULL, 0);

  for (int w = 0; w < BS_N_MAC_WIDTHS; w++)
    sum += c->fixed_macs[w];
  return sum;
}

const char *
bs_mac_width_to_string (int width_index)
{
  static const char *const names[BS_N_MAC_WIDTHS] = { "w4", "w8", "w16", "w32" };

  g_return_val_if_fail (width_index >= 0 && width_index < BS_N_MAC_WIDTHS, "?");
  return names[width_index];
}
