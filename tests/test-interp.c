/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-interp.c: the reference interpreter, layer by layer, against expectations
 * computed by hand from docs/model-format.md, section 5 (the working is in the
 * comments), and the rounding helpers of bs-fixed.h against an independent
 * formulation.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "bs-fixed.h"
#include "bs-interp.h"
#include "bs-model.h"

/* Building tiny models */

static char *
next_name (GArray *array, const char *prefix)
{
  return g_strdup_printf ("%s%u", prefix, array->len);
}

static int
add_i8 (BsModel *model, int n_dims, const int64_t *dims, const int8_t *values)
{
  g_autofree char *name = next_name (model->tensors, "t");
  uint64_t n = 1;

  for (int d = 0; d < n_dims; d++)
    n *= dims[d];
  return bs_model_add_tensor (model, name, BS_DTYPE_I8, n_dims, dims, values, n);
}

static int
add_i16 (BsModel *model, int n_dims, const int64_t *dims, const int16_t *values)
{
  g_autofree char *name = next_name (model->tensors, "t");
  uint64_t n = 1;

  for (int d = 0; d < n_dims; d++)
    n *= dims[d];
  return bs_model_add_tensor (model, name, BS_DTYPE_I16, n_dims, dims, values, 2 * n);
}

static int
add_i32_vector (BsModel *model, int64_t n, const int32_t *values)
{
  g_autofree char *name = next_name (model->tensors, "t");

  return bs_model_add_tensor (model, name, BS_DTYPE_I32, 1, &n, values, 4 * n);
}

static int
add_i64_vector (BsModel *model, int64_t n, const int64_t *values)
{
  g_autofree char *name = next_name (model->tensors, "t");

  return bs_model_add_tensor (model, name, BS_DTYPE_I64, 1, &n, values, 8 * n);
}

static int
add_i8_vector (BsModel *model, int64_t n, const int8_t *values)
{
  return add_i8 (model, 1, &n, values);
}

/* Packs ±1 values the way section 3 stores u1: LSB-first, bit 1 = −1. */
static int
add_u1 (BsModel *model, int n_dims, const int64_t *dims, const int8_t *signs)
{
  g_autofree char *name = next_name (model->tensors, "t");
  g_autofree uint8_t *bytes = NULL;
  uint64_t n = 1;

  for (int d = 0; d < n_dims; d++)
    n *= dims[d];
  bytes = g_malloc0 ((n + 7) / 8 + 1);
  for (uint64_t i = 0; i < n; i++)
    {
      g_assert_true (signs[i] == 1 || signs[i] == -1);
      if (signs[i] == -1)
        bytes[i / 8] |= 1u << (i % 8);
    }
  return bs_model_add_tensor (model, name, BS_DTYPE_U1, n_dims, dims, bytes, (n + 7) / 8);
}

