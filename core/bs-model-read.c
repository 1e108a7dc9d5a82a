/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-model-read.c: reading .bsm files (docs/model-format.md).
 *
 * Error codes: BS_MODEL_ERROR_FORMAT for anything about the bytes and the header's
 * syntax (preamble fields, UTF-8, key-file syntax, unknown or duplicated groups and
 * keys, malformed values, tensor placement); BS_MODEL_ERROR_CORRUPT for a checksum
 * mismatch; BS_MODEL_ERROR_INVALID for a well-formed header describing an impossible
 * network (unknown references, and everything bs_model_validate() refuses).
 *
 * The loader checks the preamble and the checksum before it parses anything, so the
 * header parser only ever sees bytes that are exactly what some writer wrote.
 */
#include "bs-model-format.h"

#include <string.h>

#define DEFAULT_LEVELS 32

static const char *const layer_common_keys[] = {
  "kind", "precision", "path", "inputs", "module", NULL
};
static const char *const model_keys[] = { "name", "input", "labels", "description", NULL };
static const char *const module_keys[] = { "kind", NULL };
static const char *const tensor_keys[] = { "dtype", "shape", "offset", "size", NULL };

static guint32
read_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static guint64
read_u64 (const guint8 *p)
{
  return (guint64) read_u32 (p) | (guint64) read_u32 (p + 4) << 32;
}

static void
hex (const guint8 *bytes, gsize n, char *out)
{
  static const char digits[] = "0123456789abcdef";

  for (gsize i = 0; i < n; i++)
    {
      out[2 * i] = digits[bytes[i] >> 4];
      out[2 * i + 1] = digits[bytes[i] & 15];
    }
  out[2 * n] = '\0';
}

/* Reading: the preamble */

typedef struct
{
  const guint8 *data;
  gsize length;
  guint64 header_length;
  guint64 data_offset;
  guint64 data_length;
  char sha256[2 * SHA256_SIZE + 1];
} Layout;

static gboolean
check_magic (const guint8 *data, gsize length, GError **error)
{
  for (gsize i = 0; i < sizeof bsm_magic; i++)
    {
      if (i >= length)
        return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                         "byte %" G_GSIZE_FORMAT ": file ends inside the magic (not a .bsm file)",
                         length);
      if (data[i] != bsm_magic[i])
        return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                         "byte %" G_GSIZE_FORMAT ": bad magic (not a .bsm file)", i);
    }
  return TRUE;
}

static gboolean
check_fixed_fields (const guint8 *data, gsize length, GError **error)
{
  guint32 version, flags;

  if (length < PREAMBLE_SIZE)
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                     "byte %" G_GSIZE_FORMAT ": file ends inside the %d-byte preamble",
                     length, PREAMBLE_SIZE);
  version = read_u32 (data + OFF_VERSION);
  if (version != FORMAT_VERSION)
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                     "byte %d: format version %u is not supported (this reader knows version %d)",
                     OFF_VERSION, version, FORMAT_VERSION);
  flags = read_u32 (data + OFF_FLAGS);
  if (flags != 0)
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "byte %d: unknown flags 0x%08x",
                     OFF_FLAGS, flags);
  for (int i = OFF_RESERVED; i < PREAMBLE_SIZE; i++)
    if (data[i] != 0)
      return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "byte %d: reserved byte is not zero", i);
  return TRUE;
}

static gboolean
check_lengths (Layout *layout, GError **error)
{
  const guint8 *data = layout->data;
  guint64 body = layout->length - PREAMBLE_SIZE;
  guint64 expected;

  layout->header_length = read_u64 (data + OFF_HEADER_LENGTH);
  layout->data_offset = read_u64 (data + OFF_DATA_OFFSET);
  layout->data_length = read_u64 (data + OFF_DATA_LENGTH);

  if (layout->header_length > body)
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                     "byte %d: header length %" G_GUINT64_FORMAT " runs past the end of the "
                     "file (%" G_GSIZE_FORMAT " bytes)", OFF_HEADER_LENGTH,
                     layout->header_length, layout->length);
  expected = bsm_align64 (PREAMBLE_SIZE + layout->header_length);
  if (layout->data_offset != expected)
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                     "byte %d: data offset %" G_GUINT64_FORMAT " should be %" G_GUINT64_FORMAT
                     " (the end of the header rounded up to 64)", OFF_DATA_OFFSET,
                     layout->data_offset, expected);
  if (layout->data_offset > layout->length
      || layout->data_length != layout->length - layout->data_offset)
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                     "byte %d: data offset %" G_GUINT64_FORMAT " + data length %" G_GUINT64_FORMAT
                     " does not match the file size %" G_GSIZE_FORMAT " (truncated or extended)",
                     OFF_DATA_LENGTH, layout->data_offset, layout->data_length, layout->length);
  return TRUE;
}

