/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-repair.h: finding damage in a session database, and salvaging what is intact.
 *
 * Neither function writes to the file it examines. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  int n_runs_copied;     /* read back intact and copied, under their own ids */
  int n_runs_damaged;    /* left behind */
  GPtrArray *problems;   /* char*: what is damaged, one line each */
} BsRepairReport;

void bs_repair_report_clear (BsRepairReport *report);

/* SQLite's integrity_check over the whole file, then every run read back in full (chunk
 * checksums, chunk sequence, counts). FALSE, with a BS_STORE_ERROR_CORRUPT error that
 * lists the damage, when anything is wrong. */
gboolean bs_repair_check (const char *path, GError **error);

/* Copies every run of @path whose records all read back intact (its row, model, session,
 * tags, layers, channels, chunks, markers and evaluation) into a new database at @dest, keeping run
 * ids, and recomputes their summaries. @dest must not exist. Damaged runs are counted and
 * described in @report. Fails only when nothing can be read or @dest cannot be written. */
gboolean bs_repair_copy (const char *path, const char *dest, BsRepairReport *report,
                         GError **error);

G_END_DECLS