static int
add_layer (BsModel *model, BsLayer *layer, int n_inputs, int in0, int in1)
{
  g_autofree char *name = next_name (model->layers, "layer");

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
add_two (BsModel *model, BsLayerKind kind, int a, int b)
{
  BsLayer layer = bs_layer_init (NULL, kind, BS_PRECISION_FIXED, BS_PATH_MERGE);

  return add_layer (model, &layer, 2, a, b);
}

static int
add_quantize (BsModel *model)
{
  return add_simple (model, BS_LAYER_QUANTIZE_INPUT, BS_PRECISION_FIXED, BS_INPUT_MODEL);
}

static int
add_thermometer (BsModel *model, int levels)
{
  BsLayer layer = bs_layer_init (NULL, BS_LAYER_THERMOMETER, BS_PRECISION_BINARY, BS_PATH_STEM);

  layer.levels = levels;
  return add_layer (model, &layer, 1, BS_INPUT_MODEL, BS_NONE);
}

static int
add_conv (BsModel *model, BsLayerKind kind, int input, int cout, int k, int stride,
          int pad, int wbits, int weights, int bias)
{
  BsLayer layer = bs_layer_init (NULL, kind,
                                 kind == BS_LAYER_CONV_BINARY ? BS_PRECISION_BINARY
                                                              : BS_PRECISION_FIXED,
                                 BS_PATH_MAIN);

  layer.out_channels = cout;
  layer.kernel = k;
  layer.stride = stride;
  layer.pad = pad;
  layer.wbits = wbits;
  layer.weights = weights;
  layer.bias = bias;
  return add_layer (model, &layer, 1, input, BS_NONE);
}

static int
add_fc (BsModel *model, BsLayerKind kind, int input, int cout, int wbits, int weights,
        int bias)
{
  BsLayer layer = bs_layer_init (NULL, kind,
                                 kind == BS_LAYER_FC_BINARY ? BS_PRECISION_BINARY
                                                            : BS_PRECISION_FIXED,
                                 BS_PATH_HEAD);

  layer.out_channels = cout;
  layer.wbits = wbits;
  layer.weights = weights;
  layer.bias = bias;
  return add_layer (model, &layer, 1, input, BS_NONE);
}

static int
add_batchnorm (BsModel *model, int input, int channels, const int32_t *mul,
               const int64_t *add, const int8_t *shift, int out_bits, gboolean relu)
{
  BsLayer layer = bs_layer_init (NULL, BS_LAYER_BATCHNORM, BS_PRECISION_FIXED, BS_PATH_MAIN);

  layer.bn_mul = add_i32_vector (model, channels, mul);
  layer.bn_add = add_i64_vector (model, channels, add);
  layer.bn_shift = add_i8_vector (model, channels, shift);
  layer.out_bits = out_bits;
  layer.relu = relu;
  return add_layer (model, &layer, 1, input, BS_NONE);
}

static int
add_avgpool (BsModel *model, int input, int k, int stride)
{
  BsLayer layer = bs_layer_init (NULL, BS_LAYER_AVGPOOL, BS_PRECISION_FIXED, BS_PATH_SKIP);

  layer.kernel = k;
  layer.stride = stride;
  return add_layer (model, &layer, 1, input, BS_NONE);
}

/* Running and checking */

static void
validate (BsModel *model)
{
  g_autoptr (GError) error = NULL;

  gboolean ok = bs_model_validate (model, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
}

/* Validates, runs once and returns the interpreter (for its layer outputs). */
static BsInterp *
run_model (BsModel *model, const uint8_t *image)
{
  BsInterp *interp;

  validate (model);
  interp = bs_interp_new (model);
  bs_interp_run (interp, image, NULL, NULL);
  return interp;
}

/* Validation wants integer logits, so a model whose last layer yields bits gets a
 * quantize_input (of the model input) appended before it runs. */
static BsInterp *
run_model_bits (BsModel *model, const uint8_t *image)
{
  add_quantize (model);
  return run_model (model, image);
}

static void
assert_layer (BsInterp *interp, const BsModel *model, int layer, BsShape shape,
              const int32_t *expected)
{
  const BsLayer *l = bs_model_layer (model, layer);
  const int32_t *got = bs_interp_layer_output (interp, layer);
  size_t n = (size_t) shape.c * shape.h * shape.w;

  g_assert_cmpint (l->out_shape.c, ==, shape.c);
  g_assert_cmpint (l->out_shape.h, ==, shape.h);
  g_assert_cmpint (l->out_shape.w, ==, shape.w);
  for (size_t i = 0; i < n; i++)
    if (got[i] != expected[i])
      {
        g_test_message ("layer %d, element %zu (c %zu, y %zu, x %zu): got %d, expected %d",
                        layer, i, i / ((size_t) shape.h * shape.w),
                        i / shape.w % shape.h, i % shape.w, got[i], expected[i]);
        g_assert_cmpint (got[i], ==, expected[i]);
      }
}

/* quantize_input */

static void
test_quantize_input (void)
{
  g_autoptr (BsModel) model = bs_model_new ("q", (BsShape) { 1, 2, 3 });
  static const uint8_t image[] = { 0, 1, 127, 128, 129, 255 };
  static const int32_t expected[] = { -128, -127, -1, 0, 1, 127 };
  int q = add_quantize (model);
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, q, (BsShape) { 1, 2, 3 }, expected);
}

/* thermometer */

/* Expands hand-computed levels L (one per input element) into the expected output:
 * channel c·B + k at (y, x) is +1 iff k < L. */
static void
assert_thermometer (BsInterp *interp, const BsModel *model, int layer, BsShape in,
                    int levels, const int *hand_levels)
{
  BsShape out = { in.c * levels, in.h, in.w };
  g_autofree int32_t *expected = g_new (int32_t, (size_t) out.c * out.h * out.w);

  for (int c = 0; c < in.c; c++)
    for (int k = 0; k < levels; k++)
      for (int p = 0; p < in.h * in.w; p++)
        expected[(c * levels + k) * in.h * in.w + p] =
          k < hand_levels[c * in.h * in.w + p] ? 1 : -1;
  assert_layer (interp, model, layer, out, expected);
}

static void
test_thermometer_32 (void)
{
  BsShape in = { 1, 1, 8 };
  g_autoptr (BsModel) model = bs_model_new ("t", in);
  static const uint8_t image[] = { 0, 3, 4, 12, 128, 251, 252, 255 };
  /* L = (32x + 128) >> 8: 128>>8 = 0, 224>>8 = 0, 256>>8 = 1, 512>>8 = 2,
   * 4224>>8 = 16, 8160>>8 = 31, 8192>>8 = 32, 8288>>8 = 32. */
  static const int levels[] = { 0, 0, 1, 2, 16, 31, 32, 32 };
  int t = add_thermometer (model, 32);
  g_autoptr (BsInterp) interp = run_model_bits (model, image);

  assert_thermometer (interp, model, t, in, 32, levels);
}

static void
test_thermometer_other_levels (void)
{
  BsShape in = { 1, 1, 4 };
  g_autoptr (BsModel) model = bs_model_new ("t", in);
  static const uint8_t image[] = { 1, 2, 253, 254 };
  /* B = 64: 192>>8 = 0, 256>>8 = 1, 16320>>8 = 63, 16384>>8 = 64.
   * B = 1: 129>>8 = 0, 130>>8 = 0, 381>>8 = 1, 382>>8 = 1. */
  static const int levels64[] = { 0, 1, 63, 64 };
  static const int levels1[] = { 0, 0, 1, 1 };
  int t64 = add_thermometer (model, 64);
  int t1 = add_thermometer (model, 1);
  g_autoptr (BsInterp) interp = run_model_bits (model, image);

  assert_thermometer (interp, model, t64, in, 64, levels64);
  assert_thermometer (interp, model, t1, in, 1, levels1);
}

/* Channel indexing c·B + k with two input channels, written out in full. */
static void
test_thermometer_channels (void)
{
  g_autoptr (BsModel) model = bs_model_new ("t", (BsShape) { 2, 1, 2 });
  /* c0 = 25, 26: L = 253>>8 = 0, 258>>8 = 1. c1 = 255, 0: L = 1403>>8 = 5, 0. */
  static const uint8_t image[] = { 25, 26, 255, 0 };
  static const int32_t expected[] = {
    -1, 1,  -1, -1,  -1, -1,  -1, -1,  -1, -1,   /* c0, k = 0…4 */
    1, -1,  1, -1,   1, -1,   1, -1,   1, -1,    /* c1, k = 0…4 */
  };
  int t = add_thermometer (model, 5);
  g_autoptr (BsInterp) interp = run_model_bits (model, image);

  assert_layer (interp, model, t, (BsShape) { 10, 1, 2 }, expected);
}

/* conv_binary */

/* All-+1 input and weights: each output is K itself, so the borders show that only
 * taps inside the image count: corners 4·Cin, edges 6·Cin, inside 9·Cin (Cin = 2).
 * Channel 1 has all −1 weights: −K. One-padding would give 18 everywhere. */
static void
test_conv_binary_border_k (void)
{
  g_autoptr (BsModel) model = bs_model_new ("cb", (BsShape) { 2, 4, 4 });
  uint8_t image[32];
  int8_t signs[2 * 2 * 9];
  static const int64_t dims[] = { 2, 2, 3, 3 };
  static const int32_t expected[] = {
    8, 12, 12, 8,     12, 18, 18, 12,     12, 18, 18, 12,     8, 12, 12, 8,
    -8, -12, -12, -8, -12, -18, -18, -12, -12, -18, -18, -12, -8, -12, -12, -8,
  };
  int t, conv;
  g_autoptr (BsInterp) interp = NULL;

  memset (image, 200, sizeof image);
  for (int i = 0; i < 18; i++)
    {
      signs[i] = 1;
      signs[18 + i] = -1;
    }
  t = add_thermometer (model, 1);
  conv = add_conv (model, BS_LAYER_CONV_BINARY, t, 2, 3, 1, 1, 0, add_u1 (model, 4, dims, signs),
                   BS_NONE);
  interp = run_model (model, image);
  assert_layer (interp, model, conv, (BsShape) { 2, 4, 4 }, expected);
}

/* A pattern, stride 1 and 2. Input (thermometer B = 1: +1 iff x ≥ 128) and weights:
 *
 *   x = +1 −1 +1 +1      w = +1 −1 +1
 *       −1 −1 +1 −1          −1 +1 +1
 *       +1 +1 −1 +1          +1 +1 −1
 *       −1 +1 +1 −1
 *
 * (0,0): taps w[1..2][1..2] on x[0..1][0..1]: +1·+1 + +1·−1 + +1·−1 + −1·−1 = 0 (K = 4)
 * (0,1): w[1] on x[0][0..2] = −1 −1 +1; w[2] on x[1][0..2] = −1 −1 −1: −4 (K = 6)
 * (1,1): rows 0..2: 3 + 1 + 3 = 7 (K = 9)
 * (3,3): w[0][0..1] on x[2][2..3] = −1 −1; w[1][0..1] on x[3][2..3] = −1 −1: −4 (K = 4)
 * The other positions likewise; stride 2 samples (0,0), (0,2), (2,0), (2,2). */
static void
test_conv_binary_pattern (void)
{
  g_autoptr (BsModel) model = bs_model_new ("cb", (BsShape) { 1, 4, 4 });
  /* 128 and 127 sit on the B = 1 thermometer's edge: +1 and −1. */
  static const uint8_t image[] = {
    200, 50, 128, 255,
    0, 127, 200, 50,
    128, 200, 50, 200,
    50, 200, 200, 50,
  };
  static const int8_t signs[] = { 1, -1, 1, -1, 1, 1, 1, 1, -1 };
  static const int64_t dims[] = { 1, 1, 3, 3 };
  static const int32_t expected1[] = {
    0, -4, 4, 0,
    -4, 7, -1, -2,
    0, -1, -1, 4,
    0, 2, 2, -4,
  };
  static const int32_t expected2[] = { 0, 4, 0, -1 };
  int t = add_thermometer (model, 1);
  int w = add_u1 (model, 4, dims, signs);
  int c1 = add_conv (model, BS_LAYER_CONV_BINARY, t, 1, 3, 1, 1, 0, w, BS_NONE);
  int c2 = add_conv (model, BS_LAYER_CONV_BINARY, t, 1, 3, 2, 1, 0, w, BS_NONE);
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, c1, (BsShape) { 1, 4, 4 }, expected1);
  assert_layer (interp, model, c2, (BsShape) { 1, 2, 2 }, expected2);
}

