/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-counts.c: op, parameter and activation counting (docs/model-format.md,
 * section 8) against numbers worked out by hand in the comments.
 */
#include <string.h>

#include <glib.h>

#include "bs-counts.h"
#include "bs-model.h"

/* Building models (weights are zero: counting never reads them) */

static int
add_zeros (BsModel *model, BsDType dtype, int n_dims, const int64_t *dims)
{
  g_autofree char *name = g_strdup_printf ("t%u", model->tensors->len);
  g_autofree void *zeros = NULL;
  uint64_t n = 1, n_bytes;

  for (int d = 0; d < n_dims; d++)
    n *= dims[d];
  n_bytes = bs_dtype_n_bytes (dtype, n);
  zeros = g_malloc0 (n_bytes);
  return bs_model_add_tensor (model, name, dtype, n_dims, dims, zeros, n_bytes);
}

static int
add_layer (BsModel *model, BsLayer *layer, int n_inputs, int in0, int in1)
{
  g_autofree char *name = g_strdup_printf ("layer%u", model->layers->len);

  layer->name = name;
  layer->n_inputs = n_inputs;
  layer->inputs[0] = in0;
  layer->inputs[1] = n_inputs == 2 ? in1 : BS_NONE;
  return bs_model_add_layer (model, layer);
}

static int
add_simple (BsModel *model, BsLayerKind kind, BsPrecision precision, int input)
{
  BsLayer layer = bs_layer_init (NULL, kind, precision, BS_PATH_MAIN);

  return add_layer (model, &layer, 1, input, BS_NONE);
}

static int
add_two (BsModel *model, BsLayerKind kind, BsPrecision precision, int a, int b)
{
  BsLayer layer = bs_layer_init (NULL, kind, precision, BS_PATH_MERGE);

  return add_layer (model, &layer, 2, a, b);
}

static int
add_thermometer (BsModel *model, BsPrecision precision, int levels)
{
  BsLayer layer = bs_layer_init (NULL, BS_LAYER_THERMOMETER, precision, BS_PATH_STEM);

  layer.levels = levels;
  return add_layer (model, &layer, 1, BS_INPUT_MODEL, BS_NONE);
}

/* cin is the input's channel count (the weight tensor needs it). wbits 0: binary. */
static int
add_conv (BsModel *model, BsPrecision precision, int input, int cin, int cout, int k,
          int stride, int pad, int wbits, gboolean bias)
{
  BsLayer layer = bs_layer_init (NULL, wbits == 0 ? BS_LAYER_CONV_BINARY : BS_LAYER_CONV_FIXED,
                                 precision, BS_PATH_MAIN);
  int64_t dims[] = { cout, cin, k, k };
  int64_t bias_dims[] = { cout };

  layer.out_channels = cout;
  layer.kernel = k;
  layer.stride = stride;
  layer.pad = pad;
  layer.wbits = wbits;
  layer.weights = add_zeros (model, wbits == 0 ? BS_DTYPE_U1 : wbits == 16 ? BS_DTYPE_I16
                                                                         : BS_DTYPE_I8,
                             4, dims);
  if (bias)
    layer.bias = add_zeros (model, BS_DTYPE_I32, 1, bias_dims);
  return add_layer (model, &layer, 1, input, BS_NONE);
}

static int
add_fc (BsModel *model, BsPrecision precision, int input, int cin, int cout, int wbits,
        gboolean bias)
{
  BsLayer layer = bs_layer_init (NULL, wbits == 0 ? BS_LAYER_FC_BINARY : BS_LAYER_FC_FIXED,
                                 precision, BS_PATH_HEAD);
  int64_t dims[] = { cout, cin };
  int64_t bias_dims[] = { cout };

  layer.out_channels = cout;
  layer.wbits = wbits;
  layer.weights = add_zeros (model, wbits == 0 ? BS_DTYPE_U1 : wbits == 16 ? BS_DTYPE_I16
                                                                         : BS_DTYPE_I8,
                             2, dims);
  if (bias)
    layer.bias = add_zeros (model, BS_DTYPE_I32, 1, bias_dims);
  return add_layer (model, &layer, 1, input, BS_NONE);
}

