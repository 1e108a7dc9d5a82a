/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-interp.c: the reference interpreter.
 *
 * Every activation is an int32 CHW array (bits as +1/-1) and every layer kind is one
 * static function that transcribes its row of docs/model-format.md, section 5. No
 * packing, no folding, no cleverness: backends are compared against this, so it has
 * to be right by inspection. Rounding and saturation come from bs-fixed.h only.
 */
#include "bs-interp.h"

#include <string.h>
#include <time.h>

#include "bs-fixed.h"

struct _BsInterp
{
  const BsModel *model;
  int32_t *input;      /* the image, widened to int32 */
  int32_t **outputs;   /* one buffer per layer, out_shape elements */
};

typedef void (*LayerFunc) (const BsModel *model, const BsLayer *layer,
                           const int32_t *const *in, int32_t *out);

/* bs_tensor_get_int and bs_tensor_get_sign: lets conv/FC share their loops. */
typedef int32_t (*WeightFunc) (const BsTensor *tensor, uint64_t n);

static inline size_t
at (BsShape s, int c, int y, int x)
{
  return ((size_t) c * s.h + y) * s.w + x;
}

static inline size_t
shape_n_elements (BsShape s)
{
  return (size_t) s.c * s.h * s.w;
}

/* Validation bounds every conv/FC accumulator to int32 (section 6). If that bound is
 * ever wrong we want to stop here, not wrap silently. */
static int32_t
exact_int32 (int64_t v)
{
  g_assert (v >= INT32_MIN && v <= INT32_MAX);
  return (int32_t) v;
}

/* bs_tensor_get_int() stops at 32 bits; batchnorm's add is i64. */
static int64_t
tensor_get_i64 (const BsTensor *tensor, uint64_t n)
{
  g_assert (tensor->dtype == BS_DTYPE_I64);
  return ((const int64_t *) tensor->data)[n];
}

/* Layers */

static void
run_quantize_input (const BsModel *model G_GNUC_UNUSED, const BsLayer *layer,
                    const int32_t *const *in, int32_t *out)
{
  size_t n = shape_n_elements (layer->out_shape);

  for (size_t i = 0; i < n; i++)
    out[i] = in[0][i] - 128;
}

static void
run_thermometer (const BsModel *model G_GNUC_UNUSED, const BsLayer *layer,
                 const int32_t *const *in, int32_t *out)
{
  BsShape is = layer->in_shape[0];
  BsShape os = layer->out_shape;
  int levels = layer->levels;

  for (int c = 0; c < is.c; c++)
    for (int y = 0; y < is.h; y++)
      for (int x = 0; x < is.w; x++)
        {
          int level = (in[0][at (is, c, y, x)] * levels + 128) >> 8;

          for (int k = 0; k < levels; k++)
            out[at (os, c * levels + k, y, x)] = k < level ? 1 : -1;
        }
}

/* Zero padding: taps outside the image are skipped, so for a binary conv K is
 * Cin × (taps inside) and shrinks at the borders. */
static int64_t
conv_window (const BsLayer *layer, const BsTensor *weights, WeightFunc weight,
             const int32_t *in, int o, int oy, int ox)
{
  BsShape is = layer->in_shape[0];
  int k = layer->kernel;
  int64_t acc = 0;

  for (int c = 0; c < is.c; c++)
    for (int dy = 0; dy < k; dy++)
      for (int dx = 0; dx < k; dx++)
        {
          int y = oy * layer->stride + dy - layer->pad;
          int x = ox * layer->stride + dx - layer->pad;
          uint64_t n = (((uint64_t) o * is.c + c) * k + dy) * k + dx;

          if (y < 0 || y >= is.h || x < 0 || x >= is.w)
            continue;
          acc += (int64_t) weight (weights, n) * in[at (is, c, y, x)];
        }
  return acc;
}

static void
run_conv (const BsModel *model, const BsLayer *layer, WeightFunc weight,
          const int32_t *in, int32_t *out)
{
  const BsTensor *weights = bs_model_tensor (model, layer->weights);
  const BsTensor *bias = bs_model_tensor (model, layer->bias);
  BsShape os = layer->out_shape;

  for (int o = 0; o < os.c; o++)
    for (int y = 0; y < os.h; y++)
      for (int x = 0; x < os.w; x++)
        {
          int64_t acc = bias != NULL ? bs_tensor_get_int (bias, o) : 0;

          acc += conv_window (layer, weights, weight, in, o, y, x);
          out[at (os, o, y, x)] = exact_int32 (acc);
        }
}

