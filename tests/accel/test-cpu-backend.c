/* test-cpu-backend.c: the CPU backend against the reference interpreter.
 *
 * Random small models (odd channel counts and borders, strides 1 and 2, kernels 1
 * and 3, padding) and every bundled model are compiled and run on every kernel ISA
 * this machine supports, with 1, 2 and 3 threads: the logits and every op's output
 * must be bit-identical to the interpreter's. Then the backend interface itself:
 * spec parsing, events, cancellation, layer_loop.
 */
#include <math.h>
#include <string.h>

#include "bs-backend.h"
#include "bs-interp.h"
#include "bs-plan.h"
#include "cpu/bs-cpu-backend.h"
#include "cpu/bs-cpu-pool.h"

static GRand *rng;

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
  return channel_choices[g_rand_int_range (rng, 0, G_N_ELEMENTS (channel_choices))];
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
      w16[i] = (int16_t) g_rand_int_range (rng, -wmax, wmax + 1);
      w8[i] = (int8_t) CLAMP (w16[i], -127, 127);
      bits[i / 8] |= (uint8_t) (g_rand_boolean (rng) << (i % 8));
    }
  for (int i = 0; i < cout; i++)
    b[i] = g_rand_int_range (rng, -bias_max, bias_max + 1);

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
      int s = g_rand_int_range (rng, 0, 17);
      double m = target * ldexp (1, s) / mag * g_rand_double_range (rng, 0.3, 3);

      while (m > (1 << 20))
        {
          s--;
          m /= 2;
        }
      mul[i] = (int32_t) MAX (1, m) * (g_rand_int_range (rng, 0, 4) == 0 ? -1 : 1);
      if (g_rand_int_range (rng, 0, 10) == 0)
        mul[i] = 0;
      shift[i] = (int8_t) MAX (s, 0);
      addv[i] = (int64_t) (g_rand_double_range (rng, -1, 1) * target * ldexp (1, shift[i]));
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
static BsModel *
model_blend (void)
{
  Gen g = gen_new ("blend", 3, g_rand_int_range (rng, 5, 12), g_rand_int_range (rng, 5, 12));
  int c = pick_channels ();
  int x = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, quantize (&g, BS_INPUT_MODEL), c, 3, 1, 1, 8, TRUE),
                     8, g_rand_boolean (rng));
  static const int merge_bits[] = { 4, 8, 16 };

  for (int block = 0; block < 2; block++)
    {
      int cout = pick_channels ();
      int s = g_rand_int_range (rng, 1, 3);
      int k = g_rand_boolean (rng) ? 3 : 1;
      int main_path = batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, sign (&g, x), cout, k, s, k / 2, 0, FALSE), 32, FALSE);
      int skip = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, x, cout, 1, s, 0,
                                      g_rand_boolean (rng) ? 16 : 8, g_rand_boolean (rng)),
                            32, FALSE);

      x = batchnorm (&g, binary_op (&g, BS_LAYER_ADD, main_path, skip, 1 << 20),
                     merge_bits[g_rand_int_range (rng, 0, 3)], FALSE);
    }
  conv (&g, BS_LAYER_FC_FIXED, unary (&g, BS_LAYER_GLOBAL_AVGPOOL, x, mag_of (&g, x)), 10, 1, 1, 0, 8, TRUE);
  return gen_finish (&g);
}

/* All binary: thermometer input, thresholded convs (padding 0..2, strides), an
 * int pool, channel duplication by concat, a bit transpose, binary FC. */
static BsModel *
model_bnn (void)
{
  Gen g = gen_new ("bnn", 3, g_rand_int_range (rng, 6, 12), g_rand_int_range (rng, 6, 12));
  int levels = g_rand_int_range (rng, 1, 12);
  int x = thermometer (&g, BS_INPUT_MODEL, levels);
  int pad = g_rand_int_range (rng, 0, 3);
  int y;

  x = sign (&g, batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), 3, 1, pad, 0, FALSE),
                           8, g_rand_int_range (rng, 0, 5) == 0));
  x = batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), 3, 2, 1, 0, FALSE), 16, FALSE);
  x = sign (&g, pool (&g, x, 2, 1));
  x = binary_op (&g, BS_LAYER_CONCAT, x, x, 1);
  x = sign (&g, conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), 1, 1, 0, 0, FALSE));
  y = unary (&g, BS_LAYER_TRANSPOSE, x, 1);
  y = conv (&g, BS_LAYER_FC_BINARY, y, 10, 1, 1, 0, 0, FALSE);
  unary (&g, BS_LAYER_GLOBAL_AVGPOOL, y, mag_of (&g, y));
  return gen_finish (&g);
}