static gboolean
check_checksum (Layout *layout, GError **error)
{
  guint8 digest[SHA256_SIZE];
  char stored[2 * SHA256_SIZE + 1];

  bsm_sha256 (layout->data + PREAMBLE_SIZE, layout->length - PREAMBLE_SIZE, digest);
  hex (digest, SHA256_SIZE, layout->sha256);
  if (memcmp (digest, layout->data + OFF_SHA256, SHA256_SIZE) == 0)
    return TRUE;
  hex (layout->data + OFF_SHA256, SHA256_SIZE, stored);
  return bsm_fail (error, BS_MODEL_ERROR_CORRUPT,
                   "byte %d: SHA-256 mismatch, the file is corrupt (stored %s, computed %s)",
                   OFF_SHA256, stored, layout->sha256);
}

static gboolean
check_padding (const Layout *layout, GError **error)
{
  for (guint64 i = PREAMBLE_SIZE + layout->header_length; i < layout->data_offset; i++)
    if (layout->data[i] != 0)
      return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                       "byte %" G_GUINT64_FORMAT ": padding between header and data is not zero",
                       i);
  return TRUE;
}

static gboolean
read_layout (const guint8 *data, gsize length, Layout *layout, GError **error)
{
  layout->data = data;
  layout->length = length;
  return check_magic (data, length, error)
         && check_fixed_fields (data, length, error)
         && check_lengths (layout, error)
         && check_checksum (layout, error)
         && check_padding (layout, error);
}

/* Reading: the header */

/* GKeyFile silently merges a repeated group, so find group lines the way GKeyFile's
 * parser does (leading whitespace, '[', name up to the first ']', trailing blanks)
 * before handing it the text. Lines GKeyFile would reject are left to it. */
static gboolean
check_duplicate_groups (const char *text, gsize length, GError **error)
{
  g_autoptr(GHashTable) lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *end = text + length;
  guint line_no = 0;

  for (const char *line = text; line < end; )
    {
      const char *eol = memchr (line, '\n', (gsize) (end - line));
      const char *p = line;
      const char *close;
      char *name;

      eol = eol ? eol : end;
      line_no++;
      while (p < eol && g_ascii_isspace (*p))
        p++;
      close = p < eol && *p == '[' ? memchr (p, ']', (gsize) (eol - p)) : NULL;
      line = eol + 1;
      if (close == NULL)
        continue;
      name = g_strndup (p + 1, (gsize) (close - p - 1));
      if (g_hash_table_contains (lines, name))
        {
          bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                    "header line %u: group [%s] is duplicated (first at line %u)", line_no, name,
                    GPOINTER_TO_UINT (g_hash_table_lookup (lines, name)));
          g_free (name);
          return FALSE;
        }
      g_hash_table_insert (lines, name, GUINT_TO_POINTER (line_no));
    }
  return TRUE;
}

static GKeyFile *
parse_header (const Layout *layout, GError **error)
{
  const char *text = (const char *) layout->data + PREAMBLE_SIZE;
  gsize length = (gsize) layout->header_length;
  const char *bad;
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autoptr(GError) local_error = NULL;

  /* Also refuses NUL bytes, which GKeyFile would silently cut lines at. */
  if (!g_utf8_validate_len (text, length, &bad))
    {
      bsm_fail (error, BS_MODEL_ERROR_FORMAT, "byte %" G_GSIZE_FORMAT ": header is not valid "
                "UTF-8 text", (gsize) (PREAMBLE_SIZE + (bad - text)));
      return NULL;
    }
  if (!check_duplicate_groups (text, length, error))
    return NULL;
  keyfile = g_key_file_new ();
  /* Keep translations: a "kind[de]" key must be refused as unknown, not dropped. */
  if (!g_key_file_load_from_data (keyfile, text, length, G_KEY_FILE_KEEP_TRANSLATIONS,
                                  &local_error))
    {
      bsm_fail (error, BS_MODEL_ERROR_FORMAT, "header: %s", local_error->message);
      return NULL;
    }
  return g_steal_pointer (&keyfile);
}

