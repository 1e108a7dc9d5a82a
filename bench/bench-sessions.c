/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-sessions.c: the session store's speed and size, each figure beside its target.
 *
 *   bench-sessions [--dir DIR] [--samples N] [--events N]
 *
 * Ingest is measured through the recorder, from the first push until everything pushed
 * is committed (durably: the recorder syncs every commit). Compare time is for two runs
 * of 10 000 inferences x 60 layers, from stored summaries and from the raw chunks.
 */
#include "bs-queries.h"
#include "bs-recorder.h"
#include "bs-run-data.h"
#include "bs-runs.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

#define BATCH 4096
#define COMPARE_INFERENCES 10000
#define COMPARE_LAYERS 60

static double
seconds_since (int64_t start_us)
{
  return (g_get_monotonic_time () - start_us) / 1e6;
}

static BsModel *
bench_model (void)
{
  BsModel *model = bs_model_new ("bench60", (BsShape) { 3, 32, 32 });

  for (int i = 0; i < COMPARE_LAYERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("layer%02d", i);
      BsLayer layer = bs_layer_init (name, i % 3 == 1 ? BS_LAYER_CONV_BINARY : BS_LAYER_CONV_FIXED,
                                     i % 3 == 1 ? BS_PRECISION_BINARY : BS_PRECISION_FIXED,
                                     i % 3 == 2 ? BS_PATH_SKIP : BS_PATH_MAIN);
      bs_model_add_layer (model, &layer);
    }
  return model;
}

static void
wait_committed (BsRecorder *rec, int64_t events, int64_t samples)
{
  for (;;)
    {
      int64_t e, s;

      bs_recorder_get_committed (rec, &e, &s);
      if (e >= events && s >= samples)
        return;
      g_usleep (500);
    }
}

/* A fast power probe (a 100 kHz PPK2-like meter on a 12 V rail, 100 µW resolution):
 * timestamps from a fitted rate, noisy values. Two channels, interleaved. */
static void
fill_samples (BsSample *batch, int64_t first, int n, GRand *rand)
{
  for (int k = 0; k < n; k++)
    {
      int64_t i = first + k;
      double watts = 9.6 + 0.8 * sin ((double) (i / 2) / 5000.0) + g_rand_double_range (rand, -0.02, 0.02);

      batch[k] = (BsSample) { 1000000000 + llround ((double) (i / 2) * 10000.0 * 1.00005),
                              (int32_t) (i % 2), BS_QUANTITY_POWER, BS_UNIT_WATT, watts };
    }
}

typedef struct
{
  double rate;
  double blob_bytes_per_sample;
  double file_bytes_per_sample;
} SampleResult;

static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? st.st_size : 0;
}

static SampleResult
bench_samples (const char *path, int64_t n, BsModel *model)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRecorder) rec = bs_recorder_new (path, &error);
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  g_autofree BsSample *batch = g_new (BsSample, BATCH);
  BsChannelInfo channels[] = { { 0, BS_QUANTITY_POWER, "12V", 1e-4 },
                               { 1, BS_QUANTITY_POWER, "3V3", 1e-4 } };
  BsRunInfo info = { .backend = "bench", .channels = channels, .n_channels = 2 };
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GArray) stored = NULL;
  SampleResult r = { 0 };
  int64_t run, start, blob = 0;
  goffset before = file_size (path);

  g_assert_no_error (error);
  run = bs_recorder_begin_run (rec, model, &info, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  for (int64_t i = 0; i < n; i += BATCH)
    {
      int count = (int) MIN (BATCH, n - i);
      fill_samples (batch, i, count, rand);
      bs_recorder_push_samples (rec, batch, (gsize) count);
    }
  wait_committed (rec, 0, n);
  r.rate = (double) n / seconds_since (start);
  g_assert_true (bs_recorder_end_run (rec, BS_RUN_COMPLETE, &error));

  store = bs_store_open (path, BS_STORE_OPEN_DEFAULT, &error);
  stored = bs_store_get_channels (store, run, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < stored->len; c++)
    blob += g_array_index (stored, BsChannel, c).stored_bytes;
  r.blob_bytes_per_sample = (double) blob / (double) n;
  g_clear_pointer (&store, bs_store_close);
  /* Let the last connection close: SQLite checkpoints the WAL into the file. */
  g_clear_pointer (&rec, bs_recorder_free);
  r.file_bytes_per_sample = (double) (file_size (path) - before) / (double) n;
  return r;
}

/* Layer events as a CPU backend makes them: 60 ops per inference, µs-scale, lognormal-ish. */
static void
fill_events (BsLayerEvent *batch, int64_t first, int n, int64_t *t, int64_t shift, GRand *rand)
{
  for (int k = 0; k < n; k++)
    {
      int64_t j = first + k;
      int op = (int) (j % COMPARE_LAYERS);
      double base = 2000 + 300 * (op % 7) + (op % 3 == 1 ? 0 : shift);
      int64_t duration = (int64_t) (base * exp (g_rand_double_range (rand, -0.15, 0.15)));

      *t += g_rand_int_range (rand, 20, 120);
      batch[k] = (BsLayerEvent) { (int32_t) (j / COMPARE_LAYERS), op, *t, *t + duration,
                                  BS_CLOCK_HOST };
      *t += duration;
    }
}

