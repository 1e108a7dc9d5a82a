/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-export.c: exports of a run with overlapping ops, two probe channels and
 * markers. The JSON formats are checked by Python's json module (check-export.py), an
 * independent parser; CSV is checked here. */
#include "bs-export.h"
#include "bs-record.h"
#include "bs-runs.h"
#include "session-test-util.h"

#include <string.h>

#define N_INF 50

typedef struct
{
  char *dir;
  char *path;
  int64_t run;
  int n_events;
  int n_samples;
} Fixture;

static const BsRunLayer layers[] = {
  { "main.conv", BS_LAYER_CONV_BINARY, BS_PRECISION_BINARY, BS_PATH_MAIN, 1000, { { 0, 0 } }, 0, 0 },
  { "skip.conv, \"1x1\"", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_SKIP, 0, { { 8, 100 } }, 0, 0 },
  { "merge.add", BS_LAYER_ADD, BS_PRECISION_FIXED, BS_PATH_MERGE, 0, { { 0, 0 } }, 0, 0 },
  { "head.fc", BS_LAYER_FC_FIXED, BS_PRECISION_FIXED, BS_PATH_HEAD, 0, { { 8, 640 } }, 0, 0 },
};

static const int64_t t0 = 50000000000;

/* Per inference (offsets in ns): main [0, 1000]; skip [200, 700] nests in it; merge
 * [900, 1500] overlaps main's end, so it needs a second track; head [1600, 2000]. */
static GArray *
overlapping_events (void)
{
  static const int64_t spans[4][2] = { { 0, 1000 }, { 200, 700 }, { 900, 1500 }, { 1600, 2000 } };
  GArray *events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));

  for (int i = 0; i < N_INF; i++)
    for (int k = 0; k < 4; k++)
      {
        int64_t base = t0 + 1000 + (int64_t) i * 3000;
        BsLayerEvent e = { i, k, base + spans[k][0], base + spans[k][1] + (i % 3),
                           k == 3 ? BS_CLOCK_DEVICE : BS_CLOCK_HOST };
        g_array_append_val (events, e);
      }
  return events;
}

static GArray *
samples_for (void)
{
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (BsSample));

  for (int i = 0; i < 40; i++)
    {
      BsSample p = { t0 + 4000 * (int64_t) i + 7, 0, BS_QUANTITY_POWER, BS_UNIT_WATT,
                     4.5 + 0.001 * i };
      BsSample v = { t0 + 4000 * (int64_t) i + 9, 1, BS_QUANTITY_VOLTAGE, BS_UNIT_VOLT, 12.0 };
      g_array_append_val (samples, p);
      g_array_append_val (samples, v);
    }
  return samples;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (BsModel) model = bs_test_model_new ("exported", 4);
  g_autoptr (GArray) events = overlapping_events ();
  g_autoptr (GArray) samples = samples_for ();
  BsMarker markers[] = { { t0 + 10, (char *) "start \"warm\"" }, { t0 + 90000, (char *) "hot" } };
  BsChannelInfo channels[] = { { 0, BS_QUANTITY_POWER, "board", 1e-3 },
                               { 1, BS_QUANTITY_VOLTAGE, "12V", 1e-3 } };
  BsRunInfo info = { .backend = "xrt", .device = "u50", .layers = layers, .n_layers = 4,
                     .channels = channels, .n_channels = 2, .t0_ns = t0 };
  BsRecordData rd = { (const BsLayerEvent *) (void *) events->data, events->len,
                      (const BsSample *) (void *) samples->data, samples->len, markers, 2 };
  g_autoptr (GError) error = NULL;

  f->dir = bs_test_tmpdir_new ();
  f->path = g_build_filename (f->dir, "runs.db", NULL);
  f->run = bs_record_run (f->path, model, &info, &rd, BS_RUN_COMPLETE, &error);
  g_assert_no_error (error);
  f->n_events = (int) events->len;
  f->n_samples = (int) samples->len;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_free (f->path);
  bs_test_tmpdir_free (f->dir);
}

static char *
export_to_file (Fixture *f, BsExportFormat format, BsExportTable table, const char *name)
{
  char *file = g_build_filename (f->dir, name, NULL);
  g_autoptr (GFile) gfile = g_file_new_for_path (file);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (GFileOutputStream) out = g_file_replace (gfile, NULL, FALSE, G_FILE_CREATE_NONE,
                                                      NULL, &error);

  g_assert_no_error (error);
  g_assert_true (bs_export_run (store, f->run, format, table, G_OUTPUT_STREAM (out), &error));
  g_assert_no_error (error);
  g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error);
  g_assert_no_error (error);
  return file;
}

