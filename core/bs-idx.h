/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-idx.h: the IDX format of the MNIST family of data sets (Fashion-MNIST's test images
 * and labels), unsigned-byte arrays only. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_IDX_MAX_DIMS 4

typedef struct
{
  int n_dims;
  uint32_t dims[BS_IDX_MAX_DIMS];
  uint64_t n_elements;
  uint8_t *data;          /* C order; g_free */
} BsIdxArray;

/* Parses an uncompressed IDX file: magic 0x00 0x00 0x08 (unsigned byte) then the number
 * of dimensions (1 to 4), each dimension as a big-endian uint32 (none zero), then exactly
 * the bytes they multiply to. Anything else is G_IO_ERROR_INVALID_DATA, the message
 * starting with `what`. */
gboolean bs_idx_parse (const uint8_t *bytes, gsize n_bytes, const char *what, BsIdxArray *out,
                       GError **error);
void bs_idx_array_clear (BsIdxArray *array);

G_END_DECLS
