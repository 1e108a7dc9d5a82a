/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-corruption.c: the corruption trial. A database with three recorded runs is copied
 * 20 times and each copy gets 64 bytes flipped at a seeded random place. SQLite's own
 * integrity_check on a raw connection is the oracle for "damaged". For every copy:
 *
 *   - a damaged copy is refused for recording (the quick check on opening for writing);
 *   - every run's data export (layer events and power samples as CSV) either fails with an
 *     error or is byte for byte the undamaged file's: never a silently shorter or altered
 *     export;
 *   - `check` reports a damaged copy as damaged, and `check --repair` copies every run it
 *     can read intact into a new file, leaving the copy untouched.
 *
 * The figures are printed (g_test_message) for the report. */
#include "bs-export.h"
#include "bs-record.h"
#include "bs-recorder.h"
#include "bs-repair.h"
#include "session-test-util.h"

#include <gio/gio.h>
#include <sqlite3.h>
#include <string.h>

#define N_TRIALS 20
#define N_RUNS 3
#define FLIP_BYTES 64

typedef struct
{
  char *dir;
  char *db;
  GBytes *exports[N_RUNS][2];   /* events, samples: from the undamaged file */
} Trial;

static int64_t
record_run (const char *db, int k)
{
  int64_t durations[60];
  g_autoptr (BsModel) model = bs_test_model_new ("blendnet-ish", 60);
  g_autoptr (GArray) events = NULL;
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  BsRunInfo info = { .backend = "cpu", .session = "trial" };
  BsRecordData data = { 0 };
  g_autoptr (GError) error = NULL;
  int64_t run;

  for (int i = 0; i < 60; i++)
    durations[i] = 1000 + 37 * i + 100 * k;
  events = bs_test_events (400, 60, 1000000, durations, BS_CLOCK_HOST);
  for (int i = 0; i < 6000; i++)
    {
      BsSample s = { 1000000 + (int64_t) i * 500000, i % 2, BS_QUANTITY_POWER, BS_UNIT_WATT,
                     3.0 + (i % 17) * 0.125 + k };
      g_array_append_val (samples, s);
    }
  data.events = (const BsLayerEvent *) (void *) events->data;
  data.n_events = events->len;
  data.samples = (const BsSample *) (void *) samples->data;
  data.n_samples = samples->len;
  run = bs_record_run (db, model, &info, &data, BS_RUN_COMPLETE, &error);
  g_assert_no_error (error);
  return run;
}

/* A run's events or samples as CSV, or NULL with @error set. */
static GBytes *
export_table (BsStore *store, int64_t run, BsExportTable table, GError **error)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();

  if (!bs_export_run (store, run, BS_EXPORT_CSV, table, out, error)
      || !g_output_stream_close (out, NULL, error))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static gboolean
raw_integrity_ok (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    ok = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "ok") == 0
         && sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ok;
}

static void
copy_file (const char *from, const char *to)
{
  g_autoptr (GBytes) bytes = bs_test_read_file (from);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_true (g_file_set_contents (to, data, len, NULL));
}

/* Flips FLIP_BYTES consecutive bytes (each XORed with a non-zero value) somewhere past the
 * 100-byte header (a damaged header is refused by every open already). */
static goffset
flip (const char *path, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint8 *data = NULL;
  gsize len;
  goffset at;

  g_assert_true (g_file_get_contents (path, (char **) &data, &len, NULL));
  at = g_rand_int_range (rand, 100, (gint32) (len - FLIP_BYTES));
  for (int i = 0; i < FLIP_BYTES; i++)
    data[at + i] ^= (guint8) g_rand_int_range (rand, 1, 256);
  g_assert_true (g_file_set_contents (path, (const char *) data, len, NULL));
  return at;
}

typedef struct
{
  int damaged, refused, identical, errors, silent, repaired_runs, lost_runs, check_reported;
} Figures;

