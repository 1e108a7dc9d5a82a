/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-export-private.h: the buffered text writer the export formats share. */
#pragma once

#include "bs-export.h"
#include "bs-runs.h"

G_BEGIN_DECLS

typedef struct
{
  GOutputStream *stream;
  GString *buffer;
  GError *error;         /* the first write error; later writes are dropped */
} BsExportWriter;

void bs_export_writer_init (BsExportWriter *w, GOutputStream *stream);
/* Flushes; returns the first error, if any. Always releases the buffer. */
gboolean bs_export_writer_finish (BsExportWriter *w, GError **error);

void bs_export_puts (BsExportWriter *w, const char *s);
void bs_export_printf (BsExportWriter *w, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* A JSON string literal, quotes included. */
void bs_export_json_string (BsExportWriter *w, const char *s);
/* The shortest decimal that reads back as v; JSON null (or nothing, for CSV) when not finite. */
void bs_export_json_double (BsExportWriter *w, double v);
void bs_export_csv_double (BsExportWriter *w, double v);
/* ns as microseconds with three decimals, exactly ("-12.345"). */
void bs_export_micros (BsExportWriter *w, int64_t ns);

/* bs-export-perfetto.c */
gboolean bs_export_perfetto (BsStore *store, const BsRun *run, BsExportWriter *w, GError **error);

G_END_DECLS