static int
add_batchnorm (BsModel *model, BsPrecision precision, int input, int channels, int out_bits,
               gboolean relu)
{
  BsLayer layer = bs_layer_init (NULL, BS_LAYER_BATCHNORM, precision, BS_PATH_MAIN);
  int64_t dims[] = { channels };

  layer.bn_mul = add_zeros (model, BS_DTYPE_I32, 1, dims);
  layer.bn_add = add_zeros (model, BS_DTYPE_I64, 1, dims);
  layer.bn_shift = add_zeros (model, BS_DTYPE_I8, 1, dims);
  layer.out_bits = out_bits;
  layer.relu = relu;
  return add_layer (model, &layer, 1, input, BS_NONE);
}

static int
add_avgpool (BsModel *model, BsPrecision precision, int input, int k, int stride)
{
  BsLayer layer = bs_layer_init (NULL, BS_LAYER_AVGPOOL, precision, BS_PATH_SKIP);

  layer.kernel = k;
  layer.stride = stride;
  return add_layer (model, &layer, 1, input, BS_NONE);
}

static void
validate (BsModel *model)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = bs_model_validate (model, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}

/* Checking */

typedef struct
{
  uint64_t binary_macs, w4, w8, w16, w32, other_ops, param_bits, activation_bytes;
} Expected;

static gboolean
counts_match (const BsCounts *c, const Expected *e)
{
  return c->binary_macs == e->binary_macs && c->fixed_macs[BS_MAC_W4] == e->w4 &&
         c->fixed_macs[BS_MAC_W8] == e->w8 && c->fixed_macs[BS_MAC_W16] == e->w16 &&
         c->fixed_macs[BS_MAC_W32] == e->w32 && c->other_ops == e->other_ops &&
         c->param_bits == e->param_bits && c->activation_bytes == e->activation_bytes;
}

static void
assert_counts (const BsCounts *c, const Expected *e)
{
  g_assert_cmpuint (c->binary_macs, ==, e->binary_macs);
  g_assert_cmpuint (c->fixed_macs[BS_MAC_W4], ==, e->w4);
  g_assert_cmpuint (c->fixed_macs[BS_MAC_W8], ==, e->w8);
  g_assert_cmpuint (c->fixed_macs[BS_MAC_W16], ==, e->w16);
  g_assert_cmpuint (c->fixed_macs[BS_MAC_W32], ==, e->w32);
  g_assert_cmpuint (bs_counts_fixed_macs (c), ==, e->w4 + e->w8 + e->w16 + e->w32);
  g_assert_cmpuint (c->other_ops, ==, e->other_ops);
  g_assert_cmpuint (c->param_bits, ==, e->param_bits);
  g_assert_cmpuint (c->activation_bytes, ==, e->activation_bytes);
}

static void
assert_layer_counts (const BsModel *model, int layer, const Expected *e)
{
  BsCounts c;

  /* Garbage in, so that a field the function forgets to set shows up. */
  memset (&c, 0xa5, sizeof c);
  bs_layer_counts (model, layer, &c);
  if (!counts_match (&c, e))
    g_test_message ("layer %d (%s) differs", layer,
                    bs_layer_kind_to_string (bs_model_layer (model, layer)->kind));
  assert_counts (&c, e);
}

