/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-shared-store.h: one session database connection shared by a process (the app owns
 * one), queried off the calling thread. A query is a function run with the open BsStore
 * on a GLib worker thread; its result comes back through a GAsyncReadyCallback on the
 * caller's thread-default main context, so a big database never blocks the window.
 *
 * The store is opened on the first query (never created: that is the recorders' job) and
 * reopened when the path changes. */
#pragma once

#include "bs-store.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define BS_TYPE_SHARED_STORE (bs_shared_store_get_type ())
G_DECLARE_FINAL_TYPE (BsSharedStore, bs_shared_store, BS, SHARED_STORE, GObject)

/* Runs on a worker thread with the store to itself. Returns the result (freed with the
 * result_free given to the query) or NULL with @error set. Must not touch widgets. */
typedef gpointer (*BsSharedStoreQuery) (BsStore *store, gpointer data, GCancellable *cancellable,
                                        GError **error);

BsSharedStore *bs_shared_store_new (const char *path);

/* Where the next query reads; a query already running finishes on the old file. */
void bs_shared_store_set_path (BsSharedStore *self, const char *path);
char *bs_shared_store_dup_path (BsSharedStore *self);

/* Runs @query (@data is freed with @data_free when the task goes) on a worker thread.
 * When no database exists at the path yet, @callback gets BS_STORE_ERROR_NOT_FOUND;
 * when @cancellable is cancelled, G_IO_ERROR_CANCELLED. */
void bs_shared_store_query_async (BsSharedStore *self, BsSharedStoreQuery query, gpointer data,
                                  GDestroyNotify data_free, GDestroyNotify result_free,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gpointer bs_shared_store_query_finish (BsSharedStore *self, GAsyncResult *result, GError **error);

G_END_DECLS
