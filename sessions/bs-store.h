/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-store.h: the session database. One SQLite file holds every recorded run;
 * docs/sessions-schema.md describes its tables, encodings and guarantees.
 *
 * A BsStore is one connection: use it from one thread at a time. Several stores (in
 * one process or many) may use the same file at once.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_STORE_ERROR (bs_store_error_quark ())
GQuark bs_store_error_quark (void);

typedef enum
{
  BS_STORE_ERROR_IO,         /* the file cannot be opened, read or written (disk full, permissions) */
  BS_STORE_ERROR_NOT_FOUND,  /* no database at that path, or no such run or session */
  BS_STORE_ERROR_CORRUPT,    /* damaged, truncated, or not an SQLite database at all */
  BS_STORE_ERROR_FOREIGN,    /* an SQLite database that belongs to another program */
  BS_STORE_ERROR_TOO_NEW,    /* written by a newer blendscope; left untouched */
  BS_STORE_ERROR_BUSY,       /* another process held the database locked for too long */
  BS_STORE_ERROR_INVALID,    /* a request that cannot be met, e.g. deleting a run being recorded */
} BsStoreError;

typedef enum
{
  BS_STORE_OPEN_DEFAULT = 0,
  BS_STORE_OPEN_CREATE = 1 << 0,   /* create the file and its folder if missing */
  BS_STORE_OPEN_DURABLE = 1 << 1,  /* sync every commit to disk (recorders): survives power loss */
  BS_STORE_OPEN_READ_ONLY = 1 << 2, /* never write to the file or its folder */
} BsStoreOpenFlags;

/* The schema version this build writes (PRAGMA user_version). Older files are migrated
 * forward on open; newer ones are refused. */
#define BS_STORE_SCHEMA_VERSION 4

typedef struct _BsStore BsStore;

/* Opens (and, with BS_STORE_OPEN_CREATE, creates) a session database, migrating an
 * older schema forward. Damaged, truncated, foreign and newer files are refused with an
 * error that names the file and the reason, and are not modified. Runs left 'running'
 * by a recorder that no longer exists are marked 'interrupted'.
 *
 * A file this process may not write (or whose folder it may not write: WAL needs side
 * files there) is opened read-only instead, for reading; with BS_STORE_OPEN_CREATE (the
 * recorders' flag) that is an error, since nothing could be recorded. A read-only store
 * neither migrates nor marks runs, and writes to it fail with BS_STORE_ERROR_IO. */
BsStore *bs_store_open (const char *path, BsStoreOpenFlags flags, GError **error);
void bs_store_close (BsStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsStore, bs_store_close)

const char *bs_store_get_path (BsStore *store);

/* NULL when the store can be written; else why not ("its folder is not writable"), for
 * telling the user. */
const char *bs_store_get_read_only_reason (BsStore *store);

/* PRAGMA integrity_check over the whole file (slow on big files). */
gboolean bs_store_check (BsStore *store, GError **error);

/* Marks runs whose recorder process is gone as 'interrupted'; bs_store_open() already
 * does this once. Returns how many runs it marked. */
int bs_store_recover_interrupted (BsStore *store, GError **error);

/* $XDG_DATA_HOME/blendscope/blendscope.db */
char *bs_store_default_path (void);

G_END_DECLS
