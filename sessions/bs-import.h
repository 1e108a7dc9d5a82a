/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-import.h: reading a run exported as JSON (bs_export_run with BS_EXPORT_JSON, the
 * "blendscope-run" format, version 1) back into a store, as a new run.
 *
 * What comes back: the run's metadata (model name and hash, backend, device, host,
 * configuration, notes, session, tags, start date to the second, status, clock
 * conversion), its layer table, its probe channels and samples, its layer events and
 * its markers — exactly, so exporting the imported run gives the same JSON apart from
 * the run id. Statistics and totals in the file are not read: they are recomputed from
 * the data, as for any recorded run. A run exported while still 'running' comes back
 * 'interrupted' (nothing records it any more).
 *
 * The whole file is checked before anything is written: a file that is not JSON, not a
 * blendscope run, from a newer version, or inconsistent adds nothing to the store.
 */
#pragma once

#include "bs-store.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define BS_IMPORT_ERROR (bs_import_error_quark ())
GQuark bs_import_error_quark (void);

typedef enum
{
  BS_IMPORT_ERROR_FORMAT,    /* not JSON, or JSON that is not a blendscope run export */
  BS_IMPORT_ERROR_VERSION,   /* a run export of a newer format version */
  BS_IMPORT_ERROR_INVALID,   /* a run export whose parts disagree (column lengths, ops) */
  BS_IMPORT_ERROR_TOO_LARGE, /* over the input budget (core/bs-budget.h) */
} BsImportError;

/* Reads the stream to its end. `session` NULL keeps the session named in the file (if
 * any); otherwise the run goes into that session. Returns the new run's id, or -1. */
int64_t bs_import_run (BsStore *store, GInputStream *in, const char *session, GError **error);
int64_t bs_import_run_file (BsStore *store, const char *path, const char *session,
                            GError **error);

/* From text in memory; `source` names it in errors ("run-12.json"). */
int64_t bs_import_run_from_data (BsStore *store, const char *text, gsize len, const char *source,
                                 const char *session, GError **error);

G_END_DECLS
