/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-model-validate.c: the checks of docs/model-format.md, section 6, and shape and
 * type inference (section 5).
 *
 * The validator is the only gate between a hostile file and the engines, and it also
 * runs on models built in memory, so it trusts nothing: every index is range-checked
 * and every tensor's size is matched against its shape before any element is read.
 *
 * Precision tags: conv_binary, fc_binary, sign and thermometer must be "binary"; every
 * other kind must be "fixed", except that concat and transpose (pure data movement)
 * may also be tagged "binary" when they move bits. No current kind computes in
 * floating point, so "float" is refused everywhere; it exists in the enum for future
 * kinds.
 *
 * Canonical form: parameters and tensor references that do not apply to a layer's kind
 * must be 0 / BS_NONE (and unused input slots BS_NONE), so that a model that validates
 * survives a save and load unchanged.
 */
#include "bs-budget.h"
#include "bs-model.h"

#include <stdarg.h>
#include <string.h>

#define MAX_ACTIVATION_ELEMENTS ((int64_t) 1 << 28)
#define ACC_LIMIT ((uint64_t) G_MAXINT32)
#define BN_LIMIT ((uint64_t) G_MAXINT64)

/* Parameters a kind uses; everything else must be unset. */
enum
{
  P_OUT_CHANNELS = 1 << 0,
  P_KERNEL = 1 << 1,
  P_STRIDE = 1 << 2,
  P_PAD = 1 << 3,
  P_WBITS = 1 << 4,
  P_OUT_BITS = 1 << 5,
  P_LEVELS = 1 << 6,
  P_RELU = 1 << 7,
  P_WEIGHTS = 1 << 8,
  P_BIAS = 1 << 9,
  P_MUL = 1 << 10,
  P_ADD = 1 << 11,
  P_SHIFT = 1 << 12,
};

#define P_CONV (P_OUT_CHANNELS | P_KERNEL | P_STRIDE | P_PAD | P_WEIGHTS)

typedef struct
{
  int n_inputs;
  guint params;
} KindInfo;

static const KindInfo kind_info[BS_LAYER_N_KINDS] = {
  [BS_LAYER_QUANTIZE_INPUT] = { 1, 0 },
  [BS_LAYER_THERMOMETER] = { 1, P_LEVELS },
  [BS_LAYER_CONV_FIXED] = { 1, P_CONV | P_WBITS | P_BIAS },
  [BS_LAYER_CONV_BINARY] = { 1, P_CONV },
  [BS_LAYER_FC_FIXED] = { 1, P_OUT_CHANNELS | P_WBITS | P_WEIGHTS | P_BIAS },
  [BS_LAYER_FC_BINARY] = { 1, P_OUT_CHANNELS | P_WEIGHTS },
  [BS_LAYER_BATCHNORM] = { 1, P_MUL | P_ADD | P_SHIFT | P_OUT_BITS | P_RELU },
  [BS_LAYER_SIGN] = { 1, 0 },
  [BS_LAYER_ADD] = { 2, 0 },
  [BS_LAYER_AVGPOOL] = { 1, P_KERNEL | P_STRIDE },
  [BS_LAYER_GLOBAL_AVGPOOL] = { 1, 0 },
  [BS_LAYER_CONCAT] = { 2, 0 },
  [BS_LAYER_TRANSPOSE] = { 1, 0 },
};

static const char *const module_kinds[] = { "blend", "residual", "mixer" };

/* Error helpers */

static gboolean G_GNUC_PRINTF (3, 4)
fail (GError **error, BsModelError code, const char *format, ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, BS_MODEL_ERROR, code, message);
  g_free (message);
  return FALSE;
}

static const char *
kind_name (BsLayerKind kind)
{
  return (int) kind >= 0 && kind < BS_LAYER_N_KINDS ? bs_layer_kind_to_string (kind) : "?";
}

/* "layer 'NAME' (kind): reason" */
static gboolean G_GNUC_PRINTF (3, 4)
fail_layer (GError **error, const BsLayer *layer, const char *format, ...)
{
  va_list args;
  char *reason;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_INVALID, "layer '%s' (%s): %s",
               layer->name ? layer->name : "(null)", kind_name (layer->kind), reason);
  g_free (reason);
  return FALSE;
}

/* Names */

/* Messages must stay valid UTF-8 whatever the bad string holds. */
static char *
printable (const char *s)
{
  return s == NULL ? g_strdup ("(null)") : g_strescape (s, NULL);
}

