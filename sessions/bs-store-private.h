/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-store-private.h: what the files of sessions/ share about the connection. Nothing
 * outside sessions/ includes this (nothing outside sessions/ speaks SQL). */
#pragma once

#include "bs-runs.h"
#include "bs-store.h"

#include <sqlite3.h>

G_BEGIN_DECLS

struct _BsStore
{
  sqlite3 *db;
  char *path;
  char *read_only_reason;   /* NULL when writable */
  gboolean scan_tables;     /* read run data without indexes (salvaging a damaged file) */
};

/* " NOT INDEXED" while store->scan_tables, else "": for the readers of run data, after a
 * table name, so that a damaged index does not hide rows its table still holds. */
const char *bs_store_not_indexed (BsStore *store);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* 'BSDB' in PRAGMA application_id marks a file as ours. */
#define BS_STORE_APPLICATION_ID 0x42534442

/* Sets `error` from an SQLite result code (damaged file, busy, disk full...), naming
 * the file and what was being done ("reading run 3's events"). Returns FALSE. */
gboolean bs_store_fail (BsStore *store, int rc, GError **error, const char *doing, ...)
  G_GNUC_PRINTF (4, 5);

sqlite3_stmt *bs_store_prepare (BsStore *store, const char *sql, GError **error);
gboolean bs_store_exec (BsStore *store, const char *sql, GError **error);
/* Steps a statement that returns no rows and resets it. */
gboolean bs_store_step_done (BsStore *store, sqlite3_stmt *stmt, GError **error,
                             const char *doing);

/* Write transactions take the write lock up front (BEGIN IMMEDIATE), so two writers
 * queue on the busy timeout instead of failing with a stale read snapshot. */
gboolean bs_store_begin (BsStore *store, GError **error);
gboolean bs_store_commit (BsStore *store, GError **error);
void bs_store_rollback (BsStore *store);

/* bs-schema.c: applies the migrations from `from` up to BS_STORE_SCHEMA_VERSION inside the
 * caller's transaction. */
gboolean bs_schema_migrate (BsStore *store, int from, GError **error);

/* bs-liveness.c: who is recording. A run row keeps its recorder's identity; a run whose
 * recorder process is gone was interrupted. */
typedef struct
{
  char *host;
  char *boot_id;
  int64_t pid;
  int64_t start_ticks;   /* process start time, so a reused pid is not mistaken for it */
} BsProcessId;

void bs_process_id_self (BsProcessId *id);
void bs_process_id_clear (BsProcessId *id);
/* FALSE only when the process is known to be gone; a recorder on another host is
 * assumed alive. */
gboolean bs_process_id_is_alive (const BsProcessId *id);

/* bs-runs-write.c: the records a recorder writes, inside the caller's transaction. */
int64_t bs_runs_insert (BsStore *store, const BsModel *model, const BsRunInfo *info,
                        const BsProcessId *recorder, int64_t t0_ns, GError **error);
int64_t bs_runs_insert_channel (BsStore *store, int64_t run, const BsChannelInfo *channel,
                                GError **error);
gboolean bs_runs_finish (BsStore *store, int64_t run, BsRunStatus status, int64_t duration_ns,
                         GError **error);

/* Names that never fail, for layers a run's table lacks. */
const char *bs_runs_kind_name (BsLayerKind kind);

G_END_DECLS
