/* SPDX-License-Identifier: GPL-3.0-or-later */
/* accel-test-models.c: shared by the accelerator tests (accel-test-models.h). The
 * model generators follow test-cpu-backend.c's. */
#include "accel-test-models.h"

#include <math.h>
#include <string.h>

GRand *accel_test_rng;

/* Random models */

typedef struct
{
  BsModel *m;
  GArray *mag;     /* double per layer: a typical |value| of its output */
} Gen;

static const int channel_choices[] = { 3, 24, 40, 65, 100, 130 };

static int
pick_channels (void)
{
  return channel_choices[g_rand_int_range (accel_test_rng, 0, G_N_ELEMENTS (channel_choices))];
}

static Gen
gen_new (const char *name, int c, int h, int w)
{
  Gen g = { bs_model_new (name, (BsShape) { c, h, w }), g_array_new (FALSE, FALSE, sizeof (double)) };
  return g;
}

static BsShape
shape_of (Gen *g, int input, BsActType *type)
{
  if (input == BS_INPUT_MODEL)
    {
      *type = BS_ACT_U8;
      return g->m->input_shape;
    }
  *type = bs_model_layer (g->m, input)->out_type;
  return bs_model_layer (g->m, input)->out_shape;
}

static double
mag_of (Gen *g, int input)
{
  return input == BS_INPUT_MODEL ? 128 : g_array_index (g->mag, double, input);
}

static uint64_t
type_max_abs (BsActType type)
{
  switch (type)
    {
    case BS_ACT_BITS: return 1;
    case BS_ACT_I4: return 8;
    case BS_ACT_I8: return 128;
    case BS_ACT_I16: return 32768;
    case BS_ACT_U8: return 255;
    case BS_ACT_I32:
    default: return (uint64_t) 1 << 31;
    }
}

static int
tensor (Gen *g, const char *name, BsDType dtype, int n_dims, const int64_t *dims, const void *data)
{
  uint64_t n = 1;

  for (int i = 0; i < n_dims; i++)
    n *= dims[i];
  return bs_model_add_tensor (g->m, name, dtype, n_dims, dims, data, bs_dtype_n_bytes (dtype, n));
}

/* The shapes and types bs_model_validate derives, needed while generating (a prefix
 * of a model is not always valid: its last layer may be bits). */
static void
derive (Gen *g, BsLayer *l)
{
  BsShape s;

  for (int k = 0; k < l->n_inputs; k++)
    l->in_shape[k] = shape_of (g, l->inputs[k], &l->in_type[k]);
  s = l->in_shape[0];
  l->out_shape = s;
  l->out_type = l->in_type[0];
  switch (l->kind)
    {
    case BS_LAYER_QUANTIZE_INPUT: l->out_type = BS_ACT_I8; break;
    case BS_LAYER_THERMOMETER: l->out_shape.c = s.c * l->levels; l->out_type = BS_ACT_BITS; break;
    case BS_LAYER_CONV_FIXED:
    case BS_LAYER_CONV_BINARY:
      l->out_shape = (BsShape) { l->out_channels, (s.h + 2 * l->pad - l->kernel) / l->stride + 1,
                                 (s.w + 2 * l->pad - l->kernel) / l->stride + 1 };
      l->out_type = BS_ACT_I32;
      break;
    case BS_LAYER_FC_FIXED:
    case BS_LAYER_FC_BINARY: l->out_shape.c = l->out_channels; l->out_type = BS_ACT_I32; break;
    case BS_LAYER_BATCHNORM:
      l->out_type = l->out_bits == 4 ? BS_ACT_I4 : l->out_bits == 8 ? BS_ACT_I8
                    : l->out_bits == 16 ? BS_ACT_I16 : BS_ACT_I32;
      break;
    case BS_LAYER_SIGN: l->out_type = BS_ACT_BITS; break;
    case BS_LAYER_ADD: l->out_type = BS_ACT_I32; break;
    case BS_LAYER_AVGPOOL:
      l->out_shape = (BsShape) { s.c, (s.h - l->kernel) / l->stride + 1, (s.w - l->kernel) / l->stride + 1 };
      break;
    case BS_LAYER_GLOBAL_AVGPOOL: l->out_shape = (BsShape) { s.c, 1, 1 }; break;
    case BS_LAYER_CONCAT: l->out_shape.c = s.c + l->in_shape[1].c; break;
    case BS_LAYER_TRANSPOSE: l->out_shape = (BsShape) { s.h * s.w, s.c, 1 }; break;
    case BS_LAYER_N_KINDS:
    default: g_assert_not_reached ();
    }
}

static int
add (Gen *g, BsLayer *l, double mag)
{
  derive (g, l);
  g_array_append_val (g->mag, mag);
  return bs_model_add_layer (g->m, l);
}