/* What the Python checker compares against. Counter timestamps are in µs from t0. */
static char *
write_expected (Fixture *f)
{
  g_autoptr (GString) s = g_string_new (NULL);
  char *file = g_build_filename (f->dir, "expected.json", NULL);

  g_string_append_printf (s, "{\"run\": %" G_GINT64_FORMAT ", \"layer_slices\": %d, "
                          "\"inference_slices\": %d, \"layers\": 4, \"samples\": %d, "
                          "\"min_tracks\": 2, \"markers\": [\"start \\\"warm\\\"\", \"hot\"], "
                          "\"counters\": {\"board power (W)\": [", f->run, f->n_events, N_INF,
                          f->n_samples);
  for (int i = 0; i < 40; i++)
    g_string_append_printf (s, "%s[%d.007, \"W\", %.3f]", i ? ", " : "", 4 * i, 4.5 + 0.001 * i);
  g_string_append (s, "], \"12V voltage (V)\": [");
  for (int i = 0; i < 40; i++)
    g_string_append_printf (s, "%s[%d.009, \"V\", 12.0]", i ? ", " : "", 4 * i);
  g_string_append (s, "]}}\n");
  g_assert_true (g_file_set_contents (file, s->str, -1, NULL));
  return file;
}

static void
run_checker (const char *mode, const char *file, const char *expected)
{
  const char *argv[] = { g_getenv ("BS_PYTHON3"), g_getenv ("BS_CHECK_EXPORT"), mode, file,
                         expected, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  if (argv[0] == NULL || argv[1] == NULL)
    {
      g_test_skip ("BS_PYTHON3 and BS_CHECK_EXPORT are set by meson test");
      return;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
test_perfetto (Fixture *f, gconstpointer data)
{
  g_autofree char *trace = export_to_file (f, BS_EXPORT_PERFETTO, 0, "trace.json");
  g_autofree char *expected = write_expected (f);

  run_checker ("perfetto", trace, expected);
}

/* The checker itself must reject what is wrong. */
static void
test_perfetto_checker_rejects (Fixture *f, gconstpointer data)
{
  g_autofree char *expected = write_expected (f);
  g_autofree char *bad = g_build_filename (f->dir, "bad.json", NULL);
  const char *bad_traces[] = {
    /* overlapping slices on one track */
    "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[{\"ph\":\"M\",\"pid\":1,\"tid\":1,\"name\":\"thread_name\",\"args\":{\"name\":\"t\"}},"
    "{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":\"p\"}},"
    "{\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":0,\"dur\":10,\"name\":\"a\",\"cat\":\"inference\"},"
    "{\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":5,\"dur\":10,\"name\":\"b\",\"cat\":\"inference\"}]}",
    /* not JSON */
    "{\"traceEvents\":[NaN]}",
  };
  const char *argv[] = { g_getenv ("BS_PYTHON3"), g_getenv ("BS_CHECK_EXPORT"), "perfetto", bad,
                         expected, NULL };

  if (argv[0] == NULL || argv[1] == NULL)
    {
      g_test_skip ("BS_PYTHON3 and BS_CHECK_EXPORT are set by meson test");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_traces); i++)
    {
      g_autofree char *out = NULL;
      int status;

      g_assert_true (g_file_set_contents (bad, bad_traces[i], -1, NULL));
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   NULL, &status, NULL));
      g_test_message ("%s", out);
      g_assert_false (g_spawn_check_wait_status (status, NULL));
    }
}

static void
test_json (Fixture *f, gconstpointer data)
{
  g_autofree char *doc = export_to_file (f, BS_EXPORT_JSON, 0, "run.json");
  g_autofree char *expected = write_expected (f);

  run_checker ("run", doc, expected);
}

static char **
read_lines (const char *file)
{
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_true (g_str_has_suffix (contents, "\n"));
  contents[strlen (contents) - 1] = '\0';
  return g_strsplit (contents, "\n", -1);
}

static void
test_csv (Fixture *f, gconstpointer data)
{
  g_autofree char *events = export_to_file (f, BS_EXPORT_CSV, BS_EXPORT_TABLE_EVENTS, "e.csv");
  g_autofree char *samples = export_to_file (f, BS_EXPORT_CSV, BS_EXPORT_TABLE_SAMPLES, "s.csv");
  g_autofree char *stats = export_to_file (f, BS_EXPORT_CSV, BS_EXPORT_TABLE_STATS, "t.csv");
  g_autofree char *table = export_to_file (f, BS_EXPORT_CSV, BS_EXPORT_TABLE_LAYERS, "l.csv");
  g_autofree char *marks = export_to_file (f, BS_EXPORT_CSV, BS_EXPORT_TABLE_MARKERS, "m.csv");
  g_auto (GStrv) e = read_lines (events);
  g_auto (GStrv) s = read_lines (samples);
  g_auto (GStrv) t = read_lines (stats);
  g_auto (GStrv) l = read_lines (table);
  g_auto (GStrv) m = read_lines (marks);

  g_assert_cmpstr (e[0], ==, "inference,op,layer,precision,path,start_ns,end_ns,duration_ns,clock");
  g_assert_cmpuint (g_strv_length (e), ==, 1 + f->n_events);
  /* Times since the run's start; names with commas and quotes quoted. */
  g_assert_cmpstr (e[1], ==, "0,0,main.conv,binary,main,1000,2000,1000,host");
  g_assert_cmpstr (e[2], ==, "0,1,\"skip.conv, \"\"1x1\"\"\",fixed,skip,1200,1700,500,host");
  g_assert_cmpstr (e[4], ==, "0,3,head.fc,fixed,head,2600,3000,400,device");
  g_assert_cmpuint (g_strv_length (s), ==, 1 + f->n_samples);
  g_assert_cmpstr (s[1], ==, "7,0,board,power,W,4.5");
  g_assert_cmpuint (g_strv_length (t), ==, 1 + 4);
  g_assert_true (g_str_has_prefix (t[4], "3,head.fc,fixed,head,device,50,"));
  g_assert_cmpstr (l[2], ==, "1,\"skip.conv, \"\"1x1\"\"\",conv_fixed,fixed,skip,0,100,8:100,0,0");
  g_assert_cmpstr (m[1], ==, "10,\"start \"\"warm\"\"\"");
}

