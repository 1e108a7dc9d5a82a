/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-bsm.h: turning fuzzer bytes into .bsm files that get past the checksum. */
#pragma once

#include <glib.h>
#include <stdint.h>

#define FUZZ_BSM_PREAMBLE 128

/* The bytes with the SHA-256 recomputed; size must be at least FUZZ_BSM_PREAMBLE. */
GBytes *fuzz_bsm_with_checksum (const uint8_t *data, size_t size);
/* The preamble rebuilt from scratch (header = the text from byte 128 up to the first
 * NUL, data = what follows from the next multiple of 64), so that inserted or deleted
 * header bytes still reach the parser; size must be at least FUZZ_BSM_PREAMBLE. */
GBytes *fuzz_bsm_with_preamble (const uint8_t *data, size_t size);