static gboolean
check_name (GHashTable *seen, const char *what, const char *name, GError **error)
{
  if (!bs_model_name_is_valid (name))
    {
      g_autofree char *shown = printable (name);

      return fail (error, BS_MODEL_ERROR_INVALID,
                   "%s '%s': invalid name (must be non-empty UTF-8 without control "
                   "characters, '[', ']', ';' or surrounding spaces)", what, shown);
    }
  if (!g_hash_table_add (seen, (gpointer) name))
    return fail (error, BS_MODEL_ERROR_INVALID, "%s '%s': the name is used twice", what, name);
  return TRUE;
}

static gboolean
check_modules (const BsModel *model, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < model->modules->len; i++)
    {
      const BsModule *module = &g_array_index (model->modules, BsModule, i);
      gboolean known = FALSE;

      if (!check_name (seen, "module", module->name, error))
        return FALSE;
      for (guint k = 0; k < G_N_ELEMENTS (module_kinds); k++)
        known |= g_strcmp0 (module->kind, module_kinds[k]) == 0;
      if (!known)
        {
          g_autofree char *shown = printable (module->kind);

          return fail (error, BS_MODEL_ERROR_INVALID,
                       "module '%s': unknown kind '%s' (expected blend, residual or mixer)",
                       module->name, shown);
        }
    }
  return TRUE;
}

static gboolean
check_layer_names (const BsModel *model, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (int i = 0; i < bs_model_n_layers (model); i++)
    {
      const BsLayer *layer = bs_model_layer (model, i);

      if (!check_name (seen, "layer", layer->name, error))
        return FALSE;
      /* "input" names the model input in the file's inputs lists. */
      if (strcmp (layer->name, "input") == 0)
        return fail (error, BS_MODEL_ERROR_INVALID,
                     "layer 'input': the name is reserved for the model input");
    }
  return TRUE;
}

/* Model-level metadata: what the header must be able to carry. */

static gboolean
check_metadata (const BsModel *model, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (model->name == NULL || !g_utf8_validate (model->name, -1, NULL))
    return fail (error, BS_MODEL_ERROR_INVALID, "model: the name is missing or not UTF-8");
  if (model->description != NULL && !g_utf8_validate (model->description, -1, NULL))
    return fail (error, BS_MODEL_ERROR_INVALID, "model: the description is not UTF-8");
  for (guint i = 0; model->labels != NULL && model->labels[i] != NULL; i++)
    if (*model->labels[i] == '\0' || !g_utf8_validate (model->labels[i], -1, NULL))
      return fail (error, BS_MODEL_ERROR_INVALID,
                   "model: label %u is empty or not UTF-8", i);
  g_hash_table_iter_init (&iter, model->provenance);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *k = key;

      g_autofree char *shown = printable (k);

      if (!bs_model_provenance_key_is_valid (k))
        return fail (error, BS_MODEL_ERROR_INVALID,
                     "model: provenance key '%s' is not a valid key", shown);
      if (value == NULL || !g_utf8_validate (value, -1, NULL))
        return fail (error, BS_MODEL_ERROR_INVALID,
                     "model: provenance value of '%s' is missing or not UTF-8", shown);
    }
  return TRUE;
}

/* Shapes */

static int64_t
shape_elements (BsShape s)
{
  return (int64_t) s.c * s.h * s.w;
}

/* Checked in steps so that no product can overflow whatever the dimensions are. */
static gboolean
shape_is_valid (BsShape s)
{
  if (s.c < 1 || s.h < 1 || s.w < 1)
    return FALSE;
  if (s.c > MAX_ACTIVATION_ELEMENTS || s.h > MAX_ACTIVATION_ELEMENTS
      || s.w > MAX_ACTIVATION_ELEMENTS)
    return FALSE;
  if ((int64_t) s.c * s.h > MAX_ACTIVATION_ELEMENTS)
    return FALSE;
  return shape_elements (s) <= MAX_ACTIVATION_ELEMENTS;
}

/* Activation shapes are computed in int64 and stored in int32 only once they are
 * known to fit the 2^28 element limit. */
static gboolean
set_output (BsLayer *layer, int64_t c, int64_t h, int64_t w, BsActType type, GError **error)
{
  if (c < 1 || h < 1 || w < 1 || c > MAX_ACTIVATION_ELEMENTS || h > MAX_ACTIVATION_ELEMENTS
      || w > MAX_ACTIVATION_ELEMENTS || c * h > MAX_ACTIVATION_ELEMENTS
      || c * h * w > MAX_ACTIVATION_ELEMENTS)
    return fail_layer (error, layer,
                       "output (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                       ") exceeds 2^28 elements", c, h, w);
  layer->out_shape.c = (int32_t) c;
  layer->out_shape.h = (int32_t) h;
  layer->out_shape.w = (int32_t) w;
  layer->out_type = type;
  return TRUE;
}