/* conv_fixed */

/* x (i8, via quantize_input): c0 = 1…9 row-major, c1 = [−1 0 1; −2 0 2; −3 0 3].
 * Output 0: bias 10, c0 weights all 1 (a zero-padded box sum), c1 centre weight 2:
 *   box sums 12 21 16 / 27 45 33 / 24 39 28, 2·c1 = −2 0 2 / −4 0 4 / −6 0 6.
 * Output 1: bias −5, c0 weight −1 at (2,2) (reads x[y+1][x+1]), c1 weight 1 at (0,0)
 *   (reads x[y−1][x−1]); out-of-image taps are 0. E.g. (1,1): −5 − 9 + (−1) = −15. */
static void
test_conv_fixed (void)
{
  g_autoptr (BsModel) model = bs_model_new ("cf", (BsShape) { 2, 3, 3 });
  static const uint8_t image[] = {
    129, 130, 131, 132, 133, 134, 135, 136, 137,
    127, 128, 129, 126, 128, 130, 125, 128, 131,
  };
  static const int8_t weights[] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1,   0, 0, 0, 0, 2, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, -1,  1, 0, 0, 0, 0, 0, 0, 0, 0,
  };
  static const int32_t bias[] = { 10, -5 };
  static const int64_t dims[] = { 2, 2, 3, 3 };
  static const int32_t expected[] = {
    20, 31, 28, 33, 55, 47, 28, 49, 44,
    -10, -11, -5, -13, -15, -5, -5, -7, -5,
  };
  /* 1×1, stride 2, wbits 16, no bias: 300·c0 − 200·c1 at (0,0) (0,2) (2,0) (2,2). */
  static const int16_t weights16[] = { 300, -200 };
  static const int64_t dims16[] = { 1, 2, 1, 1 };
  static const int32_t expected16[] = { 500, 700, 2700, 2100 };
  int q = add_quantize (model);
  int c3 = add_conv (model, BS_LAYER_CONV_FIXED, q, 2, 3, 1, 1, 8,
                     add_i8 (model, 4, dims, weights), add_i32_vector (model, 2, bias));
  int c1 = add_conv (model, BS_LAYER_CONV_FIXED, q, 1, 1, 2, 0, 16,
                     add_i16 (model, 4, dims16, weights16), BS_NONE);
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, c3, (BsShape) { 2, 3, 3 }, expected);
  assert_layer (interp, model, c1, (BsShape) { 1, 2, 2 }, expected16);
}

/* fc_fixed, fc_binary: one FC per position */