static char *
name_for (Gen *g, const char *kind)
{
  return g_strdup_printf ("%s%d", kind, bs_model_n_layers (g->m));
}

static int
unary (Gen *g, BsLayerKind kind, int input, double mag)
{
  g_autofree char *name = name_for (g, bs_layer_kind_to_string (kind));
  BsLayer l = bs_layer_init (name, kind, kind == BS_LAYER_SIGN ? BS_PRECISION_BINARY : BS_PRECISION_FIXED,
                             BS_PATH_MAIN);

  l.n_inputs = 1;
  l.inputs[0] = input;
  return add (g, &l, mag);
}

static int
binary_op (Gen *g, BsLayerKind kind, int a, int b, double mag)
{
  g_autofree char *name = name_for (g, bs_layer_kind_to_string (kind));
  BsLayer l = bs_layer_init (name, kind, BS_PRECISION_FIXED, BS_PATH_MERGE);

  l.n_inputs = 2;
  l.inputs[0] = a;
  l.inputs[1] = b;
  return add (g, &l, mag);
}

static int
quantize (Gen *g, int input)
{
  return unary (g, BS_LAYER_QUANTIZE_INPUT, input, 64);
}

static int
thermometer (Gen *g, int input, int levels)
{
  g_autofree char *name = name_for (g, "therm");
  BsLayer l = bs_layer_init (name, BS_LAYER_THERMOMETER, BS_PRECISION_BINARY, BS_PATH_STEM);

  l.n_inputs = 1;
  l.inputs[0] = input;
  l.levels = levels;
  return add (g, &l, 1);
}

static int
sign (Gen *g, int input)
{
  return unary (g, BS_LAYER_SIGN, input, 1);
}

static int
pool (Gen *g, int input, int kernel, int stride)
{
  g_autofree char *name = name_for (g, "pool");
  BsLayer l = bs_layer_init (name, BS_LAYER_AVGPOOL, BS_PRECISION_FIXED, BS_PATH_SKIP);

  l.n_inputs = 1;
  l.inputs[0] = input;
  l.kernel = kernel;
  l.stride = stride;
  return add (g, &l, mag_of (g, input));
}

/* Conv or FC, fixed or binary, with the largest weights validation allows (capped at
 * wbits) so that accumulators use their range. */
static int
conv (Gen *g, BsLayerKind kind, int input, int cout, int k, int s, int pad, int wbits,
      gboolean with_bias)
{
  gboolean binary = kind == BS_LAYER_CONV_BINARY || kind == BS_LAYER_FC_BINARY;
  gboolean fc = kind == BS_LAYER_FC_BINARY || kind == BS_LAYER_FC_FIXED;
  g_autofree char *name = name_for (g, binary ? "bconv" : "qconv");
  g_autofree char *wname = g_strconcat (name, ".w", NULL);
  g_autofree char *bname = g_strconcat (name, ".b", NULL);
  BsLayer l = bs_layer_init (name, kind, binary ? BS_PRECISION_BINARY : BS_PRECISION_FIXED,
                             binary ? BS_PATH_MAIN : BS_PATH_SKIP);
  BsActType type;
  BsShape in = shape_of (g, input, &type);
  int64_t taps = fc ? 1 : (int64_t) k * k;
  int64_t dims[4] = { cout, in.c, fc ? 1 : k, fc ? 1 : k };
  int64_t n = cout * in.c * taps;
  int64_t bias_max = binary ? 0 : 1 << 14;
  int64_t wmax = binary ? 1 : MIN ((1 << (wbits - 1)) - 1,
                                   (G_MAXINT32 - bias_max) / ((int64_t) type_max_abs (type) * in.c * taps));
  g_autofree int16_t *w16 = g_new0 (int16_t, n);
  g_autofree int8_t *w8 = g_new0 (int8_t, n);
  g_autofree uint8_t *bits = g_new0 (uint8_t, (n + 7) / 8);
  g_autofree int32_t *b = g_new0 (int32_t, cout);

  g_assert_cmpint (wmax, >=, 1);
  for (int64_t i = 0; i < n; i++)
    {
      w16[i] = (int16_t) g_rand_int_range (accel_test_rng, -wmax, wmax + 1);
      w8[i] = (int8_t) CLAMP (w16[i], -127, 127);
      bits[i / 8] |= (uint8_t) (g_rand_boolean (accel_test_rng) << (i % 8));
    }
  for (int i = 0; i < cout; i++)
    b[i] = g_rand_int_range (accel_test_rng, -bias_max, bias_max + 1);

  l.n_inputs = 1;
  l.inputs[0] = input;
  l.out_channels = cout;
  if (!fc)
    {
      l.kernel = k;
      l.stride = s;
      l.pad = pad;
    }
  if (binary)
    l.weights = tensor (g, wname, BS_DTYPE_U1, fc ? 2 : 4, dims, bits);
  else
    {
      l.wbits = wbits;
      l.weights = wbits == 16 ? tensor (g, wname, BS_DTYPE_I16, fc ? 2 : 4, dims, w16)
                              : tensor (g, wname, BS_DTYPE_I8, fc ? 2 : 4, dims, w8);
      if (with_bias)
        l.bias = tensor (g, bname, BS_DTYPE_I32, 1, dims, b);
    }
  return add (g, &l, binary ? sqrt ((double) in.c * taps)
                            : sqrt ((double) in.c * taps) * mag_of (g, input) * wmax / 2 + 1);
}