static gboolean
shape_equal (BsShape a, BsShape b)
{
  return a.c == b.c && a.h == b.h && a.w == b.w;
}

/* Tensors */

static gboolean
tensor_n_elements (const BsTensor *tensor, uint64_t *n)
{
  uint64_t product = 1;

  if (tensor->n_dims < 1 || tensor->n_dims > BS_TENSOR_MAX_DIMS)
    return FALSE;
  for (int d = 0; d < tensor->n_dims; d++)
    if (tensor->dims[d] < 1
        || !g_uint64_checked_mul (&product, product, (uint64_t) tensor->dims[d]))
      return FALSE;
  *n = product;
  return TRUE;
}

static gboolean
dtype_is_valid (BsDType dtype)
{
  return (int) dtype >= BS_DTYPE_U1 && dtype <= BS_DTYPE_I64;
}

static uint64_t
dtype_size (BsDType dtype)
{
  static const uint64_t sizes[] = { 0, 1, 2, 4, 8 };

  return sizes[dtype];
}

static gboolean
check_tensor (const BsTensor *tensor, GError **error)
{
  uint64_t n, n_bytes;
  const char *name = tensor->name ? tensor->name : "(null)";

  if (!dtype_is_valid (tensor->dtype))
    return fail (error, BS_MODEL_ERROR_INVALID, "tensor '%s': unknown dtype %d", name,
                 (int) tensor->dtype);
  if (!tensor_n_elements (tensor, &n))
    return fail (error, BS_MODEL_ERROR_INVALID,
                 "tensor '%s': shape must have 1 to %d dimensions of at least 1 each, "
                 "and fewer than 2^64 elements", name, BS_TENSOR_MAX_DIMS);
  if (tensor->dtype == BS_DTYPE_U1)
    n_bytes = n / 8 + (n % 8 != 0);
  else if (!g_uint64_checked_mul (&n_bytes, n, dtype_size (tensor->dtype)))
    return fail (error, BS_MODEL_ERROR_INVALID, "tensor '%s': too many elements", name);
  if (tensor->n_bytes != n_bytes)
    return fail (error, BS_MODEL_ERROR_INVALID,
                 "tensor '%s': %" G_GUINT64_FORMAT " bytes, but %" G_GUINT64_FORMAT
                 " elements of %s need %" G_GUINT64_FORMAT, name, tensor->n_bytes, n,
                 bs_dtype_to_string (tensor->dtype), n_bytes);
  if (tensor->data == NULL)
    return fail (error, BS_MODEL_ERROR_INVALID, "tensor '%s': no data", name);
  /* Section 3: unused bits of the last byte are 0, so every bit pattern has one file. */
  if (tensor->dtype == BS_DTYPE_U1 && n % 8 != 0
      && (((const uint8_t *) tensor->data)[n_bytes - 1] >> (n % 8)) != 0)
    return fail (error, BS_MODEL_ERROR_INVALID,
                 "tensor '%s': unused bits of the last byte are not zero", name);
  return TRUE;
}

static gboolean
check_tensors (const BsModel *model, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < model->tensors->len; i++)
    {
      const BsTensor *tensor = bs_model_tensor (model, (int) i);

      if (!check_name (seen, "tensor", tensor->name, error))
        return FALSE;
      if (!check_tensor (tensor, error))
        return FALSE;
    }
  return TRUE;
}

/* Looks up a tensor a layer refers to and checks its dtype and element count. */
static gboolean
get_tensor (const BsModel *model, const BsLayer *layer, const char *role, int index,
            BsDType dtype, uint64_t n_elements, const BsTensor **out, GError **error)
{
  const BsTensor *tensor;
  uint64_t n = 0;

  if (index == BS_NONE)
    return fail_layer (error, layer, "no %s tensor", role);
  if (index < 0 || (guint) index >= model->tensors->len)
    return fail_layer (error, layer, "%s tensor index %d is out of range", role, index);
  tensor = bs_model_tensor (model, index);
  if (tensor->dtype != dtype)
    return fail_layer (error, layer, "%s tensor '%s' is %s; expected %s", role, tensor->name,
                       bs_dtype_to_string (tensor->dtype), bs_dtype_to_string (dtype));
  /* check_tensors() already proved the count is computable. */
  tensor_n_elements (tensor, &n);
  if (n != n_elements)
    return fail_layer (error, layer,
                       "%s tensor '%s' has %" G_GUINT64_FORMAT " elements; expected %"
                       G_GUINT64_FORMAT, role, tensor->name, n, n_elements);
  *out = tensor;
  return TRUE;
}

