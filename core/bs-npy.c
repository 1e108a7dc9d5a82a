/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-npy.c: a strict reader and a small writer for NumPy's .npy format.
 *
 * Only what blendscope exchanges: C-ordered little-endian uint8 (images), int32
 * (logits) and, read only, int64 (labels, NumPy's default integer). The header is a Python dict literal; we parse the three keys NumPy writes
 * rather than evaluating anything.
 */
#include "bs-npy.h"
#include "bs-budget.h"

#include <gio/gio.h>
#include <string.h>

static const uint8_t npy_magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };

static gboolean
fail (GError **error, const char *what, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, const char *what, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;
  g_autofree char *full = NULL;
  g_autofree char *valid = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  /* The header text is quoted in messages and may hold any bytes; messages end up in
   * GTK labels and JSON, which need UTF-8. */
  full = g_strdup_printf ("%s: %s", what, msg);
  valid = g_utf8_make_valid (full, -1);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, valid);
  return FALSE;
}

/* The value text after 'key': in the header dict, or NULL. */
static const char *
find_key (const char *header, const char *key)
{
  g_autofree char *quoted = g_strdup_printf ("'%s':", key);
  const char *p = strstr (header, quoted);

  if (p == NULL)
    return NULL;
  p += strlen (quoted);
  while (*p == ' ')
    p++;
  return p;
}

gsize
bs_npy_type_size (BsNpyType type)
{
  switch (type)
    {
    case BS_NPY_U8:
      return 1;
    case BS_NPY_I32:
      return 4;
    case BS_NPY_I64:
      return 8;
    }
  g_return_val_if_reached (1);
}

static gboolean
parse_descr (const char *header, BsNpyType *type)
{
  const char *p = find_key (header, "descr");

  if (p == NULL)
    return FALSE;
  if (g_str_has_prefix (p, "'|u1'") || g_str_has_prefix (p, "'u1'") || g_str_has_prefix (p, "'<u1'"))
    *type = BS_NPY_U8;
  else if (g_str_has_prefix (p, "'<i4'"))
    *type = BS_NPY_I32;
  else if (g_str_has_prefix (p, "'<i8'"))
    *type = BS_NPY_I64;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_shape (const char *header, BsNpyArray *out)
{
  const char *p = find_key (header, "shape");
  uint64_t n = 1;

  if (p == NULL || *p != '(')
    return FALSE;
  p++;
  out->n_dims = 0;
  for (;;)
    {
      char *end;
      guint64 d;

      while (*p == ' ')
        p++;
      if (*p == ')')
        break;
      if (out->n_dims == BS_NPY_MAX_DIMS || !g_ascii_isdigit (*p))
        return FALSE;
      d = g_ascii_strtoull (p, &end, 10);
      if (end == p || d > (1ull << 40) || (d != 0 && n > (1ull << 40) / d))
        return FALSE;
      n *= d;
      out->dims[out->n_dims++] = (int64_t) d;
      p = end;
      while (*p == ' ')
        p++;
      if (*p == ',')
        p++;
      else if (*p != ')')
        return FALSE;
    }
  out->n_elements = n;
  return TRUE;
}

gboolean
bs_npy_parse (const uint8_t *bytes, gsize n_bytes, const char *what, BsNpyArray *out,
              GError **error)
{
  guint major;
  gsize header_len, header_start, elem_size;
  g_autofree char *header = NULL;
  const char *fortran;

  memset (out, 0, sizeof *out);
  if (n_bytes < 10 || memcmp (bytes, npy_magic, sizeof npy_magic) != 0)
    return fail (error, what, "not a .npy file (bad magic at byte 0)");
  major = bytes[6];
  if (major == 1)
    {
      header_len = bytes[8] | (bytes[9] << 8);
      header_start = 10;
    }
  else if (major == 2 || major == 3)
    {
      if (n_bytes < 12)
        return fail (error, what, "truncated header at byte %zu", n_bytes);
      header_len = bytes[8] | (bytes[9] << 8) | ((gsize) bytes[10] << 16) | ((gsize) bytes[11] << 24);
      header_start = 12;
    }
  else
    return fail (error, what, ".npy format version %u is not supported", major);

  if (header_len > n_bytes - header_start)
    return fail (error, what, "header of %zu bytes runs past the end of the file (%zu bytes)",
                 header_len, n_bytes);
  header = g_strndup ((const char *) bytes + header_start, header_len);

  if (!parse_descr (header, &out->type))
    return fail (error, what, "unsupported dtype (want uint8, little-endian int32 or int64): %s", header);
  fortran = find_key (header, "fortran_order");
  if (fortran == NULL || !g_str_has_prefix (fortran, "False"))
    return fail (error, what, "only C-ordered arrays are supported");
  if (!parse_shape (header, out))
    return fail (error, what, "malformed or oversized shape in header: %s", header);

  elem_size = bs_npy_type_size (out->type);
  if (out->n_elements * elem_size != n_bytes - header_start - header_len)
    return fail (error, what, "shape needs %" G_GUINT64_FORMAT " bytes of data, the file has %zu",
                 out->n_elements * elem_size, n_bytes - header_start - header_len);
  out->data = g_memdup2 (bytes + header_start + header_len, out->n_elements * elem_size);
  return TRUE;
}

gboolean
bs_npy_read (const char *path, BsNpyArray *out, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, error);
  gsize length;

  memset (out, 0, sizeof *out);
  if (file == NULL)
    return FALSE;
  /* Mapped, so a huge file is refused before any of it is read. */
  length = g_mapped_file_get_length (file);
  if (!bs_budget_check_input (length, display, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, error))
    return FALSE;
  return bs_npy_parse ((const uint8_t *) g_mapped_file_get_contents (file), length, display, out,
                       error);
}

gboolean
bs_npy_write (const char *path, BsNpyType type, int n_dims, const int64_t *dims,
              const void *data, GError **error)
{
  g_autoptr (GString) header = g_string_new (NULL);
  g_autoptr (GByteArray) file = g_byte_array_new ();
  uint64_t n = 1;
  uint8_t preamble[10];
  gsize elem_size = bs_npy_type_size (type);

  g_assert (n_dims >= 1 && n_dims <= BS_NPY_MAX_DIMS && type != BS_NPY_I64);
  g_string_append_printf (header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                          type == BS_NPY_U8 ? "|u1" : "<i4");
  for (int i = 0; i < n_dims; i++)
    {
      g_string_append_printf (header, "%s%" G_GINT64_FORMAT, i > 0 ? ", " : "", dims[i]);
      n *= (uint64_t) dims[i];
    }
  if (n_dims == 1)
    g_string_append_c (header, ',');   /* a Python 1-tuple */
  g_string_append (header, "), }");
  /* NumPy pads the header with spaces to a multiple of 64 and ends it with '\n'. */
  while ((10 + header->len + 1) % 64 != 0)
    g_string_append_c (header, ' ');
  g_string_append_c (header, '\n');

  memcpy (preamble, npy_magic, sizeof npy_magic);
  preamble[6] = 1;
  preamble[7] = 0;
  preamble[8] = header->len & 0xff;
  preamble[9] = (header->len >> 8) & 0xff;
  g_byte_array_append (file, preamble, sizeof preamble);
  g_byte_array_append (file, (const guint8 *) header->str, header->len);
  g_byte_array_append (file, data, n * elem_size);
  return g_file_set_contents (path, (const char *) file->data, file->len, error);
}

void
bs_npy_array_clear (BsNpyArray *array)
{
  g_clear_pointer (&array->data, g_free);
}