/* Scales so that the output spans its type, with some negative and zero multipliers
 * (threshold inversion, constant channels). */
static int
batchnorm (Gen *g, int input, int out_bits, gboolean relu)
{
  g_autofree char *name = name_for (g, "bn");
  g_autofree char *n1 = g_strconcat (name, ".mul", NULL);
  g_autofree char *n2 = g_strconcat (name, ".add", NULL);
  g_autofree char *n3 = g_strconcat (name, ".shift", NULL);
  BsLayer l = bs_layer_init (name, BS_LAYER_BATCHNORM, BS_PRECISION_FIXED, BS_PATH_MAIN);
  BsActType type;
  int64_t c = shape_of (g, input, &type).c;
  double target = ldexp (1, MIN (out_bits, 24) - 2);
  double mag = mag_of (g, input);
  g_autofree int32_t *mul = g_new (int32_t, c);
  g_autofree int64_t *addv = g_new (int64_t, c);
  g_autofree int8_t *shift = g_new (int8_t, c);

  for (int i = 0; i < c; i++)
    {
      int s = g_rand_int_range (accel_test_rng, 0, 17);
      double m = target * ldexp (1, s) / mag * g_rand_double_range (accel_test_rng, 0.3, 3);

      while (m > (1 << 20))
        {
          s--;
          m /= 2;
        }
      mul[i] = (int32_t) MAX (1, m) * (g_rand_int_range (accel_test_rng, 0, 4) == 0 ? -1 : 1);
      if (g_rand_int_range (accel_test_rng, 0, 10) == 0)
        mul[i] = 0;
      shift[i] = (int8_t) MAX (s, 0);
      addv[i] = (int64_t) (g_rand_double_range (accel_test_rng, -1, 1) * target * ldexp (1, shift[i]));
    }
  l.n_inputs = 1;
  l.inputs[0] = input;
  l.out_bits = out_bits;
  l.relu = relu;
  l.bn_mul = tensor (g, n1, BS_DTYPE_I32, 1, &c, mul);
  l.bn_add = tensor (g, n2, BS_DTYPE_I64, 1, &c, addv);
  l.bn_shift = tensor (g, n3, BS_DTYPE_I8, 1, &c, shift);
  return add (g, &l, target);
}

/* The real validation, which the model must pass as generated. */
static BsModel *
gen_finish (Gen *g)
{
  g_autoptr (GError) error = NULL;

  g_array_unref (g->mag);
  bs_model_validate (g->m, &error);
  g_assert_no_error (error);
  return g->m;
}

/* The Blend module: quantised stem, then blocks of sign → binary conv → BN (main) and
 * fixed conv → BN (skip), added, BN; global pool and FC head. */
BsModel *
accel_test_model_blend (void)
{
  Gen g = gen_new ("blend", 3, g_rand_int_range (accel_test_rng, 5, 12), g_rand_int_range (accel_test_rng, 5, 12));
  int c = pick_channels ();
  int x = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, quantize (&g, BS_INPUT_MODEL), c, 3, 1, 1, 8, TRUE),
                     8, g_rand_boolean (accel_test_rng));
  static const int merge_bits[] = { 4, 8, 16 };

  for (int block = 0; block < 2; block++)
    {
      int cout = pick_channels ();
      int s = g_rand_int_range (accel_test_rng, 1, 3);
      int k = g_rand_boolean (accel_test_rng) ? 3 : 1;
      int main_path = batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, sign (&g, x), cout, k, s, k / 2, 0, FALSE), 32, FALSE);
      int skip = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, x, cout, 1, s, 0,
                                      g_rand_boolean (accel_test_rng) ? 16 : 8, g_rand_boolean (accel_test_rng)),
                            32, FALSE);

      x = batchnorm (&g, binary_op (&g, BS_LAYER_ADD, main_path, skip, 1 << 20),
                     merge_bits[g_rand_int_range (accel_test_rng, 0, 3)], FALSE);
    }
  conv (&g, BS_LAYER_FC_FIXED, unary (&g, BS_LAYER_GLOBAL_AVGPOOL, x, mag_of (&g, x)), 10, 1, 1, 0, 8, TRUE);
  return gen_finish (&g);
}