/* Binary 3x3 convs on 9 to 16 channels (two bytes per pixel: windows read through
 * interleaved columns, 8 columns at a time on AVX2) over widths that leave a partial
 * group of columns; stride 1 requantised into an add, stride 2 thresholded. */
static BsModel *
model_narrow (void)
{
  Gen g = gen_new ("narrow", 3, g_rand_int_range (rng, 2, 12), g_rand_int_range (rng, 2, 42));
  int c = g_rand_int_range (rng, 9, 17);
  int x = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, quantize (&g, BS_INPUT_MODEL), c, 3, 1, 1, 8, TRUE),
                     8, FALSE);
  int main_path = batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, sign (&g, x), c, 3, 1, 1, 0, FALSE), 32, FALSE);
  int skip = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, x, c, 1, 1, 0, 8, FALSE), 32, FALSE);

  x = batchnorm (&g, binary_op (&g, BS_LAYER_ADD, main_path, skip, 1 << 20), 8, FALSE);
  x = sign (&g, batchnorm (&g, conv (&g, BS_LAYER_CONV_BINARY, sign (&g, x), g_rand_int_range (rng, 9, 17), 3, 2, 1,
                                     0, FALSE),
                           8, FALSE));
  x = conv (&g, BS_LAYER_FC_BINARY, x, 10, 1, 1, 0, 0, FALSE);
  return gen_finish (&g);
}

/* Mixer-like: i16 activations and weights, token mixing by transpose and FC, mixed
 * i16 + i32 adds, i4 activations into 4-bit weights, a standalone batchnorm. */
static BsModel *
model_mixer (void)
{
  Gen g = gen_new ("mixer", 3, g_rand_int_range (rng, 3, 9), g_rand_int_range (rng, 3, 9));
  int c = pick_channels ();
  int x = batchnorm (&g, conv (&g, BS_LAYER_CONV_FIXED, quantize (&g, BS_INPUT_MODEL), c, 3, 2, 1, 16, TRUE),
                     16, FALSE);
  int t = unary (&g, BS_LAYER_TRANSPOSE, x, mag_of (&g, x));
  BsActType type;
  int tokens = shape_of (&g, t, &type).c;
  int f = conv (&g, BS_LAYER_FC_FIXED, t, tokens, 1, 1, 0, 8, TRUE);
  int a = binary_op (&g, BS_LAYER_ADD, t, f, mag_of (&g, f));
  int q4 = batchnorm (&g, a, 4, g_rand_boolean (rng));
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
static BsModel *
model_edges (void)
{
  Gen g = gen_new ("edges", 2, g_rand_int_range (rng, 1, 6), g_rand_int_range (rng, 1, 6));
  int raw = binary_op (&g, BS_LAYER_CONCAT, BS_INPUT_MODEL, BS_INPUT_MODEL, 128);
  int x = thermometer (&g, raw, g_rand_int_range (rng, 1, 40));
  int k = 3, pad = 2;

  x = conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), k, 2, pad, 0, FALSE);
  x = sign (&g, batchnorm (&g, x, 32, g_rand_boolean (rng)));
  x = conv (&g, BS_LAYER_CONV_BINARY, x, pick_channels (), 3, 1, 1, 0, FALSE);
  x = batchnorm (&g, x, 8, FALSE);
  x = conv (&g, BS_LAYER_CONV_FIXED, x, pick_channels (), 3, 2, 2, 8, TRUE);
  return gen_finish (&g);
}

/* Comparison with the interpreter */

typedef struct
{
  const BsPlan *plan;
  BsInterp *interp;
  const uint8_t *image;
  int n_checked;
} Checker;

