/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-model-load.c: libFuzzer target for the .bsm reader and validator.
 *
 * A random mutation almost never keeps the SHA-256 (or the length fields) right, so
 * each input is loaded three ways:
 *   1. as is, which exercises the preamble and checksum checks;
 *   2. with the checksum recomputed, so the header parser and the validator see the
 *      mutated bytes;
 *   3. with the whole preamble rebuilt (header = the text from byte 128 up to the first
 *      NUL, data = what follows from the next multiple of 64), so that mutations which
 *      insert or delete header bytes still reach the parser.
 * Beyond "no crash, no leak, no undefined behaviour", it checks that a failed load sets
 * a BS_MODEL_ERROR with a UTF-8 message, and that a model which loads can be written,
 * read back and written again to the very same bytes.
 */
#include "bs-model.h"
#include "fuzz-bsm.h"

#include <stdlib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A model that validated must survive a write and a read unchanged. */
static void
check_round_trip (const BsModel *model)
{
  GError *error = NULL;
  GBytes *first = bs_model_serialize (model, &error);
  GBytes *second;
  BsModel *again;

  if (first == NULL)
    g_error ("a loaded model cannot be written: %s", error->message);
  again = bs_model_load_from_bytes (first, &error);
  if (again == NULL)
    g_error ("a written model cannot be read: %s", error->message);
  second = bs_model_serialize (again, &error);
  if (second == NULL)
    g_error ("a re-read model cannot be written: %s", error->message);
  if (!g_bytes_equal (first, second))
    g_error ("writing is not deterministic across a round trip");
  g_bytes_unref (second);
  g_bytes_unref (first);
  bs_model_free (again);
}

static void
try_load (GBytes *bytes)
{
  GError *error = NULL;
  BsModel *model = bs_model_load_from_bytes (bytes, &error);

  if (model != NULL)
    {
      g_assert (error == NULL);
      check_round_trip (model);
      bs_model_free (model);
      return;
    }
  if (error == NULL || error->domain != BS_MODEL_ERROR)
    g_error ("load failed without a BS_MODEL_ERROR");
  if (!g_utf8_validate (error->message, -1, NULL))
    g_error ("error message is not UTF-8");
  g_error_free (error);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* GSlice's own allocator would hide leaks from ASan. */
  setenv ("G_SLICE", "always-malloc", 1);
  /* A critical is a programmer error: treat it as a crash. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GBytes *bytes = g_bytes_new_static (data, size);

  try_load (bytes);
  g_bytes_unref (bytes);
  if (size >= FUZZ_BSM_PREAMBLE)
    {
      bytes = fuzz_bsm_with_checksum (data, size);
      try_load (bytes);
      g_bytes_unref (bytes);
      bytes = fuzz_bsm_with_preamble (data, size);
      try_load (bytes);
      g_bytes_unref (bytes);
    }
  return 0;
}