/* A small model touching every kind, every MAC width and every activation type.
 * Input (3, 8, 8). Per layer, by hand:
 *
 *  0 quantize_input        (3,8,8) i8       other 192                      act 192
 *  1 thermometer B=4 [b]   (12,8,8) bits    other 768                      act 768/8 = 96
 *  2 conv_binary 12→8 k3 s2 p1 [b]: Ho = (8+2−3)/2+1 = 4, (8,4,4) i32
 *                          binary 128·12·9 = 13824, params 8·12·9 = 864,   act 512
 *  3 conv_fixed 3→8 k3 s2 p1 wbits 4 + bias, on i8: width max(4, 8) = w8
 *                          w8 128·27 = 3456, params 216·4 + 8·32 = 1120,   act 512
 *  4 add (2, 3)            (8,4,4) i32      other 128                      act 512
 *  5 batchnorm 16 relu     i16              other 128, params 8·104 = 832, act 256
 *  6 avgpool k2 s2         (8,2,2) i16      other 128 (input elements),    act 64
 *  7 fc_fixed 8→5 wbits 8, on i16: w16 20·8 = 160, params 40·8 = 320,     act 80
 *  8 batchnorm 4           (5,2,2) i4       other 20, params 5·104 = 520,  act 20
 *  9 sign [b]              bits             other 20                       act ⌈20/8⌉ = 3
 * 10 fc_binary 5→3 [b]     (3,2,2) i32      binary 12·5 = 60, params 15,   act 48
 * 11 concat (10, 10)       (6,2,2) i32                                     act 96
 * 12 transpose             (4,6,1) i32                                     act 96
 * 13 global_avgpool        (4,1,1) i32      other 24 (input elements),     act 16
 * 14 conv_fixed 1x1 4→2 wbits 16, on i32 [float]: w32 2·4 = 8, params 8·16 = 128, act 8
 *
 * [b] = precision binary, [float] = precision float, the rest fixed. The validator ties
 * precision to the kind and refuses float, so layer 14 is validated as fixed and
 * retagged float afterwards: counting must still leave it out of both sides. */
static BsModel *
build_small_model (void)
{
  BsModel *model = bs_model_new ("small", (BsShape) { 3, 8, 8 });
  int q, t, cb, cf, add, bn16, pool, fc, bn4, s, fcb, cat, tr, gap, last;

  q = add_simple (model, BS_LAYER_QUANTIZE_INPUT, BS_PRECISION_FIXED, BS_INPUT_MODEL);
  t = add_thermometer (model, BS_PRECISION_BINARY, 4);
  cb = add_conv (model, BS_PRECISION_BINARY, t, 12, 8, 3, 2, 1, 0, FALSE);
  cf = add_conv (model, BS_PRECISION_FIXED, q, 3, 8, 3, 2, 1, 4, TRUE);
  add = add_two (model, BS_LAYER_ADD, BS_PRECISION_FIXED, cb, cf);
  bn16 = add_batchnorm (model, BS_PRECISION_FIXED, add, 8, 16, TRUE);
  pool = add_avgpool (model, BS_PRECISION_FIXED, bn16, 2, 2);
  fc = add_fc (model, BS_PRECISION_FIXED, pool, 8, 5, 8, FALSE);
  bn4 = add_batchnorm (model, BS_PRECISION_FIXED, fc, 5, 4, FALSE);
  s = add_simple (model, BS_LAYER_SIGN, BS_PRECISION_BINARY, bn4);
  fcb = add_fc (model, BS_PRECISION_BINARY, s, 5, 3, 0, FALSE);
  cat = add_two (model, BS_LAYER_CONCAT, BS_PRECISION_FIXED, fcb, fcb);
  tr = add_simple (model, BS_LAYER_TRANSPOSE, BS_PRECISION_FIXED, cat);
  gap = add_simple (model, BS_LAYER_GLOBAL_AVGPOOL, BS_PRECISION_FIXED, tr);
  last = add_conv (model, BS_PRECISION_FIXED, gap, 4, 2, 1, 1, 0, 16, FALSE);
  validate (model);
  bs_model_layer (model, last)->precision = BS_PRECISION_FLOAT;
  return model;
}