static void
compare (const char *what, const BsPlan *plan, int op, const int32_t *got, const int32_t *want,
         BsShape s)
{
  for (int c = 0; c < s.c; c++)
    for (int y = 0; y < s.h; y++)
      for (int x = 0; x < s.w; x++)
        {
          size_t i = ((size_t) c * s.h + y) * s.w + x;

          if (got[i] != want[i])
            g_error ("%s: op %d (%s %s) differs at c %d y %d x %d: %d, interpreter %d", what, op,
                     bs_plan_op_kind_to_string (plan->ops[op].kind), bs_plan_op_name (plan, op),
                     c, y, x, got[i], want[i]);
        }
}

/* Packed outputs keep the bits past C at zero: kernels XOR whole words. */
static void
check_unused_bits (const BsPlanBuffer *buf, const void *data)
{
  int32_t words = bs_plan_words (buf->shape.c);

  if (buf->type != BS_ACT_BITS || buf->shape.c % 64 == 0)
    return;
  for (int64_t px = 0; px < (int64_t) buf->shape.h * buf->shape.w; px++)
    g_assert_cmphex (((const uint64_t *) data)[px * words + words - 1] >> (buf->shape.c % 64), ==, 0);
}

static void
check_op (int op, const void *output, gpointer user_data)
{
  Checker *chk = user_data;
  const BsPlanOp *pop = &chk->plan->ops[op];
  const BsPlanBuffer *buf = &chk->plan->buffers[pop->output];
  size_t n = (size_t) buf->shape.c * buf->shape.h * buf->shape.w;
  g_autofree int32_t *got = g_new (int32_t, n);
  g_autofree int32_t *image = NULL;
  const int32_t *want;

  bs_plan_buffer_to_chw (chk->plan, pop->output, output, got);
  check_unused_bits (buf, output);
  if (pop->kind == BS_PLAN_OP_INPUT)
    {
      image = g_new (int32_t, n);
      for (size_t i = 0; i < n; i++)
        image[i] = chk->image[i];
      want = image;
    }
  else
    want = bs_interp_layer_output (chk->interp, pop->last);
  compare ("op output", chk->plan, op, got, want, buf->shape);
  chk->n_checked++;
}

static size_t
n_elements (BsShape s)
{
  return (size_t) s.c * s.h * s.w;
}

static uint8_t *
random_images (const BsModel *m, int n)
{
  size_t size = n_elements (m->input_shape);
  uint8_t *images = g_new (uint8_t, size * n);

  for (size_t i = 0; i < size * n; i++)
    images[i] = (uint8_t) g_rand_int (rng);
  /* The extremes of the thermometer and of quantize_input. */
  if (n > 1)
    memset (images, 0, size);
  if (n > 2)
    memset (images + size, 255, size);
  return images;
}

static BsBackend *
open_backend (BsCpuIsa isa, int threads)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("cpu:isa=%s,threads=%d", bs_cpu_isa_to_string (isa), threads);
  BsBackend *backend = bs_backend_open (spec, &error);

  g_assert_no_error (error);
  g_assert_cmpint (bs_cpu_backend_get_isa (backend), ==, isa);
  g_assert_cmpint (bs_cpu_backend_get_n_threads (backend), ==, threads);
  return backend;
}

/* split=images: every image of the run on a lane of its own, in rounds of `threads`
 * images (n_images need not be a multiple), the logits in order, one event per op per
 * image, inference numbers counting on across runs. */
typedef struct
{
  int n_ops;
  int n_events;
  int32_t next_inference;
} EventCount;

static void
count_events (const BsLayerEvent *events, int n_events, gpointer user_data)
{
  EventCount *c = user_data;

  g_assert_cmpint (n_events, ==, c->n_ops);
  for (int i = 0; i < n_events; i++)
    {
      g_assert_cmpint (events[i].op, ==, i);
      g_assert_cmpint (events[i].inference, ==, c->next_inference);
      g_assert_cmpint (events[i].t_end_ns, >=, events[i].t_start_ns);
    }
  c->next_inference++;
  c->n_events += n_events;
}