static int64_t
tensor_get_i64 (const BsTensor *tensor, uint64_t n)
{
  int64_t v;

  memcpy (&v, (const uint8_t *) tensor->data + n * 8, sizeof v);
  return v;
}

static uint64_t
abs_u64 (int64_t v)
{
  /* -INT64_MIN overflows; this does not. */
  return v < 0 ? (uint64_t) -(v + 1) + 1 : (uint64_t) v;
}

/* Activation types */

static gboolean
type_is_int (BsActType type)
{
  return type == BS_ACT_I4 || type == BS_ACT_I8 || type == BS_ACT_I16 || type == BS_ACT_I32;
}

/* The largest |x| an activation of this type can hold (for the overflow bounds). */
static uint64_t
type_max_abs (BsActType type)
{
  switch (type)
    {
    case BS_ACT_BITS: return 1;
    case BS_ACT_I4: return 8;
    case BS_ACT_I8: return 128;
    case BS_ACT_I16: return 32768;
    case BS_ACT_I32: return (uint64_t) 1 << 31;
    case BS_ACT_U8: return 255;
    default: g_assert_not_reached ();
    }
}

static const char *
input_name (const BsModel *model, const BsLayer *layer, int slot)
{
  int index = layer->inputs[slot];

  return index == BS_INPUT_MODEL ? "input" : bs_model_layer (model, index)->name;
}

static gboolean
expect_int_input (const BsModel *model, const BsLayer *layer, int slot, GError **error)
{
  if (type_is_int (layer->in_type[slot]))
    return TRUE;
  return fail_layer (error, layer, "input '%s' is %s; expected i4, i8, i16 or i32",
                     input_name (model, layer, slot),
                     bs_act_type_to_string (layer->in_type[slot]));
}

static gboolean
expect_input_type (const BsModel *model, const BsLayer *layer, BsActType type, GError **error)
{
  if (layer->in_type[0] == type)
    return TRUE;
  return fail_layer (error, layer, "input '%s' is %s; expected %s",
                     input_name (model, layer, 0), bs_act_type_to_string (layer->in_type[0]),
                     bs_act_type_to_string (type));
}

/* Generic layer structure */

static gboolean
check_enums (const BsLayer *layer, GError **error)
{
  if ((int) layer->kind < 0 || layer->kind >= BS_LAYER_N_KINDS)
    return fail_layer (error, layer, "unknown kind %d", (int) layer->kind);
  if ((int) layer->precision < BS_PRECISION_BINARY || layer->precision > BS_PRECISION_FLOAT)
    return fail_layer (error, layer, "unknown precision %d", (int) layer->precision);
  if ((int) layer->path < BS_PATH_STEM || layer->path > BS_PATH_HEAD)
    return fail_layer (error, layer, "unknown path %d", (int) layer->path);
  return TRUE;
}

static gboolean
check_unused_params (const BsLayer *layer, GError **error)
{
  const struct { guint mask; const char *key; int value, unset; } params[] = {
    { P_OUT_CHANNELS, "out_channels", layer->out_channels, 0 },
    { P_KERNEL, "kernel", layer->kernel, 0 },
    { P_STRIDE, "stride", layer->stride, 0 },
    { P_PAD, "pad", layer->pad, 0 },
    { P_WBITS, "wbits", layer->wbits, 0 },
    { P_OUT_BITS, "out_bits", layer->out_bits, 0 },
    { P_LEVELS, "levels", layer->levels, 0 },
    { P_RELU, "relu", layer->relu, FALSE },
    { P_WEIGHTS, "weights", layer->weights, BS_NONE },
    { P_BIAS, "bias", layer->bias, BS_NONE },
    { P_MUL, "mul", layer->bn_mul, BS_NONE },
    { P_ADD, "add", layer->bn_add, BS_NONE },
    { P_SHIFT, "shift", layer->bn_shift, BS_NONE },
  };
  guint used = kind_info[layer->kind].params;

  for (guint i = 0; i < G_N_ELEMENTS (params); i++)
    if (!(used & params[i].mask) && params[i].value != params[i].unset)
      return fail_layer (error, layer, "parameter '%s' does not apply to this kind",
                         params[i].key);
  return TRUE;
}

static gboolean
check_module (const BsModel *model, const BsLayer *layer, GError **error)
{
  if (layer->module == BS_NONE
      || (layer->module >= 0 && (guint) layer->module < model->modules->len))
    return TRUE;
  return fail_layer (error, layer, "module index %d is out of range", layer->module);
}

