/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-model-write.c: writing .bsm files (docs/model-format.md). The writer refuses only
 * what the file cannot represent (bs_model_name_is_valid(), UTF-8); bs_model_validate()
 * judges the network itself, so that deliberately invalid models (tests, tools) can still
 * be written. */
#include "bs-model-format.h"

#include <string.h>

static void
write_u32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
write_u64 (guint8 *p, guint64 v)
{
  write_u32 (p, (guint32) v);
  write_u32 (p + 4, (guint32) (v >> 32));
}

static gboolean
check_names (const char *what, GArray *array, gsize stride_offset, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < array->len; i++)
    {
      const char *name = *(char **) (array->data + i * g_array_get_element_size (array)
                                     + stride_offset);

      if (!bs_model_name_is_valid (name))
        {
          /* Escaped: the message must be UTF-8 even when the name is not. */
          g_autofree char *shown = name ? g_strescape (name, NULL) : g_strdup ("(null)");

          return bsm_fail (error, BS_MODEL_ERROR_INVALID, "%s %u: name '%s' cannot be written "
                           "(not UTF-8, empty, control characters, '[', ']', ';' or surrounding "
                           "spaces)", what, i, shown);
        }
      if (!g_hash_table_add (seen, (gpointer) name))
        return bsm_fail (error, BS_MODEL_ERROR_INVALID, "%s '%s': the name is used twice",
                         what, name);
    }
  return TRUE;
}

static gboolean
utf8_or_null (const char *s)
{
  return s == NULL || g_utf8_validate (s, -1, NULL);
}

static gboolean
check_strings (const BsModel *model, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (model->name == NULL || !g_utf8_validate (model->name, -1, NULL)
      || !utf8_or_null (model->description))
    return bsm_fail (error, BS_MODEL_ERROR_INVALID, "model: name missing, or name or "
                     "description not UTF-8");
  for (guint i = 0; model->labels != NULL && model->labels[i] != NULL; i++)
    if (*model->labels[i] == '\0' || !g_utf8_validate (model->labels[i], -1, NULL))
      return bsm_fail (error, BS_MODEL_ERROR_INVALID, "model: label %u is empty or not UTF-8", i);
  g_hash_table_iter_init (&iter, model->provenance);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!bs_model_provenance_key_is_valid (key) || value == NULL
        || !g_utf8_validate (value, -1, NULL))
      {
        g_autofree char *shown = g_strescape (key, NULL);

        return bsm_fail (error, BS_MODEL_ERROR_INVALID,
                         "model: provenance entry '%s' cannot be written", shown);
      }
  for (guint i = 0; i < model->modules->len; i++)
    if (!utf8_or_null (g_array_index (model->modules, BsModule, i).kind)
        || g_array_index (model->modules, BsModule, i).kind == NULL)
      return bsm_fail (error, BS_MODEL_ERROR_INVALID, "module %u: kind missing or not UTF-8", i);
  return TRUE;
}

static gboolean
check_representable (const BsModel *model, GError **error)
{
  return check_strings (model, error)
         && check_names ("module", model->modules, G_STRUCT_OFFSET (BsModule, name), error)
         && check_names ("tensor", model->tensors, G_STRUCT_OFFSET (BsTensor, name), error)
         && check_names ("layer", model->layers, G_STRUCT_OFFSET (BsLayer, name), error);
}

static void
set_int (GKeyFile *keyfile, const char *group, const char *key, gint64 value)
{
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, value);
  g_key_file_set_value (keyfile, group, key, buf);
}

/* Lists are written without GKeyFile's trailing separator, as the spec shows them. */
static void
set_int_list (GKeyFile *keyfile, const char *group, const char *key, const gint64 *values,
              int n)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i > 0 ? ";" : "", values[i]);
  g_key_file_set_value (keyfile, group, key, s->str);
  g_string_free (s, TRUE);
}

static void
set_labels (GKeyFile *keyfile, GStrv labels)
{
  g_autofree char *value = NULL;
  gsize len;

  /* Let GKeyFile escape the elements, then drop its trailing ';'. */
  g_key_file_set_string_list (keyfile, "model", "labels", (const char *const *) labels,
                              g_strv_length (labels));
  value = g_key_file_get_value (keyfile, "model", "labels", NULL);
  len = strlen (value);
  if (len > 0 && value[len - 1] == ';')
    value[len - 1] = '\0';
  g_key_file_set_value (keyfile, "model", "labels", value);
}