static void
run_conv_fixed (const BsModel *model, const BsLayer *layer,
                const int32_t *const *in, int32_t *out)
{
  run_conv (model, layer, bs_tensor_get_int, in[0], out);
}

static void
run_conv_binary (const BsModel *model, const BsLayer *layer,
                 const int32_t *const *in, int32_t *out)
{
  run_conv (model, layer, bs_tensor_get_sign, in[0], out);
}

/* A fully connected layer applied independently at every position (h, w). */
static void
run_fc (const BsModel *model, const BsLayer *layer, WeightFunc weight,
        const int32_t *in, int32_t *out)
{
  const BsTensor *weights = bs_model_tensor (model, layer->weights);
  const BsTensor *bias = bs_model_tensor (model, layer->bias);
  BsShape is = layer->in_shape[0];
  BsShape os = layer->out_shape;

  for (int o = 0; o < os.c; o++)
    for (int y = 0; y < os.h; y++)
      for (int x = 0; x < os.w; x++)
        {
          int64_t acc = bias != NULL ? bs_tensor_get_int (bias, o) : 0;

          for (int c = 0; c < is.c; c++)
            acc += (int64_t) weight (weights, (uint64_t) o * is.c + c) * in[at (is, c, y, x)];
          out[at (os, o, y, x)] = exact_int32 (acc);
        }
}

static void
run_fc_fixed (const BsModel *model, const BsLayer *layer,
              const int32_t *const *in, int32_t *out)
{
  run_fc (model, layer, bs_tensor_get_int, in[0], out);
}

static void
run_fc_binary (const BsModel *model, const BsLayer *layer,
               const int32_t *const *in, int32_t *out)
{
  run_fc (model, layer, bs_tensor_get_sign, in[0], out);
}

static void
run_batchnorm (const BsModel *model, const BsLayer *layer,
               const int32_t *const *in, int32_t *out)
{
  const BsTensor *mul = bs_model_tensor (model, layer->bn_mul);
  const BsTensor *add = bs_model_tensor (model, layer->bn_add);
  const BsTensor *shift = bs_model_tensor (model, layer->bn_shift);
  BsShape s = layer->out_shape;

  for (int c = 0; c < s.c; c++)
    {
      int32_t m = bs_tensor_get_int (mul, c);
      int64_t a = tensor_get_i64 (add, c);
      int sh = bs_tensor_get_int (shift, c);

      g_assert (sh >= 0 && sh <= 62);
      for (int y = 0; y < s.h; y++)
        for (int x = 0; x < s.w; x++)
          out[at (s, c, y, x)] = bs_requant (in[0][at (s, c, y, x)], m, a, sh,
                                             layer->out_bits, layer->relu);
    }
}

static void
run_sign (const BsModel *model G_GNUC_UNUSED, const BsLayer *layer,
          const int32_t *const *in, int32_t *out)
{
  size_t n = shape_n_elements (layer->out_shape);

  for (size_t i = 0; i < n; i++)
    out[i] = in[0][i] >= 0 ? 1 : -1;
}

static void
run_add (const BsModel *model G_GNUC_UNUSED, const BsLayer *layer,
         const int32_t *const *in, int32_t *out)
{
  size_t n = shape_n_elements (layer->out_shape);

  for (size_t i = 0; i < n; i++)
    out[i] = (int32_t) bs_sat ((int64_t) in[0][i] + in[1][i], 32, FALSE);
}

static void
run_avgpool (const BsModel *model G_GNUC_UNUSED, const BsLayer *layer,
             const int32_t *const *in, int32_t *out)
{
  BsShape is = layer->in_shape[0];
  BsShape os = layer->out_shape;
  int k = layer->kernel;

  for (int c = 0; c < os.c; c++)
    for (int y = 0; y < os.h; y++)
      for (int x = 0; x < os.w; x++)
        {
          int64_t sum = 0;

          for (int dy = 0; dy < k; dy++)
            for (int dx = 0; dx < k; dx++)
              sum += in[0][at (is, c, y * layer->stride + dy, x * layer->stride + dx)];
          out[at (os, c, y, x)] = (int32_t) bs_round_div (sum, (int64_t) k * k);
        }
}