/* x: c0 = 3, −4; c1 = 5, 7. w = [1 2; −3 0; 4 −5], bias 100, 0, −1:
 *   o0: 100 + 3 + 10 = 113, 100 − 4 + 14 = 110
 *   o1: −9, 12
 *   o2: −1 + 12 − 25 = −14, −1 − 16 − 35 = −52 */
static void
test_fc_fixed (void)
{
  g_autoptr (BsModel) model = bs_model_new ("fc", (BsShape) { 2, 1, 2 });
  static const uint8_t image[] = { 131, 124, 133, 135 };
  static const int8_t weights[] = { 1, 2, -3, 0, 4, -5 };
  static const int32_t bias[] = { 100, 0, -1 };
  static const int64_t dims[] = { 3, 2 };
  static const int32_t expected[] = { 113, 110, -9, 12, -14, -52 };
  int q = add_quantize (model);
  int fc = add_fc (model, BS_LAYER_FC_FIXED, q, 3, 8, add_i8 (model, 2, dims, weights),
                   add_i32_vector (model, 3, bias));
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, fc, (BsShape) { 3, 1, 2 }, expected);
}

/* Thermometer B = 3 of 255, 100: L = 893>>8 = 3, 428>>8 = 1, so
 * x = (+1 +1 +1) at p0 and (+1 −1 −1) at p1 (channels k = 0, 1, 2).
 * w0 = (−1 +1 +1): p0 1, p1 −1 −1 −1 = −3.  w1 = (−1 −1 −1): p0 −3, p1 −1 +1 +1 = 1. */
static void
test_fc_binary (void)
{
  g_autoptr (BsModel) model = bs_model_new ("fb", (BsShape) { 1, 1, 2 });
  static const uint8_t image[] = { 255, 100 };
  static const int8_t signs[] = { -1, 1, 1, -1, -1, -1 };
  static const int64_t dims[] = { 2, 3 };
  static const int32_t expected[] = { 1, -3, -3, 1 };
  int t = add_thermometer (model, 3);
  int fc = add_fc (model, BS_LAYER_FC_BINARY, t, 2, 0, add_u1 (model, 2, dims, signs), BS_NONE);
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, fc, (BsShape) { 2, 1, 2 }, expected);
}

/* batchnorm: sat(round_shift(x·mul + add, shift), out_bits), lower bound 0 with relu */

static void
test_batchnorm (void)
{
  g_autoptr (BsModel) model = bs_model_new ("bn", (BsShape) { 3, 1, 4 });
  /* x = c0: 3 −3 −1 1;  c1: 2 0 −1 5;  c2: 127 −128 5 6 */
  static const uint8_t image[] = { 131, 125, 127, 129, 130, 128, 127, 133, 255, 0, 133, 134 };

  /* 8 bits. c0 (1, 0, >>1): 1.5 → 2, −1.5 → −1, −0.5 → 0, 0.5 → 1 (halves go up).
   * c1 (−3, +1, >>2): −5/4 → −1, 1/4 → 0, 4/4 → 1, −14/4 = −3.5 → −3.
   * c2 (3, 0, >>0): 381 → 127, −384 → −128, 15, 18. */
  static const int32_t mul1[] = { 1, -3, 3 };
  static const int64_t add1[] = { 0, 1, 0 };
  static const int8_t shift1[] = { 1, 2, 0 };
  static const int32_t expected1[] = { 2, -1, 0, 1, -1, 0, 1, -3, 127, -128, 15, 18 };

  /* 4 bits, [−8, 7]: c0 and c1 as above; c2 (1, +2, >>0): 129 → 7, −126 → −8, 7, 8 → 7. */
  static const int32_t mul2[] = { 1, -3, 1 };
  static const int64_t add2[] = { 0, 1, 2 };
  static const int32_t expected2[] = { 2, -1, 0, 1, -1, 0, 1, -3, 7, -8, 7, 7 };

  /* 32 bits. c0 (2^30): ±3·2^30 saturate to 2^31 − 1 and −2^31; ∓2^30 exact.
   * c1 (1, 3·2^60, >>61): an i64 add; x = 0 gives exactly 1.5 → 2, x = −1 just below → 1.
   * c2 (−1): negation, −(−128) = 128 fits. */
  static const int32_t mul3[] = { 1 << 30, 1, -1 };
  static const int64_t add3[] = { 0, 3 * (G_GINT64_CONSTANT (1) << 60), 0 };
  static const int8_t shift3[] = { 0, 61, 0 };
  static const int32_t expected3[] = {
    G_MAXINT32, G_MININT32, -(1 << 30), 1 << 30,
    2, 2, 1, 2,
    -127, 128, -5, -6,
  };

  /* 16 bits with relu, [0, 32767]. c0 (1024): 3072, 0, 0, 1024.
   * c1 (1, −1, >>1): v = 1 −1 −2 4, halved 0.5 → 1, −0.5 → 0, −1, 2, relu: 1 0 0 2.
   * c2 (300): 38100 → 32767, −38400 → 0, 1500, 1800. */
  static const int32_t mul4[] = { 1024, 1, 300 };
  static const int64_t add4[] = { 0, -1, 0 };
  static const int8_t shift4[] = { 0, 1, 0 };
  static const int32_t expected4[] = { 3072, 0, 0, 1024, 1, 0, 0, 2, 32767, 0, 1500, 1800 };

  int q = add_quantize (model);
  int bn1 = add_batchnorm (model, q, 3, mul1, add1, shift1, 8, FALSE);
  int bn2 = add_batchnorm (model, q, 3, mul2, add2, shift1, 4, FALSE);
  int bn3 = add_batchnorm (model, q, 3, mul3, add3, shift3, 32, FALSE);
  int bn4 = add_batchnorm (model, q, 3, mul4, add4, shift4, 16, TRUE);
  g_autoptr (BsInterp) interp = run_model (model, image);
  BsShape shape = { 3, 1, 4 };

  assert_layer (interp, model, bn1, shape, expected1);
  assert_layer (interp, model, bn2, shape, expected2);
  assert_layer (interp, model, bn3, shape, expected3);
  assert_layer (interp, model, bn4, shape, expected4);
}

