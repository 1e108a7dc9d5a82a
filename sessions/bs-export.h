/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-export.h: a recorded run as CSV, JSON, or a Chrome/Perfetto trace.
 *
 * Times are nanoseconds since the run's start (its t0_ns, which the JSON and trace
 * formats also carry), so exports of different runs line up.
 */
#pragma once

#include "bs-store.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  BS_EXPORT_CSV,
  BS_EXPORT_JSON,        /* the whole run: metadata, layer table, statistics, data */
  BS_EXPORT_PERFETTO,    /* trace-event JSON for ui.perfetto.dev and chrome://tracing */
} BsExportFormat;

/* CSV holds one table at a time. */
typedef enum
{
  BS_EXPORT_TABLE_EVENTS,
  BS_EXPORT_TABLE_SAMPLES,
  BS_EXPORT_TABLE_MARKERS,
  BS_EXPORT_TABLE_LAYERS,
  BS_EXPORT_TABLE_STATS,
} BsExportTable;

gboolean bs_export_format_from_string (const char *s, BsExportFormat *format);
gboolean bs_export_table_from_string (const char *s, BsExportTable *table);

/* table only matters for CSV. */
gboolean bs_export_run (BsStore *store, int64_t run, BsExportFormat format, BsExportTable table,
                        GOutputStream *out, GError **error);

G_END_DECLS
