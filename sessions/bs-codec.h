/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-codec.h: the chunk encodings for high-volume data (power samples, layer events).
 *
 * Pure functions, no SQLite. docs/sessions-schema.md, section "Encodings", defines the
 * bytes. Every chunk ends with a CRC-32 so that a damaged BLOB is reported, never
 * decoded into wrong numbers.
 */
#pragma once

#include "bs-events.h"

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_CODEC_ERROR (bs_codec_error_quark ())
GQuark bs_codec_error_quark (void);

typedef enum
{
  BS_CODEC_ERROR_MALFORMED,   /* bytes that do not follow the encoding */
  BS_CODEC_ERROR_CHECKSUM,    /* the CRC-32 does not match: the chunk is damaged */
  BS_CODEC_ERROR_VERSION,     /* a chunk tag or version this build does not know */
} BsCodecError;

/* A chunk never holds more items than this; the recorder seals chunks at
 * BS_CODEC_CHUNK_ITEMS. Decoders refuse larger counts rather than allocate them. */
#define BS_CODEC_CHUNK_ITEMS 4096
#define BS_CODEC_MAX_ITEMS (1 << 20)

/* Samples of one channel, in order. Values are quantised to the largest power of ten
 * not above `resolution` (the meter's resolution, in the sample's unit), so a decoded
 * value is within half that step of the original; values that already sit on a
 * coarser decimal grid come back exactly. Non-finite or huge values switch the chunk to
 * raw doubles. Timestamps are kept exactly. Appends to `out`. n > 0. */
void bs_codec_encode_samples (const BsSample *samples, size_t n, double resolution,
                              GByteArray *out);

/* Appends the decoded samples to `out` (GArray of BsSample), with channel, quantity and
 * unit copied from `proto`. On error `out` is left as it was. */
gboolean bs_codec_decode_samples (const uint8_t *data, size_t len, const BsSample *proto,
                                  GArray *out, GError **error);

/* Layer events, in arrival order; lossless. Appends to `out`. n > 0. */
void bs_codec_encode_events (const BsLayerEvent *events, size_t n, GByteArray *out);

/* Appends the decoded events to `out` (GArray of BsLayerEvent). On error `out` is left
 * as it was. */
gboolean bs_codec_decode_events (const uint8_t *data, size_t len, GArray *out,
                                 GError **error);

/* The decimal step values are quantised to for a given resolution (exposed for tests). */
double bs_codec_quantum (double resolution);

/* Building blocks, exposed for tests. */
size_t bs_codec_put_varint (uint8_t *p, uint64_t v);   /* p needs 10 bytes; returns bytes */
uint32_t bs_codec_crc32 (const uint8_t *data, size_t len);

G_END_DECLS