static void
test_small_layers (void)
{
  g_autoptr (BsModel) model = build_small_model ();
  static const Expected expected[] = {
    /*  binary  w4    w8  w16 w32 other params  act */
    { 0,      0, 0,    0,   0, 192, 0,    192 },
    { 0,      0, 0,    0,   0, 768, 0,    96 },
    { 13824,  0, 0,    0,   0, 0,   864,  512 },
    { 0,      0, 3456, 0,   0, 0,   1120, 512 },
    { 0,      0, 0,    0,   0, 128, 0,    512 },
    { 0,      0, 0,    0,   0, 128, 832,  256 },
    { 0,      0, 0,    0,   0, 128, 0,    64 },
    { 0,      0, 0,    160, 0, 0,   320,  80 },
    { 0,      0, 0,    0,   0, 20,  520,  20 },
    { 0,      0, 0,    0,   0, 20,  0,    3 },
    { 60,     0, 0,    0,   0, 0,   15,   48 },
    { 0,      0, 0,    0,   0, 0,   0,    96 },
    { 0,      0, 0,    0,   0, 0,   0,    96 },
    { 0,      0, 0,    0,   0, 24,  0,    16 },
    { 0,      0, 0,    0,   8, 0,   128,  8 },
  };

  g_assert_cmpint (bs_model_n_layers (model), ==, G_N_ELEMENTS (expected));
  for (int i = 0; i < bs_model_n_layers (model); i++)
    assert_layer_counts (model, i, &expected[i]);
}

/* Totals: binary 13824 + 60 = 13884; w8 3456, w16 160, w32 8;
 * other 192 + 768 + 128 + 128 + 128 + 20 + 20 + 24 = 1408;
 * params 864 + 1120 + 832 + 320 + 520 + 15 + 128 = 3799;
 * act 192 + 96 + 3·512 + 256 + 64 + 80 + 20 + 3 + 48 + 96 + 96 + 16 + 8 = 2511.
 * Binary-tagged (1, 2, 9, 10): other 768 + 20 = 788, params 864 + 15 = 879,
 *   act 96 + 512 + 3 + 48 = 659.
 * Fixed-tagged (0, 3…8, 11…13): other 620, params 2792,
 *   act 192 + 3·512 − 512 + 256 + 64 + 80 + 20 + 96 + 96 + 16 = 1844.
 * Layer 14 (float) is in neither: 788 + 620 = 1408, 879 + 2792 + 128 = 3799,
 *   659 + 1844 + 8 = 2511. */
static void
test_small_totals (void)
{
  g_autoptr (BsModel) model = build_small_model ();
  static const Expected total = { 13884, 0, 3456, 160, 8, 1408, 3799, 2511 };
  static const Expected binary = { 13884, 0, 0, 0, 0, 788, 879, 659 };
  static const Expected fixed = { 0, 0, 3456, 160, 0, 620, 2792, 1844 };
  BsCounts c, b, f;

  memset (&c, 0xa5, sizeof c);
  bs_model_counts (model, &c);
  assert_counts (&c, &total);
  g_assert_cmpuint (bs_counts_fixed_macs (&c), ==, 3624);

  memset (&b, 0xa5, sizeof b);
  memset (&f, 0xa5, sizeof f);
  bs_model_counts_by_precision (model, &b, &f);
  assert_counts (&b, &binary);
  assert_counts (&f, &fixed);

  /* Either side may be NULL. */
  memset (&f, 0xa5, sizeof f);
  bs_model_counts_by_precision (model, NULL, &f);
  assert_counts (&f, &fixed);
  memset (&b, 0xa5, sizeof b);
  bs_model_counts_by_precision (model, &b, NULL);
  assert_counts (&b, &binary);
}

