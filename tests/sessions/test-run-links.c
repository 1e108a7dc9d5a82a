/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-run-links.c: the link of a run recorded on another host (sessions/bs-run-links.c,
 * schema version 4): round trip, refusals, deletion with the run, the migration from
 * version 3, the JSON export and import (t_ref on the imported run's clock), and
 * check --repair's copy. */
#include "bs-export.h"
#include "bs-import.h"
#include "bs-record.h"
#include "bs-repair.h"
#include "bs-run-links.h"
#include "bs-store.h"
#include "session-test-util.h"

#include <string.h>

typedef struct
{
  char *dir;
  char *db;
  int64_t run;
} Fixture;

static const BsRunLink kv260 = {
  "lab@kv260", "blendscope 0.1.0", "Cortex-A53", "Linux 5.15.0-1027-xilinx-zynqmp",
  .rtt_ns = 412000, .t_ref_ns = 1500000, .offset_ns = -7000123456, .drift_fitted = TRUE,
  .drift_ppm = 12.5, .uncertainty_ns = 230000, .n_exchanges = 57,
};

static void
set_up (Fixture *f, gconstpointer data)
{
  const int64_t durations[2] = { 1000, 2000 };
  g_autoptr (BsModel) model = bs_test_model_new ("net", 2);
  g_autoptr (GArray) events = bs_test_events (5, 2, 1000000, durations, BS_CLOCK_HOST);
  BsRunInfo info = { .backend = "ssh://lab@kv260/cpu" };
  BsRecordData rec = { (const BsLayerEvent *) (void *) events->data, events->len, NULL, 0 };
  g_autoptr (GError) error = NULL;

  f->dir = bs_test_tmpdir_new ();
  f->db = g_build_filename (f->dir, "links.db", NULL);
  f->run = bs_record_run (f->db, model, &info, &rec, BS_RUN_COMPLETE, &error);
  g_assert_no_error (error);
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
assert_same_link (const BsRunLink *got, const BsRunLink *want, int64_t t_ref_shift)
{
  g_assert_nonnull (got);
  g_assert_cmpstr (got->remote, ==, want->remote);
  g_assert_cmpstr (got->software, ==, want->software);
  g_assert_cmpstr (got->cpu, ==, want->cpu);
  g_assert_cmpstr (got->kernel, ==, want->kernel);
  g_assert_cmpint (got->rtt_ns, ==, want->rtt_ns);
  g_assert_cmpint (got->t_ref_ns, ==, want->t_ref_ns + t_ref_shift);
  g_assert_cmpint (got->offset_ns, ==, want->offset_ns);
  g_assert_cmpint (got->drift_fitted, ==, want->drift_fitted);
  g_assert_cmpfloat (got->drift_ppm, ==, want->drift_ppm);
  g_assert_cmpint (got->uncertainty_ns, ==, want->uncertainty_ns);
  g_assert_cmpint (got->n_exchanges, ==, want->n_exchanges);
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = open_store (f->db);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRunLink) none = NULL, got = NULL, got2 = NULL;
  g_autofree char *described = NULL;
  BsRunLink short_run = kv260;

  none = bs_store_get_run_link (store, f->run, &error);
  g_assert_no_error (error);
  g_assert_null (none);
  g_assert_true (bs_store_set_run_link (store, f->run, &kv260, &error));
  g_assert_no_error (error);
  got = bs_store_get_run_link (store, f->run, &error);
  assert_same_link (got, &kv260, 0);
  described = bs_run_link_describe (got);
  g_assert_cmpstr (described, ==, "lab@kv260: blendscope 0.1.0 on Cortex-A53 (Linux "
                   "5.15.0-1027-xilinx-zynqmp); clock offset -7000.123 ms ± 0.230 ms, drift "
                   "+12.50 ppm, round trip 0.412 ms, 57 exchanges");
  /* Replaced; a drift not fitted is stored as such (NULL), not as 0 ppm. */
  short_run.drift_fitted = FALSE;
  short_run.drift_ppm = 0;
  g_assert_true (bs_store_set_run_link (store, f->run, &short_run, &error));
  got2 = bs_store_get_run_link (store, f->run, &error);
  assert_same_link (got2, &short_run, 0);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM run_links WHERE drift_ppm IS NULL"),
                   ==, 1);
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = open_store (f->db);
  BsRunLink bad = kv260;

  {
    g_autoptr (GError) error = NULL;
    g_assert_false (bs_store_set_run_link (store, f->run + 1, &kv260, &error));
    g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  }
  bad.n_exchanges = 0;
  {
    g_autoptr (GError) error = NULL;
    g_assert_false (bs_store_set_run_link (store, f->run, &bad, &error));
    g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
  }
  bad = kv260;
  bad.rtt_ns = -1;
  {
    g_autoptr (GError) error = NULL;
    g_assert_false (bs_store_set_run_link (store, f->run, &bad, &error));
    g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
  }
  bad = kv260;
  bad.cpu = NULL;
  {
    g_autoptr (GError) error = NULL;
    g_assert_false (bs_store_set_run_link (store, f->run, &bad, &error));
    g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
  }
}

