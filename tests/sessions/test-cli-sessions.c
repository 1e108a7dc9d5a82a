/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli-sessions.c: the session subcommands of blendscope-cli, called as the CLI
 * calls them, with their output captured. */
#include "bs-cli.h"
#include "bs-record.h"
#include "bs-recorder.h"
#include "session-test-util.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  char *dir;
  char *db;
  int64_t runs[2];
} Fixture;

static int64_t
record (const char *db, int64_t extra)
{
  const int64_t durations[3] = { 1000 + extra, 2000, 3000 };
  g_autoptr (BsModel) model = bs_test_model_new ("blendnet-ish", 3);
  g_autoptr (GArray) events = bs_test_events (40, 3, 1000000, durations, BS_CLOCK_HOST);
  BsSample power[2] = { { 900000, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 3.0 },
                        { 9000000, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 3.0 } };
  const char *tags[] = { "nightly", NULL };
  BsRunInfo info = { .backend = "cpu", .session = "bench", .tags = tags };
  BsRecordData data = { (const BsLayerEvent *) (void *) events->data, events->len, power, 2 };
  g_autoptr (GError) error = NULL;
  int64_t run = bs_record_run (db, model, &info, &data, BS_RUN_COMPLETE, &error);

  g_assert_no_error (error);
  return run;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = bs_test_tmpdir_new ();
  f->db = g_build_filename (f->dir, "cli.db", NULL);
  f->runs[0] = record (f->db, 0);
  f->runs[1] = record (f->db, 400);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_free (f->db);
  bs_test_tmpdir_free (f->dir);
}

/* Runs a subcommand with stdout and stderr captured into *out and *err. */
static int
run (Fixture *f, char **out, char **err, const char *first, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out_path = g_build_filename (f->dir, "stdout", NULL);
  g_autofree char *err_path = g_build_filename (f->dir, "stderr", NULL);
  int (*command) (int, char **) = NULL;
  int saved_out, saved_err, status;
  FILE *o, *e;
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  if (strcmp (first, "runs") == 0) command = bs_cli_runs;
  else if (strcmp (first, "sessions") == 0) command = bs_cli_sessions;
  else if (strcmp (first, "show") == 0) command = bs_cli_show;
  else if (strcmp (first, "compare") == 0) command = bs_cli_compare;
  else if (strcmp (first, "export") == 0) command = bs_cli_export;
  else if (strcmp (first, "delete") == 0) command = bs_cli_delete;
  else if (strcmp (first, "check") == 0) command = bs_cli_check;
  g_assert_nonnull (command);

  fflush (stdout);
  fflush (stderr);
  saved_out = dup (1);
  saved_err = dup (2);
  o = fopen (out_path, "w");
  e = fopen (err_path, "w");
  dup2 (fileno (o), 1);
  dup2 (fileno (e), 2);
  status = command ((int) args->len - 1, (char **) args->pdata);
  fflush (stdout);
  fflush (stderr);
  dup2 (saved_out, 1);
  dup2 (saved_err, 2);
  close (saved_out);
  close (saved_err);
  fclose (o);
  fclose (e);
  g_assert_true (g_file_get_contents (out_path, out, NULL, NULL));
  g_assert_true (g_file_get_contents (err_path, err, NULL, NULL));
  return status;
}

static void
test_runs_and_sessions (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;

  g_assert_cmpint (run (f, &out, &err, "runs", "--db", f->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "complete"));
  g_assert_nonnull (strstr (out, "blendnet-ish"));
  g_assert_nonnull (strstr (out, "nightly"));
  g_assert_cmpint (run (f, &out2, &err2, "sessions", "--db", f->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out2, "bench"));
}

static void
test_show (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run (f, &out, &err, "show", "--db", f->db, "last", NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "40 inferences"));
  g_assert_nonnull (strstr (out, "binary vs fixed point"));
  g_assert_nonnull (strstr (out, "layer1"));
  g_assert_nonnull (strstr (out, "times measured by: host"));
  /* Median of layer0 in the second run: 1400 ns. */
  g_assert_nonnull (strstr (out, "1.4 µs"));
}

static void
test_compare (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *a = g_strdup_printf ("%" G_GINT64_FORMAT, f->runs[0]);
  g_autofree char *b = g_strdup_printf ("%" G_GINT64_FORMAT, f->runs[1]);

  g_assert_cmpint (run (f, &out, &err, "compare", "--db", f->db, a, b, NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "+400 ns"));
  g_assert_nonnull (strstr (out, "1.400x"));
  g_assert_null (strstr (out, "WARNING"));
}