static void
try_copy (Trial *t, int k, Figures *fig)
{
  g_autofree char *name = g_strdup_printf ("trial-%02d.db", k);
  g_autofree char *path = g_build_filename (t->dir, name, NULL);
  g_autofree char *repaired = g_strdup_printf ("%s.repaired", path);
  g_autoptr (GError) open_error = NULL, check_error = NULL, repair_error = NULL;
  g_autoptr (BsRecorder) rec = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GBytes) before = NULL, after = NULL;
  g_autoptr (GString) line = g_string_new (NULL);
  BsRepairReport report = { 0 };
  goffset at;
  gboolean damaged;

  copy_file (t->db, path);
  at = flip (path, 1000 + k);
  damaged = !raw_integrity_ok (path);
  fig->damaged += damaged;
  g_string_append_printf (line, "trial %2d: 64 bytes at %7" G_GOFFSET_FORMAT ": %s;", k, at,
                          damaged ? "DAMAGED" : "integrity ok");

  /* Readers first, as read-only opens: they must not depend on what a writer did. */
  store = bs_store_open (path, BS_STORE_OPEN_READ_ONLY, &open_error);
  for (int r = 0; r < N_RUNS; r++)
    for (int table = 0; table < 2; table++)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (GBytes) got = NULL;

        if (store != NULL)
          got = export_table (store, r + 1, table == 0 ? BS_EXPORT_TABLE_EVENTS
                                                       : BS_EXPORT_TABLE_SAMPLES, &error);
        if (got == NULL)
          {
            fig->errors++;
            g_string_append (line, " E");
          }
        else if (g_bytes_equal (got, t->exports[r][table]))
          {
            fig->identical++;
            g_string_append (line, " =");
          }
        else
          {
            fig->silent++;
            g_string_append_printf (line, " SILENT(run %d %s: %zu vs %zu bytes)", r + 1,
                                    table == 0 ? "events" : "samples", g_bytes_get_size (got),
                                    g_bytes_get_size (t->exports[r][table]));
          }
      }
  g_clear_pointer (&store, bs_store_close);

  /* check and check --repair: the damaged file is not modified. */
  before = bs_test_read_file (path);
  if (!bs_repair_check (path, &check_error))
    fig->check_reported++;
  if (bs_repair_copy (path, repaired, &report, &repair_error))
    {
      fig->repaired_runs += report.n_runs_copied;
      fig->lost_runs += report.n_runs_damaged;
      g_string_append_printf (line, "; repair: %d runs copied, %d damaged",
                              report.n_runs_copied, report.n_runs_damaged);
      g_assert_true (raw_integrity_ok (repaired));
    }
  else
    g_string_append_printf (line, "; repair failed: %s", repair_error->message);
  bs_repair_report_clear (&report);
  after = bs_test_read_file (path);
  g_assert_true (g_bytes_equal (before, after));

  /* Recording into it. */
  rec = bs_recorder_new (path, &open_error);
  if (rec == NULL)
    {
      fig->refused++;
      g_string_append (line, "; recording refused");
    }
  else
    g_string_append (line, "; recording accepted");
  g_test_message ("%s", line->str);
  if (damaged)
    {
      g_assert_null (rec);
      g_assert_false (bs_repair_check (path, NULL));
    }
}

static void
test_trial (void)
{
  Trial t = { 0 };
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GError) error = NULL;
  Figures fig = { 0 };

  t.dir = bs_test_tmpdir_new ();
  t.db = g_build_filename (t.dir, "original.db", NULL);
  for (int r = 0; r < N_RUNS; r++)
    g_assert_cmpint (record_run (t.db, r), ==, r + 1);
  store = bs_store_open (t.db, BS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  for (int r = 0; r < N_RUNS; r++)
    for (int table = 0; table < 2; table++)
      {
        t.exports[r][table] = export_table (store, r + 1, table == 0 ? BS_EXPORT_TABLE_EVENTS
                                                                     : BS_EXPORT_TABLE_SAMPLES,
                                            &error);
        g_assert_no_error (error);
      }
  g_clear_pointer (&store, bs_store_close);
  g_test_message ("original: %" G_GSIZE_FORMAT " bytes, %d runs",
                  g_bytes_get_size (bs_test_read_file (t.db)), N_RUNS);

  for (int k = 1; k <= N_TRIALS; k++)
    try_copy (&t, k, &fig);

  g_test_message ("corruption trial: %d copies, %d damaged by integrity_check; %d refused for "
                  "recording; %d run exports identical, %d refused with an error, %d silently "
                  "different; check reported %d; repair copied %d runs intact and left %d "
                  "damaged runs behind", N_TRIALS, fig.damaged, fig.refused, fig.identical,
                  fig.errors, fig.silent, fig.check_reported, fig.repaired_runs, fig.lost_runs);
  g_assert_cmpint (fig.silent, ==, 0);
  g_assert_cmpint (fig.refused, >=, fig.damaged);
  g_assert_cmpint (fig.check_reported, >=, fig.damaged);

  for (int r = 0; r < N_RUNS; r++)
    for (int table = 0; table < 2; table++)
      g_bytes_unref (t.exports[r][table]);
  g_free (t.db);
  bs_test_tmpdir_free (t.dir);
}

/* Rows SQLite does not return (a damaged index can hide them without an error; deleting
 * them stands in for that) make the run incomplete: every reader says so instead of
 * returning a shorter run, and repair leaves that run behind. */
