/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-evaluations.c: accuracy stored with a run (sessions/bs-evaluations.c, schema
 * version 3): round trip, refusals, deletion with the run, the migration from version 2,
 * the JSON export and import, and the accuracy points of a comparison. */
#include "bs-evaluations.h"
#include "bs-export.h"
#include "bs-import.h"
#include "bs-record.h"
#include "bs-repair.h"
#include "bs-store.h"
#include "session-test-util.h"

#include <math.h>
#include <string.h>

typedef struct
{
  char *dir;
  char *db;
  int64_t runs[2];
} Fixture;

/* A run of 20 inferences of 2 ops (1 µs + 2 µs, host clock); with power when asked. */
static int64_t
record (const char *db, gboolean power)
{
  const int64_t durations[2] = { 1000, 2000 };
  g_autoptr (BsModel) model = bs_test_model_new ("net", 2);
  g_autoptr (GArray) events = bs_test_events (20, 2, 1000000, durations, BS_CLOCK_HOST);
  BsSample samples[2] = { { 900000, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 2.0 },
                          { 9000000, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 2.0 } };
  BsRunInfo info = { .backend = "cpu", .session = "acc" };
  BsRecordData data = { (const BsLayerEvent *) (void *) events->data, events->len,
                        power ? samples : NULL, power ? 2 : 0 };
  g_autoptr (GError) error = NULL;
  int64_t run = bs_record_run (db, model, &info, &data, BS_RUN_COMPLETE, &error);

  g_assert_no_error (error);
  return run;
}

static void
set_up (Fixture *f, gconstpointer data)
{
  f->dir = bs_test_tmpdir_new ();
  f->db = g_build_filename (f->dir, "acc.db", NULL);
  f->runs[0] = record (f->db, TRUE);
  f->runs[1] = record (f->db, FALSE);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_free (f->db);
  bs_test_tmpdir_free (f->dir);
}

static BsStore *
open_store (const char *db)
{
  g_autoptr (GError) error = NULL;
  BsStore *store = bs_store_open (db, BS_STORE_OPEN_DEFAULT, &error);

  g_assert_no_error (error);
  return store;
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = open_store (f->db);
  g_autoptr (GError) error = NULL;
  BsRunEvaluation e = { "fashion-mnist (t10k)", 10000, "cpu:isa=avx2", 8712, 9950, NULL, -1 };
  BsRunEvaluation with_float = { "digits", 360, "csim", 330, 359, "net.pt", 357 };
  g_autoptr (BsRunEvaluation) got = NULL;
  g_autoptr (BsRunEvaluation) got2 = NULL;
  g_autoptr (BsRunEvaluation) none = NULL;

  none = bs_store_get_run_evaluation (store, f->runs[0], &error);
  g_assert_no_error (error);
  g_assert_null (none);
  g_assert_true (bs_store_set_run_evaluation (store, f->runs[0], &e, &error));
  g_assert_true (bs_store_set_run_evaluation (store, f->runs[1], &with_float, &error));
  got = bs_store_get_run_evaluation (store, f->runs[0], &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->dataset, ==, "fashion-mnist (t10k)");
  g_assert_cmpstr (got->engine, ==, "cpu:isa=avx2");
  g_assert_cmpint (got->n_images, ==, 10000);
  g_assert_cmpint (got->top1_correct, ==, 8712);
  g_assert_cmpint (got->top5_correct, ==, 9950);
  g_assert_null (got->float_checkpoint);
  g_assert_cmpint (got->float_agree, ==, -1);
  g_assert_cmpfloat_with_epsilon (bs_run_evaluation_top1 (got), 0.8712, 1e-12);
  got2 = bs_store_get_run_evaluation (store, f->runs[1], &error);
  g_assert_cmpstr (got2->float_checkpoint, ==, "net.pt");
  g_assert_cmpint (got2->float_agree, ==, 357);
  /* Storing again replaces. */
  e.top1_correct = 8000;
  g_assert_true (bs_store_set_run_evaluation (store, f->runs[0], &e, &error));
  g_clear_pointer (&got, bs_run_evaluation_free);
  got = bs_store_get_run_evaluation (store, f->runs[0], &error);
  g_assert_cmpint (got->top1_correct, ==, 8000);
}

