/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-shared-store.c: the app's one store (sessions/bs-shared-store.c): queries run on a
 * worker thread, never the caller's; results come back on the caller's main context;
 * queries on the one connection never overlap; a missing file, a new path and a
 * cancelled query say so. */
#include "bs-runs.h"
#include "bs-sessions.h"
#include "bs-shared-store.h"
#include "bs-store.h"
#include "session-test-util.h"

typedef struct
{
  char *dir;
  char *path;
  BsSharedStore *shared;
} Fixture;

static void
make_database (const char *path, const char *session)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (path, BS_STORE_OPEN_CREATE, &error);

  g_assert_no_error (error);
  g_assert_true (bs_store_create_session (store, session, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = bs_test_tmpdir_new ();
  f->path = g_build_filename (f->dir, "runs.db", NULL);
  f->shared = bs_shared_store_new (f->path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->shared);
  g_free (f->path);
  bs_test_tmpdir_free (f->dir);
}

/* What a query saw, filled in on the worker; and what the callback saw. */
typedef struct
{
  GThread *worker;
  GThread *callback_thread;
  char *first_session;
  GError *error;
  gboolean done;
} Seen;

static gpointer
query_sessions (BsStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  Seen *seen = data;
  GPtrArray *sessions = bs_store_list_sessions (store, error);

  seen->worker = g_thread_self ();
  return sessions;
}

static void
on_sessions (GObject *source, GAsyncResult *result, gpointer data)
{
  Seen *seen = data;
  g_autoptr (GPtrArray) sessions = bs_shared_store_query_finish (BS_SHARED_STORE (source), result,
                                                                  &seen->error);

  seen->callback_thread = g_thread_self ();
  if (sessions != NULL && sessions->len > 0)
    seen->first_session = g_strdup (((BsSession *) sessions->pdata[0])->name);
  seen->done = TRUE;
}

static void
wait_for (Seen *seen)
{
  while (!seen->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_off_main_thread (Fixture *f, gconstpointer data)
{
  Seen seen = { 0 };

  make_database (f->path, "bench");
  bs_shared_store_query_async (f->shared, query_sessions, &seen, NULL,
                               (GDestroyNotify) g_ptr_array_unref, NULL, on_sessions, &seen);
  /* Nothing comes back before the main context runs: the caller never waits. */
  g_assert_false (seen.done);
  wait_for (&seen);
  g_assert_no_error (seen.error);
  g_assert_cmpstr (seen.first_session, ==, "bench");
  g_assert_nonnull (seen.worker);
  g_assert_true (seen.worker != g_thread_self ());
  g_assert_true (seen.callback_thread == g_thread_self ());
  g_free (seen.first_session);
}

static void
test_missing_then_new_path (Fixture *f, gconstpointer data)
{
  g_autofree char *other = g_build_filename (f->dir, "other.db", NULL);
  g_autofree char *path = NULL;
  Seen missing = { 0 }, found = { 0 };

  bs_shared_store_query_async (f->shared, query_sessions, &missing, NULL,
                               (GDestroyNotify) g_ptr_array_unref, NULL, on_sessions, &missing);
  wait_for (&missing);
  g_assert_error (missing.error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));   /* never created */
  g_clear_error (&missing.error);

  make_database (other, "elsewhere");
  bs_shared_store_set_path (f->shared, other);
  path = bs_shared_store_dup_path (f->shared);
  g_assert_cmpstr (path, ==, other);
  bs_shared_store_query_async (f->shared, query_sessions, &found, NULL,
                               (GDestroyNotify) g_ptr_array_unref, NULL, on_sessions, &found);
  wait_for (&found);
  g_assert_no_error (found.error);
  g_assert_cmpstr (found.first_session, ==, "elsewhere");
  g_free (found.first_session);
}

static void
test_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Seen seen = { 0 };

  make_database (f->path, "bench");
  g_cancellable_cancel (cancellable);
  bs_shared_store_query_async (f->shared, query_sessions, &seen, NULL,
                               (GDestroyNotify) g_ptr_array_unref, cancellable, on_sessions, &seen);
  wait_for (&seen);
  g_assert_error (seen.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (seen.worker);   /* the query never ran */
  g_clear_error (&seen.error);
}

/* Many queries at once on GLib's pool: never two on the connection together. */
static int in_query;
static int most_in_query;
static int n_done;

static gpointer
query_slowly (BsStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  int now = g_atomic_int_add (&in_query, 1) + 1;
  int most;

  while ((most = g_atomic_int_get (&most_in_query)) < now
         && !g_atomic_int_compare_and_exchange (&most_in_query, most, now))
    ;
  g_usleep (5000);
  g_atomic_int_add (&in_query, -1);
  return bs_store_list_sessions (store, error);
}

static void
on_slow (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) sessions = bs_shared_store_query_finish (BS_SHARED_STORE (source), result, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 1);
  n_done++;
}

static void
test_serialized (Fixture *f, gconstpointer data)
{
  const int n = 16;

  make_database (f->path, "bench");
  for (int i = 0; i < n; i++)
    bs_shared_store_query_async (f->shared, query_slowly, NULL, NULL,
                                 (GDestroyNotify) g_ptr_array_unref, NULL, on_slow, NULL);
  while (n_done < n)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (most_in_query, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/shared-store/off-main-thread", Fixture, NULL, fixture_set_up, test_off_main_thread,
              fixture_tear_down);
  g_test_add ("/shared-store/missing-then-new-path", Fixture, NULL, fixture_set_up,
              test_missing_then_new_path, fixture_tear_down);
  g_test_add ("/shared-store/cancelled", Fixture, NULL, fixture_set_up, test_cancelled,
              fixture_tear_down);
  g_test_add ("/shared-store/serialized", Fixture, NULL, fixture_set_up, test_serialized,
              fixture_tear_down);
  return g_test_run ();
}