/* Everything needed while turning the key file into a model. Names are looked up in
 * hash tables (name -> index + 1): a hostile file may hold very many groups, and
 * linear lookups would make loading quadratic. */
typedef struct
{
  GKeyFile *keyfile;
  const Layout *layout;
  BsModel *model;
  const guint8 *tensor_base;   /* where data offset 0 lives in memory */
  GHashTable *modules;
  GHashTable *tensors;
  GHashTable *layers;          /* the layers read so far, i.e. the earlier ones */
} Reader;

static void
remember (GHashTable *table, const char *name, int index)
{
  g_hash_table_insert (table, g_strdup (name), GINT_TO_POINTER (index + 1));
}

static int
lookup (GHashTable *table, const char *name)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (table, name)) - 1;
}

static gboolean
strv_has (const char *const *strv, const char *s)
{
  for (; *strv; strv++)
    if (strcmp (*strv, s) == 0)
      return TRUE;
  return FALSE;
}

/* Refuses duplicated keys (GKeyFile keeps both; configparser refuses) and keys that are
 * not in allowed (NULL allows any key). */
static gboolean
check_keys (const Reader *r, const char *group, const char *what,
            const char *const *allowed, GError **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (r->keyfile, group, NULL, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      if (!g_hash_table_add (seen, keys[i]))
        return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s' appears twice", what, keys[i]);
      if (allowed != NULL && !strv_has (allowed, keys[i]))
        return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: unknown key '%s'", what, keys[i]);
    }
  return TRUE;
}

/* A value with surrounding whitespace removed (GKeyFile keeps trailing blanks, which
 * configparser strips; neither reading may change a number or a name). */
static char *
get_raw (const Reader *r, const char *group, const char *what, const char *key,
         gboolean required, GError **error)
{
  char *value = g_key_file_get_value (r->keyfile, group, key, NULL);

  if (value == NULL)
    {
      if (required)
        bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: missing key '%s'", what, key);
      return NULL;
    }
  return g_strstrip (value);
}

/* GLib 2.74 keeps an invalid escape in the value it returns (name=a\q loads as "a\q")
 * and, on a second bad escape in one value (a\q\), sets a GError over the first and
 * warns. So the escapes are checked here, before GLib parses the value: only GLib's
 * own \s \n \t \r \\ (and \; inside lists) are accepted. */
static gboolean
check_escapes (const Reader *r, const char *group, const char *what, const char *key,
               gboolean list, GError **error)
{
  g_autofree char *raw = g_key_file_get_value (r->keyfile, group, key, NULL);

  for (const char *p = raw; p != NULL && *p != '\0'; p++)
    {
      if (*p != '\\')
        continue;
      p++;
      if (*p == '\0')
        return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s': the value ends in a "
                         "lone '\\' (write '\\\\' for a backslash)", what, key);
      if (strchr ("sntr\\", *p) == NULL && !(list && *p == ';'))
        /* The header is UTF-8 (checked), so print the whole character after '\\'. */
        return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s': invalid escape '\\%.*s' "
                         "(allowed: \\s \\n \\t \\r \\\\%s)", what, key,
                         (int) (g_utf8_next_char (p) - p), p, list ? " \\;" : "");
    }
  return TRUE;
}

static char *
get_string (const Reader *r, const char *group, const char *what, const char *key,
            gboolean required, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  char *value;

  if (!g_key_file_has_key (r->keyfile, group, key, NULL))
    {
      if (required)
        bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: missing key '%s'", what, key);
      return NULL;
    }
  if (!check_escapes (r, group, what, key, FALSE, error))
    return NULL;
  value = g_key_file_get_string (r->keyfile, group, key, &local_error);
  if (value == NULL)
    bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s': %s", what, key, local_error->message);
  return value;
}

static gboolean
parse_int (const char *what, const char *key, const char *s, gint64 min, gint64 max,
           gint64 *out, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_ascii_string_to_signed (s, 10, min, max, out, &local_error))
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s': %s", what, key,
                     local_error->message);
  return TRUE;
}

static gboolean
get_uint (const Reader *r, const char *group, const char *what, const char *key,
          guint64 *out, GError **error)
{
  g_autofree char *s = get_raw (r, group, what, key, TRUE, error);
  g_autoptr(GError) local_error = NULL;

  if (s == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, out, &local_error))
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s': %s", what, key,
                     local_error->message);
  return TRUE;
}