/* Width = max(wbits, input activation bits), each width in its own model layer. */
static void
test_mac_widths (void)
{
  g_autoptr (BsModel) model = bs_model_new ("widths", (BsShape) { 2, 4, 4 });
  int q, i4, i16, c44, c164, c416, c816;
  BsCounts c;

  q = add_simple (model, BS_LAYER_QUANTIZE_INPUT, BS_PRECISION_FIXED, BS_INPUT_MODEL);
  i4 = add_batchnorm (model, BS_PRECISION_FIXED, q, 2, 4, FALSE);
  i16 = add_batchnorm (model, BS_PRECISION_FIXED, q, 2, 16, FALSE);
  c44 = add_conv (model, BS_PRECISION_FIXED, i4, 2, 3, 1, 1, 0, 4, FALSE);
  c164 = add_conv (model, BS_PRECISION_FIXED, i16, 2, 3, 1, 1, 0, 4, FALSE);
  c416 = add_conv (model, BS_PRECISION_FIXED, i4, 2, 3, 1, 1, 0, 16, FALSE);
  c816 = add_conv (model, BS_PRECISION_FIXED, q, 2, 3, 1, 1, 0, 16, FALSE);
  validate (model);

  /* Each conv: 3·4·4 outputs × 2 inputs = 96 MACs. */
  bs_layer_counts (model, c44, &c);
  g_assert_cmpuint (c.fixed_macs[BS_MAC_W4], ==, 96);
  g_assert_cmpuint (bs_counts_fixed_macs (&c), ==, 96);
  g_assert_cmpuint (c.param_bits, ==, 6 * 4);
  bs_layer_counts (model, c164, &c);
  g_assert_cmpuint (c.fixed_macs[BS_MAC_W16], ==, 96);
  g_assert_cmpuint (bs_counts_fixed_macs (&c), ==, 96);
  g_assert_cmpuint (c.param_bits, ==, 6 * 4);
  bs_layer_counts (model, c416, &c);
  g_assert_cmpuint (c.fixed_macs[BS_MAC_W16], ==, 96);
  g_assert_cmpuint (c.param_bits, ==, 6 * 16);
  bs_layer_counts (model, c816, &c);
  g_assert_cmpuint (c.fixed_macs[BS_MAC_W16], ==, 96);
  g_assert_cmpuint (bs_counts_fixed_macs (&c), ==, 96);
  /* An i4 activation still takes a whole byte. */
  bs_layer_counts (model, i4, &c);
  g_assert_cmpuint (c.activation_bytes, ==, 32);

  g_assert_cmpstr (bs_mac_width_to_string (BS_MAC_W4), ==, "w4");
  g_assert_cmpstr (bs_mac_width_to_string (BS_MAC_W8), ==, "w8");
  g_assert_cmpstr (bs_mac_width_to_string (BS_MAC_W16), ==, "w16");
  g_assert_cmpstr (bs_mac_width_to_string (BS_MAC_W32), ==, "w32");
}

/* BlendNet-20 as DESIGN.md section 4 describes it (all int8):
 *   stem: quantize_input, conv_fixed 3→16 k3 p1, batchnorm
 *   18 Blend modules, 6 per stage at widths 16/32/64, stride 2 entering stages 2, 3:
 *     main: sign → conv_binary 3×3 (both tagged binary) → batchnorm (fixed)
 *     skip: conv_fixed 1×1 (same stride) → batchnorm;  merge: add → batchnorm
 *   head: global_avgpool → fc_fixed 64→10 with bias.
 * Indices of the first module's binary conv and skip conv, stage by stage, are recorded
 * for the per-layer checks. */
typedef struct
{
  int main_conv[3];
  int main_conv_second[3];
  int skip_conv[3];
  int stem_conv;
  int fc;
} BlendNetLayers;

