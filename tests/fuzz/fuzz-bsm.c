/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-bsm.c: see fuzz-bsm.h. */
#include "fuzz-bsm.h"

#include <string.h>

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

  g_checksum_update (checksum, file + FUZZ_BSM_PREAMBLE, (gssize) (length - FUZZ_BSM_PREAMBLE));
  g_checksum_get_digest (checksum, file + 40, &digest_len);
  g_checksum_free (checksum);
}

GBytes *
fuzz_bsm_with_checksum (const uint8_t *data, size_t size)
{
  uint8_t *copy = g_memdup2 (data, size);

  g_assert (size >= FUZZ_BSM_PREAMBLE);
  put_sha256 (copy, size);
  return g_bytes_new_take (copy, size);
}

GBytes *
fuzz_bsm_with_preamble (const uint8_t *data, size_t size)
{
  static const uint8_t magic[8] = { 0x89, 'B', 'S', 'M', '\r', '\n', 0x1a, '\n' };
  const uint8_t *nul;
  size_t header_end, data_offset, data_length, length;
  uint8_t *file;

  g_assert (size >= FUZZ_BSM_PREAMBLE);
  nul = memchr (data + FUZZ_BSM_PREAMBLE, 0, size - FUZZ_BSM_PREAMBLE);
  header_end = nul != NULL ? (size_t) (nul - data) : size;
  data_offset = (header_end + 63) & ~(size_t) 63;
  data_length = data_offset < size ? size - data_offset : 0;
  length = data_offset + data_length;
  file = g_malloc0 (length);
  memcpy (file, magic, sizeof magic);
  file[8] = 1;
  put_u64 (file + 16, header_end - FUZZ_BSM_PREAMBLE);
  put_u64 (file + 24, data_offset);
  put_u64 (file + 32, data_length);
  memcpy (file + FUZZ_BSM_PREAMBLE, data + FUZZ_BSM_PREAMBLE, header_end - FUZZ_BSM_PREAMBLE);
  if (data_length > 0)
    memcpy (file + data_offset, data + data_offset, data_length);
  put_sha256 (file, length);
  return g_bytes_new_take (file, length);
}