/* relu on an 8-bit output: negatives become 0, the top still saturates. */
static void
test_batchnorm_relu (void)
{
  g_autoptr (BsModel) model = bs_model_new ("bn", (BsShape) { 1, 1, 5 });
  /* x = −128 −1 0 1 127; ×2: −256 −2 0 2 254 → relu, sat 8: 0 0 0 2 127 */
  static const uint8_t image[] = { 0, 127, 128, 129, 255 };
  static const int32_t mul[] = { 2 };
  static const int64_t add[] = { 0 };
  static const int8_t shift[] = { 0 };
  static const int32_t expected[] = { 0, 0, 0, 2, 127 };
  int q = add_quantize (model);
  int bn = add_batchnorm (model, q, 1, mul, add, shift, 8, TRUE);
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, bn, (BsShape) { 1, 1, 5 }, expected);
}

/* sign */

static void
test_sign (void)
{
  g_autoptr (BsModel) model = bs_model_new ("s", (BsShape) { 1, 1, 5 });
  /* x = −128 −1 0 1 127: sign(0) = +1. */
  static const uint8_t image[] = { 0, 127, 128, 129, 255 };
  static const int32_t expected[] = { -1, -1, 1, 1, 1 };
  int q = add_quantize (model);
  int s = add_simple (model, BS_LAYER_SIGN, BS_PRECISION_BINARY, q);
  g_autoptr (BsInterp) interp = run_model_bits (model, image);

  assert_layer (interp, model, s, (BsShape) { 1, 1, 5 }, expected);
}

/* add (sat 32), and global_avgpool summing i32 values beyond 32 bits */

static void
test_add_saturates (void)
{
  g_autoptr (BsModel) model = bs_model_new ("add", (BsShape) { 1, 1, 3 });
  /* x = 127, −128, 0. 1×1 convs with weight 127 and bias ±B, B = 2^31 − 1 − 128·127
   * (the largest bias validation allows): */
  static const uint8_t image[] = { 255, 0, 128 };
  static const int8_t w[] = { 127 };
  static const int32_t pos[] = { 2147467391 }, neg[] = { -2147467391 };
  static const int64_t dims[] = { 1, 1, 1, 1 };
  /* a = B + 127x: 2147483520, 2147451135, 2147467391
   * b = −B + 127x: −2147451262, −2147483647, −2147467391 */
  static const int32_t expected_a[] = { 2147483520, 2147451135, 2147467391 };
  static const int32_t expected_b[] = { -2147451262, -2147483647, -2147467391 };
  static const int32_t expected_aa[] = { G_MAXINT32, G_MAXINT32, G_MAXINT32 };
  static const int32_t expected_bb[] = { G_MININT32, G_MININT32, G_MININT32 };
  /* a + b: 32258, −32512, 0 */
  static const int32_t expected_ab[] = { 32258, -32512, 0 };
  /* Sum 6442402046 (needs 64 bits) / 3 = 2147467348.67 → 2147467349. */
  static const int32_t expected_pool[] = { 2147467349 };
  int q = add_quantize (model);
  int weights = add_i8 (model, 4, dims, w);
  int a1 = add_conv (model, BS_LAYER_CONV_FIXED, q, 1, 1, 1, 0, 8, weights,
                     add_i32_vector (model, 1, pos));
  int a2 = add_conv (model, BS_LAYER_CONV_FIXED, q, 1, 1, 1, 0, 8, weights,
                     add_i32_vector (model, 1, pos));
  int b1 = add_conv (model, BS_LAYER_CONV_FIXED, q, 1, 1, 1, 0, 8, weights,
                     add_i32_vector (model, 1, neg));
  int b2 = add_conv (model, BS_LAYER_CONV_FIXED, q, 1, 1, 1, 0, 8, weights,
                     add_i32_vector (model, 1, neg));
  int aa = add_two (model, BS_LAYER_ADD, a1, a2);
  int bb = add_two (model, BS_LAYER_ADD, b1, b2);
  int ab = add_two (model, BS_LAYER_ADD, a1, b1);
  int pool = add_simple (model, BS_LAYER_GLOBAL_AVGPOOL, BS_PRECISION_FIXED, a1);
  g_autoptr (BsInterp) interp = run_model (model, image);
  BsShape shape = { 1, 1, 3 };

  assert_layer (interp, model, a1, shape, expected_a);
  assert_layer (interp, model, b1, shape, expected_b);
  assert_layer (interp, model, aa, shape, expected_aa);
  assert_layer (interp, model, bb, shape, expected_bb);
  assert_layer (interp, model, ab, shape, expected_ab);
  assert_layer (interp, model, pool, (BsShape) { 1, 1, 1 }, expected_pool);
}

/* avgpool, global_avgpool: round_div, halves towards +inf (also for negative sums) */

static void
test_avgpool (void)
{
  g_autoptr (BsModel) model = bs_model_new ("ap", (BsShape) { 2, 2, 5 });
  /* c0: −1 −1 −3 −3 100 / 0 0 0 0 100;  c1: 1 1 −3 −3 −100 / 0 0 −1 0 −100.
   * k = 2, s = 2: Wo = floor(3/2) + 1 = 2, column 4 is never read.
   * c0: −2/4 = −0.5 → 0, −6/4 = −1.5 → −1.  c1: 2/4 = 0.5 → 1, −7/4 = −1.75 → −2. */
  static const uint8_t image[] = {
    127, 127, 125, 125, 228, 128, 128, 128, 128, 228,
    129, 129, 125, 125, 28, 128, 128, 127, 128, 28,
  };
  static const int32_t expected[] = { 0, -1, 1, -2 };
  /* k = 2, s = 1, Wo = 4. c0: −2/4 → 0, −4/4 = −1, −6/4 = −1.5 → −1,
   * (−3 + 100 + 0 + 100) = 197/4 = 49.25 → 49.
   * c1: 2/4 → 1, (1 − 3 + 0 − 1) = −3/4 = −0.75 → −1, −7/4 → −2,
   * (−3 − 100 + 0 − 100) = −203/4 = −50.75 → −51. */
  static const int32_t expected_s1[] = { 0, -1, -1, 49, 1, -1, -2, -51 };
  int q = add_quantize (model);
  int p = add_avgpool (model, q, 2, 2);
  int p1 = add_avgpool (model, q, 2, 1);
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, p, (BsShape) { 2, 1, 2 }, expected);
  assert_layer (interp, model, p1, (BsShape) { 2, 1, 4 }, expected_s1);
}

