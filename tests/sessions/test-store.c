/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store.c: the database file: creation, migration, files we must refuse (newer,
 * foreign, corrupt, truncated) without touching them, run records, and interrupted
 * runs. */
#include "bs-record.h"
#include "bs-recorder.h"
#include "bs-run-data.h"
#include "bs-runs.h"
#include "bs-store.h"
#include "session-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = bs_test_tmpdir_new ();
  f->path = g_build_filename (f->dir, "runs.db", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_free (f->path);
  bs_test_tmpdir_free (f->dir);
}

static char *
raw_text (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

/* A run of n_inferences x 6 ops with 1 kHz power, written and summarised. */
static int64_t
record (const char *path, int n_inferences, const char *session, const char *const *tags)
{
  const int64_t durations[6] = { 1000, 2000, 3000, 4000, 5000, 6000 };
  g_autoptr (BsModel) model = bs_test_model_new ("tiny", 6);
  g_autoptr (GArray) events = bs_test_events (n_inferences, 6, 1000000000, durations,
                                              BS_CLOCK_HOST);
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  g_autoptr (GError) error = NULL;
  BsRunInfo info = { .backend = "cpu", .session = session, .tags = tags };
  BsRecordData data = { 0 };
  int64_t run;

  for (int i = 0; i < n_inferences * 30; i++)
    {
      BsSample s = { 1000000000 + (int64_t) i * 1000000 / 1000, 0, BS_QUANTITY_POWER,
                     BS_UNIT_WATT, 4.0 + (i % 7) * 0.001 };
      g_array_append_val (samples, s);
    }
  data.events = (const BsLayerEvent *) (void *) events->data;
  data.n_events = events->len;
  data.samples = (const BsSample *) (void *) samples->data;
  data.n_samples = samples->len;
  run = bs_record_run (path, model, &info, &data, BS_RUN_COMPLETE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run, >, 0);
  return run;
}

static void
test_create (Fixture *f, gconstpointer data)
{
  g_autofree char *nested = g_build_filename (f->dir, "a", "b", "runs.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (nested, BS_STORE_OPEN_CREATE, &error);
  g_autofree char *mode = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpstr (bs_store_get_path (store), ==, nested);
  g_assert_cmpint (bs_test_sql_int (nested, "PRAGMA user_version"), ==, BS_STORE_SCHEMA_VERSION);
  g_assert_cmpint (bs_test_sql_int (nested, "PRAGMA application_id"), ==, 0x42534442);
  mode = raw_text (nested, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_true (bs_store_check (store, &error));
  g_assert_no_error (error);
}

static void
test_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);

  g_assert_null (store);
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, f->path));
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
}

static void
assert_current_schema (const char *path)
{
  g_assert_cmpint (bs_test_sql_int (path, "PRAGMA user_version"), ==, BS_STORE_SCHEMA_VERSION);
  g_assert_cmpint (bs_test_sql_int (path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                          "AND name IN ('runs', 'event_chunks', 'sample_chunks', "
                                          "'run_layers', 'markers', 'layer_summaries')"), ==, 6);
}

/* Version 0 is an empty database: the whole migration chain runs on it. */
static void
test_migrate_from_0 (Fixture *f, gconstpointer data)
{
  g_autofree char *empty_sqlite = g_build_filename (f->dir, "v0.db", NULL);

  /* A 0-byte file, as a crash between create and first write leaves. */
  g_assert_true (g_file_set_contents (f->path, "", 0, NULL));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
    g_assert_no_error (error);
    g_assert_nonnull (store);
  }
  assert_current_schema (f->path);

  /* A real SQLite file at user_version 0 with no tables, in rollback-journal mode. */
  bs_test_sql_exec (empty_sqlite, "PRAGMA page_size = 1024; VACUUM;");
  g_assert_cmpint (bs_test_sql_int (empty_sqlite, "PRAGMA user_version"), ==, 0);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (BsStore) store = bs_store_open (empty_sqlite, BS_STORE_OPEN_DEFAULT, &error);
    g_assert_no_error (error);
    g_assert_nonnull (store);
  }
  assert_current_schema (empty_sqlite);
  /* Reopening a current file migrates nothing and keeps the data. */
  record (empty_sqlite, 3, NULL, NULL);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (BsStore) store = bs_store_open (empty_sqlite, BS_STORE_OPEN_DEFAULT, &error);
    g_autoptr (GPtrArray) runs = bs_store_list_runs (store, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (runs->len, ==, 1);
  }
}

