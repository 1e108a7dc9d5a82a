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

#include <stdlib.h>
#include <string.h>

#define PREAMBLE 128

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
put_u64 (uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

static void
put_sha256 (uint8_t *file, size_t length)
{
  GChecksum *checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize digest_len = 32;

  g_checksum_update (checksum, file + PREAMBLE, (gssize) (length - PREAMBLE));
  g_checksum_get_digest (checksum, file + 40, &digest_len);
  g_checksum_free (checksum);
}

static GBytes *
with_checksum (const uint8_t *data, size_t size)
{
  uint8_t *copy = g_memdup2 (data, size);

  put_sha256 (copy, size);
  return g_bytes_new_take (copy, size);
}

static GBytes *
with_preamble (const uint8_t *data, size_t size)
{
  static const uint8_t magic[8] = { 0x89, 'B', 'S', 'M', '\r', '\n', 0x1a, '\n' };
  const uint8_t *nul = memchr (data + PREAMBLE, 0, size - PREAMBLE);
  size_t header_end = nul != NULL ? (size_t) (nul - data) : size;
  size_t data_offset = (header_end + 63) & ~(size_t) 63;
  size_t data_length = data_offset < size ? size - data_offset : 0;
  size_t length = data_offset + data_length;
  uint8_t *file = g_malloc0 (length);

  memcpy (file, magic, sizeof magic);
  file[8] = 1;
  put_u64 (file + 16, header_end - PREAMBLE);
  put_u64 (file + 24, data_offset);
  put_u64 (file + 32, data_length);
  memcpy (file + PREAMBLE, data + PREAMBLE, header_end - PREAMBLE);
  if (data_length > 0)
    memcpy (file + data_offset, data + data_offset, data_length);
  put_sha256 (file, length);
  return g_bytes_new_take (file, length);
}

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
  if (size >= PREAMBLE)
    {
      bytes = with_checksum (data, size);
      try_load (bytes);
      g_bytes_unref (bytes);
      bytes = with_preamble (data, size);
      try_load (bytes);
      g_bytes_unref (bytes);
    }
  return 0;
}
