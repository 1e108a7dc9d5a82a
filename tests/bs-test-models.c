/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-test-models.c: small models built in memory, shared by the core tests. */
#include "bs-test-models.h"

#include <string.h>

/* Builders */

uint64_t
n_elements (int n_dims, const int64_t *dims)
{
  uint64_t n = 1;

  for (int d = 0; d < n_dims; d++)
    n *= (uint64_t) dims[d];
  return n;
}

/* values[i] is the element; for u1, -1 is stored as bit 1 and +1 as bit 0. */
int
tensor_values (BsModel *m, const char *name, BsDType dtype, int n_dims, const int64_t *dims,
               const int64_t *values)
{
  uint64_t n = n_elements (n_dims, dims);
  uint64_t n_bytes = bs_dtype_n_bytes (dtype, n);
  g_autofree guint8 *buf = g_malloc0 (MAX (n_bytes, 1));

  for (uint64_t i = 0; i < n; i++)
    switch (dtype)
      {
      case BS_DTYPE_U1:
        if (values[i] < 0)
          buf[i / 8] |= (guint8) (1u << (i % 8));
        break;
      case BS_DTYPE_I8: ((int8_t *) buf)[i] = (int8_t) values[i]; break;
      case BS_DTYPE_I16: ((int16_t *) buf)[i] = (int16_t) values[i]; break;
      case BS_DTYPE_I32: ((int32_t *) buf)[i] = (int32_t) values[i]; break;
      case BS_DTYPE_I64: ((int64_t *) buf)[i] = values[i]; break;
      default: g_assert_not_reached ();
      }
  return bs_model_add_tensor (m, name, dtype, n_dims, dims, buf, n_bytes);
}

/* Deterministic pseudo-random values in [lo, hi] (u1: ±1), so files are reproducible. */
int
tensor_random (BsModel *m, const char *name, BsDType dtype, int n_dims, const int64_t *dims,
               int32_t lo, int32_t hi, guint32 seed)
{
  uint64_t n = n_elements (n_dims, dims);
  g_autofree int64_t *values = g_new (int64_t, MAX (n, 1));
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (uint64_t i = 0; i < n; i++)
    values[i] = dtype == BS_DTYPE_U1 ? (g_rand_boolean (rand) ? 1 : -1)
                                     : lo + (int64_t) g_rand_int_range (rand, 0, hi - lo + 1);
  return tensor_values (m, name, dtype, n_dims, dims, values);
}

gboolean
kind_is_binary (BsLayerKind kind)
{
  return kind == BS_LAYER_CONV_BINARY || kind == BS_LAYER_FC_BINARY || kind == BS_LAYER_SIGN
         || kind == BS_LAYER_THERMOMETER;
}

int
add_layer (BsModel *m, const char *name, BsLayerKind kind, BsPath path, int in0, int in1)
{
  BsLayer layer = bs_layer_init (name, kind,
                                 kind_is_binary (kind) ? BS_PRECISION_BINARY : BS_PRECISION_FIXED,
                                 path);

  layer.n_inputs = in1 == NO_INPUT ? 1 : 2;
  layer.inputs[0] = in0;
  layer.inputs[1] = in1 == NO_INPUT ? BS_NONE : in1;
  return bs_model_add_layer (m, &layer);
}

int
add_conv (BsModel *m, const char *name, BsLayerKind kind, BsPath path, int in, int cin,
          int cout, int k, int stride, int pad, int wbits, gboolean bias)
{
  int64_t wdims[4] = { cout, cin, k, k };
  int64_t bdims[1] = { cout };
  g_autofree char *wname = g_strconcat (name, ".weight", NULL);
  g_autofree char *bname = g_strconcat (name, ".bias", NULL);
  gboolean binary = kind == BS_LAYER_CONV_BINARY || kind == BS_LAYER_FC_BINARY;
  gboolean fc = kind == BS_LAYER_FC_FIXED || kind == BS_LAYER_FC_BINARY;
  BsDType wtype = binary ? BS_DTYPE_U1 : wbits == 16 ? BS_DTYPE_I16 : BS_DTYPE_I8;
  int32_t wmax = binary ? 1 : MIN ((1 << (wbits - 1)) - 1, 100);
  int weights = tensor_random (m, wname, wtype, fc ? 2 : 4, wdims, -wmax, wmax,
                               g_str_hash (name));
  int b = bias ? tensor_random (m, bname, BS_DTYPE_I32, 1, bdims, -1000, 1000,
                                g_str_hash (bname)) : BS_NONE;
  int i = add_layer (m, name, kind, path, in, NO_INPUT);
  BsLayer *layer = bs_model_layer (m, i);

  layer->out_channels = cout;
  if (!fc)
    {
      layer->kernel = k;
      layer->stride = stride;
      layer->pad = pad;
    }
  layer->wbits = binary ? 0 : wbits;
  layer->weights = weights;
  layer->bias = b;
  return i;
}

int
add_batchnorm (BsModel *m, const char *name, BsPath path, int in, int c, int out_bits,
               gboolean relu)
{
  int64_t dims[1] = { c };
  g_autofree char *mul = g_strconcat (name, ".mul", NULL);
  g_autofree char *add = g_strconcat (name, ".add", NULL);
  g_autofree char *shift = g_strconcat (name, ".shift", NULL);
  int t_mul = tensor_random (m, mul, BS_DTYPE_I32, 1, dims, -4096, 4096, g_str_hash (mul));
  int t_add = tensor_random (m, add, BS_DTYPE_I64, 1, dims, -(1 << 20), 1 << 20, g_str_hash (add));
  int t_shift = tensor_random (m, shift, BS_DTYPE_I8, 1, dims, 4, 16, g_str_hash (shift));
  int i = add_layer (m, name, BS_LAYER_BATCHNORM, path, in, NO_INPUT);
  BsLayer *layer = bs_model_layer (m, i);

  layer->bn_mul = t_mul;
  layer->bn_add = t_add;
  layer->bn_shift = t_shift;
  layer->out_bits = out_bits;
  layer->relu = relu;
  return i;
}