/* All binary: thermometer input, thresholded convs (padding 0..2, strides), an
 * int pool, channel duplication by concat, a bit transpose, binary FC. */
BsModel *
accel_test_model_bnn (void)
{
  Gen g = gen_new ("bnn", 3, g_rand_int_range (accel_test_rng, 6, 12), g_rand_int_range (accel_test_rng, 6, 12));
  int levels = g_rand_int_range (accel_test_rng, 1, 12);
  int x = thermometer (&g, BS_INPUT_MODEL, levels);
  int pad = g_rand_int_range (accel_test_rng, 0, 3);
  int y;

  x = sign (&g, batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), 3, 1, pad, 0, FALSE),
                           8, g_rand_int_range (accel_test_rng, 0, 5) == 0));
  x = batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), 3, 2, 1, 0, FALSE), 16, FALSE);
  x = sign (&g, pool (&g, x, 2, 1));
  x = binary_op (&g, BS_LAYER_CONCAT, x, x, 1);
  x = sign (&g, conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), 1, 1, 0, 0, FALSE));
  y = unary (&g, BS_LAYER_TRANSPOSE, x, 1);
  y = conv (&g, BS_LAYER_FC_BINARY, y, 10, 1, 1, 0, 0, FALSE);
  unary (&g, BS_LAYER_GLOBAL_AVGPOOL, y, mag_of (&g, y));
  return gen_finish (&g);
}

/* Mixer-like: i16 activations and weights, token mixing by transpose and FC, mixed
 * i16 + i32 adds, i4 activations into 4-bit weights, a standalone batchnorm. */
/* Binary 3x3 convs on 9 to 16 channels (two bytes per pixel: windows read through
 * interleaved columns, 8 columns at a time on AVX2) over widths that leave a partial
 * group of columns; stride 1 requantised into an add, stride 2 thresholded. */
BsModel *
accel_test_model_narrow (void)
{
  Gen g = gen_new ("narrow", 3, g_rand_int_range (accel_test_rng, 2, 12), g_rand_int_range (accel_test_rng, 2, 42));
  int c = g_rand_int_range (accel_test_rng, 9, 17);
  int x = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, quantize (&g, BS_INPUT_MODEL), c, 3, 1, 1, 8, TRUE),
                     8, FALSE);
  int main_path = batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, sign (&g, x), c, 3, 1, 1, 0, FALSE), 32, FALSE);
  int skip = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, x, c, 1, 1, 0, 8, FALSE), 32, FALSE);

  x = batchnorm (&g, binary_op (&g, BS_LAYER_ADD, main_path, skip, 1 << 20), 8, FALSE);
  x = sign (&g, batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, sign (&g, x), g_rand_int_range (accel_test_rng, 9, 17), 3, 2, 1,
                                     0, FALSE),
                           8, FALSE));
  x = conv (&g, BS_LAYER_FC_BINARY, x, 10, 1, 1, 0, 0, FALSE);
  return gen_finish (&g);
}

/* Mixer-like: i16 activations and weights, token mixing by transpose and FC, mixed
 * i16 + i32 adds, i4 activations into 4-bit weights, a standalone batchnorm. */
BsModel *
accel_test_model_mixer (void)
{
  Gen g = gen_new ("mixer", 3, g_rand_int_range (accel_test_rng, 3, 9), g_rand_int_range (accel_test_rng, 3, 9));
  int c = pick_channels ();
  int x = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, quantize (&g, BS_INPUT_MODEL), c, 3, 2, 1, 16, TRUE),
                     16, FALSE);
  int t = unary (&g, BS_LAYER_TRANSPOSE, x, mag_of (&g, x));
  BsActType type;
  int tokens = shape_of (&g, t, &type).c;
  int f = conv (&g, BS_LAYER_FC_FIXED, t, tokens, 1, 1, 0, 8, TRUE);
  int a = binary_op (&g, BS_LAYER_ADD, t, f, mag_of (&g, f));
  int q4 = batchnorm (&g, a, 4, g_rand_boolean (accel_test_rng));
  int f4 = conv (&g, BS_LAYER_FC_FIXED, q4, pick_channels (), 1, 1, 0, 4, FALSE);
  int bn = batchnorm (&g, f4, 8, FALSE);
  int bn2 = batchnorm (&g, bn, 16, FALSE);
  int back = unary (&g, BS_LAYER_TRANSPOSE, bn2, mag_of (&g, bn2));
  int cat = binary_op (&g, BS_LAYER_CONCAT, back, back, mag_of (&g, back));
  int s = sign (&g, cat);

  (void) bn;
  conv (&g, BS_LAYER_FC_BINARY, s, 10, 1, 1, 0, 0, FALSE);
  return gen_finish (&g);
}