/* A ';'-separated list, GKeyFile style: one trailing separator is allowed, empty
 * elements are not. */
static GStrv
get_list (const Reader *r, const char *group, const char *what, const char *key,
          guint *n, GError **error)
{
  g_autofree char *s = get_raw (r, group, what, key, TRUE, error);
  g_auto(GStrv) items = NULL;
  guint len;

  if (s == NULL)
    return NULL;
  items = g_strsplit (s, ";", -1);
  len = g_strv_length (items);
  if (len == 0)
    {
      bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s' is empty", what, key);
      return NULL;
    }
  if (len > 1 && items[len - 1][0] == '\0')
    {
      g_clear_pointer (&items[len - 1], g_free);
      len--;
    }
  for (guint i = 0; i < len; i++)
    if (*g_strstrip (items[i]) == '\0')
      {
        bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s': empty list element", what, key);
        return NULL;
      }
  *n = len;
  return g_steal_pointer (&items);
}

static gboolean
get_int_list (const Reader *r, const char *group, const char *what, const char *key,
              gint64 min, gint64 max, gint64 *values, guint min_n, guint max_n,
              guint *n, GError **error)
{
  g_auto(GStrv) items = get_list (r, group, what, key, n, error);

  if (items == NULL)
    return FALSE;
  if (*n < min_n || *n > max_n)
    {
      if (min_n == max_n)
        return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s': %u values; expected %u",
                         what, key, *n, min_n);
      return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s': %u values; expected %u to %u",
                       what, key, *n, min_n, max_n);
    }
  for (guint i = 0; i < *n; i++)
    if (!parse_int (what, key, items[i], min, max, &values[i], error))
      return FALSE;
  return TRUE;
}

/* [model] and [provenance] */

static BsModel *
read_model_group (const Reader *r, GError **error)
{
  const char *what = "[model]";
  g_autofree char *name = NULL;
  gint64 dims[3];
  guint n;

  if (!g_key_file_has_group (r->keyfile, "model"))
    {
      bsm_fail (error, BS_MODEL_ERROR_FORMAT, "header: missing group [model]");
      return NULL;
    }
  if (!check_keys (r, "model", what, model_keys, error))
    return NULL;
  name = get_string (r, "model", what, "name", TRUE, error);
  if (name == NULL
      || !get_int_list (r, "model", what, "input", G_MININT32, G_MAXINT32, dims, 3, 3, &n, error))
    return NULL;
  /* In int32 range by the parse; bs_model_validate() judges the values. */
  return bs_model_new (name, (BsShape) { (int32_t) dims[0], (int32_t) dims[1], (int32_t) dims[2] });
}