/* Opening must leave a refused file byte for byte as it was. */
static void
assert_refused (const char *path, int code, const char *const *phrases)
{
  g_autoptr (GBytes) before = bs_test_read_file (path);
  g_autoptr (GBytes) after = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (path, BS_STORE_OPEN_CREATE, &error);

  g_assert_null (store);
  g_assert_error (error, BS_STORE_ERROR, code);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  for (int i = 0; phrases != NULL && phrases[i] != NULL; i++)
    g_assert_nonnull (strstr (error->message, phrases[i]));
  after = bs_test_read_file (path);
  g_assert_true (g_bytes_equal (before, after));
}

static void
test_too_new (Fixture *f, gconstpointer data)
{
  const char *phrases[] = { "newer blendscope", "schema version 99", NULL };

  record (f->path, 2, NULL, NULL);
  bs_test_sql_exec (f->path, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA user_version = 99;");
  assert_refused (f->path, BS_STORE_ERROR_TOO_NEW, phrases);
  g_assert_cmpint (bs_test_sql_int (f->path, "PRAGMA user_version"), ==, 99);
}

static void
test_foreign (Fixture *f, gconstpointer data)
{
  const char *phrases[] = { "another program", NULL };

  bs_test_sql_exec (f->path, "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');");
  assert_refused (f->path, BS_STORE_ERROR_FOREIGN, phrases);
  bs_test_sql_exec (f->path, "PRAGMA application_id = 1234");
  assert_refused (f->path, BS_STORE_ERROR_FOREIGN, phrases);
}

static void
write_bytes (const char *path, const void *data, gsize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
test_not_sqlite (Fixture *f, gconstpointer data)
{
  const char *short_phrases[] = { "too short", NULL };
  const char *header_phrases[] = { "not an SQLite database", NULL };
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  guint8 noise[8192];

  write_bytes (f->path, "hello\n", 6);
  assert_refused (f->path, BS_STORE_ERROR_CORRUPT, short_phrases);
  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_rand_int (rand);
  write_bytes (f->path, noise, sizeof noise);
  assert_refused (f->path, BS_STORE_ERROR_CORRUPT, header_phrases);
}

/* A checkpointed database, as left by a clean shutdown: everything in the main file. */
static GBytes *
checkpointed_db (const char *path, int n_inferences)
{
  record (path, n_inferences, "s", NULL);
  bs_test_sql_exec (path, "PRAGMA wal_checkpoint(TRUNCATE)");
  return bs_test_read_file (path);
}

static void
test_truncated (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) whole = checkpointed_db (f->path, 200);
  gsize size = g_bytes_get_size (whole);
  const char *page_phrases[] = { "truncated", NULL };

  g_assert_cmpuint (size, >, 16 * 4096);
  /* At a page boundary: the header still declares the full size. */
  write_bytes (f->path, g_bytes_get_data (whole, NULL), size / 2 / 4096 * 4096);
  assert_refused (f->path, BS_STORE_ERROR_CORRUPT, page_phrases);
  /* Mid-page. */
  write_bytes (f->path, g_bytes_get_data (whole, NULL), size / 2 + 123);
  assert_refused (f->path, BS_STORE_ERROR_CORRUPT, page_phrases);
  /* Inside the header. */
  write_bytes (f->path, g_bytes_get_data (whole, NULL), 60);
  assert_refused (f->path, BS_STORE_ERROR_CORRUPT, NULL);
}

/* Reads everything a user can ask for; returns FALSE with the first error. */
static gboolean
read_everything (BsStore *store, GError **error)
{
  g_autoptr (GPtrArray) runs = bs_store_list_runs (store, NULL, error);

  if (runs == NULL)
    return FALSE;
  for (guint i = 0; i < runs->len; i++)
    {
      const BsRun *r = runs->pdata[i];
      g_autoptr (GArray) layers = bs_store_get_run_layers (store, r->id, error);
      g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
      g_autoptr (GArray) channels = NULL;

      if (layers == NULL || !bs_store_read_events (store, r->id, events, error))
        return FALSE;
      channels = bs_store_get_channels (store, r->id, error);
      if (channels == NULL)
        return FALSE;
      for (guint c = 0; c < channels->len; c++)
        {
          g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
          if (!bs_store_read_samples (store, &g_array_index (channels, BsChannel, c), INT64_MIN,
                                      INT64_MAX, samples, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Garbage written over one page at a time, anywhere past the header: every read either
 * works (the page was free, or held only what we did not read) or fails with a clear
 * error, and the file is never modified. */
static void
test_damaged_pages (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) whole = checkpointed_db (f->path, 300);
  gsize size = g_bytes_get_size (whole);
  g_autoptr (GRand) rand = g_rand_new_with_seed (2);
  int failures = 0, pages = (int) (size / 4096);

  for (int page = 0; page < pages; page++)
    {
      g_autofree guint8 *bytes = g_memdup2 (g_bytes_get_data (whole, NULL), size);
      g_autoptr (GBytes) damaged = NULL, after = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (BsStore) store = NULL;

      /* Page 0 keeps its 100-byte file header: a broken header is test_not_sqlite's. */
      for (int i = page == 0 ? 100 : 0; i < 4096; i++)
        bytes[(gsize) page * 4096 + (gsize) i] = (guint8) g_rand_int (rand);
      write_bytes (f->path, bytes, size);
      damaged = bs_test_read_file (f->path);
      store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
      if (store != NULL)
        read_everything (store, &error);
      g_clear_pointer (&store, bs_store_close);
      if (error != NULL)
        {
          failures++;
          g_assert_true (error->domain == BS_STORE_ERROR);
          g_assert_nonnull (strstr (error->message, f->path));
          if (failures == 1)
            g_test_message ("e.g. page %d: %s", page, error->message);
        }
      after = bs_test_read_file (f->path);
      g_assert_true (g_bytes_equal (damaged, after));
    }
  g_test_message ("%d of %d damaged pages were reported", failures, pages);
  g_assert_cmpint (failures, >, 0);
}

static void
flip_chunk_bit (const char *path, int64_t run, int offset)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *get = NULL, *put = NULL;
  g_autofree guint8 *bytes = NULL;
  int len;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT data FROM event_chunks WHERE run_id = ? AND seq = 0",
                                       -1, &get, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (get, 1, run);
  g_assert_cmpint (sqlite3_step (get), ==, SQLITE_ROW);
  len = sqlite3_column_bytes (get, 0);
  g_assert_cmpint (len, >, offset);
  bytes = g_memdup2 (sqlite3_column_blob (get, 0), (gsize) len);
  bytes[offset] ^= 4;
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE event_chunks SET data = ? WHERE run_id = ? AND seq = 0",
                                       -1, &put, NULL), ==, SQLITE_OK);
  sqlite3_bind_blob (put, 1, bytes, len, SQLITE_STATIC);
  sqlite3_bind_int64 (put, 2, run);
  g_assert_cmpint (sqlite3_step (put), ==, SQLITE_DONE);
  sqlite3_finalize (get);
  sqlite3_finalize (put);
  sqlite3_close (db);
}

/* A flipped bit inside a chunk BLOB is invisible to SQLite; the chunk's CRC catches it. */
static void
test_damaged_chunk (Fixture *f, gconstpointer data)
{
  int64_t run = record (f->path, 50, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));

  flip_chunk_bit (f->path, run, 20);
  store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_false (bs_store_read_events (store, run, events, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "chunk 0"));
  g_assert_cmpuint (events->len, ==, 0);
}

static void
test_runs (Fixture *f, gconstpointer data)
{
  const char *tags[] = { "fpga", "baseline", NULL };
  int64_t a = record (f->path, 5, "monday", tags);
  int64_t b = record (f->path, 7, "monday", NULL);
  int64_t c = record (f->path, 2, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (GPtrArray) all = bs_store_list_runs (store, NULL, &error);
  BsRunFilter in_session = { .session = "monday" }, tagged = { .tag = "fpga" };
  g_autoptr (GPtrArray) monday = bs_store_list_runs (store, &in_session, &error);
  g_autoptr (GPtrArray) fpga = bs_store_list_runs (store, &tagged, &error);
  g_autoptr (GPtrArray) sessions = bs_store_list_sessions (store, &error);
  g_autoptr (BsRun) run = bs_store_get_run (store, a, &error);
  int64_t resolved;

  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  g_assert_cmpint (((BsRun *) all->pdata[0])->id, ==, c);   /* newest first */
  g_assert_cmpuint (monday->len, ==, 2);
  g_assert_cmpuint (fpga->len, ==, 1);
  g_assert_cmpuint (sessions->len, ==, 1);
  g_assert_cmpint (((BsSession *) sessions->pdata[0])->n_runs, ==, 2);
  g_assert_cmpint (run->status, ==, BS_RUN_COMPLETE);
  g_assert_cmpstr (run->model_name, ==, "tiny");
  g_assert_cmpstr (run->session, ==, "monday");
  g_assert_cmpstr (run->tags[0], ==, "baseline");
  g_assert_cmpstr (run->tags[1], ==, "fpga");
  g_assert_cmpint (run->n_events, ==, 30);
  g_assert_cmpint (run->n_samples, ==, 150);
  g_assert_cmpint (run->duration_ns, >=, 0);

  g_assert_true (bs_store_resolve_run (store, "last", &resolved, &error));
  g_assert_cmpint (resolved, ==, c);
  g_assert_false (bs_store_resolve_run (store, "yesterday", &resolved, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (bs_store_set_run_notes (store, b, "new bitstream", &error));
  g_assert_true (bs_store_tag_run (store, b, "fpga", TRUE, &error));
  g_assert_true (bs_store_tag_run (store, b, "fpga", TRUE, &error));
  g_assert_true (bs_store_tag_run (store, a, "baseline", FALSE, &error));
  g_assert_true (bs_store_set_run_session (store, c, "tuesday", &error));
  g_assert_no_error (error);
  g_clear_pointer (&run, bs_run_free);
  run = bs_store_get_run (store, b, &error);
  g_assert_cmpstr (run->notes, ==, "new bitstream");
  g_assert_cmpstr (run->tags[0], ==, "fpga");

  /* Deleting cascades to every table that hangs off the run. */
  g_assert_true (bs_store_delete_run (store, a, &error));
  g_assert_no_error (error);
  g_assert_null (bs_store_get_run (store, a, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (bs_store_delete_run (store, a, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&store, bs_store_close);
  {
    g_autofree char *sql = g_strdup_printf (
      "SELECT (SELECT count(*) FROM event_chunks WHERE run_id = %1$" G_GINT64_FORMAT ") + "
      "(SELECT count(*) FROM run_layers WHERE run_id = %1$" G_GINT64_FORMAT ") + "
      "(SELECT count(*) FROM run_layer_fixed_macs WHERE run_id = %1$" G_GINT64_FORMAT ") + "
      "(SELECT count(*) FROM layer_summaries WHERE run_id = %1$" G_GINT64_FORMAT ") + "
      "(SELECT count(*) FROM run_summaries WHERE run_id = %1$" G_GINT64_FORMAT ") + "
      "(SELECT count(*) FROM channels WHERE run_id = %1$" G_GINT64_FORMAT ") + "
      "(SELECT count(*) FROM markers WHERE run_id = %1$" G_GINT64_FORMAT ") + "
      "(SELECT count(*) FROM run_tags WHERE run_id = %1$" G_GINT64_FORMAT ")", a);
    g_assert_cmpint (bs_test_sql_int (f->path, sql), ==, 0);
  }
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM sample_chunks k JOIN channels c "
                                             "ON c.id = k.channel_id"), ==,
                   bs_test_sql_int (f->path, "SELECT count(*) FROM sample_chunks"));
}

static char *
boot_id (void)
{
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents ("/proc/sys/kernel/random/boot_id", &contents, NULL, NULL));
  return g_strdup (g_strstrip (contents));
}

/* A pid that certainly belongs to no process: one that has just exited. */
static int64_t
dead_pid (void)
{
  pid_t pid = fork ();
  int status;

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return pid;
}

static void
fake_running (const char *path, int64_t run, const char *host, const char *boot, int64_t pid)
{
  g_autofree char *sql = g_strdup_printf (
    "UPDATE runs SET status = 'running', duration_ns = NULL, recorder_host = '%s', "
    "recorder_boot = '%s', recorder_pid = %" G_GINT64_FORMAT ", recorder_start = 1, "
    "last_t_ns = t0_ns + 777 WHERE id = %" G_GINT64_FORMAT, host, boot, pid, run);
  bs_test_sql_exec (path, sql);
}

static void
test_interrupted (Fixture *f, gconstpointer data)
{
  int64_t dead = record (f->path, 3, NULL, NULL);
  int64_t rebooted = record (f->path, 3, NULL, NULL);
  int64_t elsewhere = record (f->path, 3, NULL, NULL);
  g_autofree char *boot = boot_id ();
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (BsRun) r1 = NULL, r2 = NULL, r3 = NULL;

  fake_running (f->path, dead, g_get_host_name (), boot, dead_pid ());
  fake_running (f->path, rebooted, g_get_host_name (), "another-boot", getpid ());
  fake_running (f->path, elsewhere, "some-other-host", boot, 1);
  store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  r1 = bs_store_get_run (store, dead, &error);
  r2 = bs_store_get_run (store, rebooted, &error);
  r3 = bs_store_get_run (store, elsewhere, &error);
  g_assert_cmpint (r1->status, ==, BS_RUN_INTERRUPTED);
  g_assert_cmpint (r1->duration_ns, ==, 777);   /* up to the last committed timestamp */
  g_assert_cmpint (r2->status, ==, BS_RUN_INTERRUPTED);
  /* Nobody can tell whether another host's recorder lives: left alone. */
  g_assert_cmpint (r3->status, ==, BS_RUN_RUNNING);
  g_assert_false (bs_store_delete_run (store, elsewhere, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
}

/* A recorder alive in this very process keeps its run 'running' for other stores, and
 * that run cannot be deleted from under it. */
static void
test_live_recorder (Fixture *f, gconstpointer data)
{
  g_autoptr (BsModel) model = bs_test_model_new ("tiny", 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRecorder) rec = bs_recorder_new (f->path, &error);
  BsRunInfo info = { .backend = "cpu" };
  int64_t run = bs_recorder_begin_run (rec, model, &info, &error);
  BsLayerEvent e = { 0, 0, bs_clock_now_ns (), bs_clock_now_ns () + 5, BS_CLOCK_HOST };

  g_assert_no_error (error);
  g_assert_true (bs_recorder_push_events (rec, &e, 1));
  {
    g_autoptr (BsStore) other = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
    g_autoptr (BsRun) r = bs_store_get_run (other, run, &error);

    g_assert_no_error (error);
    g_assert_cmpint (r->status, ==, BS_RUN_RUNNING);
    g_assert_cmpint (r->recorder_pid, ==, getpid ());
    g_assert_false (bs_store_delete_run (other, run, &error));
    g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }
  g_assert_true (bs_recorder_end_run (rec, BS_RUN_ABORTED, &error));
  g_assert_no_error (error);
  {
    g_autoptr (BsStore) other = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
    g_autoptr (BsRun) r = bs_store_get_run (other, run, &error);

    g_assert_cmpint (r->status, ==, BS_RUN_ABORTED);
    g_assert_cmpint (r->n_events, ==, 1);
  }
}

/* The whole file, not just the BLOBs: a long 1 kHz power recording costs under 8 bytes
 * per sample on disk. */
static void
test_bytes_per_sample (Fixture *f, gconstpointer data)
{
  g_autoptr (BsModel) model = bs_test_model_new ("tiny", 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (8);
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  BsChannelInfo channel = { 0, BS_QUANTITY_POWER, "12V", 1e-4 };
  BsRunInfo info = { .backend = "cpu", .channels = &channel, .n_channels = 1 };
  BsRecordData rd = { 0 };
  const int n = 300000;
  goffset empty_size, full_size;
  GStatBuf st;

  record (f->path, 1, NULL, NULL);
  bs_test_sql_exec (f->path, "PRAGMA wal_checkpoint(TRUNCATE)");
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  empty_size = st.st_size;
  for (int i = 0; i < n; i++)
    {
      BsSample s = { 5000000000 + (int64_t) i * 1000000 + g_rand_int_range (rand, -20000, 20000),
                     0, BS_QUANTITY_POWER, BS_UNIT_WATT,
                     9.6 + 0.5 * sin (i / 700.0) + g_rand_double_range (rand, -0.05, 0.05) };
      g_array_append_val (samples, s);
    }
  rd.samples = (const BsSample *) (void *) samples->data;
  rd.n_samples = samples->len;
  g_assert_cmpint (bs_record_run (f->path, model, &info, &rd, BS_RUN_COMPLETE, &error), >, 0);
  g_assert_no_error (error);
  bs_test_sql_exec (f->path, "PRAGMA wal_checkpoint(TRUNCATE)");
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  full_size = st.st_size;
  g_test_message ("1 kHz power, 100 uW resolution: %.2f bytes/sample in the file "
                  "(%.2f in chunk BLOBs)", (double) (full_size - empty_size) / n,
                  (double) bs_test_sql_int (f->path, "SELECT sum(length(data)) FROM sample_chunks "
                                                     "WHERE channel_id = (SELECT max(id) FROM channels)") / n);
  g_assert_cmpfloat ((double) (full_size - empty_size) / n, <=, 8.0);
}

static void
test_default_path (void)
{
  g_autofree char *path = bs_store_default_path ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "blendscope",
                                                "blendscope.db", NULL);

  g_assert_cmpstr (path, ==, expected);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/store/create", test_create);
  ADD ("/store/missing", test_missing);
  ADD ("/store/migrate-from-0", test_migrate_from_0);
  ADD ("/store/refuse/too-new", test_too_new);
  ADD ("/store/refuse/foreign", test_foreign);
  ADD ("/store/refuse/not-sqlite", test_not_sqlite);
  ADD ("/store/refuse/truncated", test_truncated);
  ADD ("/store/damaged/pages", test_damaged_pages);
  ADD ("/store/damaged/chunk", test_damaged_chunk);
  ADD ("/store/runs", test_runs);
  ADD ("/store/interrupted", test_interrupted);
  ADD ("/store/live-recorder", test_live_recorder);
  ADD ("/store/bytes-per-sample", test_bytes_per_sample);
#undef ADD
  g_test_add_func ("/store/default-path", test_default_path);
  return g_test_run ();
}