/* Resolves the inputs and fills in_shape / in_type. */
static gboolean
check_inputs (const BsModel *model, int index, BsLayer *layer, GError **error)
{
  int n = kind_info[layer->kind].n_inputs;

  if (layer->n_inputs != n)
    return fail_layer (error, layer, "%d inputs; this kind takes %d", layer->n_inputs, n);
  for (int slot = 0; slot < 2; slot++)
    {
      int input = layer->inputs[slot];

      if (slot >= n)
        {
          if (input != BS_NONE)
            return fail_layer (error, layer, "unused input slot %d is set", slot);
          continue;
        }
      if (input == BS_INPUT_MODEL)
        {
          layer->in_shape[slot] = model->input_shape;
          layer->in_type[slot] = BS_ACT_U8;
        }
      else if (input >= 0 && input < index)
        {
          const BsLayer *source = bs_model_layer (model, input);

          layer->in_shape[slot] = source->out_shape;
          layer->in_type[slot] = source->out_type;
        }
      else
        return fail_layer (error, layer, "input %d (index %d) is not an earlier layer",
                           slot, input);
    }
  return TRUE;
}

static gboolean
check_precision (const BsLayer *layer, GError **error)
{
  BsPrecision expected = BS_PRECISION_FIXED;

  switch (layer->kind)
    {
    case BS_LAYER_CONV_BINARY:
    case BS_LAYER_FC_BINARY:
    case BS_LAYER_SIGN:
    case BS_LAYER_THERMOMETER:
      expected = BS_PRECISION_BINARY;
      break;
    case BS_LAYER_CONCAT:
    case BS_LAYER_TRANSPOSE:
      if (layer->in_type[0] == BS_ACT_BITS && layer->precision == BS_PRECISION_BINARY)
        return TRUE;
      break;
    default:
      break;
    }
  if (layer->precision == expected)
    return TRUE;
  return fail_layer (error, layer, "precision '%s' does not match the kind (expected %s)",
                     bs_precision_to_string (layer->precision),
                     bs_precision_to_string (expected));
}

/* Range checks for parameters */

static gboolean
check_range (const BsLayer *layer, const char *key, int32_t value, int32_t lo, int32_t hi,
             GError **error)
{
  if (value >= lo && value <= hi)
    return TRUE;
  return fail_layer (error, layer, "%s %d is out of range (%d..%d)", key, value, lo, hi);
}

static gboolean
check_wbits (const BsLayer *layer, GError **error)
{
  if (layer->wbits == 4 || layer->wbits == 8 || layer->wbits == 16)
    return TRUE;
  return fail_layer (error, layer, "wbits %d is not 4, 8 or 16", layer->wbits);
}

/* Weights and the accumulator bound */

/* Checks every weight against the symmetric wbits range and, per output channel o,
 * that max|x|·Σ|w[o]| + |bias[o]| ≤ 2^31 − 1, so that int32 accumulation is exact.
 * Binary weights are ±1, so Σ|w[o]| is just the fan-in. */
static gboolean
check_weights (const BsLayer *layer, const BsTensor *weights, const BsTensor *bias,
               uint64_t fan_in, uint64_t max_x, GError **error)
{
  int32_t wmax = layer->wbits > 0 ? (1 << (layer->wbits - 1)) - 1 : 1;

  for (int32_t o = 0; o < layer->out_channels; o++)
    {
      uint64_t sum = 0;
      uint64_t b = bias ? abs_u64 (bs_tensor_get_int (bias, (uint64_t) o)) : 0;

      if (weights->dtype == BS_DTYPE_U1)
        sum = fan_in;
      else
        for (uint64_t n = 0; n < fan_in; n++)
          {
            int32_t w = bs_tensor_get_int (weights, (uint64_t) o * fan_in + n);

            if (w < -wmax || w > wmax)
              return fail_layer (error, layer,
                                 "weight %d at element %" G_GUINT64_FORMAT " of '%s' is "
                                 "outside the %d-bit range +-%d", w,
                                 (uint64_t) o * fan_in + n, weights->name, layer->wbits, wmax);
            sum += (uint64_t) ABS (w);
          }
      /* sum ≤ 2^28·225·32767 < 2^63: no overflow above; compare by division below. */
      if (b > ACC_LIMIT || sum > (ACC_LIMIT - b) / max_x)
        return fail_layer (error, layer,
                           "output channel %d can overflow the int32 accumulator "
                           "(max|x| %" G_GUINT64_FORMAT " x sum|w| %" G_GUINT64_FORMAT
                           " + |bias| %" G_GUINT64_FORMAT " > 2^31 - 1)",
                           o, max_x, sum, b);
    }
  return TRUE;
}