static void
assert_refused (BsStore *store, int64_t run, const BsRunEvaluation *e, int code)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (bs_store_set_run_evaluation (store, run, e, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, BS_STORE_ERROR, code);
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = open_store (f->db);
  int64_t run = f->runs[0];
  BsRunEvaluation five_below_one = { "d", 100, "cpu", 50, 40, NULL, -1 };
  BsRunEvaluation too_many = { "d", 100, "cpu", 50, 101, NULL, -1 };
  BsRunEvaluation no_images = { "d", 0, "cpu", 0, 0, NULL, -1 };
  BsRunEvaluation negative = { "d", 10, "cpu", -1, 3, NULL, -1 };
  BsRunEvaluation agree_without_checkpoint = { "d", 10, "cpu", 1, 3, NULL, 5 };
  BsRunEvaluation agree_too_many = { "d", 10, "cpu", 1, 3, "x.pt", 11 };
  BsRunEvaluation fine = { "d", 10, "cpu", 1, 3, NULL, -1 };

  assert_refused (store, run, &five_below_one, BS_STORE_ERROR_INVALID);
  assert_refused (store, run, &too_many, BS_STORE_ERROR_INVALID);
  assert_refused (store, run, &no_images, BS_STORE_ERROR_INVALID);
  assert_refused (store, run, &negative, BS_STORE_ERROR_INVALID);
  assert_refused (store, run, &agree_without_checkpoint, BS_STORE_ERROR_INVALID);
  assert_refused (store, run, &agree_too_many, BS_STORE_ERROR_INVALID);
  assert_refused (store, 999, &fine, BS_STORE_ERROR_NOT_FOUND);
}

static void
test_deleted_with_run (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = open_store (f->db);
  g_autoptr (GError) error = NULL;
  BsRunEvaluation e = { "d", 10, "cpu", 1, 3, NULL, -1 };

  g_assert_true (bs_store_set_run_evaluation (store, f->runs[0], &e, &error));
  g_assert_true (bs_store_delete_run (store, f->runs[0], &error));
  g_assert_no_error (error);
  g_clear_pointer (&store, bs_store_close);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM run_evaluations"), ==, 0);
}

/* A file as schema version 2 left it: no run_evaluations table. */
static void
make_version_2 (const char *db)
{
  bs_test_sql_exec (db, "DROP TABLE run_links; DROP TABLE run_evaluations; "
                        "PRAGMA wal_checkpoint(TRUNCATE); "
                        "PRAGMA user_version = 2;");
  g_assert_cmpint (bs_test_sql_int (db, "SELECT count(*) FROM sqlite_master WHERE name = "
                                        "'run_evaluations'"), ==, 0);
}

static void
test_migration_from_2 (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRun) run = NULL;
  BsRunEvaluation e = { "d", 10, "cpu", 1, 3, NULL, -1 };

  make_version_2 (f->db);
  store = open_store (f->db);
  g_assert_cmpint (bs_test_sql_int (f->db, "PRAGMA user_version"), ==, BS_STORE_SCHEMA_VERSION);
  run = bs_store_get_run (store, f->runs[1], &error);     /* the old runs stay */
  g_assert_no_error (error);
  g_assert_cmpstr (run->backend, ==, "cpu");
  g_assert_true (bs_store_set_run_evaluation (store, f->runs[1], &e, &error));
  g_assert_no_error (error);
}

/* Latency: 1 µs + 2 µs per inference (events 10 ns apart: 3010 ns first start to last
 * end); energy: 2 W over that, only for the run with power. */