static gboolean
read_model_extras (const Reader *r, GError **error)
{
  const char *what = "[model]";
  BsModel *model = r->model;
  g_autoptr(GError) local_error = NULL;

  if (g_key_file_has_key (r->keyfile, "model", "labels", NULL))
    {
      if (!check_escapes (r, "model", what, "labels", TRUE, error))
        return FALSE;
      model->labels = g_key_file_get_string_list (r->keyfile, "model", "labels", NULL,
                                                  &local_error);
      if (model->labels == NULL)
        return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key 'labels': %s", what,
                         local_error->message);
    }
  if (g_key_file_has_key (r->keyfile, "model", "description", NULL))
    {
      model->description = get_string (r, "model", what, "description", TRUE, error);
      if (model->description == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_provenance (const Reader *r, GError **error)
{
  g_auto(GStrv) keys = NULL;

  if (!g_key_file_has_group (r->keyfile, "provenance"))
    return TRUE;
  if (!check_keys (r, "provenance", "[provenance]", NULL, error))
    return FALSE;
  keys = g_key_file_get_keys (r->keyfile, "provenance", NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      char *value = get_string (r, "provenance", "[provenance]", keys[i], TRUE, error);

      if (value == NULL)
        return FALSE;
      g_hash_table_insert (r->model->provenance, g_strdup (keys[i]), value);
    }
  return TRUE;
}

/* [module NAME] */

static gboolean
read_module (const Reader *r, const char *group, const char *name, GError **error)
{
  g_autofree char *what = g_strdup_printf ("module '%s'", name);
  g_autofree char *kind = NULL;

  if (!check_keys (r, group, what, module_keys, error))
    return FALSE;
  kind = get_string (r, group, what, "kind", TRUE, error);
  if (kind == NULL)
    return FALSE;
  remember (r->modules, name, bs_model_add_module (r->model, name, kind));
  return TRUE;
}

/* [tensor NAME] */

static gboolean
tensor_packed_size (BsDType dtype, const gint64 *dims, guint n_dims, guint64 *size)
{
  static const guint64 element_size[] = { 0, 1, 2, 4, 8 };
  guint64 n = 1;

  for (guint i = 0; i < n_dims; i++)
    if (!g_uint64_checked_mul (&n, n, (guint64) dims[i]))
      return FALSE;
  if (dtype == BS_DTYPE_U1)
    {
      *size = n / 8 + (n % 8 != 0);
      return TRUE;
    }
  return g_uint64_checked_mul (size, n, element_size[dtype]);
}

static gboolean
place_tensor (const Reader *r, const char *what, BsTensor *tensor, guint64 offset,
              guint64 size, GError **error)
{
  const Layout *layout = r->layout;

  if (offset % ALIGNMENT != 0)
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                     "%s: data offset %" G_GUINT64_FORMAT " is not a multiple of 64", what, offset);
  if (offset > layout->data_length || size > layout->data_length - offset)
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                     "%s: data bytes %" G_GUINT64_FORMAT " + %" G_GUINT64_FORMAT " lie outside "
                     "the data region (file bytes %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ")",
                     what, offset, size, layout->data_offset,
                     layout->data_offset + layout->data_length);
  tensor->data = r->tensor_base + offset;
  tensor->n_bytes = size;
  return TRUE;
}

static gboolean
read_tensor (const Reader *r, const char *group, const char *name, GError **error)
{
  g_autofree char *what = g_strdup_printf ("tensor '%s'", name);
  g_autofree char *dtype_name = NULL;
  BsTensor tensor = { 0 };
  guint64 offset, size, expected;
  gint64 dims[BS_TENSOR_MAX_DIMS];
  guint n_dims;

  if (!check_keys (r, group, what, tensor_keys, error))
    return FALSE;
  dtype_name = get_raw (r, group, what, "dtype", TRUE, error);
  if (dtype_name == NULL)
    return FALSE;
  if (!bs_dtype_from_string (dtype_name, &tensor.dtype))
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                     "%s: unknown dtype '%s' (expected u1, i8, i16, i32 or i64)", what, dtype_name);
  if (!get_int_list (r, group, what, "shape", 1, G_MAXINT64, dims, 1, BS_TENSOR_MAX_DIMS,
                     &n_dims, error)
      || !get_uint (r, group, what, "offset", &offset, error)
      || !get_uint (r, group, what, "size", &size, error))
    return FALSE;
  if (!tensor_packed_size (tensor.dtype, dims, n_dims, &expected))
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: shape has more than 2^64 bytes", what);
  if (size != expected)
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                     "%s: size %" G_GUINT64_FORMAT " does not match its shape (%" G_GUINT64_FORMAT
                     " bytes of %s)", what, size, expected, dtype_name);
  if (!place_tensor (r, what, &tensor, offset, size, error))
    return FALSE;
  tensor.name = g_strdup (name);
  tensor.n_dims = (int) n_dims;
  for (guint i = 0; i < n_dims; i++)
    tensor.dims[i] = dims[i];
  g_array_append_val (r->model->tensors, tensor);
  remember (r->tensors, name, (int) r->model->tensors->len - 1);
  return TRUE;
}

static int
compare_tensor_offsets (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const BsTensor *ta = *(const BsTensor *const *) a;
  const BsTensor *tb = *(const BsTensor *const *) b;

  return ta->data < tb->data ? -1 : ta->data > tb->data;
}