/* Borders: tiny images, pad up to k - 1, stride 2 over odd sizes, 1-row outputs,
 * the image read raw by concat (an INPUT op), a ReLU batchnorm before sign. */
BsModel *
accel_test_model_edges (void)
{
  Gen g = gen_new ("edges", 2, g_rand_int_range (accel_test_rng, 1, 6), g_rand_int_range (accel_test_rng, 1, 6));
  int raw = binary_op (&g, BS_LAYER_CONCAT, BS_INPUT_MODEL, BS_INPUT_MODEL, 128);
  int x = thermometer (&g, raw, g_rand_int_range (accel_test_rng, 1, 40));
  int k = 3, pad = 2;

  x = conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), k, 2, pad, 0, FALSE);
  x = sign (&g, batchnorm (&g, x, 32, g_rand_boolean (accel_test_rng)));
  x = conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), 3, 1, 1, 0, FALSE);
  x = batchnorm (&g, x, 8, FALSE);
  x = conv (&g, BS_LAYER_CONV_FIXED, x, pick_channels (), 3, 2, 2, 8, TRUE);
  return gen_finish (&g);
}

/* A thermometer of 129 to 192 channels (every lane offset within a word), then
 * kernel 5 stride 3 with padding over odd sizes; channels 47..49, 95..97, 129 cross
 * the 48-bit lanes and the 64-bit words; a binary conv requantised to i16 into a
 * fixed conv with 16-bit weights; an avgpool with stride 2 and a global pool of i16. */
BsModel *
accel_test_model_wide (void)
{
  static const int cross[] = { 47, 48, 49, 95, 96, 97, 129 };
  Gen g = gen_new ("wide", 3, g_rand_int_range (accel_test_rng, 9, 16), g_rand_int_range (accel_test_rng, 9, 16));
  int c1 = cross[g_rand_int_range (accel_test_rng, 0, G_N_ELEMENTS (cross))];
  int c2 = cross[g_rand_int_range (accel_test_rng, 0, G_N_ELEMENTS (cross))];
  int x = thermometer (&g, BS_INPUT_MODEL, g_rand_int_range (accel_test_rng, 43, 65));
  int raw, q, p;

  x = sign (&g, batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, x, c1, 5, 3, 2, 0, FALSE), 8, FALSE));
  raw = batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, x, c2, 3, 1, 1, 0, FALSE), 16, FALSE);
  q = conv (&g, BS_LAYER_CONV_FIXED, raw, pick_channels (), 1, 1, 0, 16, TRUE);
  q = batchnorm (&g, q, 16, g_rand_boolean (accel_test_rng));
  p = pool (&g, q, 2, 2);
  unary (&g, BS_LAYER_GLOBAL_AVGPOOL, p, mag_of (&g, p));
  return gen_finish (&g);
}

/* Shared helpers */

GPtrArray *
accel_test_bundled_models (void)
{
  const char *root = g_getenv ("BS_SOURCE_ROOT");
  g_autofree char *dir_path = g_build_filename (root ? root : ".", "data", "models", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".bsm"))
      g_ptr_array_add (paths, g_build_filename (dir_path, name, NULL));
  g_ptr_array_sort (paths, (GCompareFunc) g_strcmp0);
  return paths;
}

gsize
accel_test_n_elements (BsShape s)
{
  return (gsize) s.c * s.h * s.w;
}

uint8_t *
accel_test_random_images (const BsModel *m, int n)
{
  gsize size = accel_test_n_elements (m->input_shape);
  uint8_t *images = g_new (uint8_t, size * n);

  for (gsize i = 0; i < size * n; i++)
    images[i] = (uint8_t) g_rand_int (accel_test_rng);
  /* The extremes of the thermometer and of quantize_input. */
  if (n > 1)
    memset (images, 0, size);
  if (n > 2)
    memset (images + size, 255, size);
  return images;
}

void
accel_test_compare (const char *what, const BsPlan *plan, int op, const int32_t *got,
                    const int32_t *want, BsShape s)
{
  for (int c = 0; c < s.c; c++)
    for (int y = 0; y < s.h; y++)
      for (int x = 0; x < s.w; x++)
        {
          gsize i = ((gsize) c * s.h + y) * s.w + x;

          if (got[i] != want[i])
            g_error ("%s: op %d (%s %s) differs at c %d y %d x %d: %d, interpreter %d", what, op,
                     bs_plan_op_kind_to_string (plan->ops[op].kind), bs_plan_op_name (plan, op),
                     c, y, x, got[i], want[i]);
        }
}