/* Weights (and bias) of a conv or FC with cin input channels and k·k taps. */
static gboolean
check_conv_tensors (const BsModel *model, const BsLayer *layer, int64_t cin, int64_t taps,
                    GError **error)
{
  gboolean binary = layer->kind == BS_LAYER_CONV_BINARY || layer->kind == BS_LAYER_FC_BINARY;
  BsDType wtype = binary ? BS_DTYPE_U1 : layer->wbits == 16 ? BS_DTYPE_I16 : BS_DTYPE_I8;
  uint64_t fan_in = (uint64_t) cin * (uint64_t) taps;
  const BsTensor *weights = NULL;
  const BsTensor *bias = NULL;

  /* cout ≤ 2^16, cin ≤ 2^28, taps ≤ 225: the product fits easily. */
  if (!get_tensor (model, layer, "weights", layer->weights, wtype,
                   (uint64_t) layer->out_channels * fan_in, &weights, error))
    return FALSE;
  if (layer->bias != BS_NONE
      && !get_tensor (model, layer, "bias", layer->bias, BS_DTYPE_I32,
                      (uint64_t) layer->out_channels, &bias, error))
    return FALSE;
  return check_weights (layer, weights, bias, fan_in, type_max_abs (layer->in_type[0]), error);
}

/* Kinds */

static gboolean
infer_quantize_input (const BsModel *model, BsLayer *layer, GError **error)
{
  BsShape s = layer->in_shape[0];

  if (!expect_input_type (model, layer, BS_ACT_U8, error))
    return FALSE;
  return set_output (layer, s.c, s.h, s.w, BS_ACT_I8, error);
}

static gboolean
infer_thermometer (const BsModel *model, BsLayer *layer, GError **error)
{
  BsShape s = layer->in_shape[0];

  if (!expect_input_type (model, layer, BS_ACT_U8, error)
      || !check_range (layer, "levels", layer->levels, 1, 64, error))
    return FALSE;
  return set_output (layer, (int64_t) s.c * layer->levels, s.h, s.w, BS_ACT_BITS, error);
}

static gboolean
check_window (const BsLayer *layer, BsShape s, int32_t pad, int64_t *ho, int64_t *wo,
              GError **error)
{
  int64_t h = (int64_t) s.h + 2 * (int64_t) pad;
  int64_t w = (int64_t) s.w + 2 * (int64_t) pad;

  if (h < layer->kernel || w < layer->kernel)
    return fail_layer (error, layer, "kernel %d does not fit the %dx%d input (pad %d)",
                       layer->kernel, s.h, s.w, pad);
  *ho = (h - layer->kernel) / layer->stride + 1;
  *wo = (w - layer->kernel) / layer->stride + 1;
  return TRUE;
}

static gboolean
infer_conv (const BsModel *model, BsLayer *layer, GError **error)
{
  BsShape s = layer->in_shape[0];
  gboolean binary = layer->kind == BS_LAYER_CONV_BINARY;
  int64_t ho = 0, wo = 0;

  if (binary ? !expect_input_type (model, layer, BS_ACT_BITS, error)
             : !expect_int_input (model, layer, 0, error))
    return FALSE;
  if (!check_range (layer, "out_channels", layer->out_channels, 1, 65536, error)
      || !check_range (layer, "kernel", layer->kernel, 1, 15, error)
      || !check_range (layer, "stride", layer->stride, 1, 8, error)
      || !check_range (layer, "pad", layer->pad, 0, layer->kernel - 1, error)
      || (!binary && !check_wbits (layer, error)))
    return FALSE;
  if (!check_window (layer, s, layer->pad, &ho, &wo, error))
    return FALSE;
  if (!check_conv_tensors (model, layer, s.c, (int64_t) layer->kernel * layer->kernel, error))
    return FALSE;
  return set_output (layer, layer->out_channels, ho, wo, BS_ACT_I32, error);
}

static gboolean
infer_fc (const BsModel *model, BsLayer *layer, GError **error)
{
  BsShape s = layer->in_shape[0];
  gboolean binary = layer->kind == BS_LAYER_FC_BINARY;

  if (binary ? !expect_input_type (model, layer, BS_ACT_BITS, error)
             : !expect_int_input (model, layer, 0, error))
    return FALSE;
  if (!check_range (layer, "out_channels", layer->out_channels, 1, 65536, error)
      || (!binary && !check_wbits (layer, error)))
    return FALSE;
  if (!check_conv_tensors (model, layer, s.c, 1, error))
    return FALSE;
  return set_output (layer, layer->out_channels, s.h, s.w, BS_ACT_I32, error);
}