/* Names and labels that are not UTF-8 or that a spreadsheet would run as formulas. */
static void
test_hostile_text (void)
{
  static const BsRunLayer hostile_layers[] = {
    { "=2+2", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_MAIN, 0, { { 8, 1 } }, 0, 0 },
    { "bad \xff\xfe name", BS_LAYER_ADD, BS_PRECISION_FIXED, BS_PATH_MERGE, 0, { { 0, 0 } }, 0, 0 },
  };
  g_autofree char *dir = bs_test_tmpdir_new ();
  g_autofree char *db = g_build_filename (dir, "runs.db", NULL);
  g_autoptr (BsModel) model = bs_test_model_new ("hostile", 2);
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  BsMarker markers[] = {
    { t0 + 1, (char *) "=HYPERLINK(\"http://x\",\"y\")" }, { t0 + 2, (char *) "+1+1" },
    { t0 + 3, (char *) "-3.5" }, { t0 + 4, (char *) "@SUM(A1:A2)" }, { t0 + 5, (char *) "-cmd" },
    { t0 + 6, (char *) "+7e3" }, { t0 + 7, (char *) "-" }, { t0 + 8, (char *) "ok \xc3" },
  };
  BsRunInfo info = { .backend = "cpu", .layers = hostile_layers, .n_layers = 2, .t0_ns = t0 };
  BsRecordData rd = { NULL, 0, NULL, 0, markers, G_N_ELEMENTS (markers) };
  g_autoptr (GError) error = NULL;
  Fixture f = { .dir = dir };
  g_autofree char *json = NULL, *csv_marks = NULL, *csv_layers = NULL, *contents = NULL;
  g_auto (GStrv) m = NULL;
  g_auto (GStrv) l = NULL;

  for (int op = 0; op < 2; op++)
    {
      BsLayerEvent e = { 0, op, t0 + 10, t0 + 20, BS_CLOCK_HOST };
      g_array_append_val (events, e);
    }
  rd.events = (const BsLayerEvent *) (void *) events->data;
  rd.n_events = events->len;
  f.path = db;
  f.run = bs_record_run (db, model, &info, &rd, BS_RUN_COMPLETE, &error);
  g_assert_no_error (error);

  json = export_to_file (&f, BS_EXPORT_JSON, 0, "run.json");
  g_assert_true (g_file_get_contents (json, &contents, NULL, NULL));
  g_assert_true (g_utf8_validate (contents, -1, NULL));
  g_assert_nonnull (strstr (contents, "\"bad \xef\xbf\xbd\xef\xbf\xbd name\""));
  g_assert_nonnull (strstr (contents, "\"ok \xef\xbf\xbd\""));

  csv_marks = export_to_file (&f, BS_EXPORT_CSV, BS_EXPORT_TABLE_MARKERS, "m.csv");
  m = read_lines (csv_marks);
  g_assert_cmpstr (m[1], ==, "1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  g_assert_cmpstr (m[2], ==, "2,'+1+1");
  g_assert_cmpstr (m[3], ==, "3,-3.5");
  g_assert_cmpstr (m[4], ==, "4,'@SUM(A1:A2)");
  g_assert_cmpstr (m[5], ==, "5,'-cmd");
  g_assert_cmpstr (m[6], ==, "6,+7e3");
  g_assert_cmpstr (m[7], ==, "7,'-");
  csv_layers = export_to_file (&f, BS_EXPORT_CSV, BS_EXPORT_TABLE_LAYERS, "l.csv");
  l = read_lines (csv_layers);
  g_assert_true (g_str_has_prefix (l[1], "0,'=2+2,"));
  bs_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_names (void)
{
  BsExportFormat format;
  BsExportTable table;

  g_assert_true (bs_export_format_from_string ("perfetto", &format));
  g_assert_cmpint (format, ==, BS_EXPORT_PERFETTO);
  g_assert_false (bs_export_format_from_string ("xml", &format));
  g_assert_true (bs_export_table_from_string ("samples", &table));
  g_assert_cmpint (table, ==, BS_EXPORT_TABLE_SAMPLES);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/export/perfetto", test_perfetto);
  ADD ("/export/perfetto-checker-rejects", test_perfetto_checker_rejects);
  ADD ("/export/json", test_json);
  ADD ("/export/csv", test_csv);
#undef ADD
  g_test_add_func ("/export/names", test_names);
  g_test_add_func ("/export/hostile-text", test_hostile_text);
  return g_test_run ();
}