static int
add_blend_module (BsModel *model, int input, int cin, int cout, int stride, int *main_conv,
                  int *skip_conv)
{
  int s, m, mb, k, kb, a;

  s = add_simple (model, BS_LAYER_SIGN, BS_PRECISION_BINARY, input);
  m = add_conv (model, BS_PRECISION_BINARY, s, cin, cout, 3, stride, 1, 0, FALSE);
  mb = add_batchnorm (model, BS_PRECISION_FIXED, m, cout, 8, FALSE);
  k = add_conv (model, BS_PRECISION_FIXED, input, cin, cout, 1, stride, 0, 8, FALSE);
  kb = add_batchnorm (model, BS_PRECISION_FIXED, k, cout, 8, FALSE);
  a = add_two (model, BS_LAYER_ADD, BS_PRECISION_FIXED, mb, kb);
  *main_conv = m;
  *skip_conv = k;
  return add_batchnorm (model, BS_PRECISION_FIXED, a, cout, 8, FALSE);
}

static BsModel *
build_blendnet20 (BlendNetLayers *layers)
{
  static const int widths[] = { 16, 32, 64 };
  BsModel *model = bs_model_new ("blendnet20", (BsShape) { 3, 32, 32 });
  int x, cin = 16;

  x = add_simple (model, BS_LAYER_QUANTIZE_INPUT, BS_PRECISION_FIXED, BS_INPUT_MODEL);
  layers->stem_conv = x = add_conv (model, BS_PRECISION_FIXED, x, 3, 16, 3, 1, 1, 8, FALSE);
  x = add_batchnorm (model, BS_PRECISION_FIXED, x, 16, 8, FALSE);
  for (int stage = 0; stage < 3; stage++)
    for (int module = 0; module < 6; module++)
      {
        int stride = stage > 0 && module == 0 ? 2 : 1;
        int main_conv, skip_conv;

        x = add_blend_module (model, x, cin, widths[stage], stride, &main_conv, &skip_conv);
        cin = widths[stage];
        if (module == 0)
          {
            layers->main_conv[stage] = main_conv;
            layers->skip_conv[stage] = skip_conv;
          }
        if (module == 1)
          layers->main_conv_second[stage] = main_conv;
      }
  x = add_simple (model, BS_LAYER_GLOBAL_AVGPOOL, BS_PRECISION_FIXED, x);
  layers->fc = add_fc (model, BS_PRECISION_FIXED, x, 64, 10, 8, TRUE);
  validate (model);
  return model;
}

/* Per layer:
 *   3×3 binary 16→16 on 32×32: 16·32·32·16·9 = 2,359,296 (so are 32→32 on 16×16 and
 *     64→64 on 8×8); the stride-2 ones 16→32 → 16×16: 32·16·16·16·9 = 1,179,648 and
 *     32→64 → 8×8: 64·8·8·32·9 = 1,179,648.
 *   skip 1×1 16→16 on 32×32: 262,144; 16→32 s2: 32·16·16·16 = 131,072;
 *     32→64 s2: 64·8·8·32 = 131,072.
 *   stem 3×3 3→16 on 32×32: 16·1024·27 = 442,368; FC 64→10: 640. */
static void
test_blendnet20_layers (void)
{
  BlendNetLayers l;
  g_autoptr (BsModel) model = build_blendnet20 (&l);
  /* binary  w4 w8 w16 w32 other params act */
  Expected e_main16 = { 2359296, 0, 0, 0, 0, 0, 2304, 65536 };
  Expected e_main32s2 = { 1179648, 0, 0, 0, 0, 0, 4608, 32768 };
  Expected e_main32 = { 2359296, 0, 0, 0, 0, 0, 9216, 32768 };
  Expected e_main64s2 = { 1179648, 0, 0, 0, 0, 0, 18432, 16384 };
  Expected e_main64 = { 2359296, 0, 0, 0, 0, 0, 36864, 16384 };
  Expected e_skip16 = { 0, 0, 262144, 0, 0, 0, 256 * 8, 65536 };
  Expected e_skip32s2 = { 0, 0, 131072, 0, 0, 0, 512 * 8, 32768 };
  Expected e_skip64s2 = { 0, 0, 131072, 0, 0, 0, 2048 * 8, 16384 };
  Expected e_stem = { 0, 0, 442368, 0, 0, 0, 432 * 8, 65536 };
  Expected e_fc = { 0, 0, 640, 0, 0, 0, 640 * 8 + 10 * 32, 40 };

  assert_layer_counts (model, l.main_conv[0], &e_main16);
  assert_layer_counts (model, l.main_conv_second[0], &e_main16);
  assert_layer_counts (model, l.main_conv[1], &e_main32s2);
  assert_layer_counts (model, l.main_conv_second[1], &e_main32);
  assert_layer_counts (model, l.main_conv[2], &e_main64s2);
  assert_layer_counts (model, l.main_conv_second[2], &e_main64);
  assert_layer_counts (model, l.skip_conv[0], &e_skip16);
  assert_layer_counts (model, l.skip_conv[1], &e_skip32s2);
  assert_layer_counts (model, l.skip_conv[2], &e_skip64s2);
  assert_layer_counts (model, l.stem_conv, &e_stem);
  assert_layer_counts (model, l.fc, &e_fc);
}