static void
run_global_avgpool (const BsModel *model G_GNUC_UNUSED, const BsLayer *layer,
                    const int32_t *const *in, int32_t *out)
{
  BsShape is = layer->in_shape[0];

  for (int c = 0; c < is.c; c++)
    {
      int64_t sum = 0;

      for (int y = 0; y < is.h; y++)
        for (int x = 0; x < is.w; x++)
          sum += in[0][at (is, c, y, x)];
      out[c] = (int32_t) bs_round_div (sum, (int64_t) is.h * is.w);
    }
}

static void
run_concat (const BsModel *model G_GNUC_UNUSED, const BsLayer *layer,
            const int32_t *const *in, int32_t *out)
{
  size_t n0 = shape_n_elements (layer->in_shape[0]);
  size_t n1 = shape_n_elements (layer->in_shape[1]);

  /* CHW: the channels of the first input are its whole array, then the second's. */
  memcpy (out, in[0], n0 * sizeof (int32_t));
  memcpy (out + n0, in[1], n1 * sizeof (int32_t));
}

static void
run_transpose (const BsModel *model G_GNUC_UNUSED, const BsLayer *layer,
               const int32_t *const *in, int32_t *out)
{
  BsShape is = layer->in_shape[0];
  BsShape os = layer->out_shape;

  for (int c = 0; c < is.c; c++)
    for (int y = 0; y < is.h; y++)
      for (int x = 0; x < is.w; x++)
        out[at (os, y * is.w + x, c, 0)] = in[0][at (is, c, y, x)];
}

static const LayerFunc layer_funcs[BS_LAYER_N_KINDS] = {
  [BS_LAYER_QUANTIZE_INPUT] = run_quantize_input,
  [BS_LAYER_THERMOMETER] = run_thermometer,
  [BS_LAYER_CONV_FIXED] = run_conv_fixed,
  [BS_LAYER_CONV_BINARY] = run_conv_binary,
  [BS_LAYER_FC_FIXED] = run_fc_fixed,
  [BS_LAYER_FC_BINARY] = run_fc_binary,
  [BS_LAYER_BATCHNORM] = run_batchnorm,
  [BS_LAYER_SIGN] = run_sign,
  [BS_LAYER_ADD] = run_add,
  [BS_LAYER_AVGPOOL] = run_avgpool,
  [BS_LAYER_GLOBAL_AVGPOOL] = run_global_avgpool,
  [BS_LAYER_CONCAT] = run_concat,
  [BS_LAYER_TRANSPOSE] = run_transpose,
};

/* Sanity checks at construction.
 *
 * These do not re-validate the model; they catch a model that never went through
 * bs_model_validate(), or derived fields that disagree with section 5, before the
 * loops above index out of bounds with them. */