static BsActType
type_for_bits (int32_t bits)
{
  switch (bits)
    {
    case 4: return BS_ACT_I4;
    case 8: return BS_ACT_I8;
    case 16: return BS_ACT_I16;
    default: return BS_ACT_I32;
    }
}

/* max|x|·|mul| ≤ 2^62, |add| ≤ 2^63 and 2^(shift−1) ≤ 2^61, so the sum stays below
 * 2^64 and plain uint64 arithmetic decides the bound exactly. */
static gboolean
check_bn_channel (const BsLayer *layer, int c, uint64_t max_x, int32_t mul, int64_t add,
                  int shift, GError **error)
{
  uint64_t bound;

  if (shift < 0 || shift > 62)
    return fail_layer (error, layer, "shift %d of channel %d is out of range (0..62)", shift, c);
  bound = max_x * abs_u64 (mul) + abs_u64 (add) + (shift > 0 ? (uint64_t) 1 << (shift - 1) : 0);
  if (bound > BN_LIMIT)
    return fail_layer (error, layer,
                       "channel %d can overflow int64 (max|x| %" G_GUINT64_FORMAT
                       " x |mul| %" G_GUINT64_FORMAT " + |add| %" G_GUINT64_FORMAT
                       " + rounding > 2^63 - 1)", c, max_x, abs_u64 (mul), abs_u64 (add));
  return TRUE;
}

static gboolean
infer_batchnorm (const BsModel *model, BsLayer *layer, GError **error)
{
  BsShape s = layer->in_shape[0];
  const BsTensor *mul, *add, *shift;
  uint64_t max_x;

  if (!expect_int_input (model, layer, 0, error))
    return FALSE;
  if (layer->out_bits != 4 && layer->out_bits != 8 && layer->out_bits != 16
      && layer->out_bits != 32)
    return fail_layer (error, layer, "out_bits %d is not 4, 8, 16 or 32", layer->out_bits);
  if (!get_tensor (model, layer, "mul", layer->bn_mul, BS_DTYPE_I32, (uint64_t) s.c, &mul, error)
      || !get_tensor (model, layer, "add", layer->bn_add, BS_DTYPE_I64, (uint64_t) s.c, &add, error)
      || !get_tensor (model, layer, "shift", layer->bn_shift, BS_DTYPE_I8, (uint64_t) s.c,
                      &shift, error))
    return FALSE;
  max_x = type_max_abs (layer->in_type[0]);
  for (int c = 0; c < s.c; c++)
    if (!check_bn_channel (layer, c, max_x, bs_tensor_get_int (mul, (uint64_t) c),
                           tensor_get_i64 (add, (uint64_t) c),
                           bs_tensor_get_int (shift, (uint64_t) c), error))
      return FALSE;
  return set_output (layer, s.c, s.h, s.w, type_for_bits (layer->out_bits), error);
}

static gboolean
infer_sign (const BsModel *model, BsLayer *layer, GError **error)
{
  BsShape s = layer->in_shape[0];

  if (!expect_int_input (model, layer, 0, error))
    return FALSE;
  return set_output (layer, s.c, s.h, s.w, BS_ACT_BITS, error);
}

static gboolean
infer_add (const BsModel *model, BsLayer *layer, GError **error)
{
  BsShape a = layer->in_shape[0];
  BsShape b = layer->in_shape[1];

  if (!expect_int_input (model, layer, 0, error) || !expect_int_input (model, layer, 1, error))
    return FALSE;
  if (!shape_equal (a, b))
    return fail_layer (error, layer,
                       "inputs '%s' (%d, %d, %d) and '%s' (%d, %d, %d) differ in shape",
                       input_name (model, layer, 0), a.c, a.h, a.w,
                       input_name (model, layer, 1), b.c, b.h, b.w);
  return set_output (layer, a.c, a.h, a.w, BS_ACT_I32, error);
}

static gboolean
infer_avgpool (const BsModel *model, BsLayer *layer, GError **error)
{
  int64_t ho = 0, wo = 0;

  if (!expect_int_input (model, layer, 0, error)
      || !check_range (layer, "kernel", layer->kernel, 1, 15, error)
      || !check_range (layer, "stride", layer->stride, 1, 8, error)
      || !check_window (layer, layer->in_shape[0], 0, &ho, &wo, error))
    return FALSE;
  return set_output (layer, layer->in_shape[0].c, ho, wo, layer->in_type[0], error);
}

