/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-plan.c: the compiler passes of core/bs-plan.c: threshold and requant folding
 * checked against direct evaluation, fusion rules, weight packing, buffer planning.
 * Models are built in memory with their derived shapes filled in here, so these tests
 * need neither the validator nor the interpreter. */
#include <string.h>

#include "bs-plan.h"

static GRand *rng;

/* Building models */

static int
tensor (BsModel *m, const char *name, BsDType dtype, int n_dims, const int64_t *dims,
        const void *data)
{
  uint64_t n = 1;

  for (int i = 0; i < n_dims; i++)
    n *= dims[i];
  return bs_model_add_tensor (m, name, dtype, n_dims, dims, data, bs_dtype_n_bytes (dtype, n));
}

static BsShape
input_shape (BsModel *m, int input, BsActType *type)
{
  if (input == BS_INPUT_MODEL)
    {
      *type = BS_ACT_U8;
      return m->input_shape;
    }
  *type = bs_model_layer (m, input)->out_type;
  return bs_model_layer (m, input)->out_shape;
}

static BsActType
type_for_bits (int bits)
{
  return bits == 4 ? BS_ACT_I4 : bits == 8 ? BS_ACT_I8 : bits == 16 ? BS_ACT_I16 : BS_ACT_I32;
}

/* What bs_model_validate derives, for the layers these tests build. */
static void
derive (BsModel *m, BsLayer *l)
{
  BsShape s;

  for (int k = 0; k < l->n_inputs; k++)
    l->in_shape[k] = input_shape (m, l->inputs[k], &l->in_type[k]);
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
    case BS_LAYER_BATCHNORM: l->out_type = type_for_bits (l->out_bits); break;
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
add_layer (BsModel *m, BsLayer *l)
{
  derive (m, l);
  return bs_model_add_layer (m, l);
}

static int
layer_n (BsModel *m, const char *name, BsLayerKind kind, int n_inputs, int in0, int in1)
{
  BsLayer l = bs_layer_init (name, kind, BS_PRECISION_FIXED, BS_PATH_MAIN);

  l.n_inputs = n_inputs;
  l.inputs[0] = in0;
  l.inputs[1] = in1;
  l.levels = kind == BS_LAYER_THERMOMETER ? 5 : 0;
  return add_layer (m, &l);
}

static int
layer1 (BsModel *m, const char *name, BsLayerKind kind, int input)
{
  return layer_n (m, name, kind, 1, input, BS_NONE);
}

static int
layer2 (BsModel *m, const char *name, BsLayerKind kind, int a, int b)
{
  return layer_n (m, name, kind, 2, a, b);
}

static int
conv (BsModel *m, const char *name, BsLayerKind kind, int input, int cout, int k, int s,
      int pad, gboolean with_bias)
{
  gboolean binary = kind == BS_LAYER_CONV_BINARY || kind == BS_LAYER_FC_BINARY;
  gboolean fc = kind == BS_LAYER_FC_BINARY || kind == BS_LAYER_FC_FIXED;
  BsLayer l = bs_layer_init (name, kind, binary ? BS_PRECISION_BINARY : BS_PRECISION_FIXED, BS_PATH_MAIN);
  BsActType type;
  int64_t cin = input_shape (m, input, &type).c;
  int64_t dims[4] = { cout, cin, fc ? 1 : k, fc ? 1 : k };
  int64_t n = dims[0] * dims[1] * dims[2] * dims[3];
  g_autofree int8_t *w = g_new0 (int8_t, n);
  g_autofree int32_t *b = g_new0 (int32_t, cout);
  g_autofree char *wname = g_strconcat (name, ".weight", NULL);
  g_autofree char *bname = g_strconcat (name, ".bias", NULL);

  for (int64_t i = 0; i < n; i++)
    w[i] = binary ? (int8_t) g_rand_int (rng) : (int8_t) g_rand_int_range (rng, -127, 128);
  for (int i = 0; i < cout; i++)
    b[i] = g_rand_int_range (rng, -100000, 100000);
  l.n_inputs = 1;
  l.inputs[0] = input;
  l.out_channels = cout;
  l.kernel = fc ? 0 : k;
  l.stride = fc ? 0 : s;
  l.pad = fc ? 0 : pad;
  l.wbits = binary ? 0 : 8;
  /* Random bytes serve as packed bits too (n/8 of them). */
  l.weights = tensor (m, wname, binary ? BS_DTYPE_U1 : BS_DTYPE_I8, fc ? 2 : 4, dims, w);
  if (with_bias)
    l.bias = tensor (m, bname, BS_DTYPE_I32, 1, dims, b);
  return add_layer (m, &l);
}

static int
batchnorm (BsModel *m, const char *name, int input, const int32_t *mul, const int64_t *add,
           const int8_t *shift, int out_bits, gboolean relu)
{
  BsLayer l = bs_layer_init (name, BS_LAYER_BATCHNORM, BS_PRECISION_FIXED, BS_PATH_MAIN);
  BsActType type;
  int64_t c = input_shape (m, input, &type).c;
  g_autofree char *n1 = g_strconcat (name, ".mul", NULL);
  g_autofree char *n2 = g_strconcat (name, ".add", NULL);
  g_autofree char *n3 = g_strconcat (name, ".shift", NULL);

  l.n_inputs = 1;
  l.inputs[0] = input;
  l.out_bits = out_bits;
  l.relu = relu;
  l.bn_mul = tensor (m, n1, BS_DTYPE_I32, 1, &c, mul);
  l.bn_add = tensor (m, n2, BS_DTYPE_I64, 1, &c, add);
  l.bn_shift = tensor (m, n3, BS_DTYPE_I8, 1, &c, shift);
  return add_layer (m, &l);
}

/* A batchnorm with random parameters whose thresholds fall inside the popcount range
 * for K up to max_k; some channels with mul < 0 and mul = 0. */
static int
random_batchnorm (BsModel *m, const char *name, int input, int max_k, int out_bits, gboolean relu)
{
  BsActType type;
  int c = input_shape (m, input, &type).c;
  g_autofree int32_t *mul = g_new (int32_t, c);
  g_autofree int64_t *add = g_new (int64_t, c);
  g_autofree int8_t *shift = g_new (int8_t, c);

  for (int i = 0; i < c; i++)
    {
      mul[i] = i % 7 == 3 ? 0 : g_rand_int_range (rng, -50, 51);
      shift[i] = (int8_t) g_rand_int_range (rng, 0, 7);
      add[i] = g_rand_int_range (rng, -max_k * 50, max_k * 50 + 1) * ((int64_t) 1 << shift[i])
               + g_rand_int_range (rng, -3, 4);
    }
  return batchnorm (m, name, input, mul, add, shift, out_bits, relu);
}

static BsModel *
new_model (int c, int h, int w)
{
  return bs_model_new ("test", (BsShape) { c, h, w });
}

static BsPlan *
compile (BsModel *m)
{
  g_autoptr (GError) error = NULL;
  BsPlan *plan = bs_plan_compile (m, &error);

  g_assert_no_error (error);
  g_assert_nonnull (plan);
  return plan;
}

static const BsPlanOp *
find_op (const BsPlan *plan, BsPlanOpKind kind, int nth)
{
  for (int i = 0; i < plan->n_ops; i++)
    if (plan->ops[i].kind == kind && nth-- == 0)
      return &plan->ops[i];
  g_assert_not_reached ();
}

static int
count_ops (const BsPlan *plan, BsPlanOpKind kind)
{
  int n = 0;

  for (int i = 0; i < plan->n_ops; i++)
    n += plan->ops[i].kind == kind;
  return n;
}

/* Threshold folding */

static gboolean
direct_is_minus (int64_t k, int64_t p, int32_t mul, int64_t add, int shift, gboolean relu)
{
  return bs_requant (k - 2 * p, mul, add, shift, 32, relu) < 0;
}

static void
check_fold (int64_t k, int32_t mul, int64_t add, int shift, gboolean relu)
{
  int32_t threshold;
  gboolean flip;

  bs_plan_fold_threshold (k, mul, add, shift, relu, &threshold, &flip);
  g_assert_cmpint (threshold, >=, -1);
  g_assert_cmpint (threshold, <=, k);
  for (int64_t p = 0; p <= k; p++)
    if (direct_is_minus (k, p, mul, add, shift, relu) != ((p > threshold) != flip))
      g_error ("K %" G_GINT64_FORMAT " p %" G_GINT64_FORMAT " mul %d add %" G_GINT64_FORMAT
               " shift %d relu %d: threshold %d flip %d", k, p, mul, add, shift, relu,
               threshold, flip);
}

static void
test_threshold_exhaustive (void)
{
  static const int32_t muls[] = { 1, 2, 3, 7, 64, 1000, G_MAXINT32, -1, -2, -3, -7, -64,
                                  -1000, G_MININT32, 0 };
  static const int steps[] = { -201, -150, -77, -13, -2, -1, 0, 1, 2, 13, 77, 150, 201 };
  static const int64_t extremes[] = { (int64_t) 1 << 40, -((int64_t) 1 << 40),
                                      (int64_t) 1 << 62, -((int64_t) 1 << 62) };
  uint64_t n = 0;

  for (gsize mi = 0; mi < G_N_ELEMENTS (muls); mi++)
    for (int shift = 0; shift <= 8; shift++)
      {
        int64_t m = MAX (ABS ((int64_t) muls[mi]), 1);
        int64_t unit = (int64_t) 1 << shift;
        int64_t deltas[] = { -unit, -1, 0, 1, unit / 2, unit - 1 };
        GArray *adds = g_array_new (FALSE, FALSE, sizeof (int64_t));

        /* Boundaries sit at add ≈ -dot·mul (scaled by 2^shift): step across them. */
        for (gsize si = 0; si < G_N_ELEMENTS (steps); si++)
          for (gsize di = 0; di < G_N_ELEMENTS (deltas); di++)
            {
              int64_t a = steps[si] * m * (shift > 4 ? 1 : unit) + deltas[di];
              g_array_append_val (adds, a);
            }
        g_array_append_vals (adds, extremes, G_N_ELEMENTS (extremes));
        for (guint ai = 0; ai < adds->len; ai++)
          for (int64_t k = 0; k <= 200; k++)
            {
              check_fold (k, muls[mi], g_array_index (adds, int64_t, ai), shift, FALSE);
              n += k + 1;
            }
        for (int64_t k = 0; k <= 200; k += 7)
          check_fold (k, muls[mi], g_array_index (adds, int64_t, 0), shift, TRUE);
        g_array_unref (adds);
      }
  g_test_message ("%" G_GUINT64_FORMAT " (K, p) cases checked", n);
}

/* The plan's table: thermometer (15 channels) -> 3x3 binary conv -> batchnorm -> sign. */
static void
check_threshold_table (gboolean relu, int stride, int pad)
{
  g_autoptr (BsModel) m = new_model (3, 6, 7);
  int therm = layer1 (m, "therm", BS_LAYER_THERMOMETER, BS_INPUT_MODEL);
  int c = conv (m, "conv", BS_LAYER_CONV_BINARY, therm, 70, 3, stride, pad, FALSE);
  int bn = random_batchnorm (m, "bn", c, 135, 8, relu);
  int sg = layer1 (m, "sign", BS_LAYER_SIGN, bn);
  g_autoptr (BsPlan) plan = compile (m);
  const BsPlanOp *op;
  const BsTensor *tm, *ta, *ts;

  g_assert_cmpint (plan->n_ops, ==, 2);
  op = find_op (plan, BS_PLAN_OP_BCONV, 0);
  g_assert_cmpint (op->out.kind, ==, BS_OUT_THRESHOLD);
  g_assert_cmpint (op->n_layers, ==, 3);
  g_assert_cmpint (op->layers[0], ==, c);
  g_assert_cmpint (op->layers[2], ==, sg);
  g_assert_cmpint (op->primary, ==, c);
  g_assert_cmpint (op->first, ==, c);
  g_assert_cmpint (op->last, ==, sg);
  g_assert_cmpint (op->out.threshold_stride % 16, ==, 0);
  g_assert_cmpint (op->out.threshold_stride, >=, 70);
  g_assert_cmpint (plan->buffers[op->output].type, ==, BS_ACT_BITS);

  tm = bs_model_tensor (m, bs_model_layer (m, bn)->bn_mul);
  ta = bs_model_tensor (m, bs_model_layer (m, bn)->bn_add);
  ts = bs_model_tensor (m, bs_model_layer (m, bn)->bn_shift);
  for (int o = 0; o < 70; o++)
    {
      int32_t mul = bs_tensor_get_int (tm, o);
      int64_t add = ((const int64_t *) ta->data)[o];
      int shift = bs_tensor_get_int (ts, o);
      gboolean flip = (op->out.flip[o / 64] >> (o % 64)) & 1;

      for (int t = 0; t <= 9; t++)
        {
          int64_t k = 15 * t;
          int32_t threshold = op->out.threshold[t * op->out.threshold_stride + o];

          for (int64_t p = 0; p <= k; p++)
            g_assert_cmpint (direct_is_minus (k, p, mul, add, shift, relu), ==,
                             (p > threshold) != flip);
        }
    }
  /* Padding entries and unused flip bits. */
  for (int t = 0; t <= 9; t++)
    for (int o = 70; o < op->out.threshold_stride; o++)
      g_assert_cmpint (op->out.threshold[t * op->out.threshold_stride + o], ==, G_MAXINT32);
  g_assert_cmpuint (op->out.flip[1] >> (70 - 64), ==, 0);
}

static void
test_threshold_table (void)
{
  check_threshold_table (FALSE, 1, 1);
  check_threshold_table (FALSE, 2, 2);
  check_threshold_table (TRUE, 1, 1);
}

/* sign straight after the conv: +1 iff dot >= 0 iff p <= floor(K/2). */
static void
test_threshold_identity (void)
{
  g_autoptr (BsModel) m = new_model (2, 5, 5);
  int therm = layer1 (m, "therm", BS_LAYER_THERMOMETER, BS_INPUT_MODEL);
  int c = conv (m, "conv", BS_LAYER_CONV_BINARY, therm, 9, 3, 1, 1, FALSE);
  g_autoptr (BsPlan) plan = NULL;
  const BsPlanOp *op;

  layer1 (m, "sign", BS_LAYER_SIGN, c);
  plan = compile (m);
  op = find_op (plan, BS_PLAN_OP_BCONV, 0);
  g_assert_cmpint (op->out.kind, ==, BS_OUT_THRESHOLD);
  g_assert_cmpint (op->n_layers, ==, 2);
  for (int t = 0; t <= 9; t++)
    for (int o = 0; o < 9; o++)
      g_assert_cmpint (op->out.threshold[t * op->out.threshold_stride + o], ==, 10 * t / 2);
  g_assert_cmpuint (op->out.flip[0], ==, 0);
}

/* Requant folding */

static int32_t
plan_requant (const BsOutTransform *out, int o, int64_t acc)
{
  if (out->bias != NULL)
    acc += out->bias[o];
  return bs_out_transform_requant (out, o, acc);
}

static void
check_requant_fold (gboolean huge_add)
{
  g_autoptr (BsModel) m = new_model (3, 4, 4);
  int q = layer1 (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_INPUT_MODEL);
  int c = conv (m, "conv", BS_LAYER_CONV_FIXED, q, 20, 3, 1, 1, TRUE);
  int32_t mul[20];
  int64_t add[20];
  int8_t shift[20];
  g_autoptr (BsPlan) plan = NULL;
  const BsTensor *bias;
  const BsPlanOp *op;

  for (int o = 0; o < 20; o++)
    {
      mul[o] = g_rand_int_range (rng, -40000, 40000);
      add[o] = g_rand_int_range (rng, -(1 << 30), 1 << 30);
      shift[o] = (int8_t) g_rand_int_range (rng, 0, 30);
    }
  if (huge_add)
    {
      /* Validation allows 2^31·|mul| + |add| + r up to 2^63 - 1, but add + bias·mul
       * would leave int64: the bias must stay separate. */
      mul[5] = 1 << 20;
      add[5] = G_MAXINT64 - ((int64_t) 1 << 51) - 5;
      shift[5] = 0;
    }
  batchnorm (m, "bn", c, mul, add, shift, 8, FALSE);
  /* (Adding tensors moves the tensor array: look it up afterwards.) */
  bias = bs_model_tensor (m, bs_model_layer (m, c)->bias);
  if (huge_add)
    ((int32_t *) bias->data)[5] = 100;
  plan = compile (m);
  g_assert_cmpint (plan->n_ops, ==, 2);
  op = find_op (plan, BS_PLAN_OP_QCONV, 0);
  g_assert_cmpint (op->n_layers, ==, 2);
  g_assert_cmpint (op->out.kind, ==, BS_OUT_REQUANT);
  g_assert_cmpint (op->out.type, ==, BS_ACT_I8);
  g_assert_true ((op->out.bias == NULL) == !huge_add);
  for (int o = 0; o < 20; o++)
    for (int i = 0; i < 2000; i++)
      {
        int64_t acc = i < 10 ? (i - 5) : g_rand_int_range (rng, -(1 << 30), 1 << 30);
        int32_t b = bs_tensor_get_int (bias, o);

        if (huge_add && o == 5)
          acc = g_rand_int_range (rng, -(1 << 30), 0);
        g_assert_cmpint (plan_requant (&op->out, o, acc), ==,
                         bs_requant (acc + b, mul[o], add[o], shift[o], 8, FALSE));
      }
}

static void
test_requant_fold (void)
{
  check_requant_fold (FALSE);
  check_requant_fold (TRUE);
}

/* Fusion rules */

static void
test_fusion_rules (void)
{
  g_autoptr (BsModel) m = new_model (3, 8, 8);
  int q = layer1 (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_INPUT_MODEL);
  int c0 = conv (m, "stem", BS_LAYER_CONV_FIXED, q, 16, 3, 1, 1, TRUE);
  int bn0 = random_batchnorm (m, "stem.bn", c0, 144, 8, FALSE);
  int s1 = layer1 (m, "sign1", BS_LAYER_SIGN, bn0);
  int b1 = conv (m, "main1", BS_LAYER_CONV_BINARY, s1, 16, 3, 1, 1, FALSE);
  int k1 = conv (m, "skip1", BS_LAYER_CONV_FIXED, bn0, 16, 1, 1, 0, FALSE);
  int bnb = random_batchnorm (m, "main1.bn", b1, 144, 32, FALSE);
  int bnk = random_batchnorm (m, "skip1.bn", k1, 144, 32, FALSE);
  int a1 = layer2 (m, "add1", BS_LAYER_ADD, bnb, bnk);
  int bna = random_batchnorm (m, "add1.bn", a1, 144, 8, FALSE);
  /* Read twice: a conv feeding batchnorm and sign is not fused. */
  int c2 = conv (m, "conv2", BS_LAYER_CONV_FIXED, bna, 8, 1, 1, 0, FALSE);
  int bn2 = random_batchnorm (m, "conv2.bn", c2, 144, 8, FALSE);
  int s2 = layer1 (m, "sign2", BS_LAYER_SIGN, c2);
  /* A batchnorm read twice: affine binary conv, then its own sign. */
  int b3 = conv (m, "bconv3", BS_LAYER_CONV_BINARY, s2, 8, 3, 2, 1, FALSE);
  int bn3 = random_batchnorm (m, "bconv3.bn", b3, 144, 16, FALSE);
  int s3 = layer1 (m, "sign3", BS_LAYER_SIGN, bn3);
  int cat = layer2 (m, "cat", BS_LAYER_CONCAT, s3, s3);
  int gp = layer1 (m, "gap", BS_LAYER_GLOBAL_AVGPOOL, bn3);
  int fc = conv (m, "fc", BS_LAYER_FC_BINARY, cat, 10, 1, 1, 0, FALSE);
  g_autoptr (BsPlan) plan = NULL;
  const BsPlanOp *op;
  g_autoptr (GString) text = NULL;

  (void) bn2;
  (void) gp;
  layer2 (m, "out", BS_LAYER_CONCAT, fc, fc);
  plan = compile (m);

  op = find_op (plan, BS_PLAN_OP_QCONV, 0);           /* stem + bn */
  g_assert_cmpint (op->n_layers, ==, 2);
  g_assert_cmpint (op->out.kind, ==, BS_OUT_REQUANT);
  g_assert_null (op->out.bias);                      /* folded */
  op = find_op (plan, BS_PLAN_OP_BCONV, 0);           /* main1 + bn, affine */
  g_assert_cmpint (op->primary, ==, b1);
  g_assert_cmpint (op->n_layers, ==, 2);
  g_assert_cmpint (op->out.kind, ==, BS_OUT_REQUANT);
  g_assert_cmpint (op->out.type, ==, BS_ACT_I32);
  op = find_op (plan, BS_PLAN_OP_QCONV, 1);           /* skip1 + bn */
  g_assert_cmpint (op->n_layers, ==, 2);
  g_assert_cmpint (op->layers[0], ==, k1);
  g_assert_cmpint (op->layers[1], ==, bnk);
  op = find_op (plan, BS_PLAN_OP_ADD, 0);             /* add1 + bn */
  g_assert_cmpint (op->n_layers, ==, 2);
  g_assert_cmpint (op->out.kind, ==, BS_OUT_REQUANT);
  g_assert_cmpint (op->out.type, ==, BS_ACT_I8);
  op = find_op (plan, BS_PLAN_OP_QCONV, 2);           /* conv2 alone */
  g_assert_cmpint (op->n_layers, ==, 1);
  g_assert_cmpint (op->out.kind, ==, BS_OUT_RAW);
  g_assert_cmpint (count_ops (plan, BS_PLAN_OP_BATCHNORM), ==, 1);
  g_assert_cmpint (count_ops (plan, BS_PLAN_OP_SIGN), ==, 3);
  op = find_op (plan, BS_PLAN_OP_BCONV, 1);           /* bconv3 + bn, affine i16 */
  g_assert_cmpint (op->layers[1], ==, bn3);
  g_assert_cmpint (op->out.kind, ==, BS_OUT_REQUANT);
  g_assert_cmpint (op->out.type, ==, BS_ACT_I16);
  g_assert_cmpint (op->stride, ==, 2);
  op = find_op (plan, BS_PLAN_OP_BCONV, 2);           /* fc, raw */
  g_assert_cmpint (op->kernel, ==, 1);
  g_assert_cmpint (op->out.kind, ==, BS_OUT_RAW);
  g_assert_cmpint (op->primary, ==, fc);
  g_assert_cmpint (count_ops (plan, BS_PLAN_OP_CONCAT), ==, 2);
  g_assert_cmpint (count_ops (plan, BS_PLAN_OP_INPUT), ==, 0);
  g_assert_cmpint (plan->n_ops, ==, bs_model_n_layers (m) - 5);
  (void) cat;

  /* Every layer appears in exactly one op, and op outputs follow layer order. */
  {
    g_autofree int *seen = g_new0 (int, bs_model_n_layers (m));

    for (int i = 0; i < plan->n_ops; i++)
      for (int k = 0; k < plan->ops[i].n_layers; k++)
        seen[plan->ops[i].layers[k]]++;
    for (int l = 0; l < bs_model_n_layers (m); l++)
      g_assert_cmpint (seen[l], ==, 1);
    for (int i = 1; i < plan->n_ops; i++)
      g_assert_cmpint (plan->ops[i].last, >, plan->ops[i - 1].last);
  }

  text = bs_plan_describe (plan);
  g_assert_nonnull (strstr (text->str, "main1+main1.bn"));
  g_assert_cmpstr (bs_plan_op_name (plan, 0), ==, "q");
}

/* The image goes to layers other than quantize_input/thermometer through one INPUT op. */
static void
test_input_op (void)
{
  g_autoptr (BsModel) m = new_model (2, 3, 4);
  int cat = layer2 (m, "cat", BS_LAYER_CONCAT, BS_INPUT_MODEL, BS_INPUT_MODEL);
  int tr = layer1 (m, "tr", BS_LAYER_TRANSPOSE, BS_INPUT_MODEL);
  int th = layer1 (m, "therm", BS_LAYER_THERMOMETER, tr);
  g_autoptr (BsPlan) plan = NULL;

  layer2 (m, "cat2", BS_LAYER_CONCAT, th, th);
  (void) cat;
  plan = compile (m);
  g_assert_cmpint (plan->n_ops, ==, 5);
  g_assert_cmpint (plan->ops[0].kind, ==, BS_PLAN_OP_INPUT);
  g_assert_cmpint (plan->ops[0].primary, ==, cat);
  g_assert_cmpint (count_ops (plan, BS_PLAN_OP_INPUT), ==, 1);
  g_assert_cmpint (plan->ops[1].inputs[0], ==, plan->ops[0].output);
  g_assert_cmpint (plan->ops[2].inputs[0], ==, plan->ops[0].output);
  g_assert_cmpint (plan->ops[3].inputs[0], ==, plan->ops[2].output);
  g_assert_true (plan->buffers[plan->ops[0].inputs[0]].is_input);
}

/* Weight packing */

static void
test_weights (void)
{
  g_autoptr (BsModel) m = new_model (3, 5, 5);
  int therm = layer1 (m, "therm", BS_LAYER_THERMOMETER, BS_INPUT_MODEL); /* 15 channels */
  int cat = layer2 (m, "cat", BS_LAYER_CONCAT, therm, therm);
  int cat2 = layer2 (m, "cat2", BS_LAYER_CONCAT, cat, cat);                   /* 60 */
  int cat3 = layer2 (m, "cat3", BS_LAYER_CONCAT, cat2, therm);                /* 75 */
  int b = conv (m, "b", BS_LAYER_CONV_BINARY, cat3, 5, 3, 1, 1, FALSE);
  int q = layer1 (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_INPUT_MODEL);
  int f = conv (m, "f", BS_LAYER_CONV_FIXED, q, 4, 3, 1, 0, FALSE);
  g_autoptr (BsPlan) plan = NULL;
  const BsTensor *wb = bs_model_tensor (m, bs_model_layer (m, b)->weights);
  const BsTensor *wf = bs_model_tensor (m, bs_model_layer (m, f)->weights);
  const BsPlanOp *op;

  layer2 (m, "out", BS_LAYER_CONCAT, b, b);
  plan = compile (m);

  op = find_op (plan, BS_PLAN_OP_BCONV, 0);
  g_assert_cmpint (op->w_tap_stride, ==, 2);
  g_assert_cmpint ((uintptr_t) op->weights % 64, ==, 0);
  for (int o = 0; o < 5; o++)
    for (int dy = 0; dy < 3; dy++)
      for (int dx = 0; dx < 3; dx++)
        {
          const uint64_t *words = (const uint64_t *) op->weights + ((o * 3 + dy) * 3 + dx) * 2;

          for (int c = 0; c < 128; c++)
            {
              int bit = (words[c / 64] >> (c % 64)) & 1;

              if (c >= 75)
                g_assert_cmpint (bit, ==, 0);
              else
                g_assert_cmpint (bit ? -1 : 1, ==,
                                 bs_tensor_get_sign (wb, ((o * 75 + c) * 3 + dy) * 3 + dx));
            }
        }

  op = find_op (plan, BS_PLAN_OP_QCONV, 0);
  g_assert_cmpint (op->weight_type, ==, BS_DTYPE_I8);
  g_assert_cmpint (op->w_tap_stride, ==, 64);
  for (int o = 0; o < 4; o++)
    for (int t = 0; t < 9; t++)
      for (int c = 0; c < 64; c++)
        g_assert_cmpint (((const int8_t *) op->weights)[(o * 9 + t) * 64 + c], ==,
                         c < 3 ? bs_tensor_get_int (wf, (o * 3 + c) * 9 + t) : 0);
}

/* Buffer planning */

/* A random DAG of int layers of a few shapes, reading from anywhere before. */
static BsModel *
random_dag (int n_layers)
{
  BsModel *m = new_model (3, 6, 6);
  int q = layer1 (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_INPUT_MODEL);

  (void) q;
  while (bs_model_n_layers (m) < n_layers)
    {
      int n = bs_model_n_layers (m);
      int a = g_rand_int_range (rng, MAX (0, n - 6), n);
      int b = g_rand_int_range (rng, MAX (0, n - 6), n);
      BsLayer *la = bs_model_layer (m, a), *lb = bs_model_layer (m, b);
      g_autofree char *name = g_strdup_printf ("l%d", n);

      switch (g_rand_int_range (rng, 0, 5))
        {
        case 0:
          if (la->out_type != BS_ACT_I32 && la->out_type != BS_ACT_BITS)
            conv (m, name, BS_LAYER_CONV_FIXED, a, g_rand_int_range (rng, 1, 40), 3, 1, 1, TRUE);
          break;
        case 1:
          if (la->out_type == BS_ACT_I32)
            random_batchnorm (m, name, a, 100, 8, FALSE);
          break;
        case 2:
          if (la->out_type != BS_ACT_BITS && lb->out_type != BS_ACT_BITS
              && la->out_shape.c == lb->out_shape.c)
            layer2 (m, name, BS_LAYER_ADD, a, b);
          break;
        case 3:
          if (la->out_type == lb->out_type)
            layer2 (m, name, BS_LAYER_CONCAT, a, b);
          break;
        default:
          if (la->out_type != BS_ACT_BITS)
            layer1 (m, name, BS_LAYER_SIGN, a);
          else
            conv (m, name, BS_LAYER_CONV_BINARY, a, g_rand_int_range (rng, 1, 100), 3, 1, 1, FALSE);
          break;
        }
    }
  return m;
}

static gboolean
live_at (const BsPlanBuffer *buf, int i)
{
  return !buf->is_input && buf->producer <= i && i <= buf->last_use;
}

static void
check_buffers (const BsPlan *plan)
{
  uint64_t total = 0;

  for (int a = 0; a < plan->n_buffers; a++)
    {
      const BsPlanBuffer *x = &plan->buffers[a];

      if (x->is_input)
        continue;
      total += x->reserved;
      g_assert_cmpuint (x->offset % BS_PLAN_ALIGN, ==, 0);
      g_assert_cmpuint (x->reserved, >=, x->n_bytes + BS_PLAN_SLACK);
      g_assert_cmpuint (x->offset + x->reserved, <=, plan->arena_size);
      g_assert_cmpint (x->producer, >=, 0);
      g_assert_cmpint (x->last_use, >=, x->producer);
      g_assert_cmpint (plan->ops[x->producer].output, ==, a);
      for (int b = a + 1; b < plan->n_buffers; b++)
        {
          const BsPlanBuffer *y = &plan->buffers[b];
          gboolean overlap_in_time = !y->is_input && x->producer <= y->last_use && y->producer <= x->last_use;
          gboolean overlap_in_space = x->offset < y->offset + y->reserved && y->offset < x->offset + x->reserved;

          if (overlap_in_time && overlap_in_space)
            g_error ("buffers %d and %d are live together and overlap", a, b);
        }
    }
  /* Every read happens while the buffer is live. */
  for (int i = 0; i < plan->n_ops; i++)
    {
      uint64_t live = 0;

      for (int k = 0; k < plan->ops[i].n_inputs; k++)
        {
          const BsPlanBuffer *in = &plan->buffers[plan->ops[i].inputs[k]];
          g_assert_true (in->is_input || live_at (in, i));
        }
      for (int b = 0; b < plan->n_buffers; b++)
        if (live_at (&plan->buffers[b], i))
          live += plan->buffers[b].reserved;
      g_assert_cmpuint (plan->arena_size, >=, live);
    }
  g_assert_cmpuint (plan->arena_size, <=, total);
  g_assert_cmpint (plan->buffers[plan->output].last_use, ==, plan->n_ops);
}

static void
test_buffers (void)
{
  for (int seed = 0; seed < 40; seed++)
    {
      g_autoptr (BsModel) m = random_dag (10 + seed * 2);
      g_autoptr (BsPlan) plan = compile (m);

      check_buffers (plan);
    }
}

/* A long chain reuses memory: the arena holds a few buffers, not all 21. */
static void
test_buffers_reuse (void)
{
  g_autoptr (BsModel) m = new_model (3, 16, 16);
  int prev = layer1 (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_INPUT_MODEL);
  g_autoptr (BsPlan) plan = NULL;
  uint64_t biggest = 0;

  for (int i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("c%d", i);
      prev = conv (m, name, BS_LAYER_CONV_FIXED, prev, 16, 3, 1, 1, FALSE);
      name[0] = 'b';
      prev = random_batchnorm (m, name, prev, 100, 8, FALSE);
    }
  plan = compile (m);
  check_buffers (plan);
  g_assert_cmpint (plan->n_ops, ==, 21);
  for (int b = 0; b < plan->n_buffers; b++)
    if (!plan->buffers[b].is_input)
      biggest = MAX (biggest, plan->buffers[b].reserved);
  g_assert_cmpuint (plan->arena_size, <=, 3 * biggest);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  rng = g_rand_new_with_seed (20240601);
  g_test_add_func ("/plan/threshold/exhaustive", test_threshold_exhaustive);
  g_test_add_func ("/plan/threshold/table", test_threshold_table);
  g_test_add_func ("/plan/threshold/identity", test_threshold_identity);
  g_test_add_func ("/plan/requant/fold", test_requant_fold);
  g_test_add_func ("/plan/fusion", test_fusion_rules);
  g_test_add_func ("/plan/input-op", test_input_op);
  g_test_add_func ("/plan/weights", test_weights);
  g_test_add_func ("/plan/buffers/random", test_buffers);
  g_test_add_func ("/plan/buffers/reuse", test_buffers_reuse);
  ret = g_test_run ();
  g_rand_free (rng);
  return ret;
}