void
accel_test_check_op_output (const BsPlan *plan, BsInterp *interp, const uint8_t *image,
                            int op, const void *output)
{
  const BsPlanOp *pop = &plan->ops[op];
  const BsPlanBuffer *buf = &plan->buffers[pop->output];
  gsize n = accel_test_n_elements (buf->shape);
  g_autofree int32_t *got = g_new (int32_t, n);
  g_autofree int32_t *raw = NULL;
  const int32_t *want;

  bs_plan_buffer_to_chw (plan, pop->output, output, got);
  if (buf->type == BS_ACT_BITS && buf->shape.c % 64 != 0)
    {
      int32_t words = bs_plan_words (buf->shape.c);

      for (int64_t px = 0; px < (int64_t) buf->shape.h * buf->shape.w; px++)
        g_assert_cmphex (((const uint64_t *) output)[px * words + words - 1] >> (buf->shape.c % 64), ==, 0);
    }
  if (pop->kind == BS_PLAN_OP_INPUT)
    {
      raw = g_new (int32_t, n);
      for (gsize i = 0; i < n; i++)
        raw[i] = image[i];
      want = raw;
    }
  else
    want = bs_interp_layer_output (interp, pop->last);
  accel_test_compare ("op output", plan, op, got, want, buf->shape);
}

/* Image checks */

static int64_t
weight_elem (const uint64_t *weights, gsize byte, int size)
{
  const uint8_t *b = (const uint8_t *) weights + byte;

  return size == 2 ? (int16_t) (b[0] | b[1] << 8) : (int8_t) b[0];
}

static int32_t
thr_at (const uint64_t *weights, gsize byte)
{
  int32_t v;

  memcpy (&v, (const uint8_t *) weights + byte, 4);
  return v;
}

/* The conv's weights, read from the model's tensor in PyTorch order. */
static void
check_conv_weights (const BsPlan *plan, const BsPlanOp *op, const uint32_t *d,
                    const uint64_t *weights, gsize weight_bytes)
{
  const BsModel *m = plan->model;
  const BsLayer *conv = bs_model_layer (m, op->primary);
  const BsTensor *w = bs_model_tensor (m, conv->weights);
  uint32_t cin = d[BS_DESC_IN_C], cout = d[BS_DESC_OUT_C], k = d[BS_DESC_KERNEL];
  uint32_t kk = k * k, chunks = d[BS_DESC_W_CHUNKS], groups = d[BS_DESC_GROUPS];
  gboolean binary = op->kind == BS_PLAN_OP_BCONV;
  int size = (d[BS_DESC_TYPES] >> 24) == BS_KW_I16 ? 2 : 1;

  g_assert_cmpuint (chunks, ==, binary ? (cin + 47) / 48 : (cin + BS_KERNEL_MACS - 1) / BS_KERNEL_MACS);
  g_assert_cmpuint (d[BS_DESC_W_OFF] + (gsize) groups * kk * chunks * BS_KERNEL_PE
                    * (binary ? 8 : BS_KERNEL_MACS * size), <=, weight_bytes);
  for (uint32_t o = 0; o < groups * BS_KERNEL_PE; o++)
    for (uint32_t t = 0; t < kk; t++)
      for (uint32_t c = 0; c < chunks * (binary ? 48 : BS_KERNEL_MACS); c++)
        {
          uint32_t g = o / BS_KERNEL_PE, pe = o % BS_KERNEL_PE;
          int64_t want = 0, got;

          if (o < cout && c < cin)
            want = bs_tensor_get_int (w, ((uint64_t) o * cin + c) * kk + t);
          if (binary)
            {
              uint32_t j = c / 48;
              uint64_t word = weights[d[BS_DESC_W_OFF] / 8 + ((g * kk + t) * chunks + j) * BS_KERNEL_PE + pe];

              g_assert_cmphex (word >> 48, ==, 0);
              got = (word >> (c % 48)) & 1 ? -1 : (o < cout && c < cin ? 1 : 0);
            }
          else
            {
              uint32_t s = c / BS_KERNEL_MACS, mac = c % BS_KERNEL_MACS;

              got = weight_elem (weights, d[BS_DESC_W_OFF]
                                 + ((((gsize) g * kk + t) * chunks + s) * BS_KERNEL_PE + pe)
                                   * BS_KERNEL_MACS * size + (gsize) mac * size, size);
            }
          if (got != want)
            g_error ("weight image of %s: o %u c %u tap %u is %" G_GINT64_FORMAT ", the model says %"
                     G_GINT64_FORMAT, conv->name, o, c, t, got, want);
        }
}

/* The output transform: the batchnorm's parameters and the conv's bias from the
 * model; thresholds recomputed with bs_plan_fold_threshold from them. */
