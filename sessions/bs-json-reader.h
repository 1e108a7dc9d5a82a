/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-json-reader.h: a pull reader for JSON text held in memory (RFC 8259), for reading
 * blendscope's own exports back. It walks the text once, without building a tree, so
 * a run of millions of events costs its arrays, not a node per number. Private to
 * sessions/.
 *
 *   bs_json_reader_init (&r, text, len);
 *   if (bs_json_begin_object (&r))
 *     while (bs_json_next_member (&r, &key))
 *       ... read or bs_json_skip () the value ...
 *   if (!bs_json_reader_end (&r, error)) ...
 *
 * The first error stops everything (later calls return FALSE) and is reported with its
 * line and column by bs_json_reader_end().
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_JSON_MAX_DEPTH 64

typedef struct
{
  const char *text;
  const char *p;
  const char *end;
  char *error;                        /* the first problem, without position */
  const char *error_at;
  int depth;
  gboolean first[BS_JSON_MAX_DEPTH];  /* no member or element read yet at that level */
} BsJsonReader;

typedef enum
{
  BS_JSON_NULL,
  BS_JSON_BOOL,
  BS_JSON_NUMBER,
  BS_JSON_STRING,
  BS_JSON_ARRAY,
  BS_JSON_OBJECT,
  BS_JSON_INVALID,
} BsJsonType;

void bs_json_reader_init (BsJsonReader *r, const char *text, gsize len);
/* Checks that only white space follows, and reports the first error, as
 * "line L, column C: what" in G_IO_ERROR_INVALID_DATA. Frees what the reader holds. */
gboolean bs_json_reader_end (BsJsonReader *r, GError **error);

/* Records an error at the current position (e.g. a value of the wrong kind); FALSE. */
gboolean bs_json_fail (BsJsonReader *r, const char *format, ...) G_GNUC_PRINTF (2, 3);
gboolean bs_json_failed (const BsJsonReader *r);

/* The type of the next value, without consuming it. */
BsJsonType bs_json_peek (BsJsonReader *r);

gboolean bs_json_begin_object (BsJsonReader *r);
/* Reads the next member's key (a new string in *key, or set to NULL and FALSE at the
 * closing brace). */
gboolean bs_json_next_member (BsJsonReader *r, char **key);
gboolean bs_json_begin_array (BsJsonReader *r);
/* TRUE when another element follows; FALSE at the closing bracket. */
gboolean bs_json_next_element (BsJsonReader *r);

/* Values. A string is returned newly allocated, as UTF-8. */
gboolean bs_json_read_string (BsJsonReader *r, char **out);
/* A string or null (*out = NULL). */
gboolean bs_json_read_string_or_null (BsJsonReader *r, char **out);
/* An integer written without fraction or exponent, within int64. */
gboolean bs_json_read_int64 (BsJsonReader *r, int64_t *out);
/* A number, or null as NaN. */
gboolean bs_json_read_double (BsJsonReader *r, double *out);
gboolean bs_json_skip (BsJsonReader *r);

G_END_DECLS