#define REQUIRE(layer, cond)                                                     \
  G_STMT_START {                                                                 \
    if (G_UNLIKELY (!(cond)))                                                    \
      g_error ("bs_interp_new: layer '%s': '%s' does not hold "                  \
               "(was the model validated?)", (layer)->name, #cond);             \
  } G_STMT_END

static gboolean
shape_equal (BsShape a, BsShape b)
{
  return a.c == b.c && a.h == b.h && a.w == b.w;
}

static BsShape
window_shape (int32_t c, BsShape in, int k, int stride, int pad)
{
  BsShape s = { c, (in.h + 2 * pad - k) / stride + 1, (in.w + 2 * pad - k) / stride + 1 };

  /* A window larger than the padded input has no output (C division truncates). */
  if (in.h + 2 * pad < k || in.w + 2 * pad < k)
    s.h = s.w = 0;
  return s;
}

static BsShape
expected_out_shape (const BsLayer *layer)
{
  BsShape in = layer->in_shape[0];

  switch (layer->kind)
    {
    case BS_LAYER_THERMOMETER:
      return (BsShape) { in.c * layer->levels, in.h, in.w };
    case BS_LAYER_CONV_FIXED:
    case BS_LAYER_CONV_BINARY:
      return window_shape (layer->out_channels, in, layer->kernel, layer->stride, layer->pad);
    case BS_LAYER_FC_FIXED:
    case BS_LAYER_FC_BINARY:
      return (BsShape) { layer->out_channels, in.h, in.w };
    case BS_LAYER_AVGPOOL:
      return window_shape (in.c, in, layer->kernel, layer->stride, 0);
    case BS_LAYER_GLOBAL_AVGPOOL:
      return (BsShape) { in.c, 1, 1 };
    case BS_LAYER_CONCAT:
      return (BsShape) { in.c + layer->in_shape[1].c, in.h, in.w };
    case BS_LAYER_TRANSPOSE:
      return (BsShape) { in.h * in.w, in.c, 1 };
    case BS_LAYER_QUANTIZE_INPUT:
    case BS_LAYER_BATCHNORM:
    case BS_LAYER_SIGN:
    case BS_LAYER_ADD:
    default:
      return in;
    }
}

static void
check_input (const BsModel *model, int index, int j)
{
  const BsLayer *layer = bs_model_layer (model, index);
  int src = layer->inputs[j];
  BsShape shape = model->input_shape;
  BsActType type = BS_ACT_U8;

  REQUIRE (layer, src == BS_INPUT_MODEL || (src >= 0 && src < index));
  if (src != BS_INPUT_MODEL)
    {
      shape = bs_model_layer (model, src)->out_shape;
      type = bs_model_layer (model, src)->out_type;
    }
  REQUIRE (layer, shape_equal (layer->in_shape[j], shape));
  REQUIRE (layer, layer->in_type[j] == type);
}

static void
check_tensor (const BsModel *model, const BsLayer *layer, int index, BsDType dtype,
              uint64_t n_elements)
{
  const BsTensor *tensor;
  uint64_t n = 1;

  REQUIRE (layer, index >= 0 && index < (int) model->tensors->len);
  tensor = bs_model_tensor (model, index);
  for (int d = 0; d < tensor->n_dims; d++)
    n *= (uint64_t) tensor->dims[d];
  REQUIRE (layer, tensor->dtype == dtype);
  REQUIRE (layer, n == n_elements);
  REQUIRE (layer, tensor->n_bytes >= bs_dtype_n_bytes (dtype, n_elements));
}

static void
check_params (const BsModel *model, const BsLayer *layer)
{
  uint64_t cin = (uint64_t) layer->in_shape[0].c;
  uint64_t cout = (uint64_t) layer->out_shape.c;
  uint64_t taps = (uint64_t) layer->kernel * layer->kernel;
  /* Section 3: wbits 4 and 8 are stored as i8, 16 as i16. */
  BsDType fixed = layer->wbits == 16 ? BS_DTYPE_I16 : BS_DTYPE_I8;

  switch (layer->kind)
    {
    case BS_LAYER_CONV_FIXED:
    case BS_LAYER_FC_FIXED:
      if (layer->kind == BS_LAYER_FC_FIXED)
        taps = 1;
      check_tensor (model, layer, layer->weights, fixed, cout * cin * taps);
      if (layer->bias != BS_NONE)
        check_tensor (model, layer, layer->bias, BS_DTYPE_I32, cout);
      break;
    case BS_LAYER_CONV_BINARY:
    case BS_LAYER_FC_BINARY:
      if (layer->kind == BS_LAYER_FC_BINARY)
        taps = 1;
      check_tensor (model, layer, layer->weights, BS_DTYPE_U1, cout * cin * taps);
      /* Section 5 gives binary layers no bias: refuse rather than ignore one. */
      REQUIRE (layer, layer->bias == BS_NONE);
      break;
    case BS_LAYER_BATCHNORM:
      check_tensor (model, layer, layer->bn_mul, BS_DTYPE_I32, cout);
      check_tensor (model, layer, layer->bn_add, BS_DTYPE_I64, cout);
      check_tensor (model, layer, layer->bn_shift, BS_DTYPE_I8, cout);
      REQUIRE (layer, layer->out_bits == 4 || layer->out_bits == 8 ||
                      layer->out_bits == 16 || layer->out_bits == 32);
      break;
    default:
      break;
    }
}

static void
check_layer (const BsModel *model, int index)
{
  const BsLayer *layer = bs_model_layer (model, index);
  BsShape out = layer->out_shape;
  int n_inputs = layer->kind == BS_LAYER_ADD || layer->kind == BS_LAYER_CONCAT ? 2 : 1;

  REQUIRE (layer, (int) layer->kind >= 0 && layer->kind < BS_LAYER_N_KINDS);
  REQUIRE (layer, layer->n_inputs == n_inputs);
  for (int j = 0; j < n_inputs; j++)
    check_input (model, index, j);
  if (layer->kind == BS_LAYER_CONV_FIXED || layer->kind == BS_LAYER_CONV_BINARY ||
      layer->kind == BS_LAYER_AVGPOOL)
    REQUIRE (layer, layer->kernel >= 1 && layer->stride >= 1 && layer->pad >= 0);
  REQUIRE (layer, out.c > 0 && out.h > 0 && out.w > 0);
  REQUIRE (layer, shape_equal (out, expected_out_shape (layer)));
  if (layer->kind == BS_LAYER_ADD)
    REQUIRE (layer, shape_equal (layer->in_shape[0], layer->in_shape[1]));
  if (layer->kind == BS_LAYER_CONCAT)
    REQUIRE (layer, layer->in_shape[0].h == layer->in_shape[1].h &&
                    layer->in_shape[0].w == layer->in_shape[1].w);
  check_params (model, layer);
}

/* Public API */

BsInterp *
bs_interp_new (const BsModel *model)
{
  BsInterp *interp;
  int n_layers;

  g_return_val_if_fail (model != NULL, NULL);
  n_layers = bs_model_n_layers (model);
  g_assert (n_layers > 0);
  g_assert (shape_n_elements (model->input_shape) > 0);

  for (int i = 0; i < n_layers; i++)
    check_layer (model, i);

  interp = g_new0 (BsInterp, 1);
  interp->model = model;
  interp->input = g_new0 (int32_t, shape_n_elements (model->input_shape));
  interp->outputs = g_new0 (int32_t *, n_layers);
  for (int i = 0; i < n_layers; i++)
    interp->outputs[i] = g_new0 (int32_t, shape_n_elements (bs_model_layer (model, i)->out_shape));
  return interp;
}

void
bs_interp_free (BsInterp *interp)
{
  if (interp == NULL)
    return;
  for (int i = 0; i < bs_model_n_layers (interp->model); i++)
    g_free (interp->outputs[i]);
  g_free (interp->outputs);
  g_free (interp->input);
  g_free (interp);
}

static int64_t
monotonic_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static void
run_layer (BsInterp *interp, int index)
{
  const BsLayer *layer = bs_model_layer (interp->model, index);
  const int32_t *in[2] = { NULL, NULL };

  for (int j = 0; j < layer->n_inputs; j++)
    in[j] = layer->inputs[j] == BS_INPUT_MODEL ? interp->input
                                               : interp->outputs[layer->inputs[j]];
  layer_funcs[layer->kind] (interp->model, layer, in, interp->outputs[index]);
}

void
bs_interp_run (BsInterp *interp, const uint8_t *image, int32_t *logits, int64_t *layer_ns)
{
  const BsModel *model;
  int n_layers;

  g_return_if_fail (interp != NULL);
  g_return_if_fail (image != NULL);

  model = interp->model;
  n_layers = bs_model_n_layers (model);
  for (size_t i = 0; i < shape_n_elements (model->input_shape); i++)
    interp->input[i] = image[i];

  for (int i = 0; i < n_layers; i++)
    {
      int64_t start = monotonic_ns ();

      run_layer (interp, i);
      if (layer_ns != NULL)
        layer_ns[i] = monotonic_ns () - start;
    }

  if (logits != NULL)
    memcpy (logits, interp->outputs[n_layers - 1],
            shape_n_elements (bs_model_output_shape (model)) * sizeof (int32_t));
}

const int32_t *
bs_interp_layer_output (BsInterp *interp, int layer)
{
  g_return_val_if_fail (interp != NULL, NULL);
  g_return_val_if_fail (layer >= 0 && layer < bs_model_n_layers (interp->model), NULL);

  return interp->outputs[layer];
}
