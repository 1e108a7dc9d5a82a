/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-model.c: building a BsModel in memory, names of enums, tensor element access. */
#include "bs-model.h"

#include <string.h>

G_DEFINE_QUARK (bs-model-error-quark, bs_model_error)

static void
clear_layer (gpointer p)
{
  BsLayer *layer = p;
  g_free (layer->name);
}

static void
clear_module (gpointer p)
{
  BsModule *module = p;
  g_free (module->name);
  g_free (module->kind);
}

static void
clear_tensor (gpointer p)
{
  BsTensor *tensor = p;
  g_free (tensor->name);
}

BsModel *
bs_model_new (const char *name, BsShape input_shape)
{
  BsModel *model = g_new0 (BsModel, 1);

  model->name = g_strdup (name);
  model->input_shape = input_shape;
  model->provenance = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  model->layers = g_array_new (FALSE, TRUE, sizeof (BsLayer));
  g_array_set_clear_func (model->layers, clear_layer);
  model->modules = g_array_new (FALSE, TRUE, sizeof (BsModule));
  g_array_set_clear_func (model->modules, clear_module);
  model->tensors = g_array_new (FALSE, TRUE, sizeof (BsTensor));
  g_array_set_clear_func (model->tensors, clear_tensor);
  model->owned = g_ptr_array_new_with_free_func (g_aligned_free);
  return model;
}

void
bs_model_free (BsModel *model)
{
  if (model == NULL)
    return;
  g_free (model->name);
  g_free (model->description);
  g_strfreev (model->labels);
  g_hash_table_unref (model->provenance);
  g_array_unref (model->layers);
  g_array_unref (model->modules);
  g_array_unref (model->tensors);
  g_ptr_array_unref (model->owned);
  g_clear_pointer (&model->mapping, g_mapped_file_unref);
  g_free (model);
}

uint64_t
bs_dtype_n_bytes (BsDType dtype, uint64_t n_elements)
{
  switch (dtype)
    {
    case BS_DTYPE_U1: return (n_elements + 7) / 8;
    case BS_DTYPE_I8: return n_elements;
    case BS_DTYPE_I16: return n_elements * 2;
    case BS_DTYPE_I32: return n_elements * 4;
    case BS_DTYPE_I64: return n_elements * 8;
    default: g_assert_not_reached ();
    }
}

int
bs_model_add_tensor (BsModel *model, const char *name, BsDType dtype, int n_dims,
                     const int64_t *dims, const void *data, uint64_t n_bytes)
{
  BsTensor tensor = { 0 };
  void *copy;

  g_assert (n_dims >= 1 && n_dims <= BS_TENSOR_MAX_DIMS);
  tensor.name = g_strdup (name);
  tensor.dtype = dtype;
  tensor.n_dims = n_dims;
  memcpy (tensor.dims, dims, sizeof (int64_t) * n_dims);
  /* 64-byte alignment, like tensors in a mapped file, so kernels may rely on it. */
  copy = g_aligned_alloc0 (1, MAX (n_bytes, 1), 64);
  if (n_bytes > 0)
    memcpy (copy, data, n_bytes);
  g_ptr_array_add (model->owned, copy);
  tensor.data = copy;
  tensor.n_bytes = n_bytes;
  g_array_append_val (model->tensors, tensor);
  return (int) model->tensors->len - 1;
}

int
bs_model_add_layer (BsModel *model, const BsLayer *layer)
{
  BsLayer copy = *layer;

  copy.name = g_strdup (layer->name);
  g_array_append_val (model->layers, copy);
  return (int) model->layers->len - 1;
}

int
bs_model_add_module (BsModel *model, const char *name, const char *kind)
{
  BsModule module = { g_strdup (name), g_strdup (kind) };

  g_array_append_val (model->modules, module);
  return (int) model->modules->len - 1;
}

BsLayer
bs_layer_init (const char *name, BsLayerKind kind, BsPrecision precision, BsPath path)
{
  BsLayer layer = { 0 };

  layer.name = (char *) name;
  layer.kind = kind;
  layer.precision = precision;
  layer.path = path;
  layer.module = BS_NONE;
  layer.inputs[0] = layer.inputs[1] = BS_NONE;
  layer.weights = layer.bias = BS_NONE;
  layer.bn_mul = layer.bn_add = layer.bn_shift = BS_NONE;
  return layer;
}