static gboolean
infer_global_avgpool (const BsModel *model, BsLayer *layer, GError **error)
{
  if (!expect_int_input (model, layer, 0, error))
    return FALSE;
  return set_output (layer, layer->in_shape[0].c, 1, 1, layer->in_type[0], error);
}

static gboolean
infer_concat (const BsModel *model, BsLayer *layer, GError **error)
{
  BsShape a = layer->in_shape[0];
  BsShape b = layer->in_shape[1];

  if (layer->in_type[0] != layer->in_type[1])
    return fail_layer (error, layer, "inputs '%s' (%s) and '%s' (%s) differ in type",
                       input_name (model, layer, 0), bs_act_type_to_string (layer->in_type[0]),
                       input_name (model, layer, 1), bs_act_type_to_string (layer->in_type[1]));
  if (a.h != b.h || a.w != b.w)
    return fail_layer (error, layer, "inputs '%s' (%dx%d) and '%s' (%dx%d) differ in size",
                       input_name (model, layer, 0), a.h, a.w,
                       input_name (model, layer, 1), b.h, b.w);
  return set_output (layer, (int64_t) a.c + b.c, a.h, a.w, layer->in_type[0], error);
}

static gboolean
infer_transpose (const BsModel *model, BsLayer *layer, GError **error)
{
  BsShape s = layer->in_shape[0];

  return set_output (layer, (int64_t) s.h * s.w, s.c, 1, layer->in_type[0], error);
}

typedef gboolean (*InferFunc) (const BsModel *model, BsLayer *layer, GError **error);

static const InferFunc infer_funcs[BS_LAYER_N_KINDS] = {
  [BS_LAYER_QUANTIZE_INPUT] = infer_quantize_input,
  [BS_LAYER_THERMOMETER] = infer_thermometer,
  [BS_LAYER_CONV_FIXED] = infer_conv,
  [BS_LAYER_CONV_BINARY] = infer_conv,
  [BS_LAYER_FC_FIXED] = infer_fc,
  [BS_LAYER_FC_BINARY] = infer_fc,
  [BS_LAYER_BATCHNORM] = infer_batchnorm,
  [BS_LAYER_SIGN] = infer_sign,
  [BS_LAYER_ADD] = infer_add,
  [BS_LAYER_AVGPOOL] = infer_avgpool,
  [BS_LAYER_GLOBAL_AVGPOOL] = infer_global_avgpool,
  [BS_LAYER_CONCAT] = infer_concat,
  [BS_LAYER_TRANSPOSE] = infer_transpose,
};

static gboolean
check_layer (const BsModel *model, int index, GError **error)
{
  BsLayer *layer = bs_model_layer (model, index);

  return check_enums (layer, error)
         && check_unused_params (layer, error)
         && check_module (model, layer, error)
         && check_inputs (model, index, layer, error)
         && check_precision (layer, error)
         && infer_funcs[layer->kind] (model, layer, error);
}

static gboolean
check_output (const BsModel *model, GError **error)
{
  const BsLayer *last = bs_model_layer (model, bs_model_n_layers (model) - 1);

  if (type_is_int (last->out_type))
    return TRUE;
  return fail_layer (error, last, "the model output (last layer) is %s; the logits must be "
                     "an integer type", bs_act_type_to_string (last->out_type));
}

/* Last: the budget figures need every layer's derived shape. */
static gboolean
check_budget (const BsModel *model, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  BsBudget budget;

  if (!bs_budget_get (&budget, &local_error))
    return fail (error, BS_MODEL_ERROR_INVALID, "model: cannot check the budgets: %s",
                 local_error->message);
  return bs_model_check_budget (model, &budget, error);
}

gboolean
bs_model_validate (BsModel *model, GError **error)
{
  BsShape in;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  in = model->input_shape;
  if (!shape_is_valid (in))
    return fail (error, BS_MODEL_ERROR_INVALID,
                 "model: input shape (%d, %d, %d) must have positive dimensions and at "
                 "most 2^28 elements", in.c, in.h, in.w);
  if (!check_metadata (model, error) || !check_modules (model, error)
      || !check_tensors (model, error) || !check_layer_names (model, error))
    return FALSE;
  if (bs_model_n_layers (model) == 0)
    return fail (error, BS_MODEL_ERROR_INVALID, "model: no layers");
  for (int i = 0; i < bs_model_n_layers (model); i++)
    if (!check_layer (model, i, error))
      return FALSE;
  return check_output (model, error) && check_budget (model, error);
}