static void
test_global_avgpool (void)
{
  g_autoptr (BsModel) model = bs_model_new ("gap", (BsShape) { 4, 2, 3 });
  /* Sums over 6: c0 −3 → −0.5 → 0; c1 −9 → −1.5 → −1; c2 3 → 0.5 → 1; c3 −15 → −2.5 → −2. */
  static const uint8_t image[] = {
    127, 127, 127, 128, 128, 128,
    126, 126, 126, 127, 127, 127,
    129, 129, 129, 128, 128, 128,
    125, 125, 125, 126, 126, 126,
  };
  static const int32_t expected[] = { 0, -1, 1, -2 };
  int q = add_quantize (model);
  int g = add_simple (model, BS_LAYER_GLOBAL_AVGPOOL, BS_PRECISION_FIXED, q);
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, g, (BsShape) { 4, 1, 1 }, expected);
}

/* concat, transpose */

static void
test_concat (void)
{
  g_autoptr (BsModel) model = bs_model_new ("cat", (BsShape) { 2, 1, 2 });
  /* q: c0 = 1 2, c1 = 3 4. f = fc 2→1 with weights (1, 1): 4 6, then an identity
   * batchnorm to i8 so that both inputs have the same type. */
  static const uint8_t image[] = { 129, 130, 131, 132 };
  static const int8_t ones[] = { 1, 1 };
  static const int64_t dims[] = { 1, 2 };
  static const int32_t mul[] = { 1 };
  static const int64_t add[] = { 0 };
  static const int8_t shift[] = { 0 };
  static const int32_t expected_qf[] = { 1, 2, 3, 4, 4, 6 };
  static const int32_t expected_fq[] = { 4, 6, 1, 2, 3, 4 };
  static const int32_t expected_qq[] = { 1, 2, 3, 4, 1, 2, 3, 4 };
  int q = add_quantize (model);
  int fc = add_fc (model, BS_LAYER_FC_FIXED, q, 1, 8, add_i8 (model, 2, dims, ones), BS_NONE);
  int f = add_batchnorm (model, fc, 1, mul, add, shift, 8, FALSE);
  int qf = add_two (model, BS_LAYER_CONCAT, q, f);
  int fq = add_two (model, BS_LAYER_CONCAT, f, q);
  int qq = add_two (model, BS_LAYER_CONCAT, q, q);
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, qf, (BsShape) { 3, 1, 2 }, expected_qf);
  assert_layer (interp, model, fq, (BsShape) { 3, 1, 2 }, expected_fq);
  assert_layer (interp, model, qq, (BsShape) { 4, 1, 2 }, expected_qq);
}

static void
test_transpose (void)
{
  g_autoptr (BsModel) model = bs_model_new ("tr", (BsShape) { 2, 2, 3 });
  /* x[c, h, w] = 50c + 10h + w. out[h·3 + w, c, 0] = x[c, h, w]: token t = h·3 + w
   * holds (x[0, h, w], x[1, h, w]). */
  static const uint8_t image[] = {
    128, 129, 130, 138, 139, 140,
    178, 179, 180, 188, 189, 190,
  };
  static const int32_t expected[] = { 0, 50, 1, 51, 2, 52, 10, 60, 11, 61, 12, 62 };
  /* Twice: back to (C, H·W, 1) = (2, 6, 1) in CHW order, x flattened per channel. */
  static const int32_t expected2[] = { 0, 1, 2, 10, 11, 12, 50, 51, 52, 60, 61, 62 };
  int q = add_quantize (model);
  int t = add_simple (model, BS_LAYER_TRANSPOSE, BS_PRECISION_FIXED, q);
  int t2 = add_simple (model, BS_LAYER_TRANSPOSE, BS_PRECISION_FIXED, t);
  g_autoptr (BsInterp) interp = run_model (model, image);

  assert_layer (interp, model, t, (BsShape) { 6, 2, 1 }, expected);
  assert_layer (interp, model, t2, (BsShape) { 2, 6, 1 }, expected2);
}

/* Whole runs */

/* thermometer → binary conv → batchnorm → sign → fc_binary: logits are the last layer,
 * runs are repeatable, layer_ns is filled, and a changed image changes the output. */