static double
record_events (const char *path, int64_t n, int64_t shift, BsModel *model, int64_t *run_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRecorder) rec = bs_recorder_new (path, &error);
  g_autoptr (GRand) rand = g_rand_new_with_seed ((guint32) (7 + shift));
  g_autofree BsLayerEvent *batch = g_new (BsLayerEvent, BATCH);
  BsRunInfo info = { .backend = "bench", .t0_ns = 1000000000 };
  int64_t start, t = 1000000000;
  double rate;

  g_assert_no_error (error);
  *run_out = bs_recorder_begin_run (rec, model, &info, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  for (int64_t i = 0; i < n; i += BATCH)
    {
      int count = (int) MIN (BATCH, n - i);
      int64_t t_before = t;

      fill_events (batch, i, count, &t, shift, rand);
      bs_recorder_push_events (rec, batch, (gsize) count);
      /* A 1 kHz meter alongside, so the summaries include energy. */
      for (int64_t ts = t_before - t_before % 1000000; ts < t; ts += 1000000)
        {
          BsSample p = { ts, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 10.0 };
          bs_recorder_push_samples (rec, &p, 1);
        }
    }
  wait_committed (rec, n, 0);
  rate = (double) n / seconds_since (start);
  /* The synthetic events start at 1 s on the clock: the run ends with its last one. */
  g_assert_true (bs_recorder_end_run_at (rec, BS_RUN_COMPLETE, t, &error));
  return rate;
}

static double
time_compare (BsStore *store, const int64_t *runs, gboolean from_raw)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsComparison) c = NULL;
  int64_t start = g_get_monotonic_time ();

  if (from_raw)
    for (int i = 0; i < 2; i++)
      g_assert_true (bs_query_refresh_summaries (store, runs[i], &error));
  c = bs_query_compare (store, runs, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c->rows->len, ==, COMPARE_LAYERS);
  return seconds_since (start) * 1000;
}

static void
line (const char *what, double value, const char *unit, const char *relation, double target)
{
  gboolean met = g_str_equal (relation, ">=") ? value >= target : value <= target;

  printf ("  %-46s %12.4g %-10s target %s %-8g %s (%.2fx)\n", what, value, unit, relation, target,
          met ? "met" : "MISSED", g_str_equal (relation, ">=") ? value / target : target / value);
}

int
main (int argc, char **argv)
{
  g_autofree char *dir_option = NULL;
  gint64 n_samples = 10000000, n_events = 2400000;
  GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir_option, "Folder for the databases (default: a temp dir)", "DIR" },
    { "samples", 0, 0, G_OPTION_ARG_INT64, &n_samples, "Samples to ingest", "N" },
    { "events", 0, 0, G_OPTION_ARG_INT64, &n_events, "Events to ingest", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = bench_model ();
  g_autofree char *dir = NULL, *samples_db = NULL, *events_db = NULL, *compare_db = NULL;
  g_autoptr (BsStore) store = NULL;
  SampleResult s;
  int64_t runs[2], scratch;
  double events_rate, warm = INFINITY, cold = INFINITY;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-sessions: %s\n", error->message);
      return 2;
    }
  dir = dir_option ? g_strdup (dir_option) : g_dir_make_tmp ("bench-sessions-XXXXXX", &error);
  g_assert_no_error (error);
  samples_db = g_build_filename (dir, "samples.db", NULL);
  events_db = g_build_filename (dir, "events.db", NULL);
  compare_db = g_build_filename (dir, "compare.db", NULL);

  printf ("bench-sessions: %u CPUs, databases in %s\n", g_get_num_processors (), dir);
  s = bench_samples (samples_db, n_samples, model);
  events_rate = record_events (events_db, n_events, 0, model, &scratch);
  record_events (compare_db, (int64_t) COMPARE_INFERENCES * COMPARE_LAYERS, 0, model, &runs[0]);
  record_events (compare_db, (int64_t) COMPARE_INFERENCES * COMPARE_LAYERS, 150, model, &runs[1]);
  store = bs_store_open (compare_db, BS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 5; i++)
    {
      warm = MIN (warm, time_compare (store, runs, FALSE));
      cold = MIN (cold, time_compare (store, runs, TRUE));
    }

  printf ("\n");
  line ("power samples ingested (2 ch, 100 kHz trace)", s.rate, "samples/s", ">=", 1e6);
  line ("layer events ingested (60 ops/inference)", events_rate, "events/s", ">=", 2e5);
  line ("bytes per stored sample (chunk BLOBs)", s.blob_bytes_per_sample, "B", "<=", 8);
  line ("bytes per stored sample (file growth)", s.file_bytes_per_sample, "B", "<=", 8);
  line ("compare 2 x 10k x 60, stored summaries", warm, "ms", "<=", 100);
  line ("compare 2 x 10k x 60, from raw chunks", cold, "ms", "<=", 100);
  printf ("\n(%" G_GINT64_FORMAT " samples, %" G_GINT64_FORMAT " events; best of 5 for compare)\n",
          n_samples, n_events);

  g_clear_pointer (&store, bs_store_close);
  if (dir_option == NULL)
    {
      const char *names[] = { "samples.db", "events.db", "compare.db" };
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *base = g_build_filename (dir, names[i], NULL);
          g_autofree char *wal = g_strconcat (base, "-wal", NULL);
          g_autofree char *shm = g_strconcat (base, "-shm", NULL);
          g_remove (base);
          g_remove (wal);
          g_remove (shm);
        }
      g_rmdir (dir);
    }
  return 0;
}