static int
compare_strings (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
write_model_groups (GKeyFile *keyfile, const BsModel *model)
{
  gint64 input[3] = { model->input_shape.c, model->input_shape.h, model->input_shape.w };
  g_autofree gpointer *keys = NULL;
  guint n_keys;

  g_key_file_set_string (keyfile, "model", "name", model->name);
  set_int_list (keyfile, "model", "input", input, 3);
  if (model->labels != NULL)
    set_labels (keyfile, model->labels);
  if (model->description != NULL)
    g_key_file_set_string (keyfile, "model", "description", model->description);

  /* Sorted: a hash table's order is not deterministic. */
  keys = g_hash_table_get_keys_as_array (model->provenance, &n_keys);
  g_qsort_with_data (keys, (gint) n_keys, sizeof (gpointer), compare_strings, NULL);
  for (guint i = 0; i < n_keys; i++)
    g_key_file_set_string (keyfile, "provenance", keys[i],
                           g_hash_table_lookup (model->provenance, keys[i]));
}

static void
write_modules (GKeyFile *keyfile, const BsModel *model)
{
  for (guint i = 0; i < model->modules->len; i++)
    {
      const BsModule *module = &g_array_index (model->modules, BsModule, i);
      g_autofree char *group = g_strconcat ("module ", module->name, NULL);

      g_key_file_set_string (keyfile, group, "kind", module->kind);
    }
}

static gboolean
write_tensors (GKeyFile *keyfile, const BsModel *model, const guint64 *offsets, GError **error)
{
  for (guint i = 0; i < model->tensors->len; i++)
    {
      const BsTensor *tensor = bs_model_tensor (model, (int) i);
      g_autofree char *group = g_strconcat ("tensor ", tensor->name, NULL);
      gint64 dims[BS_TENSOR_MAX_DIMS];

      if ((int) tensor->dtype < BS_DTYPE_U1 || tensor->dtype > BS_DTYPE_I64
          || tensor->n_dims < 1 || tensor->n_dims > BS_TENSOR_MAX_DIMS)
        return bsm_fail (error, BS_MODEL_ERROR_INVALID,
                         "tensor '%s': bad dtype or number of dimensions", tensor->name);
      g_key_file_set_value (keyfile, group, "dtype", bs_dtype_to_string (tensor->dtype));
      for (int d = 0; d < tensor->n_dims; d++)
        dims[d] = tensor->dims[d];
      set_int_list (keyfile, group, "shape", dims, tensor->n_dims);
      set_int (keyfile, group, "offset", (gint64) offsets[i]);
      set_int (keyfile, group, "size", (gint64) tensor->n_bytes);
    }
  return TRUE;
}

static gboolean
index_name (const BsModel *model, const BsLayer *layer, const char *what, int index,
            GArray *array, gsize name_offset, const char **name, GError **error)
{
  if (index < 0 || (guint) index >= array->len)
    return bsm_fail (error, BS_MODEL_ERROR_INVALID, "layer '%s': %s index %d is out of range",
                     layer->name, what, index);
  *name = *(char **) (array->data + (gsize) index * g_array_get_element_size (array)
                      + name_offset);
  return TRUE;
}

static gboolean
write_inputs (GKeyFile *keyfile, const char *group, const BsModel *model,
              const BsLayer *layer, GError **error)
{
  GString *s;

  if (layer->n_inputs < 1 || layer->n_inputs > 2)
    return bsm_fail (error, BS_MODEL_ERROR_INVALID, "layer '%s': %d inputs cannot be written",
                     layer->name, layer->n_inputs);
  s = g_string_new (NULL);
  for (int k = 0; k < layer->n_inputs; k++)
    {
      const char *name = "input";

      if (layer->inputs[k] != BS_INPUT_MODEL
          && !index_name (model, layer, "input", layer->inputs[k], model->layers,
                          G_STRUCT_OFFSET (BsLayer, name), &name, error))
        {
          g_string_free (s, TRUE);
          return FALSE;
        }
      g_string_append_printf (s, "%s%s", k > 0 ? ";" : "", name);
    }
  g_key_file_set_value (keyfile, group, "inputs", s->str);
  g_string_free (s, TRUE);
  return TRUE;
}

static gboolean
write_param (GKeyFile *keyfile, const char *group, const BsModel *model,
             const BsLayer *layer, const Param *param, GError **error)
{
  const void *field = G_STRUCT_MEMBER_P ((gpointer) layer, param->offset);
  const char *name = NULL;
  int index;

  switch (param->type)
    {
    case PARAM_INT:
      set_int (keyfile, group, param->key, *(const int32_t *) field);
      return TRUE;
    case PARAM_BOOL:
      g_key_file_set_value (keyfile, group, param->key,
                            *(const gboolean *) field ? "true" : "false");
      return TRUE;
    case PARAM_TENSOR:
      index = *(const int *) field;
      /* A missing tensor is left out; the reader reports the missing key. */
      if (index == BS_NONE)
        return TRUE;
      if (!index_name (model, layer, param->key, index, model->tensors,
                       G_STRUCT_OFFSET (BsTensor, name), &name, error))
        return FALSE;
      g_key_file_set_value (keyfile, group, param->key, name);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
write_layer (GKeyFile *keyfile, const BsModel *model, int i, GError **error)
{
  const BsLayer *layer = bs_model_layer (model, i);
  g_autofree char *group = g_strconcat ("layer ", layer->name, NULL);
  const char *module = NULL;
  guint applies;

  if ((int) layer->kind < 0 || layer->kind >= BS_LAYER_N_KINDS
      || (int) layer->precision < BS_PRECISION_BINARY || layer->precision > BS_PRECISION_FLOAT
      || (int) layer->path < BS_PATH_STEM || layer->path > BS_PATH_HEAD)
    return bsm_fail (error, BS_MODEL_ERROR_INVALID, "layer '%s': kind, precision or path out of "
                     "range", layer->name);
  g_key_file_set_value (keyfile, group, "kind", bs_layer_kind_to_string (layer->kind));
  g_key_file_set_value (keyfile, group, "precision", bs_precision_to_string (layer->precision));
  g_key_file_set_value (keyfile, group, "path", bs_path_to_string (layer->path));
  if (layer->module != BS_NONE)
    {
      if (!index_name (model, layer, "module", layer->module, model->modules,
                       G_STRUCT_OFFSET (BsModule, name), &module, error))
        return FALSE;
      g_key_file_set_value (keyfile, group, "module", module);
    }
  if (!write_inputs (keyfile, group, model, layer, error))
    return FALSE;
  applies = bsm_kind_keys[layer->kind].required | bsm_kind_keys[layer->kind].optional;
  for (guint p = 0; p < G_N_ELEMENTS (bsm_layer_params); p++)
    if ((applies & (1u << p))
        && !write_param (keyfile, group, model, layer, &bsm_layer_params[p], error))
      return FALSE;
  return TRUE;
}

static char *
build_header (const BsModel *model, const guint64 *offsets, gsize *length, GError **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  write_model_groups (keyfile, model);
  write_modules (keyfile, model);
  if (!write_tensors (keyfile, model, offsets, error))
    return NULL;
  for (int i = 0; i < bs_model_n_layers (model); i++)
    if (!write_layer (keyfile, model, i, error))
      return NULL;
  return g_key_file_to_data (keyfile, length, NULL);
}

/* Tensors are laid out in model order, each at the next multiple of 64. */
static gboolean
plan_data (const BsModel *model, guint64 *offsets, guint64 *data_length, GError **error)
{
  guint64 end = 0;

  for (guint i = 0; i < model->tensors->len; i++)
    {
      const BsTensor *tensor = bs_model_tensor (model, (int) i);

      offsets[i] = bsm_align64 (end);
      if (tensor->n_bytes > 0 && tensor->data == NULL)
        return bsm_fail (error, BS_MODEL_ERROR_INVALID, "tensor '%s': no data", tensor->name);
      if (offsets[i] < end || !g_uint64_checked_add (&end, offsets[i], tensor->n_bytes)
          || end > G_MAXINT64)
        return bsm_fail (error, BS_MODEL_ERROR_INVALID, "tensor '%s': too large", tensor->name);
    }
  *data_length = end;
  return TRUE;
}

static void
write_preamble (guint8 *file, gsize length, guint64 header_length, guint64 data_offset,
                guint64 data_length)
{
  memcpy (file, bsm_magic, sizeof bsm_magic);
  write_u32 (file + OFF_VERSION, FORMAT_VERSION);
  write_u32 (file + OFF_FLAGS, 0);
  write_u64 (file + OFF_HEADER_LENGTH, header_length);
  write_u64 (file + OFF_DATA_OFFSET, data_offset);
  write_u64 (file + OFF_DATA_LENGTH, data_length);
  bsm_sha256 (file + PREAMBLE_SIZE, length - PREAMBLE_SIZE, file + OFF_SHA256);
}

GBytes *
bs_model_serialize (const BsModel *model, GError **error)
{
  g_autofree guint64 *offsets = NULL;
  g_autofree char *header = NULL;
  guint64 data_length = 0, data_offset, total;
  gsize header_length;
  guint8 *file;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_representable (model, error))
    return NULL;
  offsets = g_new0 (guint64, MAX (model->tensors->len, 1));
  if (!plan_data (model, offsets, &data_length, error))
    return NULL;
  header = build_header (model, offsets, &header_length, error);
  if (header == NULL)
    return NULL;
  data_offset = bsm_align64 (PREAMBLE_SIZE + (guint64) header_length);
  if (!g_uint64_checked_add (&total, data_offset, data_length) || total > G_MAXSIZE
      || (file = g_try_malloc0 ((gsize) total)) == NULL)
    {
      bsm_fail (error, BS_MODEL_ERROR_IO, "model: %" G_GUINT64_FORMAT " bytes of tensor data "
                "do not fit in memory", data_length);
      return NULL;
    }
  memcpy (file + PREAMBLE_SIZE, header, header_length);
  for (guint i = 0; i < model->tensors->len; i++)
    {
      const BsTensor *tensor = bs_model_tensor (model, (int) i);

      if (tensor->n_bytes > 0)
        memcpy (file + data_offset + offsets[i], tensor->data, tensor->n_bytes);
    }
  write_preamble (file, (gsize) total, header_length, data_offset, data_length);
  return g_bytes_new_take (file, (gsize) total);
}

gboolean
bs_model_save (const BsModel *model, const char *path, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;
  const char *data;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  bytes = bs_model_serialize (model, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &length);
  /* Atomic: a crash mid-write leaves the old file, never half a model. */
  if (!g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0666, &local_error))
    {
      g_autofree char *display = g_filename_display_name (path);

      return bsm_fail (error, BS_MODEL_ERROR_IO, "cannot write '%s': %s", display,
                       local_error->message);
    }
  return TRUE;
}