static void
test_run (void)
{
  g_autoptr (BsModel) model = bs_model_new ("run", (BsShape) { 1, 2, 2 });
  static const int8_t wc[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  static const int64_t dc[] = { 1, 1, 3, 3 };
  static const int32_t mul[] = { 1 };
  static const int64_t add[] = { -1 };
  static const int8_t shift[] = { 0 };
  static const int8_t wf[] = { 1, -1 };
  static const int64_t df[] = { 2, 1 };
  /* On 2×2 every 3×3 window covers the whole image (K = 4 everywhere).
   * image 1, all +1: conv 4 → bn 3 → sign +1 → fc (+1, −1).
   * image 2, three −1: conv −2 → bn −3 → sign −1 → fc (−1, +1). */
  static const uint8_t image1[] = { 200, 200, 200, 200 };
  static const uint8_t image2[] = { 0, 0, 0, 200 };
  int32_t logits[8], again[8];
  int64_t layer_ns[5] = { -1, -1, -1, -1, -1 };
  g_autoptr (BsInterp) interp = NULL;
  int t, c, bn, s, fc;

  t = add_thermometer (model, 1);
  c = add_conv (model, BS_LAYER_CONV_BINARY, t, 1, 3, 1, 1, 0, add_u1 (model, 4, dc, wc), BS_NONE);
  bn = add_batchnorm (model, c, 1, mul, add, shift, 8, FALSE);
  s = add_simple (model, BS_LAYER_SIGN, BS_PRECISION_BINARY, bn);
  fc = add_fc (model, BS_LAYER_FC_BINARY, s, 2, 0, add_u1 (model, 2, df, wf), BS_NONE);
  g_assert_cmpint (fc, ==, 4);
  validate (model);
  interp = bs_interp_new (model);

  bs_interp_run (interp, image1, logits, layer_ns);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (layer_ns[i], >=, 0);
  for (int i = 0; i < 8; i++)
    g_assert_cmpint (logits[i], ==, i < 4 ? 1 : -1);
  g_assert_cmpmem (logits, sizeof logits, bs_interp_layer_output (interp, fc), sizeof logits);

  bs_interp_run (interp, image2, logits, NULL);
  for (int i = 0; i < 8; i++)
    g_assert_cmpint (logits[i], ==, i < 4 ? -1 : 1);

  bs_interp_run (interp, image1, again, NULL);
  for (int i = 0; i < 8; i++)
    g_assert_cmpint (again[i], ==, i < 4 ? 1 : -1);
}

/* A model whose derived fields were never filled in must be refused, not run. */
static void
test_unvalidated (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (BsModel) model = bs_model_new ("raw", (BsShape) { 1, 2, 2 });

      add_quantize (model);
      bs_interp_free (bs_interp_new (model));
      return;
    }
  /* Meson's cross-build exe wrapper (qemu-user without binfmt_misc) cannot re-execute
   * a foreign binary as a child. */
  if (g_getenv ("MESON_EXE_WRAPPER") != NULL)
    {
      g_test_skip ("re-executes itself, which the emulator running this test cannot do");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*was the model validated*");
}

/* bs-fixed.h against an independent formulation */

__extension__ typedef __int128 Int128;

/* round(num / den), half towards +inf, den > 0: truncating division, corrected to a
 * floor, then rounded up when the remainder is at least half of den. */
static int64_t
ref_round (Int128 num, Int128 den)
{
  Int128 q = num / den;
  Int128 r = num % den;

  if (r < 0)
    {
      q -= 1;
      r += den;
    }
  if (2 * r >= den)
    q += 1;
  return (int64_t) q;
}

static int64_t
random_int64 (GRand *rand, int max_bits)
{
  int bits = g_rand_int_range (rand, 0, max_bits + 1);
  uint64_t v = ((uint64_t) g_rand_int (rand) << 32) | g_rand_int (rand);
  int64_t magnitude = bits == 0 ? 0 : (int64_t) (v >> (64 - bits));

  return g_rand_boolean (rand) ? -magnitude : magnitude;
}

static void
test_fixed_round_shift (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20240611);

  g_assert_cmpint (LDBL_MANT_DIG, >=, 64);
  for (int i = 0; i < 400000; i++)
    {
      /* |v| < 2^62 keeps v + 2^(s−1) in range, as callers guarantee. */
      int64_t v = random_int64 (rand, 62);
      int s = g_rand_int_range (rand, 0, 63);
      int64_t got = bs_round_shift (v, s);
      /* Exact in a 64-bit mantissa: v/2^s spans at most 62 bits and +0.5 adds none. */
      long double ld = floorl (ldexpl ((long double) v, -s) + 0.5L);

      g_assert_cmpint (got, ==, ref_round (v, (Int128) 1 << s));
      g_assert_true ((long double) got == ld);
    }
  /* Halves, by hand: 1.5 → 2, −1.5 → −1, −0.5 → 0, −2.5 → −2. */
  g_assert_cmpint (bs_round_shift (3, 1), ==, 2);
  g_assert_cmpint (bs_round_shift (-3, 1), ==, -1);
  g_assert_cmpint (bs_round_shift (-1, 1), ==, 0);
  g_assert_cmpint (bs_round_shift (-10, 2), ==, -2);
  g_assert_cmpint (bs_round_shift (-5, 0), ==, -5);
}

static void
test_fixed_round_div (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);

  /* Exhaustive on small values. */
  for (int64_t v = -700; v <= 700; v++)
    for (int64_t n = 1; n <= 50; n++)
      g_assert_cmpint (bs_round_div (v, n), ==, ref_round (v, n));

  for (int i = 0; i < 400000; i++)
    {
      /* round_div forms 2v + n: keep |v|, n below 2^61. */
      int64_t v = random_int64 (rand, 60);
      int64_t n = llabs (random_int64 (rand, 60)) + 1;
      int64_t got = bs_round_div (v, n);

      g_assert_cmpint (got, ==, ref_round (v, n));
      /* The defining inequality of round-half-up: −n ≤ 2(v − got·n) < n. */
      g_assert_true (-(Int128) n <= 2 * ((Int128) v - (Int128) got * n));
      g_assert_true (2 * ((Int128) v - (Int128) got * n) < n);
    }
  for (int i = 0; i < 100000; i++)
    {
      /* Within long double's reach: a quotient off a half-integer by at least 1/(2n) =
       * 2^−21 cannot be rounded onto it with 2^40 · 2^−64 of error. */
      int64_t v = random_int64 (rand, 40);
      int64_t n = g_rand_int_range (rand, 1, 1 << 20);

      g_assert_true ((long double) bs_round_div (v, n) ==
                     floorl ((long double) v / (long double) n + 0.5L));
    }
}

static void
test_fixed_floor_ceil_div (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);

  for (int i = 0; i < 400000; i++)
    {
      int64_t a = random_int64 (rand, 63);
      int64_t b = llabs (random_int64 (rand, 62)) + 1;
      Int128 f = bs_floor_div (a, b);
      Int128 c = bs_ceil_div (a, b);

      /* f·b ≤ a < (f + 1)·b and (c − 1)·b < a ≤ c·b. */
      g_assert_true (f * b <= a && a < (f + 1) * b);
      g_assert_true ((c - 1) * b < a && a <= c * b);
    }
}