static void
check_transform (const BsPlan *plan, const BsPlanOp *op, const uint32_t *d, const uint64_t *weights)
{
  const BsModel *m = plan->model;
  const BsLayer *head = bs_model_layer (m, op->layers[0]);
  const BsLayer *bn = NULL;
  uint32_t kind = d[BS_DESC_FLAGS] & BS_KFLAG_OUT_MASK, cout = d[BS_DESC_OUT_C];
  const BsTensor *bias = head->kind == BS_LAYER_CONV_FIXED || head->kind == BS_LAYER_FC_FIXED
                         ? bs_model_tensor (m, head->bias) : NULL;

  for (int k = 0; k < op->n_layers; k++)
    if (bs_model_layer (m, op->layers[k])->kind == BS_LAYER_BATCHNORM)
      bn = bs_model_layer (m, op->layers[k]);
  if (kind == BS_KFLAG_OUT_THRESHOLD)
    {
      uint32_t kk = d[BS_DESC_KERNEL] * d[BS_DESC_KERNEL];

      g_assert_true (bs_model_layer (m, op->last)->kind == BS_LAYER_SIGN);
      for (uint32_t o = 0; o < cout; o++)
        for (uint32_t t = 0; t <= kk; t++)
          {
            int32_t mul = bn ? bs_tensor_get_int (bs_model_tensor (m, bn->bn_mul), o) : 1;
            int64_t add = bn ? ((const int64_t *) bs_model_tensor (m, bn->bn_add)->data)[o] : 0;
            int shift = bn ? bs_tensor_get_int (bs_model_tensor (m, bn->bn_shift), o) : 0;
            int32_t thr;
            gboolean flip;

            bs_plan_fold_threshold ((int64_t) d[BS_DESC_IN_C] * t, mul, add, shift, bn ? bn->relu : FALSE,
                                    &thr, &flip);
            g_assert_cmpint (thr_at (weights, d[BS_DESC_THR_OFF] + ((gsize) t * d[BS_DESC_THR_STRIDE] + o) * 4), ==, thr);
            g_assert_cmpint ((weights[d[BS_DESC_FLIP_OFF] / 8 + o / 64] >> (o % 64)) & 1, ==, flip);
          }
      return;
    }
  g_assert_cmpuint (kind, ==, bn ? BS_KFLAG_OUT_REQUANT : BS_KFLAG_OUT_RAW);
  if (bn != NULL)
    {
      g_assert_cmpuint (d[BS_DESC_OUT_BITS], ==, bn->out_bits);
      g_assert_cmpuint ((d[BS_DESC_FLAGS] & BS_KFLAG_RELU) != 0, ==, bn->relu);
    }
  if (bn == NULL && bias == NULL)
    return;
  for (uint32_t o = 0; o < cout; o++)
    {
      const int64_t *rec = (const int64_t *) weights + d[BS_DESC_PARAM_OFF] / 8 + (gsize) o * 4;
      int64_t b = bias ? bs_tensor_get_int (bias, o) : 0;

      if (bn == NULL)
        {
          g_assert_cmpint (rec[0], ==, b);
          continue;
        }
      g_assert_cmpint (rec[1], ==, bs_tensor_get_int (bs_model_tensor (m, bn->bn_mul), o));
      g_assert_cmpint (rec[3], ==, bs_tensor_get_int (bs_model_tensor (m, bn->bn_shift), o));
      /* The bias is either added to the accumulator or folded into add. */
      if (d[BS_DESC_FLAGS] & BS_KFLAG_BIAS)
        {
          g_assert_cmpint (rec[0], ==, b);
          g_assert_cmpint (rec[2], ==, ((const int64_t *) bs_model_tensor (m, bn->bn_add)->data)[o]);
        }
      else
        g_assert_cmpint (rec[2], ==, ((const int64_t *) bs_model_tensor (m, bn->bn_add)->data)[o] + b * rec[1]);
    }
}

static uint32_t
ktype (BsActType type)
{
  switch (type)
    {
    case BS_ACT_U8: return BS_KTYPE_U8;
    case BS_ACT_BITS: return BS_KTYPE_BITS;
    case BS_ACT_I4:
    case BS_ACT_I8: return BS_KTYPE_I8;
    case BS_ACT_I16: return BS_KTYPE_I16;
    case BS_ACT_I32:
    default: return BS_KTYPE_I32;
    }
}