/* Sorted by position, each tensor must end before the next begins. */
static gboolean
check_overlaps (const Reader *r, GError **error)
{
  GArray *tensors = r->model->tensors;
  g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new (tensors->len);

  for (guint i = 0; i < tensors->len; i++)
    g_ptr_array_add (sorted, &g_array_index (tensors, BsTensor, i));
  g_ptr_array_sort_with_data (sorted, compare_tensor_offsets, NULL);
  for (guint i = 1; i < sorted->len; i++)
    {
      const BsTensor *prev = sorted->pdata[i - 1];
      const BsTensor *next = sorted->pdata[i];
      guint64 prev_start = (guint64) ((const guint8 *) prev->data - r->tensor_base);
      guint64 next_start = (guint64) ((const guint8 *) next->data - r->tensor_base);

      if (prev_start + prev->n_bytes > next_start)
        return bsm_fail (error, BS_MODEL_ERROR_FORMAT,
                         "tensor '%s' (file byte %" G_GUINT64_FORMAT ") overlaps tensor '%s' "
                         "(file bytes %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ")",
                         next->name, r->layout->data_offset + next_start, prev->name,
                         r->layout->data_offset + prev_start,
                         r->layout->data_offset + prev_start + prev->n_bytes);
    }
  return TRUE;
}

/* [layer NAME] */

static gboolean
read_enum (const Reader *r, const char *group, const char *what, const char *key,
           gboolean (*from_string) (const char *, int *), int *out, GError **error)
{
  g_autofree char *s = get_raw (r, group, what, key, TRUE, error);

  if (s == NULL)
    return FALSE;
  if (!from_string (s, out))
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: unknown %s '%s'", what, key, s);
  return TRUE;
}

/* Adapters so that read_enum() can take one function type. */
static gboolean
kind_from_string (const char *s, int *out)
{
  BsLayerKind v;
  gboolean ok = bs_layer_kind_from_string (s, &v);

  *out = (int) v;
  return ok;
}

static gboolean
precision_from_string (const char *s, int *out)
{
  BsPrecision v;
  gboolean ok = bs_precision_from_string (s, &v);

  *out = (int) v;
  return ok;
}

static gboolean
path_from_string (const char *s, int *out)
{
  BsPath v;
  gboolean ok = bs_path_from_string (s, &v);

  *out = (int) v;
  return ok;
}

static const char *const *
all_layer_keys (void)
{
  static const char *keys[G_N_ELEMENTS (layer_common_keys) + G_N_ELEMENTS (bsm_layer_params)];
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      guint n = 0;

      for (guint i = 0; layer_common_keys[i] != NULL; i++)
        keys[n++] = layer_common_keys[i];
      for (guint i = 0; i < G_N_ELEMENTS (bsm_layer_params); i++)
        keys[n++] = bsm_layer_params[i].key;
      keys[n] = NULL;
      g_once_init_leave (&initialised, 1);
    }
  return keys;
}

/* Unknown keys first, then keys that exist but do not apply to this kind. */
static gboolean
check_layer_keys (const Reader *r, const char *group, const char *what, BsLayerKind kind,
                  GError **error)
{
  guint applies = bsm_kind_keys[kind].required | bsm_kind_keys[kind].optional;

  if (!check_keys (r, group, what, all_layer_keys (), error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (bsm_layer_params); i++)
    if (!(applies & (1u << i))
        && g_key_file_has_key (r->keyfile, group, bsm_layer_params[i].key, NULL))
      return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s' does not apply to %s", what,
                       bsm_layer_params[i].key, bs_layer_kind_to_string (kind));
  return TRUE;
}

static gboolean
read_bool (const char *what, const char *key, const char *s, gboolean *out, GError **error)
{
  if (strcmp (s, "true") == 0 || strcmp (s, "1") == 0)
    *out = TRUE;
  else if (strcmp (s, "false") == 0 || strcmp (s, "0") == 0)
    *out = FALSE;
  else
    return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "%s: key '%s': '%s' is not true or false",
                     what, key, s);
  return TRUE;
}