static void
test_fixed_sat_requant (void)
{
  static const int widths[] = { 4, 8, 16, 32 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (13);

  for (int i = 0; i < 400000; i++)
    {
      int bits = widths[g_rand_int_range (rand, 0, 4)];
      int relu = g_rand_boolean (rand);
      int64_t v = random_int64 (rand, 62);
      int64_t hi = (int64_t) ldexpl (1.0L, bits - 1) - 1;
      int64_t lo = relu ? 0 : -(int64_t) ldexpl (1.0L, bits - 1);
      int64_t expected = v > hi ? hi : (v < lo ? lo : v);

      g_assert_cmpint (bs_sat (v, bits, relu), ==, expected);
    }

  for (int i = 0; i < 400000; i++)
    {
      int bits = widths[g_rand_int_range (rand, 0, 4)];
      int relu = g_rand_boolean (rand);
      int64_t x = random_int64 (rand, 31);
      int32_t mul = (int32_t) random_int64 (rand, 31);
      int s = g_rand_int_range (rand, 0, 61);
      int64_t add = random_int64 (rand, 60);
      int64_t hi = (int64_t) ldexpl (1.0L, bits - 1) - 1;
      int64_t lo = relu ? 0 : -(int64_t) ldexpl (1.0L, bits - 1);
      int64_t r;

      /* Inside validation's bound: |x·mul| + |add| + 2^(s−1) < 2^62 + 2^60 + 2^59. */
      r = ref_round ((Int128) x * mul + add, (Int128) 1 << s);
      r = r > hi ? hi : (r < lo ? lo : r);
      g_assert_cmpint (bs_requant (x, mul, add, s, bits, relu), ==, r);
    }
}

/* Timing (information only) */

static int64_t
time_layer (BsModel *model, const uint8_t *image, int layer)
{
  g_autoptr (BsInterp) interp = NULL;
  int64_t ns[8], best = G_MAXINT64;

  validate (model);
  interp = bs_interp_new (model);
  for (int i = 0; i < 5; i++)
    {
      bs_interp_run (interp, image, NULL, ns);
      best = MIN (best, ns[layer]);
    }
  return best;
}

static void
test_timing (void)
{
  g_autoptr (BsModel) binary = bs_model_new ("tb", (BsShape) { 1, 8, 8 });
  g_autoptr (BsModel) fixed = bs_model_new ("tf", (BsShape) { 16, 32, 32 });
  g_autofree int8_t *signs = g_new (int8_t, 64 * 64 * 9);
  g_autofree int8_t *weights = g_new (int8_t, 32 * 16);
  g_autofree uint8_t *image = g_new (uint8_t, 16 * 32 * 32);
  static const int64_t dims_b[] = { 64, 64, 3, 3 }, dims_f[] = { 32, 16, 1, 1 };
  int64_t ns;
  int t, q;

  for (int i = 0; i < 64 * 64 * 9; i++)
    signs[i] = (i * 7919) % 3 == 0 ? -1 : 1;
  for (int i = 0; i < 32 * 16; i++)
    weights[i] = (int8_t) ((i * 37) % 255 - 127);
  for (int i = 0; i < 16 * 32 * 32; i++)
    image[i] = (uint8_t) (i * 101);

  /* Binary 3×3 conv 64→64 on 8×8 (thermometer B = 64 makes the 64 channels). */
  t = add_thermometer (binary, 64);
  add_conv (binary, BS_LAYER_CONV_BINARY, t, 64, 3, 1, 1, 0, add_u1 (binary, 4, dims_b, signs),
            BS_NONE);
  ns = time_layer (binary, image, 1);
  g_test_message ("binary 3x3 conv 64->64 on 8x8: %.3f ms, %.1f M binary MAC/s (nominal)",
                  ns / 1e6, 64.0 * 64 * 64 * 9 / (ns / 1e3));

  /* Fixed 1×1 conv 16→32 on 32×32, int8. */
  q = add_quantize (fixed);
  add_conv (fixed, BS_LAYER_CONV_FIXED, q, 32, 1, 1, 0, 8, add_i8 (fixed, 4, dims_f, weights),
            BS_NONE);
  ns = time_layer (fixed, image, 1);
  g_test_message ("fixed 1x1 conv 16->32 on 32x32: %.3f ms, %.1f M MAC/s",
                  ns / 1e6, 32.0 * 32 * 32 * 16 / (ns / 1e3));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/interp/quantize-input", test_quantize_input);
  g_test_add_func ("/interp/thermometer/32", test_thermometer_32);
  g_test_add_func ("/interp/thermometer/other-levels", test_thermometer_other_levels);
  g_test_add_func ("/interp/thermometer/channels", test_thermometer_channels);
  g_test_add_func ("/interp/conv-binary/border-k", test_conv_binary_border_k);
  g_test_add_func ("/interp/conv-binary/pattern", test_conv_binary_pattern);
  g_test_add_func ("/interp/conv-fixed", test_conv_fixed);
  g_test_add_func ("/interp/fc-fixed", test_fc_fixed);
  g_test_add_func ("/interp/fc-binary", test_fc_binary);
  g_test_add_func ("/interp/batchnorm", test_batchnorm);
  g_test_add_func ("/interp/batchnorm/relu", test_batchnorm_relu);
  g_test_add_func ("/interp/sign", test_sign);
  g_test_add_func ("/interp/add", test_add_saturates);
  g_test_add_func ("/interp/avgpool", test_avgpool);
  g_test_add_func ("/interp/global-avgpool", test_global_avgpool);
  g_test_add_func ("/interp/concat", test_concat);
  g_test_add_func ("/interp/transpose", test_transpose);
  g_test_add_func ("/interp/run", test_run);
  g_test_add_func ("/interp/unvalidated", test_unvalidated);
  g_test_add_func ("/fixed/round-shift", test_fixed_round_shift);
  g_test_add_func ("/fixed/round-div", test_fixed_round_div);
  g_test_add_func ("/fixed/floor-ceil-div", test_fixed_floor_ceil_div);
  g_test_add_func ("/fixed/sat-requant", test_fixed_sat_requant);
  g_test_add_func ("/interp/timing", test_timing);

  return g_test_run ();
}