static void
test_deleted_with_run (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = open_store (f->db);
  g_autoptr (GError) error = NULL;

  g_assert_true (bs_store_set_run_link (store, f->run, &kv260, &error));
  g_assert_true (bs_store_delete_run (store, f->run, &error));
  g_assert_no_error (error);
  g_clear_pointer (&store, bs_store_close);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM run_links"), ==, 0);
}

/* A file as schema version 3 left it (no run_links) gains the table when opened. */
static void
test_migration_from_3 (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GError) error = NULL;

  bs_test_sql_exec (f->db, "DROP TABLE run_links; PRAGMA wal_checkpoint(TRUNCATE); "
                           "PRAGMA user_version = 3;");
  store = open_store (f->db);
  g_assert_cmpint (bs_test_sql_int (f->db, "PRAGMA user_version"), ==, BS_STORE_SCHEMA_VERSION);
  g_assert_true (bs_store_set_run_link (store, f->run, &kv260, &error));
  g_assert_no_error (error);
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

/* Exported relative to the run's start and imported onto the imported run's clock; a run
 * without a link exports null; a link the store would refuse fails the whole import. */
static void
test_json_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (BsStore) store = open_store (f->db);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRunLink) got = NULL;
  g_autofree char *without = NULL, *with = NULL, *bad = NULL;
  g_auto (GStrv) parts = NULL;
  int64_t imported;

  without = export_json (store, f->run);
  g_assert_nonnull (strstr (without, "\"link\":null"));
  g_assert_true (bs_store_set_run_link (store, f->run, &kv260, &error));
  with = export_json (store, f->run);
  g_assert_nonnull (strstr (with, "\"link\":{\"remote\":\"lab@kv260\""));
  imported = bs_import_run_from_data (store, with, strlen (with), "with.json", NULL, &error);
  g_assert_no_error (error);
  got = bs_store_get_run_link (store, imported, &error);
  assert_same_link (got, &kv260, 0);   /* the import keeps the run's t0 */
  parts = g_strsplit (with, "\"n_exchanges\":57", 2);
  bad = g_strjoinv ("\"n_exchanges\":0", parts);
  g_assert_cmpint (bs_import_run_from_data (store, bad, strlen (bad), "bad.json", NULL, &error),
                   ==, -1);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "clock exchange"));
}

static void
test_repair_copies (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dest = g_build_filename (f->dir, "copy.db", NULL);
  BsRepairReport report = { 0 };
  g_autoptr (BsRunLink) got = NULL;

  {
    g_autoptr (BsStore) store = open_store (f->db);
    g_assert_true (bs_store_set_run_link (store, f->run, &kv260, &error));
  }
  g_assert_true (bs_repair_copy (f->db, dest, &report, &error));
  g_assert_no_error (error);
  bs_repair_report_clear (&report);
  {
    g_autoptr (BsStore) copy = open_store (dest);
    got = bs_store_get_run_link (copy, f->run, &error);
  }
  assert_same_link (got, &kv260, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, set_up, func, tear_down)
  ADD ("/run-links/round-trip", test_round_trip);
  ADD ("/run-links/refusals", test_refusals);
  ADD ("/run-links/deleted-with-run", test_deleted_with_run);
  ADD ("/run-links/migration-from-3", test_migration_from_3);
  ADD ("/run-links/json-round-trip", test_json_round_trip);
  ADD ("/run-links/repair-copies", test_repair_copies);
  return g_test_run ();
}