static void
check_split_images (BsCpuIsa isa, int threads, const BsPlan *plan, const uint8_t *images,
                    int n_images, const int32_t *want, size_t out_size)
{
  g_autofree char *spec = g_strdup_printf ("cpu:isa=%s,threads=%d,split=images",
                                           bs_cpu_isa_to_string (isa), threads);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsBackend) backend = bs_backend_open (spec, &error);
  g_autofree int32_t *got = g_new (int32_t, out_size * n_images);
  EventCount c = { plan->n_ops, 0, 0 };

  g_assert_no_error (error);
  bs_backend_prepare (backend, plan, &error);
  g_assert_no_error (error);
  for (int round = 0; round < 2; round++)
    {
      memset (got, 0x55, out_size * n_images * sizeof (int32_t));
      bs_backend_run (backend, images, n_images, got, count_events, &c, &error);
      g_assert_no_error (error);
      compare ("split=images logits", plan, plan->n_ops - 1, got, want,
               (BsShape) { (int32_t) (out_size * n_images), 1, 1 });
    }
  g_assert_cmpint (c.n_events, ==, 2 * n_images * plan->n_ops);
}

/* Runs plan on every usable ISA and thread count: each image alone with every op
 * output checked, then all images in one run with the logits checked (split ops, and
 * split images where there are several threads). The interpreter runs each image once,
 * for all variants (under CPU emulation it is the slow part). */
static int
check_plan (const BsModel *m, const BsPlan *plan, int n_images)
{
  g_autoptr (BsInterp) interp = bs_interp_new (m);
  g_autofree uint8_t *images = random_images (m, n_images);
  size_t in_size = n_elements (m->input_shape);
  size_t out_size = n_elements (bs_model_output_shape (m));
  g_autofree int32_t *want = g_new (int32_t, out_size * n_images);
  g_autofree int32_t *got = g_new (int32_t, out_size * n_images);
  g_autoptr (GPtrArray) variants = g_ptr_array_new_with_free_func ((GDestroyNotify) bs_backend_close);
  Checker chk = { plan, interp, NULL, 0 };

  for (int isa = 0; isa < BS_CPU_N_ISAS; isa++)
    for (int threads = 1; threads <= 3 && bs_cpu_kernels_get (isa, NULL) != NULL; threads++)
      {
        BsBackend *backend = open_backend (isa, threads);
        g_autoptr (GError) error = NULL;

        bs_backend_prepare (backend, plan, &error);
        g_assert_no_error (error);
        g_ptr_array_add (variants, backend);
      }
  for (int i = 0; i < n_images; i++)
    {
      chk.image = images + i * in_size;
      bs_interp_run (interp, chk.image, want + i * out_size, NULL);
      for (guint v = 0; v < variants->len; v++)
        {
          g_autoptr (GError) error = NULL;

          bs_cpu_backend_set_op_hook (variants->pdata[v], check_op, &chk);
          bs_backend_run (variants->pdata[v], chk.image, 1, got, NULL, NULL, &error);
          g_assert_no_error (error);
          bs_cpu_backend_set_op_hook (variants->pdata[v], NULL, NULL);
          compare ("logits", plan, plan->n_ops - 1, got, want + i * out_size,
                   (BsShape) { (int32_t) out_size, 1, 1 });
        }
    }
  for (guint v = 0; v < variants->len; v++)
    {
      BsBackend *backend = variants->pdata[v];
      int threads = bs_cpu_backend_get_n_threads (backend);
      g_autoptr (GError) error = NULL;

      memset (got, 0x55, out_size * n_images * sizeof (int32_t));
      bs_backend_run (backend, images, n_images, got, NULL, NULL, &error);
      g_assert_no_error (error);
      compare ("batch logits", plan, plan->n_ops - 1, got, want,
               (BsShape) { (int32_t) (out_size * n_images), 1, 1 });
      if (threads > 1)
        check_split_images (bs_cpu_backend_get_isa (backend), threads, plan, images, n_images,
                            want, out_size);
    }
  g_assert_cmpint (chk.n_checked, ==, (int) variants->len * n_images * plan->n_ops);
  return (int) variants->len;
}

static void
check_model (BsModel *m)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsPlan) plan = bs_plan_compile (m, &error);

  g_assert_no_error (error);
  if (g_test_verbose ())
    {
      g_autoptr (GString) text = bs_plan_describe (plan);
      g_test_message ("%s", text->str);
    }
  check_plan (m, plan, 3);
}

