/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-npy.h: NumPy .npy arrays (format versions 1-3), the interchange with PyTorch tools. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_NPY_MAX_DIMS 8

typedef enum
{
  BS_NPY_U8,
  BS_NPY_I32,
  BS_NPY_I64,            /* read only: labels as NumPy and PyTorch write them */
} BsNpyType;

typedef struct
{
  BsNpyType type;
  int n_dims;
  int64_t dims[BS_NPY_MAX_DIMS];
  uint64_t n_elements;
  void *data;            /* C order, native little-endian; g_free */
} BsNpyArray;

/* Bytes per element of type. */
gsize bs_npy_type_size (BsNpyType type);

/* Reads a C-ordered uint8, int32 or int64 little-endian array. Errors (G_FILE_ERROR / G_IO_ERROR
 * domains) say what is wrong and where. */
gboolean bs_npy_read (const char *path, BsNpyArray *out, GError **error);
gboolean bs_npy_parse (const uint8_t *bytes, gsize n_bytes, const char *what, BsNpyArray *out,
                       GError **error);
gboolean bs_npy_write (const char *path, BsNpyType type, int n_dims, const int64_t *dims,
                       const void *data, GError **error);
void bs_npy_array_clear (BsNpyArray *array);

G_END_DECLS