int
bs_model_find_layer (const BsModel *model, const char *name)
{
  for (guint i = 0; i < model->layers->len; i++)
    if (g_strcmp0 (g_array_index (model->layers, BsLayer, i).name, name) == 0)
      return (int) i;
  return BS_NONE;
}

int
bs_model_find_tensor (const BsModel *model, const char *name)
{
  for (guint i = 0; i < model->tensors->len; i++)
    if (g_strcmp0 (g_array_index (model->tensors, BsTensor, i).name, name) == 0)
      return (int) i;
  return BS_NONE;
}

BsShape
bs_model_output_shape (const BsModel *model)
{
  g_assert (model->layers->len > 0);
  return bs_model_layer (model, bs_model_n_layers (model) - 1)->out_shape;
}

int32_t
bs_tensor_get_int (const BsTensor *tensor, uint64_t n)
{
  switch (tensor->dtype)
    {
    case BS_DTYPE_I8: return ((const int8_t *) tensor->data)[n];
    case BS_DTYPE_I16: return ((const int16_t *) tensor->data)[n];
    case BS_DTYPE_I32: return ((const int32_t *) tensor->data)[n];
    case BS_DTYPE_U1: return bs_tensor_get_sign (tensor, n);
    case BS_DTYPE_I64:
    default: g_assert_not_reached ();
    }
}

int32_t
bs_tensor_get_sign (const BsTensor *tensor, uint64_t n)
{
  const uint8_t *bytes = tensor->data;

  g_assert (tensor->dtype == BS_DTYPE_U1);
  return (bytes[n / 8] >> (n % 8)) & 1 ? -1 : 1;
}

/* Enum names, as written in the file format. */

static const char *const kind_names[BS_LAYER_N_KINDS] = {
  [BS_LAYER_QUANTIZE_INPUT] = "quantize_input",
  [BS_LAYER_THERMOMETER] = "thermometer",
  [BS_LAYER_CONV_FIXED] = "conv_fixed",
  [BS_LAYER_CONV_BINARY] = "conv_binary",
  [BS_LAYER_FC_FIXED] = "fc_fixed",
  [BS_LAYER_FC_BINARY] = "fc_binary",
  [BS_LAYER_BATCHNORM] = "batchnorm",
  [BS_LAYER_SIGN] = "sign",
  [BS_LAYER_ADD] = "add",
  [BS_LAYER_AVGPOOL] = "avgpool",
  [BS_LAYER_GLOBAL_AVGPOOL] = "global_avgpool",
  [BS_LAYER_CONCAT] = "concat",
  [BS_LAYER_TRANSPOSE] = "transpose",
};

static const char *const precision_names[] = { "binary", "fixed", "float" };
static const char *const path_names[] = { "stem", "main", "skip", "merge", "head" };
static const char *const dtype_names[] = { "u1", "i8", "i16", "i32", "i64" };
static const char *const act_names[] = { "u8", "bits", "i4", "i8", "i16", "i32" };

static gboolean
lookup (const char *const *names, int n, const char *s, int *out)
{
  for (int i = 0; i < n; i++)
    if (g_strcmp0 (names[i], s) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

#define NAME_FUNCS(prefix, Type, table)                                           \
  const char *prefix##_to_string (Type v)                                         \
  {                                                                               \
    g_return_val_if_fail ((int) v >= 0 && (int) v < (int) G_N_ELEMENTS (table), "?"); \
    return table[v];                                                              \
  }                                                                               \
  gboolean prefix##_from_string (const char *s, Type *v)                          \
  {                                                                               \
    int i;                                                                        \
    if (!lookup (table, G_N_ELEMENTS (table), s, &i))                             \
      return FALSE;                                                               \
    *v = (Type) i;                                                                \
    return TRUE;                                                                  \
  }

NAME_FUNCS (bs_layer_kind, BsLayerKind, kind_names)
NAME_FUNCS (bs_precision, BsPrecision, precision_names)
NAME_FUNCS (bs_path, BsPath, path_names)
NAME_FUNCS (bs_dtype, BsDType, dtype_names)

const char *
bs_act_type_to_string (BsActType type)
{
  g_return_val_if_fail ((int) type >= 0 && (int) type < (int) G_N_ELEMENTS (act_names), "?");
  return act_names[type];
}