static void
test_random (gconstpointer data)
{
  BsModel *(*make) (void) = (BsModel *(*) (void)) data;

  for (int seed = 0; seed < 12; seed++)
    {
      g_autoptr (BsModel) m = NULL;

      g_rand_set_seed (rng, 1000 + seed);
      m = make ();
      check_model (m);
    }
}

/* Bundled models */

static GPtrArray *
bundled_models (void)
{
  const char *root = g_getenv ("BS_SOURCE_ROOT");
  g_autofree char *dir_path = g_build_filename (root ? root : ".", "data", "models", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".bsm"))
      g_ptr_array_add (paths, g_build_filename (dir_path, name, NULL));
  return paths;
}

static double
seconds_per_inference_interp (const BsModel *m, const uint8_t *image, int n)
{
  g_autoptr (BsInterp) interp = bs_interp_new (m);
  int64_t t0 = bs_clock_now_ns ();

  for (int i = 0; i < n; i++)
    bs_interp_run (interp, image, NULL, NULL);
  return (bs_clock_now_ns () - t0) / 1e9 / n;
}

static double
seconds_per_inference_cpu (const BsPlan *plan, const uint8_t *image, int n, int threads)
{
  g_autoptr (BsBackend) backend = open_backend (BS_CPU_ISA_SCALAR, threads);
  g_autofree int32_t *logits = g_new (int32_t, n_elements (plan->buffers[plan->output].shape));
  int64_t t0;

  g_assert_true (bs_backend_prepare (backend, plan, NULL));
  bs_backend_run (backend, image, 1, logits, NULL, NULL, NULL);
  t0 = bs_clock_now_ns ();
  for (int i = 0; i < n; i++)
    bs_backend_run (backend, image, 1, logits, NULL, NULL, NULL);
  return (bs_clock_now_ns () - t0) / 1e9 / n;
}

static void
test_bundled (void)
{
  g_autoptr (GPtrArray) paths = bundled_models ();

  if (paths->len == 0)
    {
      g_test_skip ("no bundled models in data/models yet");
      return;
    }
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (BsModel) m = bs_model_load (paths->pdata[i], &error);
      g_autoptr (BsPlan) plan = NULL;
      g_autofree uint8_t *image = NULL;

      g_assert_no_error (error);
      plan = bs_plan_compile (m, &error);
      g_assert_no_error (error);
      check_plan (m, plan, 2);
      image = random_images (m, 1);
      g_test_message ("%s: %d layers -> %d ops, arena %" G_GUINT64_FORMAT " bytes; "
                      "interpreter %.3f ms, cpu scalar %.3f ms (1 thread), %.3f ms (2 threads)",
                      m->name, bs_model_n_layers (m), plan->n_ops, plan->arena_size,
                      seconds_per_inference_interp (m, image, 3) * 1e3,
                      seconds_per_inference_cpu (plan, image, 3, 1) * 1e3,
                      seconds_per_inference_cpu (plan, image, 3, 2) * 1e3);
    }
}

/* The backend interface */

static void
test_open (void)
{
  static const struct { const char *spec; int code; } bad[] = {
    { "nosuch", G_IO_ERROR_NOT_FOUND },
    { "cpu:threads=0", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:threads=2x", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:threads", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:=1", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:colour=red", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:isa=sse9", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:split=layers", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:threads=1,threads=2", G_IO_ERROR_INVALID_ARGUMENT },
  };
  const BsBackendClass *const *list = bs_backend_list ();
  g_autofree char *reason = NULL;

  g_assert_nonnull (list[0]);
  g_assert_true (bs_backend_lookup ("cpu") == &bs_cpu_backend_class);
  g_assert_true (bs_cpu_backend_class.available (&reason));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      BsBackend *backend = bs_backend_open (bad[i].spec, &error);

      g_assert_null (backend);
      g_assert_error (error, G_IO_ERROR, bad[i].code);
    }
  for (int isa = 0; isa < BS_CPU_N_ISAS; isa++)
    if (bs_cpu_kernels_get (isa, NULL) == NULL)
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *spec = g_strdup_printf ("cpu:isa=%s", bs_cpu_isa_to_string (isa));

        g_assert_null (bs_backend_open (spec, &error));
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (BsBackend) plain = bs_backend_open ("cpu", &error);
    g_autoptr (BsBackend) empty = bs_backend_open ("cpu:", &error);

    g_assert_no_error (error);
    g_assert_cmpint (bs_cpu_backend_get_n_threads (plain), ==, 1);
    g_assert_nonnull (empty);
    g_assert_true (bs_backend_get_class (plain) == &bs_cpu_backend_class);
    g_assert_null (bs_backend_get_plan (plain));
  }
  {
    g_autoptr (BsBackend) env = NULL;

    g_setenv ("BS_CPU_ISA", "scalar", TRUE);
    env = bs_backend_open ("cpu:threads=2", NULL);
    g_unsetenv ("BS_CPU_ISA");
    g_assert_cmpint (bs_cpu_backend_get_isa (env), ==, BS_CPU_ISA_SCALAR);
    g_assert_cmpint (bs_cpu_backend_get_n_threads (env), ==, 2);
  }
}