/* Totals.
 * binary MACs: stage 1 6 × 2,359,296 = 14,155,776; stage 2 1,179,648 + 5 × 2,359,296
 *   = 12,976,128; stage 3 the same: 14,155,776 + 2 × 12,976,128 = 40,108,032.
 * fixed MACs (all w8): stem 442,368; skip 6 × 262,144 + 2 × (131,072 + 5 × 262,144)
 *   = 4,456,448; FC 640: 4,899,456.
 * other ops: quantize 3072; stem BN 16,384; per module sign C·H·W + 4 × Cout·Ho·Wo
 *   (main BN, skip BN, add, merge BN): stage 1 6 × 81,920; stage 2 49,152 + 5 × 40,960;
 *   stage 3 24,576 + 5 × 20,480; pool 4096: 896,000.
 * param bits: binary weights 267,264; fixed weights 30,768 × 8 = 246,144; FC bias 320;
 *   batchnorm channels 16 + 3 × 6 × (16 + 32 + 64) = 2032, × 104 = 211,328: 725,056.
 *   Binary-tagged (sign, conv_binary): the binary weights, 267,264.
 * activation bytes: 3072 + 65,536 + 16,384; per module C·H·W/8 (sign) + 15 × Cout·Ho·Wo
 *   (main conv i32, BN i8, skip conv i32, BN i8, add i32, BN i8: 3·4 + 3·1 bytes):
 *   6 × 247,808 + 124,928 + 5 × 123,904 + 62,464 + 5 × 61,952; head 64 + 40: 2,688,616. */
static void
test_blendnet20_totals (void)
{
  BlendNetLayers l;
  g_autoptr (BsModel) model = build_blendnet20 (&l);
  static const Expected total = { 40108032, 0, 4899456, 0, 0, 896000, 725056, 2688616 };
  BsCounts c, b, f;

  bs_model_counts (model, &c);
  assert_counts (&c, &total);

  bs_model_counts_by_precision (model, &b, &f);
  g_assert_cmpuint (b.binary_macs, ==, 40108032);
  g_assert_cmpuint (bs_counts_fixed_macs (&b), ==, 0);
  g_assert_cmpuint (b.param_bits, ==, 267264);
  g_assert_cmpuint (f.binary_macs, ==, 0);
  g_assert_cmpuint (f.fixed_macs[BS_MAC_W8], ==, 4899456);
  g_assert_cmpuint (f.param_bits, ==, 725056 - 267264);
  g_assert_cmpuint (b.other_ops + f.other_ops, ==, 896000);
  g_assert_cmpuint (b.activation_bytes + f.activation_bytes, ==, 2688616);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/counts/small/layers", test_small_layers);
  g_test_add_func ("/counts/small/totals", test_small_totals);
  g_test_add_func ("/counts/mac-widths", test_mac_widths);
  g_test_add_func ("/counts/blendnet20/layers", test_blendnet20_layers);
  g_test_add_func ("/counts/blendnet20/totals", test_blendnet20_totals);

  return g_test_run ();
}