void
accel_test_check_image (const BsPlan *plan, const uint32_t *desc, gsize desc_bytes,
                        const uint64_t *weights, gsize weight_bytes)
{
  const BsPlanBuffer *in = &plan->buffers[plan->input];
  gsize input_offset = desc[BS_DESC_H_INPUT_OFFSET];

  g_assert_cmpuint (desc_bytes, ==, (BS_DESC_HEADER_WORDS + (gsize) plan->n_ops * BS_DESC_WORDS) * 4);
  g_assert_cmphex (desc[BS_DESC_H_MAGIC], ==, 0x444b5342);   /* "BSKD" */
  g_assert_cmpuint (desc[BS_DESC_H_VERSION], ==, 1);
  g_assert_cmpuint (desc[BS_DESC_H_N_LAYERS], ==, plan->n_ops);
  g_assert_cmpuint (desc[BS_DESC_H_PE], ==, BS_KERNEL_PE);
  g_assert_cmpuint (desc[BS_DESC_H_XNOR_LANES], ==, BS_KERNEL_XNOR_LANES);
  g_assert_cmpuint (desc[BS_DESC_H_MACS], ==, BS_KERNEL_MACS);
  g_assert_cmpuint (desc[BS_DESC_H_WEIGHT_BYTES], ==, weight_bytes);
  g_assert_cmpuint (input_offset, >=, plan->arena_size);
  g_assert_cmpuint (desc[BS_DESC_H_ARENA_BYTES], >=, input_offset + accel_test_n_elements (in->shape));
  g_assert_cmpuint (desc[BS_DESC_H_OUTPUT_OFFSET], ==, plan->buffers[plan->output].offset);
  g_assert_cmpuint (desc[BS_DESC_H_PROFILE_BYTES], ==, (8 + 4 * (gsize) plan->n_ops) * 8);

  for (int i = 0; i < plan->n_ops; i++)
    {
      const BsPlanOp *op = &plan->ops[i];
      const uint32_t *d = desc + BS_DESC_HEADER_WORDS + (gsize) i * BS_DESC_WORDS;
      const BsPlanBuffer *in0 = &plan->buffers[op->inputs[0]];
      const BsPlanBuffer *out = &plan->buffers[op->output];

      g_assert_cmpuint (d[BS_DESC_OP], ==, bs_accel_op_code (op->kind));
      g_assert_cmpuint (d[BS_DESC_OP_INDEX], ==, i);
      g_assert_cmpuint (d[BS_DESC_IN0], ==, in0->is_input ? input_offset : in0->offset);
      g_assert_cmpuint ((d[BS_DESC_FLAGS] & BS_KFLAG_IN0_CHW) != 0, ==, in0->is_input);
      g_assert_cmpuint (d[BS_DESC_OUT], ==, out->offset);
      g_assert_cmpuint (d[BS_DESC_IN_C], ==, in0->shape.c);
      g_assert_cmpuint (d[BS_DESC_IN_H], ==, in0->shape.h);
      g_assert_cmpuint (d[BS_DESC_IN_W], ==, in0->shape.w);
      g_assert_cmpuint (d[BS_DESC_OUT_C], ==, out->shape.c);
      g_assert_cmpuint (d[BS_DESC_OUT_H], ==, out->shape.h);
      g_assert_cmpuint (d[BS_DESC_OUT_W], ==, out->shape.w);
      g_assert_cmpuint (d[BS_DESC_GROUPS], ==, (out->shape.c + BS_KERNEL_PE - 1) / BS_KERNEL_PE);
      g_assert_cmpuint ((d[BS_DESC_TYPES] >> 16) & 0xff, ==, ktype (out->type));
      g_assert_cmpuint (d[BS_DESC_TYPES] & 0xff, ==, in0->is_input ? BS_KTYPE_U8 : ktype (in0->type));
      if (op->n_inputs > 1)
        {
          const BsPlanBuffer *in1 = &plan->buffers[op->inputs[1]];

          g_assert_cmpuint (d[BS_DESC_IN1], ==, in1->offset);
          g_assert_cmpuint (d[BS_DESC_IN1_C], ==, in1->shape.c);
          g_assert_cmpuint ((d[BS_DESC_TYPES] >> 8) & 0xff, ==, ktype (in1->type));
        }
      if (op->kind == BS_PLAN_OP_BCONV || op->kind == BS_PLAN_OP_QCONV)
        {
          const BsLayer *conv = bs_model_layer (plan->model, op->primary);
          gboolean fc = conv->kind == BS_LAYER_FC_BINARY || conv->kind == BS_LAYER_FC_FIXED;

          g_assert_cmpuint (d[BS_DESC_KERNEL], ==, fc ? 1 : conv->kernel);
          g_assert_cmpuint (d[BS_DESC_STRIDE], ==, fc ? 1 : conv->stride);
          g_assert_cmpuint (d[BS_DESC_PAD], ==, fc ? 0 : conv->pad);
          check_conv_weights (plan, op, d, weights, weight_bytes);
        }
      if (op->kind == BS_PLAN_OP_BCONV || op->kind == BS_PLAN_OP_QCONV
          || op->kind == BS_PLAN_OP_ADD || op->kind == BS_PLAN_OP_BATCHNORM)
        check_transform (plan, op, d, weights);
    }
}
