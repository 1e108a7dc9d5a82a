/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-compare-data.c: what the session browser and the compare view read and write —
 * session edits, markers with ranges and notes, JSON import (round trip through
 * bs_export, and refusal of bad files without touching the store), and power traces
 * aligned at inference start and averaged over inferences, against values computed by
 * hand. */
#include "bs-export.h"
#include "bs-import.h"
#include "bs-markers.h"
#include "bs-power-traces.h"
#include "bs-record.h"
#include "bs-recorder.h"
#include "bs-runs.h"
#include "bs-sessions.h"
#include "session-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct
{
  char *dir;
  char *path;
  BsStore *store;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = bs_test_tmpdir_new ();
  f->path = g_build_filename (f->dir, "runs.db", NULL);
  f->store = bs_store_open (f->path, BS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  bs_store_close (f->store);
  g_free (f->path);
  bs_test_tmpdir_free (f->dir);
}

#define T0 ((int64_t) 7000000000000)

/* A run of n_inf inferences of one 1000 ns op, 10 ns apart (inference k starts at
 * T0 + 1010 k), with the given samples. */
static int64_t
record (const char *path, const char *backend, const char *session, int n_inf,
        const BsSample *samples, gsize n_samples, const BsMarker *markers, gsize n_markers)
{
  g_autoptr (BsModel) model = bs_test_model_new ("tiny", 2);
  const int64_t durations[] = { 1000 };
  g_autoptr (GArray) events = bs_test_events (n_inf, 1, T0, durations, BS_CLOCK_HOST);
  BsRunInfo info = { .backend = backend, .session = session, .t0_ns = T0 };
  BsRecordData data = { (const BsLayerEvent *) (void *) events->data, events->len, samples,
                        n_samples, markers, n_markers };
  g_autoptr (GError) error = NULL;
  int64_t run = bs_record_run (path, model, &info, &data, BS_RUN_COMPLETE, &error);

  g_assert_no_error (error);
  g_assert_cmpint (run, >, 0);
  return run;
}

/* Sessions */

static void
test_session_edits (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsSession) s = NULL;
  g_autoptr (BsRun) r = NULL;
  int64_t a = record (f->path, "cpu", "baseline", 3, NULL, 0, NULL, 0);
  int64_t b = record (f->path, "csim", "baseline", 3, NULL, 0, NULL, 0);

  g_assert_true (bs_store_create_session (f->store, "empty", "nothing yet", &error));
  g_assert_no_error (error);
  g_assert_false (bs_store_create_session (f->store, "empty", NULL, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (bs_store_create_session (f->store, "", NULL, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Rename: the runs follow. */
  g_assert_true (bs_store_rename_session (f->store, "baseline", "board A, 200 MHz", &error));
  g_assert_no_error (error);
  r = bs_store_get_run (f->store, a, &error);
  g_assert_cmpstr (r->session, ==, "board A, 200 MHz");
  s = bs_store_get_session (f->store, "board A, 200 MHz", &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->n_runs, ==, 2);
  g_clear_pointer (&s, bs_session_free);
  g_assert_null (bs_store_get_session (f->store, "baseline", &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* Onto a taken name, or from a missing one. */
  g_assert_false (bs_store_rename_session (f->store, "board A, 200 MHz", "empty", &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (bs_store_rename_session (f->store, "nope", "other", &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Notes. */
  g_assert_true (bs_store_set_session_notes (f->store, "board A, 200 MHz", "fan at 100 %\nroom 24 °C",
                                             &error));
  s = bs_store_get_session (f->store, "board A, 200 MHz", &error);
  g_assert_cmpstr (s->notes, ==, "fan at 100 %\nroom 24 °C");
  g_clear_pointer (&s, bs_session_free);
  g_assert_false (bs_store_set_session_notes (f->store, "nope", "x", &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Delete keeping the runs: they leave the session. */
  g_assert_true (bs_store_delete_session (f->store, "board A, 200 MHz", FALSE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&r, bs_run_free);
  r = bs_store_get_run (f->store, b, &error);
  g_assert_nonnull (r);
  g_assert_null (r->session);
  g_clear_pointer (&r, bs_run_free);

  /* Delete with the runs: only that session's runs go. */
  g_assert_true (bs_store_set_run_session (f->store, a, "doomed", &error));
  g_assert_true (bs_store_delete_session (f->store, "doomed", TRUE, &error));
  g_assert_no_error (error);
  g_assert_null (bs_store_get_run (f->store, a, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  r = bs_store_get_run (f->store, b, &error);
  g_assert_nonnull (r);
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM sessions"), ==, 1);
}

static void
test_session_delete_refuses_live_run (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = bs_test_model_new ("tiny", 2);
  g_autoptr (BsRecorder) rec = bs_recorder_new (f->path, &error);
  BsRunInfo info = { .backend = "cpu", .session = "live" };
  int64_t done = record (f->path, "cpu", "live", 2, NULL, 0, NULL, 0);
  int64_t live;

  g_assert_no_error (error);
  live = bs_recorder_begin_run (rec, model, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (live, >, done);

  g_assert_false (bs_store_delete_session (f->store, "live", TRUE, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "still being recorded"));
  g_clear_error (&error);
  /* All or nothing: the finished run is still there too. */
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM runs"), ==, 2);
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM sessions"), ==, 1);

  g_assert_true (bs_recorder_end_run (rec, BS_RUN_COMPLETE, &error));
  g_assert_true (bs_store_delete_session (f->store, "live", TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM runs"), ==, 0);
}

/* Markers */

static void
test_markers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  BsMarker recorded = { T0 + 500, (char *) "recorder mark" };
  int64_t run = record (f->path, "cpu", NULL, 4, NULL, 0, &recorded, 1);
  g_autoptr (GArray) list = NULL;
  g_autoptr (GArray) plain = NULL;
  BsRunMarker range = { .t_ns = T0 + 1000, .end_ns = T0 + 3000, .label = (char *) "steady",
                        .note = (char *) "after warm-up" };
  BsRunMarker point = { .t_ns = T0 + 100, .end_ns = BS_MARKER_NO_END, .label = (char *) "go",
                        .note = NULL };
  BsRunMarker bad = { .t_ns = T0 + 10, .end_ns = T0 + 5, .label = (char *) "backwards" };
  int64_t id_range, id_point;

  /* A file that never had a note reads without the table. */
  list = bs_store_list_run_markers (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (g_array_index (list, BsRunMarker, 0).end_ns, ==, BS_MARKER_NO_END);
  g_assert_cmpstr (g_array_index (list, BsRunMarker, 0).note, ==, "");
  g_clear_pointer (&list, g_array_unref);
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'marker_notes'"), ==, 0);

  id_point = bs_store_add_run_marker (f->store, run, &point, &error);
  g_assert_no_error (error);
  /* A point without a note needs no table either. */
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'marker_notes'"), ==, 0);
  id_range = bs_store_add_run_marker (f->store, run, &range, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id_range, >, id_point);
  g_assert_cmpint (bs_store_add_run_marker (f->store, run, &bad, &error), ==, -1);
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (bs_store_add_run_marker (f->store, run + 100, &point, &error), ==, -1);
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  list = bs_store_list_run_markers (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  {
    const BsRunMarker *m = (const BsRunMarker *) (void *) list->data;
    g_assert_cmpstr (m[0].label, ==, "go");
    g_assert_cmpint (m[0].id, ==, id_point);
    g_assert_cmpstr (m[1].label, ==, "recorder mark");
    g_assert_cmpstr (m[2].label, ==, "steady");
    g_assert_cmpint (m[2].t_ns, ==, T0 + 1000);
    g_assert_cmpint (m[2].end_ns, ==, T0 + 3000);
    g_assert_cmpstr (m[2].note, ==, "after warm-up");
    g_assert_cmpint (m[2].run, ==, run);
  }
  g_clear_pointer (&list, g_array_unref);

  /* The plain API still lists every marker as a point. */
  plain = bs_store_get_markers (f->store, run, &error);
  g_assert_cmpuint (plain->len, ==, 3);

  /* Edit: the range becomes a point without note, and moves first. */
  range.id = id_range;
  range.t_ns = T0 + 50;
  range.end_ns = BS_MARKER_NO_END;
  range.note = NULL;
  range.label = (char *) "start";
  g_assert_true (bs_store_update_run_marker (f->store, &range, &error));
  g_assert_no_error (error);
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM marker_notes"), ==, 0);
  list = bs_store_list_run_markers (f->store, run, &error);
  g_assert_cmpstr (g_array_index (list, BsRunMarker, 0).label, ==, "start");
  g_assert_cmpint (g_array_index (list, BsRunMarker, 0).end_ns, ==, BS_MARKER_NO_END);
  g_clear_pointer (&list, g_array_unref);

  /* And back to a range with a note; then delete the run: notes go with it. */
  range.end_ns = T0 + 60;
  range.note = (char *) "n";
  g_assert_true (bs_store_update_run_marker (f->store, &range, &error));
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM marker_notes"), ==, 1);
  g_assert_true (bs_store_delete_run_marker (f->store, id_point, &error));
  g_assert_false (bs_store_delete_run_marker (f->store, id_point, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  range.id = id_point;
  g_assert_false (bs_store_update_run_marker (f->store, &range, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (bs_store_delete_run (f->store, run, &error));
  g_assert_no_error (error);
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM marker_notes"), ==, 0);
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM markers"), ==, 0);
}

/* Import */

static char *
export_json (BsStore *store, int64_t run)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;
  char nul = 0;

  g_assert_true (bs_export_run (store, run, BS_EXPORT_JSON, BS_EXPORT_TABLE_EVENTS, out, &error));
  g_assert_no_error (error);
  g_output_stream_write_all (out, &nul, 1, NULL, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

/* The export without its first "id" (the run's), which an import cannot keep. */
static char *
without_run_id (const char *json)
{
  g_autoptr (GRegex) re = g_regex_new ("^(\\{\"format\":\"blendscope-run\",\"version\":1,\"run\":\\{)\"id\":[0-9]+,",
                                       0, 0, NULL);
  char *out = g_regex_replace (re, json, -1, 0, "\\1", 0, NULL);

  g_assert_cmpstr (out, !=, json);
  g_assert_true (strlen (out) < strlen (json));
  return out;
}

/* A run with everything an export carries: device and host clocks, gaps in the layer
 * table, two channels (one of them power, with awkward values), markers, tags, notes, a
 * session and a start date. */
static int64_t
record_rich (const char *path)
{
  g_autoptr (BsModel) model = bs_test_model_new ("rich \"model\"", 3);
  static const BsRunLayer layers[] = {
    { "stem.conv", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_STEM, 0, { { 8, 432 } }, 3456, 16384 },
    { "stage1.0.main.conv", BS_LAYER_CONV_BINARY, BS_PRECISION_BINARY, BS_PATH_MAIN, 147456, { { 0, 0 } }, 2304, 2048 },
    { "stage1.0.skip.conv", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_SKIP, 0, { { 4, 1000 }, { 8, 4096 } }, 2048, 16384 },
  };
  const char *tags[] = { "nightly", "fan=on", NULL };
  BsChannelInfo channels[] = {
    { 0, BS_QUANTITY_POWER, "board 12V", 1e-4 },
    { 1, BS_QUANTITY_VOLTAGE, NULL, 0 },
    { 7, BS_QUANTITY_TEMPERATURE, "die", 0.01 },   /* no samples */
  };
  BsMarker markers[] = { { T0 + 2000, (char *) "first, \"quoted\"" }, { T0 + 2000, (char *) "same time" },
                         { T0 - 50, (char *) "before t0" } };
  BsRunInfo info = {
    .backend = "csim", .device = "u280 / blend.xclbin", .host = "bench-7 (Linux)",
    .config = "{\"threads\": 2}", .session = "round trip", .notes = "line 1\nline 2\ttab",
    .tags = tags, .t0_ns = T0, .clock_offset_ns = -12345, .clock_rate = 1.0000001,
    .layers = layers, .n_layers = G_N_ELEMENTS (layers), .channels = channels,
    .n_channels = G_N_ELEMENTS (channels),
  };
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  BsRecordData data = { 0 };
  g_autoptr (GError) error = NULL;
  int64_t run;

  for (int i = 0; i < 30; i++)
    for (int op = 0; op < 4; op++)   /* op 3 is not in the table */
      {
        int64_t s = T0 + 100 + i * 5000 + op * 1100;
        BsLayerEvent e = { i, op, s, s + 900 + (i * 37 + op * 11) % 97,
                           op == 1 ? BS_CLOCK_DEVICE : BS_CLOCK_HOST };
        g_array_append_val (events, e);
      }
  for (int i = 0; i < 200; i++)
    {
      BsSample p = { T0 + 333 * i + (i % 7), 0, BS_QUANTITY_POWER, BS_UNIT_WATT,
                     4.5 + 0.0001 * (i % 13) - (i == 50 ? 1e-4 : 0) };
      BsSample v = { T0 + 1000 * i, 1, BS_QUANTITY_VOLTAGE, BS_UNIT_VOLT, 11.987654 + i * 1e-6 };
      g_array_append_val (samples, p);
      if (i < 150)
        g_array_append_val (samples, v);
    }
  data = (BsRecordData) { (const BsLayerEvent *) (void *) events->data, events->len,
                          (const BsSample *) (void *) samples->data, samples->len, markers,
                          G_N_ELEMENTS (markers) };
  run = bs_record_run (path, model, &info, &data, BS_RUN_ABORTED, &error);
  g_assert_no_error (error);
  return run;
}

static void
test_import_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  int64_t run = record_rich (f->path);
  g_autofree char *first = export_json (f->store, run);
  g_autofree char *other_path = g_build_filename (f->dir, "other.db", NULL);
  g_autoptr (BsStore) other = bs_store_open (other_path, BS_STORE_OPEN_CREATE, &error);
  g_autofree char *file = g_build_filename (f->dir, "run.json", NULL);
  g_autofree char *second = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autoptr (BsRun) imported = NULL;
  int64_t copy;

  g_assert_no_error (error);
  /* A run id the other store would not pick by itself. */
  g_assert_cmpint (run, ==, 1);
  record (other_path, "cpu", NULL, 2, NULL, 0, NULL, 0);
  g_assert_true (g_file_set_contents (file, first, -1, &error));

  copy = bs_import_run_file (other, file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (copy, ==, 2);
  second = export_json (other, copy);
  a = without_run_id (first);
  b = without_run_id (second);
  g_assert_cmpstr (a, ==, b);

  imported = bs_store_get_run (other, copy, &error);
  g_assert_cmpint (imported->status, ==, BS_RUN_ABORTED);
  g_assert_cmpstr (imported->session, ==, "round trip");
  g_assert_cmpint (imported->recorder_pid, ==, 0);
  g_clear_pointer (&imported, bs_run_free);

  /* The same file into the original store, into another session, from a stream. */
  {
    g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (first, strlen (first), NULL);
    int64_t again = bs_import_run (f->store, in, "imports", &error);
    g_autofree char *third = NULL;
    g_autofree char *c = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (again, ==, 2);
    imported = bs_store_get_run (f->store, again, &error);
    g_assert_cmpstr (imported->session, ==, "imports");
    {
      g_autoptr (BsRun) original = bs_store_get_run (f->store, run, &error);
      g_assert_cmpstr (imported->model_sha256, ==, original->model_sha256);
    }
    /* The model row is shared, not duplicated. */
    g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM models"), ==, 1);
    third = export_json (f->store, again);
    c = without_run_id (third);
    g_assert_nonnull (strstr (c, "\"session\":\"imports\""));
  }
}

static void
test_import_marker_ranges (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  int64_t run = record (f->path, "cpu", NULL, 3, NULL, 0, NULL, 0);
  g_autofree char *json = export_json (f->store, run);
  g_autoptr (GString) edited = g_string_new (json);
  g_autoptr (GArray) markers = NULL;
  int64_t copy;

  /* An export that carries ranges and notes (and a key this version does not know). */
  g_assert_nonnull (strstr (edited->str, "\"markers\":[]"));
  g_string_replace (edited, "\"markers\":[]",
                    "\"markers\":[{\"t_ns\":100,\"label\":\"a\",\"end_ns\":900,\"note\":\"n\\u00e9\\n\","
                    "\"colour\":\"red\"},{\"t_ns\":5,\"label\":\"b\",\"end_ns\":null}]", 1);
  copy = bs_import_run_from_data (f->store, edited->str, edited->len, "edited.json", NULL, &error);
  g_assert_no_error (error);
  markers = bs_store_list_run_markers (f->store, copy, &error);
  g_assert_cmpuint (markers->len, ==, 2);
  g_assert_cmpstr (g_array_index (markers, BsRunMarker, 0).label, ==, "b");
  g_assert_cmpint (g_array_index (markers, BsRunMarker, 0).end_ns, ==, BS_MARKER_NO_END);
  g_assert_cmpint (g_array_index (markers, BsRunMarker, 1).t_ns, ==, T0 + 100);
  g_assert_cmpint (g_array_index (markers, BsRunMarker, 1).end_ns, ==, T0 + 900);
  g_assert_cmpstr (g_array_index (markers, BsRunMarker, 1).note, ==, "né\n");
}

typedef struct
{
  const char *text;
  int code;
  const char *message;       /* a part of the error message */
} BadFile;

/* A run over the input budget is refused, from memory, a stream or a file, and adds
 * nothing. */
static void
test_import_budget (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  int64_t run = record (f->path, "cpu", "s", 4, NULL, 0, NULL, 0);
  g_autofree char *good = export_json (f->store, run);
  g_autofree char *path = g_build_filename (f->dir, "run.json", NULL);
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (good, -1, NULL);

  g_assert_true (g_file_set_contents (path, good, -1, NULL));
  g_setenv ("BS_BUDGET", "input_bytes=100", TRUE);
  g_assert_cmpint (bs_import_run_from_data (f->store, good, strlen (good), "run.json", NULL,
                                            &error), ==, -1);
  g_test_message ("%s", error->message);
  g_assert_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "run.json: "));
  g_assert_nonnull (strstr (error->message, " bytes, over the input budget of 100 (input_bytes"));
  g_clear_error (&error);
  g_assert_cmpint (bs_import_run_file (f->store, path, NULL, &error), ==, -1);
  g_assert_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpint (bs_import_run (f->store, in, NULL, &error), ==, -1);
  g_test_message ("%s", error->message);
  g_assert_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_unsetenv ("BS_BUDGET");
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM runs"), ==, 1);
  g_assert_cmpint (bs_import_run_file (f->store, path, NULL, &error), >, run);
  g_assert_no_error (error);
}

static void
test_import_refuses (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  int64_t run = record (f->path, "cpu", "s", 4, NULL, 0, NULL, 0);
  g_autofree char *good = export_json (f->store, run);
  g_autofree char *truncated = g_strndup (good, strlen (good) / 2);
  g_autofree char *newer = NULL;
  g_autofree char *short_column = NULL;
  g_autofree char *no_backend = NULL;
  g_autofree char *empty_path = g_build_filename (f->dir, "empty.json", NULL);
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) after = NULL;
  GRegex *re;

  re = g_regex_new ("\"version\":1", 0, 0, NULL);
  newer = g_regex_replace_literal (re, good, -1, 0, "\"version\":2", 0, NULL);
  g_regex_unref (re);
  re = g_regex_new ("\"clock\":\\[\"host\",", 0, 0, NULL);
  short_column = g_regex_replace_literal (re, good, -1, 0, "\"clock\":[", 0, NULL);
  g_regex_unref (re);
  re = g_regex_new ("\"backend\":\"cpu\"", 0, 0, NULL);
  no_backend = g_regex_replace_literal (re, good, -1, 0, "\"backend\":\"\"", 0, NULL);
  g_regex_unref (re);

  {
    const BadFile bad[] = {
      { "", BS_IMPORT_ERROR_FORMAT, "line 1, column 1" },
      { "run,op\n1,2\n", BS_IMPORT_ERROR_FORMAT, "line 1, column 1: a run export is a JSON object" },
      { "{\"format\":\"chrome-trace\",\"version\":1}", BS_IMPORT_ERROR_FORMAT, "not 'blendscope-run'" },
      { "{\"traceEvents\":[]}", BS_IMPORT_ERROR_FORMAT, "lacks" },
      { "{\"format\":\"blendscope-run\",\"version\":1,\n  \"run\":{\"backend\":\"cpu\" \"x\":1}}",
        BS_IMPORT_ERROR_FORMAT, "line 2, column 26: expected ',' or '}'" },
      { "{\"format\":\"blendscope-run\",\"version\":1,\"run\":{\"backend\":\"cpu\"},"
        "\"events\":{\"op\":[1.5]}}", BS_IMPORT_ERROR_FORMAT, "whole number" },
      { "{\"format\":\"blendscope-run\",\"version\":1,\"run\":{\"backend\":\"cpu\"},"
        "\"events\":{\"clock\":[\"sundial\"]}}", BS_IMPORT_ERROR_FORMAT, "unknown clock 'sundial'" },
      { truncated, BS_IMPORT_ERROR_FORMAT, "line 1" },
      { newer, BS_IMPORT_ERROR_VERSION, "format version 2" },
      { short_column, BS_IMPORT_ERROR_INVALID, "event columns differ" },
      { no_backend, BS_IMPORT_ERROR_INVALID, "no backend" },
    };

    before = bs_test_read_file (f->path);
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_test_message ("bad file %u", i);
        g_assert_cmpint (bs_import_run_from_data (f->store, bad[i].text, strlen (bad[i].text),
                                                  "bad.json", NULL, &error), ==, -1);
        g_assert_error (error, BS_IMPORT_ERROR, bad[i].code);
        g_assert_nonnull (strstr (error->message, "bad.json"));
        if (strstr (error->message, bad[i].message) == NULL)
          g_error ("'%s' does not say '%s'", error->message, bad[i].message);
        g_clear_error (&error);
      }
  }
  g_assert_true (g_file_set_contents (empty_path, "", 0, &error));
  g_assert_cmpint (bs_import_run_file (f->store, empty_path, NULL, &error), ==, -1);
  g_assert_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_cmpint (bs_import_run_file (f->store, "/nonexistent/run.json", NULL, &error), ==, -1);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  /* Nothing was written (the database file, WAL checkpointed or not, holds one run). */
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM runs"), ==, 1);
  after = bs_test_read_file (f->path);
  g_assert_true (g_bytes_equal (before, after));
}

/* Power traces */

/* n_inf inferences of 1000 ns at T0 + 1010 k; in each, rail 0 reads at phases 100 and
 * 600 ns, alternating values around 1 W and 3 W; rail 1 reads 0.5 W at phases 300 and
 * 800. */
static int64_t
record_fast_meter (const char *path, int n_inf, gboolean two_rails)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));

  for (int k = 0; k < n_inf; k++)
    {
      int64_t start = T0 + 1010 * (int64_t) k;
      double wobble = k % 2 ? 0.5 : -0.5;
      BsSample s[] = {
        { start + 100, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 1 + wobble },
        { start + 300, 1, BS_QUANTITY_POWER, BS_UNIT_WATT, 0.5 },
        { start + 600, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 3 + wobble },
        { start + 800, 1, BS_QUANTITY_POWER, BS_UNIT_WATT, 0.5 },
      };
      for (guint i = 0; i < G_N_ELEMENTS (s); i++)
        if (two_rails || s[i].channel == 0)
          g_array_append_val (samples, s[i]);
    }
  return record (path, "cpu", NULL, n_inf, (const BsSample *) (void *) samples->data,
                 samples->len, NULL, 0);
}

static void
test_trace_averaged (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  int64_t one = record_fast_meter (f->path, 40, FALSE);
  int64_t two = record_fast_meter (f->path, 40, TRUE);
  g_autoptr (BsPowerTrace) tr = bs_query_power_trace (f->store, one, BS_POWER_TRACE_AUTO, 2, &error);
  /* Alternating ±0.5 over 40 inferences: 20 of each, SD = 0.5 sqrt(40/39). */
  double sd = 0.5 * sqrt (40.0 / 39.0);

  g_assert_no_error (error);
  g_assert_cmpint (tr->mode, ==, BS_POWER_TRACE_AVERAGED);
  g_assert_cmpstr (bs_power_trace_mode_to_string (tr->mode), ==, "averaged");
  g_assert_cmpint (tr->n_rails, ==, 1);
  /* Intervals 500 and 510 ns alternate: 39 of 510, 40 of 500 → median 500. */
  g_assert_cmpfloat (tr->meter_period_ns, ==, 500);
  g_assert_cmpfloat (tr->inference_ns, ==, 1000);
  g_assert_cmpfloat (tr->window_ns, ==, 1000);
  g_assert_cmpint (tr->n_inferences, ==, 40);
  g_assert_cmpint (tr->n_samples, ==, 80);
  g_assert_cmpuint (tr->n_points, ==, 2);
  g_assert_cmpfloat (tr->t_ns[0], ==, 250);
  g_assert_cmpfloat (tr->t_ns[1], ==, 750);
  g_assert_cmpfloat_with_epsilon (tr->power_w[0], 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (tr->power_w[1], 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (tr->sd_w[0], sd, 1e-12);
  g_assert_cmpuint (tr->count[0], ==, 40);
  g_assert_cmpuint (tr->count[1], ==, 40);
  g_clear_pointer (&tr, bs_query_power_trace_free);

  /* The bins shrink to what the samples can fill: 80 inside → 20 bins at most; the rail
   * at 100 ns lands in bin 2 of 20, the one at 600 in bin 12, the rest are empty. */
  tr = bs_query_power_trace (f->store, one, BS_POWER_TRACE_AUTO, 0, &error);
  g_assert_cmpuint (tr->n_points, ==, 80 / BS_POWER_TRACE_SAMPLES_PER_BIN);
  g_assert_cmpfloat_with_epsilon (tr->power_w[2], 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (tr->power_w[12], 3.0, 1e-12);
  g_assert_true (isnan (tr->power_w[0]));
  g_assert_cmpuint (tr->count[0], ==, 0);
  g_clear_pointer (&tr, bs_query_power_trace_free);

  /* Two rails add: 1 + 0.5 and 3 + 0.5; their variances add (rail 1 has none). */
  tr = bs_query_power_trace (f->store, two, BS_POWER_TRACE_AUTO, 2, &error);
  g_assert_cmpint (tr->mode, ==, BS_POWER_TRACE_AVERAGED);
  g_assert_cmpint (tr->n_rails, ==, 2);
  g_assert_cmpfloat_with_epsilon (tr->power_w[0], 1.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (tr->power_w[1], 3.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (tr->sd_w[1], sd, 1e-12);
  g_assert_cmpuint (tr->count[0], ==, 80);
  g_assert_cmpint (tr->n_samples, ==, 160);
  g_clear_pointer (&tr, bs_query_power_trace_free);

  /* Too few samples inside inferences for a profile: raw. */
  {
    int64_t few = record_fast_meter (f->path, 10, FALSE);
    tr = bs_query_power_trace (f->store, few, BS_POWER_TRACE_AUTO, 0, &error);
    g_assert_cmpint (tr->mode, ==, BS_POWER_TRACE_RAW);
  }
}

static void
test_trace_raw (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  /* A 10 Hz-like meter (period 100 µs here) against 1 µs inferences: rail 0 at
   * 0, 100, 200 µs; rail 1 at 50, 150 µs. */
  BsSample s[] = {
    { T0 + 0, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 2.0 },
    { T0 + 50000, 1, BS_QUANTITY_POWER, BS_UNIT_WATT, 1.0 },
    { T0 + 100000, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 4.0 },
    { T0 + 150000, 1, BS_QUANTITY_POWER, BS_UNIT_WATT, 3.0 },
    { T0 + 200000, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 2.0 },
    { T0 + 30000, 2, BS_QUANTITY_VOLTAGE, BS_UNIT_VOLT, 12.0 },
  };
  int64_t run = record (f->path, "cpu", NULL, 150, s, G_N_ELEMENTS (s), NULL, 0);
  int64_t fast = record_fast_meter (f->path, 40, FALSE);
  int64_t quiet = record (f->path, "cpu", NULL, 5, NULL, 0, NULL, 0);
  g_autoptr (BsPowerTrace) tr = bs_query_power_trace (f->store, run, BS_POWER_TRACE_AUTO, 0, &error);
  /* At the union of the times, rail 0 and rail 1 interpolated, ends held:
   *   0: 2 + 1;  50 µs: 3 + 1;  100: 4 + 2;  150: 3 + 3;  200: 2 + 3. */
  const double t[] = { 0, 50000, 100000, 150000, 200000 };
  const double v[] = { 3, 4, 6, 6, 5 };
  int64_t runs[3];
  g_autoptr (GPtrArray) overlay = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (tr->mode, ==, BS_POWER_TRACE_RAW);
  g_assert_cmpint (tr->n_rails, ==, 2);
  g_assert_cmpfloat (tr->meter_period_ns, ==, 100000);
  g_assert_cmpfloat (tr->inference_ns, ==, 1000);
  g_assert_cmpint (tr->n_inferences, ==, 150);
  g_assert_cmpint (tr->n_samples, ==, 5);
  g_assert_cmpuint (tr->n_points, ==, G_N_ELEMENTS (t));
  g_assert_null (tr->sd_w);
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    {
      g_assert_cmpfloat (tr->t_ns[i], ==, t[i]);
      g_assert_cmpfloat_with_epsilon (tr->power_w[i], v[i], 1e-12);
    }
  g_assert_cmpfloat (tr->window_ns, ==, 200000);
  g_clear_pointer (&tr, bs_query_power_trace_free);

  tr = bs_query_power_trace (f->store, quiet, BS_POWER_TRACE_AUTO, 0, &error);
  g_assert_cmpint (tr->mode, ==, BS_POWER_TRACE_NONE);
  g_assert_cmpuint (tr->n_points, ==, 0);
  g_clear_pointer (&tr, bs_query_power_trace_free);

  /* Overlays share a mode: the slow meter makes every trace raw; a run without power
   * does not decide. */
  runs[0] = fast;
  runs[1] = quiet;
  overlay = bs_query_power_overlay (f->store, runs, 2, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((BsPowerTrace *) overlay->pdata[0])->mode, ==, BS_POWER_TRACE_AVERAGED);
  g_assert_cmpint (((BsPowerTrace *) overlay->pdata[1])->mode, ==, BS_POWER_TRACE_NONE);
  g_clear_pointer (&overlay, g_ptr_array_unref);
  runs[2] = run;
  overlay = bs_query_power_overlay (f->store, runs, 3, 0, &error);
  g_assert_cmpuint (overlay->len, ==, 3);
  g_assert_cmpint (((BsPowerTrace *) overlay->pdata[0])->mode, ==, BS_POWER_TRACE_RAW);
  g_assert_cmpint (((BsPowerTrace *) overlay->pdata[0])->n_points, ==, 80);
  g_assert_cmpfloat (((BsPowerTrace *) overlay->pdata[0])->t_ns[0], ==, 100);
  g_assert_cmpint (((BsPowerTrace *) overlay->pdata[1])->mode, ==, BS_POWER_TRACE_NONE);
  g_assert_cmpint (((BsPowerTrace *) overlay->pdata[2])->mode, ==, BS_POWER_TRACE_RAW);

  g_assert_null (bs_query_power_trace (f->store, 999, BS_POWER_TRACE_AUTO, 0, &error));
  g_assert_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND);
}

/* The import fuzz target's seeds (tests/fuzz/corpus-import): the exports of a rich run
 * and of a small one with samples and markers. */
static int
write_import_seeds (const char *dir)
{
  Fixture f;
  const BsSample samples[] = { { T0 + 10, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 2.5 },
                               { T0 + 900, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 2.75 } };
  const BsMarker markers[] = { { T0 + 500, (char *) "mark" } };
  const char *names[] = { "rich.json", "small.json" };
  int64_t runs[2];

  fixture_set_up (&f, NULL);
  runs[0] = record_rich (f.path);
  runs[1] = record (f.path, "cpu", "s", 2, samples, G_N_ELEMENTS (samples), markers,
                    G_N_ELEMENTS (markers));
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree char *json = export_json (f.store, runs[i]);
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autoptr (GError) error = NULL;

      if (!g_file_set_contents (path, json, -1, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }
  fixture_tear_down (&f, NULL);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "--write-seeds") == 0)
    return write_import_seeds (argv[2]);
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/compare-data/sessions/edits", test_session_edits);
  ADD ("/compare-data/sessions/delete-refuses-live-run", test_session_delete_refuses_live_run);
  ADD ("/compare-data/markers", test_markers);
  ADD ("/compare-data/import/round-trip", test_import_round_trip);
  ADD ("/compare-data/import/marker-ranges", test_import_marker_ranges);
  ADD ("/compare-data/import/refuses", test_import_refuses);
  ADD ("/compare-data/import/budget", test_import_budget);
  ADD ("/compare-data/traces/averaged", test_trace_averaged);
  ADD ("/compare-data/traces/raw", test_trace_raw);
  return g_test_run ();
}