static void
test_accuracy_points (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = open_store (f->db);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsComparison) c = NULL;
  g_autoptr (GArray) points = NULL;
  BsRunEvaluation e = { "d", 200, "cpu", 150, 190, NULL, -1 };
  const BsAccuracyPoint *p0, *p1;

  g_assert_true (bs_store_set_run_evaluation (store, f->runs[0], &e, &error));
  c = bs_query_compare (store, f->runs, 2, &error);
  g_assert_no_error (error);
  points = bs_query_accuracy_points (store, c, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (points->len, ==, 2);
  p0 = &g_array_index (points, BsAccuracyPoint, 0);
  p1 = &g_array_index (points, BsAccuracyPoint, 1);
  g_assert_cmpint (p0->run, ==, f->runs[0]);
  g_assert_true (p0->has_accuracy);
  g_assert_cmpfloat_with_epsilon (p0->top1, 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (p0->top5, 0.95, 1e-12);
  g_assert_cmpfloat_with_epsilon (p0->latency_ns, 3010, 1e-6);
  g_assert_cmpfloat_with_epsilon (p0->energy_j, 2.0 * 3010e-9, 2.0 * 3010e-9 * 0.05);
  g_assert_false (p1->has_accuracy);
  g_assert_cmpfloat_with_epsilon (p1->latency_ns, 3010, 1e-6);
  g_assert_true (isnan (p1->energy_j));
}

static char *
export_json (BsStore *store, int64_t run)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;

  g_assert_true (bs_export_run (store, run, BS_EXPORT_JSON, BS_EXPORT_TABLE_EVENTS, out, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  g_output_stream_close (out, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

/* Exported with the run and imported back: the same counts; a run without one exports
 * null and imports without one; an impossible one in a file is refused. */
static void
test_json_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = open_store (f->db);
  g_autoptr (GError) error = NULL;
  BsRunEvaluation e = { "fashion-mnist (t10k)", 10000, "csim", 8712, 9950, "bn.pt", 9930 };
  g_autofree char *with = NULL, *without = NULL;
  g_autofree char *bad = NULL;
  g_auto (GStrv) parts = NULL;
  g_autoptr (BsRunEvaluation) got = NULL;
  g_autoptr (BsRunEvaluation) none = NULL;
  int64_t imported, imported_none;

  g_assert_true (bs_store_set_run_evaluation (store, f->runs[0], &e, &error));
  with = export_json (store, f->runs[0]);
  without = export_json (store, f->runs[1]);
  g_assert_nonnull (strstr (with, "\"evaluation\":{\"dataset\":\"fashion-mnist (t10k)\""));
  g_assert_nonnull (strstr (without, "\"evaluation\":null"));
  imported = bs_import_run_from_data (store, with, strlen (with), "with.json", NULL, &error);
  g_assert_no_error (error);
  got = bs_store_get_run_evaluation (store, imported, &error);
  g_assert_nonnull (got);
  g_assert_cmpstr (got->engine, ==, "csim");
  g_assert_cmpint (got->n_images, ==, 10000);
  g_assert_cmpint (got->top1_correct, ==, 8712);
  g_assert_cmpint (got->top5_correct, ==, 9950);
  g_assert_cmpstr (got->float_checkpoint, ==, "bn.pt");
  g_assert_cmpint (got->float_agree, ==, 9930);
  imported_none = bs_import_run_from_data (store, without, strlen (without), "without.json",
                                           NULL, &error);
  g_assert_no_error (error);
  none = bs_store_get_run_evaluation (store, imported_none, &error);
  g_assert_null (none);
  parts = g_strsplit (with, "\"top5_correct\":", 2);
  bad = g_strjoinv ("\"top5_correct\":1,\"x\":", parts);
  g_assert_cmpint (bs_import_run_from_data (store, bad, strlen (bad), "bad.json", NULL, &error),
                   ==, -1);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "top-5"));
}

/* check --repair's copy of intact runs keeps their accuracy. */
static void
test_repair_copies (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dest = g_build_filename (f->dir, "copy.db", NULL);
  BsRunEvaluation e = { "d", 10, "cpu", 1, 3, NULL, -1 };
  BsRepairReport report = { 0 };
  g_autoptr (BsRunEvaluation) got = NULL;

  {
    g_autoptr (BsStore) store = open_store (f->db);
    g_assert_true (bs_store_set_run_evaluation (store, f->runs[1], &e, &error));
  }
  g_assert_true (bs_repair_copy (f->db, dest, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpint (report.n_runs_copied, ==, 2);
  bs_repair_report_clear (&report);
  {
    g_autoptr (BsStore) copy = open_store (dest);
    got = bs_store_get_run_evaluation (copy, f->runs[1], &error);
  }
  g_assert_nonnull (got);
  g_assert_cmpint (got->top5_correct, ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, set_up, func, tear_down)
  ADD ("/evaluations/round-trip", test_round_trip);
  ADD ("/evaluations/refusals", test_refusals);
  ADD ("/evaluations/deleted-with-run", test_deleted_with_run);
  ADD ("/evaluations/migration-from-2", test_migration_from_2);
  ADD ("/evaluations/accuracy-points", test_accuracy_points);
  ADD ("/evaluations/json-round-trip", test_json_round_trip);
  ADD ("/evaluations/repair-copies", test_repair_copies);
  return g_test_run ();
}
