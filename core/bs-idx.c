/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-idx.c: a strict reader for IDX arrays (http://yann.lecun.com/exdb/mnist/, "the IDX
 * file format"). Every header field is checked before anything is allocated, so a short
 * or lying file is an error, never a large allocation or a read past the end. */
#include "bs-idx.h"

#include <gio/gio.h>
#include <string.h>

#define IDX_TYPE_UBYTE 0x08
/* Far above Fashion-MNIST's 60 000 x 28 x 28; the budget of bs_budget_check_input()
 * bounds the file itself before it is decompressed. */
#define IDX_MAX_ELEMENTS (1ull << 34)

static gboolean
fail (GError **error, const char *what, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, const char *what, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;
  g_autofree char *full = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  full = g_strdup_printf ("%s: %s", what, msg);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, full);
  return FALSE;
}

static uint32_t
read_be32 (const uint8_t *p)
{
  return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static gboolean
parse_magic (const uint8_t *bytes, gsize n_bytes, const char *what, int *n_dims, GError **error)
{
  if (n_bytes < 4 || bytes[0] != 0 || bytes[1] != 0)
    return fail (error, what, "not an IDX file (bad magic at byte 0)");
  if (bytes[2] != IDX_TYPE_UBYTE)
    return fail (error, what, "IDX element type 0x%02x is not supported (want 0x08, unsigned "
                 "byte)", bytes[2]);
  if (bytes[3] < 1 || bytes[3] > BS_IDX_MAX_DIMS)
    return fail (error, what, "%u dimensions (want 1 to %d)", bytes[3], BS_IDX_MAX_DIMS);
  *n_dims = bytes[3];
  return TRUE;
}

gboolean
bs_idx_parse (const uint8_t *bytes, gsize n_bytes, const char *what, BsIdxArray *out,
              GError **error)
{
  gsize header_len;
  uint64_t n = 1;

  memset (out, 0, sizeof *out);
  if (!parse_magic (bytes, n_bytes, what, &out->n_dims, error))
    return FALSE;
  header_len = 4 + 4 * (gsize) out->n_dims;
  if (n_bytes < header_len)
    return fail (error, what, "truncated header: %zu bytes, %d dimensions need %zu",
                 n_bytes, out->n_dims, header_len);
  for (int d = 0; d < out->n_dims; d++)
    {
      out->dims[d] = read_be32 (bytes + 4 + 4 * d);
      if (out->dims[d] == 0)
        return fail (error, what, "dimension %d is 0", d);
      if (n > IDX_MAX_ELEMENTS / out->dims[d])
        return fail (error, what, "dimensions multiply to more than %llu elements",
                     (unsigned long long) IDX_MAX_ELEMENTS);
      n *= out->dims[d];
    }
  if (n != n_bytes - header_len)
    return fail (error, what, "dimensions need %" G_GUINT64_FORMAT " bytes of data, the file "
                 "has %zu", n, n_bytes - header_len);
  out->n_elements = n;
  out->data = g_memdup2 (bytes + header_len, n);
  return TRUE;
}

void
bs_idx_array_clear (BsIdxArray *array)
{
  g_clear_pointer (&array->data, g_free);
}
