/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-idx.c: libFuzzer target for the IDX reader (core/bs-idx.c), the format of the
 * Fashion-MNIST files `blendscope-cli eval --dataset` reads. Beyond "no crash, no leak,
 * no undefined behaviour": a parsed array's dimensions multiply to its element count,
 * header and data account for every byte of the input, and errors are
 * G_IO_ERROR_INVALID_DATA with a UTF-8 message.
 */
#include "bs-idx.h"

#include <gio/gio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  setenv ("G_SLICE", "always-malloc", 1);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  BsIdxArray array;
  uint64_t n = 1;

  if (!bs_idx_parse (data, size, "fuzz.idx", &array, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
        g_error ("failed without G_IO_ERROR_INVALID_DATA");
      if (!g_utf8_validate (error->message, -1, NULL))
        g_error ("error message is not UTF-8");
      if (array.data != NULL)
        g_error ("a failed parse left data behind");
      return 0;
    }
  if (array.n_dims < 1 || array.n_dims > BS_IDX_MAX_DIMS)
    g_error ("%d dimensions accepted", array.n_dims);
  for (int d = 0; d < array.n_dims; d++)
    n *= array.dims[d];
  if (n != array.n_elements || 4 + 4 * (uint64_t) array.n_dims + n != size)
    g_error ("the array's dimensions do not account for the input's bytes");
  if (n > 0 && array.data[n - 1] != data[size - 1])
    g_error ("the last element is not the input's last byte");
  bs_idx_array_clear (&array);
  return 0;
}