static gboolean
read_param (const Reader *r, const char *group, const char *what, const Param *param,
            BsLayer *layer, GError **error)
{
  g_autofree char *s = get_raw (r, group, what, param->key, TRUE, error);
  void *field = G_STRUCT_MEMBER_P (layer, param->offset);
  gint64 v;
  int index;

  if (s == NULL)
    return FALSE;
  switch (param->type)
    {
    case PARAM_INT:
      if (!parse_int (what, param->key, s, G_MININT32, G_MAXINT32, &v, error))
        return FALSE;
      *(int32_t *) field = (int32_t) v;
      return TRUE;
    case PARAM_BOOL:
      return read_bool (what, param->key, s, (gboolean *) field, error);
    case PARAM_TENSOR:
      index = lookup (r->tensors, s);
      if (index < 0)
        return bsm_fail (error, BS_MODEL_ERROR_INVALID, "%s: %s tensor '%s' is not defined",
                         what, param->key, s);
      *(int *) field = index;
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
read_params (const Reader *r, const char *group, const char *what, BsLayer *layer,
             GError **error)
{
  guint required = bsm_kind_keys[layer->kind].required;
  guint optional = bsm_kind_keys[layer->kind].optional;

  if (optional & K_LEVELS)
    layer->levels = DEFAULT_LEVELS;
  for (guint i = 0; i < G_N_ELEMENTS (bsm_layer_params); i++)
    {
      guint bit = 1u << i;
      gboolean present = g_key_file_has_key (r->keyfile, group, bsm_layer_params[i].key, NULL);

      if (!(required & bit) && !((optional & bit) && present))
        continue;
      if (!read_param (r, group, what, &bsm_layer_params[i], layer, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
resolve_input (const Reader *r, const char *what, const char *name, int *out, GError **error)
{
  g_autofree char *group = NULL;

  if (strcmp (name, "input") == 0)
    {
      *out = BS_INPUT_MODEL;
      return TRUE;
    }
  *out = lookup (r->layers, name);
  if (*out >= 0)
    return TRUE;
  group = g_strconcat ("layer ", name, NULL);
  return bsm_fail (error, BS_MODEL_ERROR_INVALID, "%s: input '%s' is %s", what, name,
                   g_key_file_has_group (r->keyfile, group) ? "not an earlier layer"
                                                             : "not a layer");
}

static gboolean
read_inputs (const Reader *r, const char *group, const char *what, BsLayer *layer,
             GError **error)
{
  g_auto(GStrv) names = NULL;
  guint n;

  names = get_list (r, group, what, "inputs", &n, error);
  if (names == NULL)
    return FALSE;
  if (n > G_N_ELEMENTS (layer->inputs))
    return bsm_fail (error, BS_MODEL_ERROR_INVALID, "%s: %u inputs; no kind takes more than %d",
                     what, n, (int) G_N_ELEMENTS (layer->inputs));
  layer->n_inputs = (int) n;
  for (guint i = 0; i < n; i++)
    if (!resolve_input (r, what, names[i], &layer->inputs[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
read_layer_module (const Reader *r, const char *group, const char *what, BsLayer *layer,
                   GError **error)
{
  g_autofree char *name = get_raw (r, group, what, "module", FALSE, NULL);

  if (name == NULL)
    return TRUE;
  layer->module = lookup (r->modules, name);
  if (layer->module >= 0)
    return TRUE;
  return bsm_fail (error, BS_MODEL_ERROR_INVALID, "%s: module '%s' is not defined", what, name);
}

static gboolean
read_layer (const Reader *r, const char *group, const char *name, GError **error)
{
  g_autofree char *what = g_strdup_printf ("layer '%s'", name);
  BsLayer layer = bs_layer_init (name, 0, 0, 0);
  int kind, precision, path;

  if (!read_enum (r, group, what, "kind", kind_from_string, &kind, error))
    return FALSE;
  if (!check_layer_keys (r, group, what, (BsLayerKind) kind, error)
      || !read_enum (r, group, what, "precision", precision_from_string, &precision, error)
      || !read_enum (r, group, what, "path", path_from_string, &path, error))
    return FALSE;
  layer.kind = (BsLayerKind) kind;
  layer.precision = (BsPrecision) precision;
  layer.path = (BsPath) path;
  if (!read_inputs (r, group, what, &layer, error)
      || !read_layer_module (r, group, what, &layer, error)
      || !read_params (r, group, what, &layer, error))
    return FALSE;
  remember (r->layers, name, bs_model_add_layer (r->model, &layer));
  return TRUE;
}

/* Groups */

typedef enum
{
  GROUP_MODEL,
  GROUP_PROVENANCE,
  GROUP_MODULE,
  GROUP_TENSOR,
  GROUP_LAYER,
} GroupType;

static gboolean
classify_group (const char *group, GroupType *type, const char **name, GError **error)
{
  static const struct { const char *prefix; GroupType type; } named[] = {
    { "module ", GROUP_MODULE }, { "tensor ", GROUP_TENSOR }, { "layer ", GROUP_LAYER },
  };

  *name = NULL;
  if (strcmp (group, "model") == 0 || strcmp (group, "provenance") == 0)
    {
      *type = group[0] == 'm' ? GROUP_MODEL : GROUP_PROVENANCE;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (named); i++)
    if (g_str_has_prefix (group, named[i].prefix))
      {
        *type = named[i].type;
        *name = group + strlen (named[i].prefix);
        if (**name == '\0')
          return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "header: group [%s] has no name", group);
        return TRUE;
      }
  return bsm_fail (error, BS_MODEL_ERROR_FORMAT, "header: unknown group [%s]", group);
}

/* Modules and tensors may appear anywhere; layers are read in file order after them,
 * so a layer can refer only to earlier layers. */
static gboolean
read_groups (const Reader *r, GStrv groups, GError **error)
{
  static const GroupType passes[] = { GROUP_MODULE, GROUP_TENSOR, GROUP_LAYER };

  for (guint p = 0; p < G_N_ELEMENTS (passes); p++)
    {
      for (guint i = 0; groups[i] != NULL; i++)
        {
          GroupType type;
          const char *name;
          gboolean ok = TRUE;

          classify_group (groups[i], &type, &name, NULL);
          if (type != passes[p])
            continue;
          if (type == GROUP_MODULE)
            ok = read_module (r, groups[i], name, error);
          else if (type == GROUP_TENSOR)
            ok = read_tensor (r, groups[i], name, error);
          else
            ok = read_layer (r, groups[i], name, error);
          if (!ok)
            return FALSE;
        }
      if (passes[p] == GROUP_TENSOR && !check_overlaps (r, error))
        return FALSE;
    }
  return TRUE;
}

static BsModel *
read_header (Reader *r, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (r->keyfile, NULL);
  g_autoptr(BsModel) model = NULL;

  for (guint i = 0; groups[i] != NULL; i++)
    {
      GroupType type;
      const char *name;

      if (!classify_group (groups[i], &type, &name, error))
        return NULL;
    }
  model = read_model_group (r, error);
  if (model == NULL)
    return NULL;
  r->model = model;
  if (!read_model_extras (r, error) || !read_provenance (r, error)
      || !read_groups (r, groups, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* Reading: entry points */

/* mapping != NULL: tensors point into data, which the mapping keeps alive.
 * Otherwise the data region is copied into one 64-byte aligned block. */
static BsModel *
load_from_data (const guint8 *data, gsize length, GMappedFile *mapping, GError **error)
{
  Layout layout = { 0 };
  Reader r = { 0 };
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autoptr(BsModel) model = NULL;
  guint8 *copy = NULL;

  if (!read_layout (data, length, &layout, error))
    return NULL;
  keyfile = parse_header (&layout, error);
  if (keyfile == NULL)
    return NULL;
  r.keyfile = keyfile;
  r.layout = &layout;
  r.modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r.tensors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r.layers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (mapping != NULL)
    r.tensor_base = data + layout.data_offset;
  else
    {
      copy = g_aligned_alloc (1, MAX (layout.data_length, 1), ALIGNMENT);
      memcpy (copy, data + layout.data_offset, layout.data_length);
      r.tensor_base = copy;
    }
  model = read_header (&r, error);
  g_hash_table_unref (r.modules);
  g_hash_table_unref (r.tensors);
  g_hash_table_unref (r.layers);
  if (model == NULL)
    {
      g_aligned_free (copy);
      return NULL;
    }
  if (copy != NULL)
    g_ptr_array_add (model->owned, copy);
  else
    model->mapping = g_mapped_file_ref (mapping);
  memcpy (model->sha256, layout.sha256, sizeof model->sha256);
  if (!bs_model_validate (model, error))
    return NULL;
  return g_steal_pointer (&model);
}

BsModel *
bs_model_load_from_bytes (GBytes *bytes, GError **error)
{
  gsize length;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  return load_from_data (data, length, NULL, error);
}

BsModel *
bs_model_load (const char *path, GError **error)
{
  g_autoptr(GMappedFile) mapping = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display = NULL;
  BsModel *model;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  mapping = g_mapped_file_new (path, FALSE, &local_error);
  if (mapping == NULL)
    {
      bsm_fail (error, BS_MODEL_ERROR_IO, "cannot read '%s': %s", display, local_error->message);
      return NULL;
    }
  model = load_from_data ((const guint8 *) g_mapped_file_get_contents (mapping),
                          g_mapped_file_get_length (mapping), mapping, error);
  if (model == NULL)
    g_prefix_error (error, "%s: ", display);
  return model;
}
