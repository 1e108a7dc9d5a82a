/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-shared-store.c: a BsStore is one SQLite connection, to be used by one thread at a
 * time (bs-store.h). Queries run on GLib's worker threads (g_task_run_in_thread), and
 * `lock` serializes them: one connection, one query on it at a time, whichever worker
 * thread runs it. The main thread never takes `lock`, so it never waits for a query; it
 * takes only `path_lock`, which nothing holds for longer than a string copy. */
#include "bs-shared-store.h"

struct _BsSharedStore
{
  GObject parent_instance;

  GMutex path_lock; /* guards path */
  char *path;       /* where the next query reads */
  GMutex lock;      /* guards store: held by the worker running a query */
  BsStore *store;   /* the one connection, or NULL until a query needs it */
};

G_DEFINE_FINAL_TYPE (BsSharedStore, bs_shared_store, G_TYPE_OBJECT)

typedef struct
{
  BsSharedStoreQuery query;
  gpointer data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
} Query;

static void
query_free (Query *q)
{
  if (q->data_free != NULL && q->data != NULL)
    q->data_free (q->data);
  g_free (q);
}

/* With `lock` held: the store on the current path, opened (or reopened) when needed. */
static BsStore *
ensure_store (BsSharedStore *self, GError **error)
{
  g_autofree char *path = bs_shared_store_dup_path (self);

  if (self->store != NULL && g_strcmp0 (bs_store_get_path (self->store), path) == 0)
    return self->store;
  g_clear_pointer (&self->store, bs_store_close);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND, "No database yet at %s",
                   path != NULL ? path : "(none)");
      return NULL;
    }
  self->store = bs_store_open (path, BS_STORE_OPEN_DEFAULT, error);
  return self->store;
}

static void
run_query (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  BsSharedStore *self = source;
  Query *q = task_data;
  g_autoptr (GError) error = NULL;
  gpointer result = NULL;
  BsStore *store;

  g_mutex_lock (&self->lock);
  if (!g_cancellable_set_error_if_cancelled (cancellable, &error)
      && (store = ensure_store (self, &error)) != NULL)
    result = q->query (store, q->data, cancellable, &error);
  g_mutex_unlock (&self->lock);

  if (result == NULL && error == NULL)
    g_set_error_literal (&error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID, "the query returned nothing");
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, result, q->result_free);
}

void
bs_shared_store_query_async (BsSharedStore *self, BsSharedStoreQuery query, gpointer data,
                             GDestroyNotify data_free, GDestroyNotify result_free,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Query *q;

  g_return_if_fail (BS_IS_SHARED_STORE (self));
  g_return_if_fail (query != NULL);

  q = g_new0 (Query, 1);
  q->query = query;
  q->data = data;
  q->data_free = data_free;
  q->result_free = result_free;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bs_shared_store_query_async);
  g_task_set_task_data (task, q, (GDestroyNotify) query_free);
  g_task_run_in_thread (task, run_query);
}

gpointer
bs_shared_store_query_finish (BsSharedStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bs_shared_store_query_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
bs_shared_store_set_path (BsSharedStore *self, const char *path)
{
  g_return_if_fail (BS_IS_SHARED_STORE (self));
  /* Only the path is swapped here; the next query's worker reopens the store. */
  g_mutex_lock (&self->path_lock);
  if (g_strcmp0 (self->path, path) != 0)
    {
      g_free (self->path);
      self->path = g_strdup (path);
    }
  g_mutex_unlock (&self->path_lock);
}

char *
bs_shared_store_dup_path (BsSharedStore *self)
{
  char *path;

  g_return_val_if_fail (BS_IS_SHARED_STORE (self), NULL);
  g_mutex_lock (&self->path_lock);
  path = g_strdup (self->path);
  g_mutex_unlock (&self->path_lock);
  return path;
}

BsSharedStore *
bs_shared_store_new (const char *path)
{
  BsSharedStore *self = g_object_new (BS_TYPE_SHARED_STORE, NULL);

  self->path = g_strdup (path);
  return self;
}

static void
bs_shared_store_finalize (GObject *object)
{
  BsSharedStore *self = BS_SHARED_STORE (object);

  /* Every task holds a reference: no query can be running now. */
  g_clear_pointer (&self->store, bs_store_close);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->path_lock);
  G_OBJECT_CLASS (bs_shared_store_parent_class)->finalize (object);
}

static void
bs_shared_store_class_init (BsSharedStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bs_shared_store_finalize;
}

static void
bs_shared_store_init (BsSharedStore *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->path_lock);
}