/* quantize_input → conv_fixed → batchnorm → one Blend module (sign → conv_binary → BN on
 * the main path, 1x1 int4 conv → BN on the skip path, add → BN) → avgpool → concat
 * (channel duplication) → global_avgpool → fc_fixed (int16 weights). */
BsModel *
build_blend_model (void)
{
  BsModel *m = bs_model_new ("blend-test", (BsShape) { 3, 8, 8 });
  const char *labels[] = { "zero", "one", "two", "three", "four", "five", "six", "seven",
                           "eight", "nine;semicolon", NULL };
  int module, quant, conv, bn, sign, main_conv, main_bn, skip_conv, skip_bn, add, merge_bn, pool, cat, gap;

  m->description = g_strdup ("A small Blend network\nwith a two-line description");
  m->labels = g_strdupv ((char **) labels);
  g_hash_table_insert (m->provenance, g_strdup ("generator"), g_strdup ("test-model-file"));
  g_hash_table_insert (m->provenance, g_strdup ("seed"), g_strdup ("42"));
  g_hash_table_insert (m->provenance, g_strdup ("note"), g_strdup (" leading space; and \\ backslash"));
  module = bs_model_add_module (m, "stage1.0", "blend");

  quant = add_layer (m, "quant", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  conv = add_conv (m, "stem.conv", BS_LAYER_CONV_FIXED, BS_PATH_STEM, quant, 3, 4, 3, 1, 1, 8, TRUE);
  bn = add_batchnorm (m, "stem.bn", BS_PATH_STEM, conv, 4, 8, TRUE);
  sign = add_layer (m, "stage1.0.main.sign", BS_LAYER_SIGN, BS_PATH_MAIN, bn, NO_INPUT);
  main_conv = add_conv (m, "stage1.0.main.conv", BS_LAYER_CONV_BINARY, BS_PATH_MAIN, sign, 4, 4, 3, 2, 1, 0, FALSE);
  main_bn = add_batchnorm (m, "stage1.0.main.bn", BS_PATH_MAIN, main_conv, 4, 16, FALSE);
  skip_conv = add_conv (m, "stage1.0.skip.conv", BS_LAYER_CONV_FIXED, BS_PATH_SKIP, bn, 4, 4, 1, 2, 0, 4, FALSE);
  skip_bn = add_batchnorm (m, "stage1.0.skip.bn", BS_PATH_SKIP, skip_conv, 4, 16, FALSE);
  add = add_layer (m, "stage1.0.merge.add", BS_LAYER_ADD, BS_PATH_MERGE, main_bn, skip_bn);
  merge_bn = add_batchnorm (m, "stage1.0.merge.bn", BS_PATH_MERGE, add, 4, 8, TRUE);
  for (int i = sign; i <= merge_bn; i++)
    bs_model_layer (m, i)->module = module;
  pool = add_layer (m, "pool", BS_LAYER_AVGPOOL, BS_PATH_HEAD, merge_bn, NO_INPUT);
  bs_model_layer (m, pool)->kernel = 2;
  bs_model_layer (m, pool)->stride = 2;
  cat = add_layer (m, "cat", BS_LAYER_CONCAT, BS_PATH_HEAD, pool, pool);
  gap = add_layer (m, "gap", BS_LAYER_GLOBAL_AVGPOOL, BS_PATH_HEAD, cat, NO_INPUT);
  add_conv (m, "fc", BS_LAYER_FC_FIXED, BS_PATH_HEAD, gap, 8, 10, 1, 1, 0, 16, TRUE);
  return m;
}

/* thermometer → transpose (of bits) → fc_binary → batchnorm → transpose → fc_fixed
 * (wbits 4, no bias), MLP-Mixer style. */
BsModel *
build_mixer_model (void)
{
  BsModel *m = bs_model_new ("mixer-test", (BsShape) { 2, 4, 4 });
  int module, therm, t1, fc1, bn, t2;

  module = bs_model_add_module (m, "mixer.0", "mixer");
  therm = add_layer (m, "therm", BS_LAYER_THERMOMETER, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  bs_model_layer (m, therm)->levels = 8;
  t1 = add_layer (m, "tokens", BS_LAYER_TRANSPOSE, BS_PATH_MAIN, therm, NO_INPUT);
  bs_model_layer (m, t1)->precision = BS_PRECISION_BINARY;
  fc1 = add_conv (m, "token.fc", BS_LAYER_FC_BINARY, BS_PATH_MAIN, t1, 16, 8, 1, 1, 0, 0, FALSE);
  bn = add_batchnorm (m, "token.bn", BS_PATH_MAIN, fc1, 8, 8, FALSE);
  t2 = add_layer (m, "channels", BS_LAYER_TRANSPOSE, BS_PATH_MAIN, bn, NO_INPUT);
  for (int i = t1; i <= t2; i++)
    bs_model_layer (m, i)->module = module;
  add_conv (m, "head", BS_LAYER_FC_FIXED, BS_PATH_HEAD, t2, 16, 3, 1, 1, 0, 4, FALSE);
  return m;
}
