/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-run-paths.c: a run recorded from the CLI (`blendscope-cli record`, the real
 * binary) and one recorded from the app (its run controller, as the workbench drives
 * it) with the same settings store the same rows: the run (model, session, backend,
 * device, host, config, notes, tags, status, clock), its layer table with the MACs by
 * width, and its probe channels. Timestamps and what was measured (durations, sample
 * counts) are left out; the number of layer events is fixed by the count and compared. */
#include "session-test-util.h"

#include "bs-run-controller.h"

#include <sqlite3.h>
#include <string.h>

#define N_INFERENCES 8
#define SESSION "same settings"
#define PROBE "synthetic"

typedef struct
{
  char *dir;
  char *model;
  char *input;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const char *root = g_getenv ("BS_SOURCE_ROOT");

  f->dir = bs_test_tmpdir_new ();
  f->model = g_build_filename (root, "data", "models", "blendnet20.bsm", NULL);
  f->input = g_build_filename (root, "data", "models", "sample-inputs.npy", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_free (f->model);
  g_free (f->input);
  bs_test_tmpdir_free (f->dir);
}

/* Every row of @sql, columns joined by '|', rows by newlines. */
static char *
dump (const char *db, const char *sql)
{
  sqlite3 *conn = NULL;
  sqlite3_stmt *stmt = NULL;
  GString *out = g_string_new (NULL);
  int rc;

  g_assert_cmpint (sqlite3_open_v2 (db, &conn, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (conn, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, i);
          g_string_append_printf (out, "%s%s", i > 0 ? "|" : "", text != NULL ? text : "NULL");
        }
      g_string_append_c (out, '\n');
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (conn);
  return g_string_free (out, FALSE);
}

/* The run through the CLI, as a user types it. */
static void
record_with_cli (Fixture *f, const char *db)
{
  g_autofree char *n = g_strdup_printf ("%d", N_INFERENCES);
  const char *argv[] = { g_getenv ("BS_CLI"), "record", f->model, "--db", db, "--backend", "cpu",
                         "--probe", PROBE, "--iterations", n, "--input", f->input,
                         "--session", SESSION, "--tag", "workbench", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("cli: %s", err);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
}

static void
on_finished (BsRunController *controller, int64_t run, const char *summary, gboolean failed,
             gpointer data)
{
  gboolean *done = data;

  g_test_message ("app: %s", summary);
  g_assert_false (failed);
  g_assert_cmpint (run, >=, 0);
  *done = TRUE;
}

/* The run through the app's run controller, set as the workbench's controls set it. */
static void
record_with_app (Fixture *f, const char *db)
{
  g_autoptr (BsRunController) controller = bs_run_controller_new ();
  g_autoptr (GError) error = NULL;
  gboolean done = FALSE;

  g_assert_true (bs_run_controller_load_model (controller, f->model, &error));
  g_assert_no_error (error);
  g_assert_true (bs_run_controller_set_input (controller, f->input, &error));
  g_assert_no_error (error);
  bs_run_controller_set_backend (controller, "cpu");
  bs_run_controller_set_probe (controller, PROBE);
  bs_run_controller_set_mode (controller, BS_RUN_MODE_COUNT);
  bs_run_controller_set_inferences (controller, N_INFERENCES);
  bs_run_controller_set_record (controller, TRUE);
  bs_run_controller_set_db_path (controller, db);
  bs_run_controller_set_session (controller, SESSION);
  g_signal_connect (controller, "run-finished", G_CALLBACK (on_finished), &done);
  g_assert_true (bs_run_controller_start (controller, &error));
  g_assert_no_error (error);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Each query in parentheses: one element, not two literals missing a comma. */
static const char *const queries[] = {
  /* The run, without its times, counts of what was measured and who recorded it. */
  ("SELECT m.sha256, m.from_file, m.name, m.n_layers, s.name, r.backend, r.device, r.host, "
   "r.config, r.notes, r.status, r.clock_offset_ns, r.clock_rate, "
   "(SELECT group_concat (tag, ',') FROM (SELECT tag FROM run_tags WHERE run_id = r.id "
   " ORDER BY tag)) "
   "FROM runs r JOIN models m ON m.id = r.model_id LEFT JOIN sessions s ON s.id = r.session_id"),
  ("SELECT op, name, kind, precision, path, binary_macs, param_bits, activation_bytes "
   "FROM run_layers ORDER BY op"),
  "SELECT op, bits, macs FROM run_layer_fixed_macs ORDER BY op, bits",
  "SELECT channel, quantity, unit, name, resolution FROM channels ORDER BY channel, quantity",
};

static void
test_same_rows (Fixture *f, gconstpointer data)
{
  g_autofree char *cli_db = g_build_filename (f->dir, "cli.db", NULL);
  g_autofree char *app_db = g_build_filename (f->dir, "app.db", NULL);

  record_with_cli (f, cli_db);
  record_with_app (f, app_db);

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autofree char *cli = dump (cli_db, queries[i]);
      g_autofree char *app = dump (app_db, queries[i]);

      g_test_message ("%s\n%s", queries[i], cli);
      g_assert_cmpstr (cli, !=, "");
      g_assert_cmpstr (app, ==, cli);
    }
  /* One run each, complete, every inference's events kept: a layer event per op. */
  g_assert_cmpint (bs_test_sql_int (cli_db, "SELECT count(*) FROM runs"), ==, 1);
  g_assert_cmpint (bs_test_sql_int (app_db, "SELECT count(*) FROM runs"), ==, 1);
  g_assert_cmpint (bs_test_sql_int (app_db, "SELECT n_events FROM runs"), ==,
                   bs_test_sql_int (cli_db, "SELECT n_events FROM runs"));
  g_assert_cmpint (bs_test_sql_int (cli_db, "SELECT n_events FROM runs"), ==,
                   N_INFERENCES * bs_test_sql_int (cli_db, "SELECT count(*) FROM run_layers"));
  /* The probe sampled in both. */
  g_assert_cmpint (bs_test_sql_int (app_db, "SELECT count(*) FROM channels"), >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/run-paths/cli-and-app-store-the-same-rows", Fixture, NULL, fixture_set_up,
              test_same_rows, fixture_tear_down);
  return g_test_run ();
}