static void
test_export (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL, *file_out = NULL, *file_err = NULL, *contents = NULL;
  g_autofree char *file = g_build_filename (f->dir, "trace.json", NULL);

  g_assert_cmpint (run (f, &out, &err, "export", "--db", f->db, "--format", "csv", "last", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "inference,op,layer"));
  g_assert_cmpint (run (f, &file_out, &file_err, "export", "--db", f->db, "--format", "perfetto",
                        "--output", file, "last", NULL), ==, 0);
  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "\"traceEvents\""));
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, *out3 = NULL, *err3 = NULL;
  g_autofree char *junk = g_build_filename (f->dir, "junk.db", NULL);

  g_assert_cmpint (run (f, &out, &err, "show", "--db", f->db, "999", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no run 999"));
  g_assert_cmpint (run (f, &out2, &err2, "export", "--db", f->db, "--format", "xml", "1", NULL), ==, 2);
  g_assert_true (g_file_set_contents (junk, "this is not a database, it is a shopping list: eggs, "
                                           "flour, milk, butter, sugar, salt, lemons, apples, "
                                           "oranges, coffee, tea\n", -1, NULL));
  g_assert_cmpint (run (f, &out3, &err3, "runs", "--db", junk, NULL), ==, 1);
  g_test_message ("%s", err3);
  g_assert_nonnull (strstr (err3, "not an SQLite database"));
}

static void
test_delete (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
  g_autofree char *a = g_strdup_printf ("%" G_GINT64_FORMAT, f->runs[0]);

  g_assert_cmpint (run (f, &out, &err, "delete", "--db", f->db, a, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "deleted run"));
  g_assert_cmpint (run (f, &out2, &err2, "delete", "--db", f->db, a, NULL), ==, 1);
}

/* A database in a folder this process cannot write: every reading command works and says
 * the file is read-only, nothing appears beside it (no -wal, -shm), and a change fails
 * with a clear message. Tests run as root, whom permissions do not stop, so the check runs
 * in a subprocess that gives up root (real and effective uid: nobody; the saved uid stays
 * root so that it can clean up). Without root, the folder's mode alone is enough. */
static void
test_read_only_folder (Fixture *f, gconstpointer data)
{
  g_autofree char *ro_dir = NULL, *ro_db = NULL;
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, *out3 = NULL,
                  *err3 = NULL, *out4 = NULL, *err4 = NULL, *out5 = NULL, *err5 = NULL;
  g_autofree char *a = g_strdup_printf ("%" G_GINT64_FORMAT, f->runs[0]);
  g_autofree char *b = g_strdup_printf ("%" G_GINT64_FORMAT, f->runs[1]);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) error = NULL;
  const char *name;
  int entries = 0;
  gboolean dropped_root;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  ro_dir = g_build_filename (f->dir, "ro", NULL);
  ro_db = g_build_filename (ro_dir, "cli.db", NULL);
  g_assert_cmpint (g_mkdir (ro_dir, 0755), ==, 0);
  g_assert_cmpint (g_rename (f->db, ro_db), ==, 0);
  g_assert_cmpint (g_chmod (ro_db, 0644), ==, 0);
  g_assert_cmpint (g_chmod (ro_dir, 0555), ==, 0);
  g_assert_cmpint (g_chmod (f->dir, 0777), ==, 0);   /* for the captured output */
  dropped_root = geteuid () == 0;
  if (dropped_root)
    g_assert_cmpint (setresuid (65534, 65534, 0), ==, 0);
  g_assert_cmpint (access (ro_dir, W_OK), !=, 0);

  g_assert_cmpint (run (f, &out, &err, "runs", "--db", ro_db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "nightly"));
  g_assert_nonnull (strstr (err, "read-only"));
  g_assert_cmpint (run (f, &out2, &err2, "show", "--db", ro_db, "last", NULL), ==, 0);
  g_assert_nonnull (strstr (out2, "40 inferences"));
  g_assert_cmpint (run (f, &out3, &err3, "compare", "--db", ro_db, a, b, NULL), ==, 0);
  g_assert_nonnull (strstr (out3, "1.400x"));
  g_assert_cmpint (run (f, &out4, &err4, "export", "--db", ro_db, "--format", "csv", "last", NULL),
                   ==, 0);
  g_assert_true (g_str_has_prefix (out4, "inference,op,layer"));
  g_assert_cmpint (run (f, &out5, &err5, "delete", "--db", ro_db, a, NULL), ==, 1);
  g_test_message ("delete: %s", err5);
  g_assert_nonnull (strstr (err5, "read-only"));
  /* Recording into it is refused up front, not at the first commit. */
  g_assert_null (bs_recorder_new (ro_db, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "nothing can be recorded"));

  dir = g_dir_open (ro_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    entries++;
  g_assert_cmpint (entries, ==, 1);
  if (dropped_root)
    g_assert_cmpint (setresuid (0, 0, 0), ==, 0);
  g_chmod (ro_dir, 0755);
}

/* A run with a chunk gone: export says so and leaves no truncated file; check finds it;
 * check --repair copies the intact run into a new file and leaves the damaged one as it
 * was. */
static void
test_check_and_repair (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, *out3 = NULL,
                  *err3 = NULL, *out4 = NULL, *err4 = NULL;
  g_autofree char *trace = g_build_filename (f->dir, "trace.csv", NULL);
  g_autofree char *stem = NULL, *repaired = NULL;
  g_autoptr (GBytes) before = NULL, after = NULL;

  g_assert_cmpint (run (f, &out, &err, "check", "--db", f->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "no damage found"));

  bs_test_sql_int (f->db, "DELETE FROM event_chunks WHERE run_id = 1");
  before = bs_test_read_file (f->db);
  g_assert_cmpint (run (f, &out2, &err2, "export", "--db", f->db, "--format", "csv", "--output",
                        trace, "1", NULL), ==, 1);
  g_test_message ("export: %s", err2);
  g_assert_nonnull (strstr (err2, "incomplete"));
  g_assert_false (g_file_test (trace, G_FILE_TEST_EXISTS));

  g_assert_cmpint (run (f, &out3, &err3, "check", "--db", f->db, "--repair", NULL), ==, 1);
  g_test_message ("check --repair: %s%s", err3, out3);
  g_assert_nonnull (strstr (err3, "run 1:"));
  g_assert_nonnull (strstr (out3, "copied 1 intact run"));
  after = bs_test_read_file (f->db);
  g_assert_true (g_bytes_equal (before, after));

  stem = g_strndup (f->db, strlen (f->db) - 3);   /* "cli.db" -> "cli-repaired.db" */
  repaired = g_strconcat (stem, "-repaired.db", NULL);
  g_assert_cmpint (run (f, &out4, &err4, "check", "--db", repaired, NULL), ==, 0);
  g_assert_cmpint (bs_test_sql_int (repaired, "SELECT count(*) FROM runs WHERE id = 2"), ==, 1);
  g_assert_cmpint (bs_test_sql_int (repaired, "SELECT count(*) FROM runs"), ==, 1);
}

/* A run of a board's rails (names from the hwmon rail map): `show` adds the energy by rail
 * group over the same span as the total; a channel without a group only counts in the
 * total. */
static void
test_show_rails (Fixture *f, gconstpointer data)
{
  const int64_t durations[3] = { 1000, 2000, 3000 };
  g_autoptr (BsModel) model = bs_test_model_new ("blendnet-ish", 3);
  g_autoptr (GArray) events = bs_test_events (40, 3, 1000000, durations, BS_CLOCK_HOST);
  const BsChannelInfo channels[] = { { 0, BS_QUANTITY_POWER, "PL/VCCINT/power1", 0 },
                                     { 1, BS_QUANTITY_POWER, "PS/VCCPSINTFP/power1", 0 },
                                     { 2, BS_QUANTITY_POWER, "hwmon3/ina226/power1", 0 } };
  BsSample power[6];
  BsRunInfo info = { .backend = "cpu", .session = "board", .channels = channels, .n_channels = 3 };
  BsRecordData record_data = { (const BsLayerEvent *) (void *) events->data, events->len, power, 6 };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL, *id = NULL;
  const double watts[3] = { 3.0, 1.0, 0.5 };
  int64_t run_id;

  for (int i = 0; i < 6; i++)
    power[i] = (BsSample) { i < 3 ? 900000 : 9000000, i % 3, BS_QUANTITY_POWER, BS_UNIT_WATT, watts[i % 3] };
  run_id = bs_record_run (f->db, model, &info, &record_data, BS_RUN_COMPLETE, &error);
  g_assert_no_error (error);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
  g_assert_cmpint (run (f, &out, &err, "show", "--db", f->db, id, NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "at 4.500 W mean (all power channels)"));
  g_assert_nonnull (strstr (out, "energy by rail group"));
  g_assert_true (g_regex_match_simple ("\\n  PL +[^\\n]* at 3\\.000 W mean \\(1 channel\\)", out, 0, 0));
  g_assert_true (g_regex_match_simple ("\\n  PS +[^\\n]* at 1\\.000 W mean \\(1 channel\\)", out, 0, 0));
  g_assert_null (strstr (out, "  other "));
  /* The runs of the fixture carry no groups: no such section. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "show", "--db", f->db, "1", NULL), ==, 0);
  g_assert_null (strstr (out, "energy by rail group"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cli/runs-and-sessions", test_runs_and_sessions);
  ADD ("/cli/show", test_show);
  ADD ("/cli/show-rails", test_show_rails);
  ADD ("/cli/compare", test_compare);
  ADD ("/cli/export", test_export);
  ADD ("/cli/errors", test_errors);
  ADD ("/cli/delete", test_delete);
  ADD ("/cli/read-only-folder", test_read_only_folder);
  ADD ("/cli/check-and-repair", test_check_and_repair);
#undef ADD
  return g_test_run ();
}