typedef struct
{
  const BsPlan *plan;
  BsBackend *backend;
  int n_calls;
  int cancel_after;
  int64_t last_end;
} EventLog;

static void
on_events (const BsLayerEvent *events, int n_events, gpointer user_data)
{
  EventLog *log = user_data;

  g_assert_cmpint (n_events, ==, log->plan->n_ops);
  for (int i = 0; i < n_events; i++)
    {
      g_assert_cmpint (events[i].op, ==, i);
      g_assert_cmpint (events[i].inference, ==, log->n_calls);
      g_assert_cmpint (events[i].clock, ==, BS_CLOCK_HOST);
      g_assert_cmpint (events[i].t_start_ns, <=, events[i].t_end_ns);
      g_assert_cmpint (events[i].t_start_ns, >=, log->last_end);
      log->last_end = events[i].t_end_ns;
    }
  if (++log->n_calls == log->cancel_after)
    bs_backend_cancel (log->backend);
}

static void
test_events_and_cancel (void)
{
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = open_backend (BS_CPU_ISA_SCALAR, 2);
  g_autoptr (GError) error = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *logits = NULL;
  EventLog log = { 0 };

  g_rand_set_seed (rng, 7);
  m = model_blend ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  images = random_images (m, 4);
  logits = g_new (int32_t, 4 * n_elements (bs_model_output_shape (m)));
  g_assert_true (bs_backend_prepare (backend, plan, &error));
  g_assert_true (bs_backend_get_plan (backend) == plan);

  log = (EventLog) { plan, backend, 0, -1, 0 };
  g_assert_true (bs_backend_run (backend, images, 4, logits, on_events, &log, &error));
  g_assert_cmpint (log.n_calls, ==, 4);

  /* Cancelled from the callback after the second inference. */
  log = (EventLog) { plan, backend, 0, 2, 0 };
  bs_backend_prepare (backend, plan, &error);
  g_assert_false (bs_backend_run (backend, images, 4, logits, on_events, &log, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (log.n_calls, ==, 2);

  /* Sticky until reset. */
  g_assert_true (bs_backend_is_cancelled (backend));
  g_assert_false (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  bs_backend_reset_cancel (backend);
  g_assert_true (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_no_error (error);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (50 * 1000);
  bs_backend_cancel (data);
  return NULL;
}

static void
test_layer_loop (void)
{
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = open_backend (BS_CPU_ISA_SCALAR, 2);
  g_autoptr (GError) error = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *before = NULL, *after = NULL;
  size_t out_size;
  uint64_t iterations = 0;
  int64_t t0;
  GThread *canceller;

  g_rand_set_seed (rng, 11);
  m = model_bnn ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  out_size = n_elements (bs_model_output_shape (m));
  images = random_images (m, 1);
  before = g_new (int32_t, out_size);
  after = g_new (int32_t, out_size);
  g_assert_true (bs_backend_prepare (backend, plan, &error));

  g_assert_false (bs_backend_layer_loop (backend, 0, 1000, &iterations, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);

  g_assert_true (bs_backend_run (backend, images, 1, before, NULL, NULL, &error));
  for (int op = 0; op < plan->n_ops; op++)
    {
      g_assert_true (bs_backend_layer_loop (backend, op, 200 * 1000, &iterations, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (iterations, >=, 1);
    }
  /* Looping leaves the backend able to run, with the same answer. */
  g_assert_true (bs_backend_run (backend, images, 1, after, NULL, NULL, &error));
  g_assert_cmpmem (before, out_size * 4, after, out_size * 4);

  /* Cancelled from another thread while looping for what would be 20 s. */
  canceller = g_thread_new ("cancel", cancel_later, backend);
  t0 = bs_clock_now_ns ();
  g_assert_false (bs_backend_layer_loop (backend, plan->n_ops / 2, G_GINT64_CONSTANT (20000000000),
                                         &iterations, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (bs_clock_now_ns () - t0, <, G_GINT64_CONSTANT (10000000000));
  g_thread_join (canceller);
}

/* Scalar is always usable and complete; the others are listed with the reason they
 * are not (so the log shows which variants this run covered). */
static void
test_kernel_table (void)
{
  g_autofree char *reason = NULL;
  const BsCpuKernels *scalar = bs_cpu_kernels_get (BS_CPU_ISA_SCALAR, &reason);
  BsCpuIsa isa;

  g_assert_nonnull (scalar);
  g_assert_nonnull (scalar->bconv);
  for (int k = 0; k < BS_PLAN_OP_N_KINDS; k++)
    if (k != BS_PLAN_OP_BCONV && k != BS_PLAN_OP_QCONV)
      g_assert_nonnull (scalar->ops[k]);
  g_assert_true (bs_cpu_isa_from_string ("avx512", &isa));
  g_assert_cmpint (isa, ==, BS_CPU_ISA_AVX512);
  g_assert_false (bs_cpu_isa_from_string ("mmx", &isa));
  g_assert_nonnull (bs_cpu_kernels_get (bs_cpu_isa_best (), NULL));
  for (int i = 0; i < BS_CPU_N_ISAS; i++)
    {
      g_autofree char *why = NULL;
      const BsCpuKernels *k = bs_cpu_kernels_get (i, &why);

      g_test_message ("isa %s: %s", bs_cpu_isa_to_string (i), k ? "usable" : why);
    }
}

/* The pool: every task of every job runs exactly once, whatever the timing (short
 * jobs make workers arrive late, find nothing, or sleep between jobs). */
typedef struct
{
  gint *counts;
  int round;
} PoolJob;

static void
pool_task (gpointer data, int task)
{
  PoolJob *job = data;

  if ((job->round + task) % 97 == 0)
    g_usleep (50);
  g_atomic_int_inc (&job->counts[task]);
}

static void
test_pool (void)
{
  for (int threads = 1; threads <= 4; threads++)
    {
      BsCpuPool *pool = bs_cpu_pool_new (threads);
      gint counts[8];

      g_assert_cmpint (bs_cpu_pool_get_n_threads (pool), ==, threads);
      for (int round = 0; round < 3000; round++)
        {
          PoolJob job = { counts, round };
          int n = round % 8 + 1;

          memset (counts, 0, sizeof counts);
          bs_cpu_pool_run (pool, pool_task, &job, n);
          for (int t = 0; t < 8; t++)
            g_assert_cmpint (counts[t], ==, t < n ? 1 : 0);
          if (round % 500 == 0)
            g_usleep (20 * 1000);   /* let the workers fall asleep */
        }
      bs_cpu_pool_free (pool);
    }
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  rng = g_rand_new ();
  /* First: it sets BS_CPU_ISA, which is only safe before any thread exists. */
  g_test_add_func ("/backend/open", test_open);
  g_test_add_func ("/cpu/kernels", test_kernel_table);
  g_test_add_func ("/cpu/pool", test_pool);
  g_test_add_data_func ("/cpu/random/blend", model_blend, test_random);
  g_test_add_data_func ("/cpu/random/bnn", model_bnn, test_random);
  g_test_add_data_func ("/cpu/random/mixer", model_mixer, test_random);
  g_test_add_data_func ("/cpu/random/edges", model_edges, test_random);
  g_test_add_data_func ("/cpu/random/narrow", model_narrow, test_random);
  g_test_add_func ("/cpu/bundled", test_bundled);
  g_test_add_func ("/backend/events-cancel", test_events_and_cancel);
  g_test_add_func ("/backend/layer-loop", test_layer_loop);
  ret = g_test_run ();
  g_rand_free (rng);
  return ret;
}