static void
test_missing_chunks (void)
{
  g_autofree char *dir = bs_test_tmpdir_new ();
  g_autofree char *db = g_build_filename (dir, "holes.db", NULL);
  g_autofree char *repaired = g_build_filename (dir, "repaired.db", NULL);
  const char *holes[] = {
    "DELETE FROM event_chunks WHERE run_id = 1 AND seq = 2",
    "DELETE FROM sample_chunks WHERE seq = 0 AND channel_id = "
    "(SELECT min(id) FROM channels WHERE run_id = 2)",
  };
  BsRepairReport report = { 0 };
  g_autoptr (GError) error = NULL;

  for (int r = 0; r < N_RUNS; r++)
    record_run (db, r);
  for (guint h = 0; h < G_N_ELEMENTS (holes); h++)
    bs_test_sql_int (db, holes[h]);
  for (int r = 0; r < 2; r++)
    {
      g_autoptr (BsStore) store = bs_store_open (db, BS_STORE_OPEN_DEFAULT, &error);
      g_autoptr (GBytes) got = NULL;

      g_assert_no_error (error);
      got = export_table (store, r + 1, r == 0 ? BS_EXPORT_TABLE_EVENTS : BS_EXPORT_TABLE_SAMPLES,
                          &error);
      g_test_message ("run %d: %s", r + 1, error ? error->message : "exported");
      g_assert_null (got);
      g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, "incomplete"));
      g_clear_error (&error);
    }
  g_assert_false (bs_repair_check (db, &error));
  g_test_message ("check: %s", error->message);
  g_assert_nonnull (strstr (error->message, "run 1:"));
  g_assert_nonnull (strstr (error->message, "run 2:"));
  g_clear_error (&error);
  g_assert_true (bs_repair_copy (db, repaired, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpint (report.n_runs_copied, ==, 1);
  g_assert_cmpint (report.n_runs_damaged, ==, 2);
  bs_repair_report_clear (&report);
  g_assert_true (bs_repair_check (repaired, &error));
  g_assert_no_error (error);
  g_assert_cmpint (bs_test_sql_int (repaired, "SELECT id FROM runs"), ==, 3);
  g_assert_cmpint (bs_test_sql_int (repaired, "SELECT count(*) FROM run_summaries"), ==, 1);
  bs_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Damage to the structure rather than to chunk data: the page of the index readers find
 * event chunks by. Recording into the file is refused; no export is silently short; the
 * runs, whole in their tables, are salvaged. */
static void
test_index_page (void)
{
  g_autofree char *dir = bs_test_tmpdir_new ();
  g_autofree char *db = g_build_filename (dir, "index.db", NULL);
  g_autofree char *pristine = g_build_filename (dir, "pristine.db", NULL);
  g_autofree char *repaired = g_build_filename (dir, "repaired.db", NULL);
  BsRepairReport report = { 0 };
  g_autofree guint8 *data = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRecorder) rec = NULL;
  g_autoptr (BsStore) store = NULL;
  int64_t page, page_size;
  gsize len;

  for (int r = 0; r < N_RUNS; r++)
    record_run (db, r);
  bs_test_sql_int (db, "PRAGMA wal_checkpoint(TRUNCATE)");
  copy_file (db, pristine);
  page = bs_test_sql_int (db, "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND "
                              "tbl_name = 'event_chunks'");
  page_size = bs_test_sql_int (db, "PRAGMA page_size");
  g_assert_cmpint (page, >, 1);
  g_assert_true (g_file_get_contents (db, (char **) &data, &len, NULL));
  for (int i = 0; i < FLIP_BYTES; i++)
    data[(page - 1) * page_size + i] ^= 0x5a;
  g_assert_true (g_file_set_contents (db, (const char *) data, len, NULL));
  g_assert_false (raw_integrity_ok (db));

  rec = bs_recorder_new (db, &error);
  g_assert_null (rec);
  g_test_message ("recording: %s", error->message);
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "check --repair"));
  g_clear_error (&error);

  store = bs_store_open (db, BS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  for (int r = 0; r < N_RUNS; r++)
    {
      g_autoptr (GBytes) got = export_table (store, r + 1, BS_EXPORT_TABLE_EVENTS, &error);

      g_test_message ("run %d: %s", r + 1, got ? "exported" : error->message);
      g_assert_null (got);
      g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT);
      g_clear_error (&error);
    }
  g_clear_pointer (&store, bs_store_close);

  /* The chunks themselves are whole: repair reads them without the index and saves all
   * three runs, identical to what was recorded. */
  g_assert_true (bs_repair_copy (db, repaired, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpint (report.n_runs_copied, ==, N_RUNS);
  g_assert_cmpint (report.n_runs_damaged, ==, 0);
  bs_repair_report_clear (&report);
  g_assert_true (bs_repair_check (repaired, &error));
  g_assert_no_error (error);
  store = bs_store_open (repaired, BS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  for (int r = 0; r < N_RUNS; r++)
    {
      g_autoptr (GBytes) got = export_table (store, r + 1, BS_EXPORT_TABLE_EVENTS, &error);
      g_autoptr (BsStore) clean = bs_store_open (pristine, BS_STORE_OPEN_READ_ONLY, NULL);
      g_autoptr (GBytes) want = export_table (clean, r + 1, BS_EXPORT_TABLE_EVENTS, NULL);

      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (got, want));
    }
  g_clear_pointer (&store, bs_store_close);
  bs_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/corruption/trial", test_trial);
  g_test_add_func ("/corruption/missing-chunks", test_missing_chunks);
  g_test_add_func ("/corruption/index-page", test_index_page);
  return g_test_run ();
}
