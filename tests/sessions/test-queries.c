/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-queries.c: the recorder, and what the queries make of what it recorded,
 * against statistics computed by hand. */
#include "bs-counts.h"
#include "bs-queries.h"
#include "bs-record.h"
#include "bs-recorder.h"
#include "bs-run-data.h"
#include "bs-runs.h"
#include "bs-summaries.h"
#include "session-test-util.h"

#include <math.h>
#include <string.h>

#define N_INF 20
#define GAP 10

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

/* The known run: per inference, op a (fixed, 1000 + 10 i + shift ns), op b (binary,
 * 500 ns), then op c (fixed, skip) twice for 100 ns, 10 ns apart; 2 W throughout. */
static const BsRunLayer known_layers[] = {
  { "a", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_MAIN, 0, { { 8, 1000 } }, 8000, 100 },
  { "b", BS_LAYER_CONV_BINARY, BS_PRECISION_BINARY, BS_PATH_MAIN, 5000, { { 0, 0 } }, 900, 10 },
  { "c", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_SKIP, 0, { { 4, 300 }, { 8, 200 } }, 64, 4 },
};

static GArray *
known_events (int64_t t0, int64_t shift, BsClockSource clock)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  int64_t t = t0;

  for (int i = 0; i < N_INF; i++)
    {
      const int64_t durations[] = { 1000 + 10 * i + shift, 500, 100, 100 };
      const int ops[] = { 0, 1, 2, 2 };

      for (int k = 0; k < 4; k++)
        {
          BsLayerEvent e = { i, ops[k], t, t + durations[k], clock };
          g_array_append_val (events, e);
          t = e.t_end_ns + GAP;
        }
      t += 1000;
    }
  return events;
}

static int64_t
record_known (const char *path, int64_t shift, BsClockSource clock, const BsRunLayer *layers,
              guint n_layers)
{
  g_autoptr (BsModel) model = bs_test_model_new ("known", 3);
  int64_t t0 = 10000000000;
  g_autoptr (GArray) events = known_events (t0, shift, clock);
  BsSample power[2] = {
    { t0 - 1000000, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 2.0 },
    { t0 + 100000000, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 2.0 },
  };
  BsMarker marker = { t0 + 5, (char *) "warm" };
  BsRunInfo info = { .backend = "csim", .layers = layers, .n_layers = n_layers, .t0_ns = t0 };
  BsRecordData data = {
    (const BsLayerEvent *) (void *) events->data, events->len, power, 2, &marker, 1,
  };
  g_autoptr (GError) error = NULL;
  int64_t run = bs_record_run (path, model, &info, &data, BS_RUN_COMPLETE, &error);

  g_assert_no_error (error);
  return run;
}

static const BsLayerStats *
find (GArray *stats, const char *name)
{
  for (guint i = 0; i < stats->len; i++)
    if (g_strcmp0 (g_array_index (stats, BsLayerStats, i).name, name) == 0)
      return &g_array_index (stats, BsLayerStats, i);
  g_assert_not_reached ();
}

static void
check_known_stats (GArray *stats)
{
  const BsLayerStats *a = find (stats, "a"), *b = find (stats, "b"), *c = find (stats, "c");
  /* a = 1000, 1010, ..., 1190. Type 7: median h = 9.5 -> 1095; p5 h = 0.95 -> 1009.5;
   * p95 h = 18.05 -> 1180.5. Sample variance of 0..19 is 20 * 21 / 12 = 35. */
  double sd_a = 10 * sqrt (35);
  double half = 2.093024 * 2 * sd_a * 1e-9 / sqrt (N_INF);   /* t(0.975, 19) */

  g_assert_cmpuint (stats->len, ==, 3);
  g_assert_cmpint (a->time_ns.n, ==, N_INF);
  g_assert_cmpfloat_with_epsilon (a->time_ns.median, 1095, 1e-9);
  g_assert_cmpfloat_with_epsilon (a->time_ns.p5, 1009.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (a->time_ns.p95, 1180.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (a->time_ns.mean, 1095, 1e-9);
  g_assert_cmpfloat_with_epsilon (a->time_ns.sd, sd_a, 1e-9);
  g_assert_cmpfloat (a->time_ns.min, ==, 1000);
  g_assert_cmpfloat (a->time_ns.max, ==, 1190);
  g_assert_cmpint (a->precision, ==, BS_PRECISION_FIXED);
  g_assert_cmpuint (a->clocks, ==, 1u << BS_CLOCK_HOST);
  /* 2 W for a mean 1095 ns: 2.19 uJ, with the interval of the per-inference energies. */
  g_assert_cmpint (a->energy_n, ==, N_INF);
  g_assert_cmpfloat_with_epsilon (a->energy_j, 2.19e-6, 1e-15);
  g_assert_cmpfloat_with_epsilon (a->energy_hi_j - a->energy_j, half, 1e-14);
  g_assert_cmpfloat_with_epsilon (a->energy_j - a->energy_lo_j, half, 1e-14);
  /* 2 W times the times: twice their SD, in nJ. */
  g_assert_cmpfloat_with_epsilon (a->energy_sd_j, 2 * sd_a * 1e-9, 1e-18);

  g_assert_cmpfloat (b->time_ns.median, ==, 500);
  g_assert_cmpfloat (b->time_ns.sd, ==, 0);
  g_assert_cmpfloat (b->energy_sd_j, <, 1e-20);   /* 1 uJ each, up to rounding */
  g_assert_cmpuint (b->binary_macs, ==, 5000);
  /* c runs twice per inference: its per-inference time is the sum. */
  g_assert_cmpint (c->time_ns.n, ==, N_INF);
  g_assert_cmpfloat (c->time_ns.median, ==, 200);
  g_assert_cmpuint (c->fixed_macs, ==, 500);
}

/* The known run's energy cut at inference starts, at 2 W: inference i lasts a_i + 730 and
 * the next starts 1010 ns after it ends; the last piece ends with its last event. */
static double
known_piece_sd_j (void)
{
  double v[N_INF], mean = 0, ss = 0;

  for (int i = 0; i < N_INF; i++)
    {
      v[i] = 2e-9 * (1000 + 10 * i + 730 + (i + 1 < N_INF ? 1010 : 0));
      mean += v[i] / N_INF;
    }
  for (int i = 0; i < N_INF; i++)
    ss += (v[i] - mean) * (v[i] - mean);
  return sqrt (ss / (N_INF - 1));
}

static void
test_layer_stats (Fixture *f, gconstpointer data)
{
  int64_t run = record_known (f->path, 0, BS_CLOCK_HOST, known_layers, 3);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (GArray) stored = bs_query_layer_stats (store, run, &error);
  g_autoptr (GArray) fresh = NULL;

  g_assert_no_error (error);
  /* Stored by end_run... */
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM layer_summaries"), ==, 3);
  check_known_stats (stored);
  /* ...and the same when recomputed from the chunks. */
  g_assert_true (bs_query_refresh_summaries (store, run, &error));
  fresh = bs_query_layer_stats (store, run, &error);
  g_assert_no_error (error);
  check_known_stats (fresh);
}

static void
test_totals (Fixture *f, gconstpointer data)
{
  int64_t run = record_known (f->path, 0, BS_CLOCK_HOST, known_layers, 3);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  BsRunTotals t;
  /* Per inference: a + 500 + 100 + 100 plus three 10 ns gaps. */
  double latency_median = 1095 + 730;
  /* 20 inferences, each a_i + 730 long, 1010 ns apart (the gap after c, plus 1000). */
  int64_t span = 20 * 730 + (20 * 1000 + 10 * 190) + 19 * 1010;

  g_assert_true (bs_query_run_totals (store, run, &t, &error));
  g_assert_no_error (error);
  g_assert_cmpint (t.n_inferences, ==, N_INF);
  g_assert_cmpint (t.n_events, ==, N_INF * 4);
  g_assert_cmpint (t.n_samples, ==, 2);
  g_assert_cmpfloat_with_epsilon (t.latency_ns.median, latency_median, 1e-9);
  g_assert_cmpfloat_with_epsilon (t.busy_ns, 1095 + 500 + 200, 1e-9);
  g_assert_cmpint (t.span_ns, ==, span);
  g_assert_true (t.has_power);
  g_assert_cmpfloat_with_epsilon (t.mean_power_w, 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (t.energy_j, 2.0 * span * 1e-9, 1e-18);
  g_assert_cmpfloat_with_epsilon (t.energy_per_inference_j, 2.0 * span * 1e-9 / N_INF, 1e-18);
  g_assert_cmpfloat_with_epsilon (t.energy_per_inference_sd_j, known_piece_sd_j (), 1e-18);
  /* Binary vs fixed, from the layer table's tags. */
  g_assert_cmpfloat_with_epsilon (t.split.time_ns[BS_PRECISION_BINARY], 500, 1e-9);
  g_assert_cmpfloat_with_epsilon (t.split.time_ns[BS_PRECISION_FIXED], 1095 + 200, 1e-9);
  g_assert_cmpuint (t.split.macs[BS_PRECISION_BINARY], ==, 5000);
  g_assert_cmpuint (t.split.macs[BS_PRECISION_FIXED], ==, 1500);
  g_assert_cmpfloat_with_epsilon (t.split.energy_j[BS_PRECISION_BINARY], 1e-6, 1e-15);
  g_assert_cmpuint (t.clocks, ==, 1u << BS_CLOCK_HOST);
}

/* The same run with modelled timings (csim): the meter measured the host simulating it, so
 * no energy is attributed to layers or inferences, and the throughput is the model's own,
 * 1 / mean latency, not the host's 20 inferences over the span. */
static void
test_modelled_totals (Fixture *f, gconstpointer data)
{
  int64_t run = record_known (f->path, 0, BS_CLOCK_MODELLED, known_layers, 3);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (GArray) stats = bs_query_layer_stats (store, run, &error);
  /* Mean of a_i + 730: a_i = 1000, 1010, ..., 1190. */
  double latency_mean = 1095 + 730;
  int64_t span = 20 * 730 + (20 * 1000 + 10 * 190) + 19 * 1010;
  BsRunTotals t;

  g_assert_no_error (error);
  g_assert_true (bs_query_run_totals (store, run, &t, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (t.clocks, ==, 1u << BS_CLOCK_MODELLED);
  g_assert_cmpfloat_with_epsilon (t.throughput, 1e9 / latency_mean, 1e-6);
  /* The host's own measurement stays: 2 W over the span. */
  g_assert_true (t.has_power);
  g_assert_cmpfloat_with_epsilon (t.energy_j, 2.0 * span * 1e-9, 1e-18);
  g_assert_true (isnan (t.energy_per_inference_j));
  g_assert_true (isnan (t.energy_per_inference_sd_j));
  for (guint i = 0; i < stats->len; i++)
    {
      g_assert_cmpint (g_array_index (stats, BsLayerStats, i).energy_n, ==, 0);
      g_assert_true (isnan (g_array_index (stats, BsLayerStats, i).energy_j));
    }
  g_assert_cmpfloat (t.split.energy_j[BS_PRECISION_BINARY], ==, 0);
}

static void
test_layer_table (Fixture *f, gconstpointer data)
{
  int64_t with_table = record_known (f->path, 0, BS_CLOCK_HOST, known_layers, 3);
  int64_t from_model = record_known (f->path, 0, BS_CLOCK_HOST, NULL, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (GArray) t1 = bs_store_get_run_layers (store, with_table, &error);
  g_autoptr (GArray) t2 = bs_store_get_run_layers (store, from_model, &error);
  g_autoptr (GArray) markers = bs_store_get_markers (store, with_table, &error);
  const BsRunLayer *c;

  g_assert_no_error (error);
  g_assert_cmpuint (t1->len, ==, 3);
  c = &g_array_index (t1, BsRunLayer, 2);
  g_assert_cmpstr (c->name, ==, "c");
  g_assert_cmpint (c->path, ==, BS_PATH_SKIP);
  g_assert_cmpint (c->fixed_macs[0].bits, ==, 4);
  g_assert_cmpuint (c->fixed_macs[1].macs, ==, 200);
  g_assert_cmpuint (bs_run_layer_fixed_macs (c), ==, 500);
  g_assert_cmpuint (t2->len, ==, 3);
  g_assert_cmpstr (g_array_index (t2, BsRunLayer, 1).name, ==, "layer1");
  g_assert_cmpint (g_array_index (t2, BsRunLayer, 1).precision, ==, BS_PRECISION_BINARY);
  g_assert_cmpuint (markers->len, ==, 1);
  g_assert_cmpstr (g_array_index (markers, BsMarker, 0).label, ==, "warm");
}

static void
test_compare (Fixture *f, gconstpointer data)
{
  static const BsRunLayer other_layers[] = {
    { "a", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_MAIN, 0, { { 8, 1000 } }, 0, 0 },
    { "d", BS_LAYER_CONV_BINARY, BS_PRECISION_BINARY, BS_PATH_MAIN, 0, { { 0, 0 } }, 0, 0 },
    { "e", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_SKIP, 0, { { 0, 0 } }, 0, 0 },
  };
  int64_t base = record_known (f->path, 0, BS_CLOCK_HOST, known_layers, 3);
  int64_t slower = record_known (f->path, 100, BS_CLOCK_HOST, known_layers, 3);
  int64_t other = record_known (f->path, 0, BS_CLOCK_MODELLED, other_layers, 3);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  int64_t pair[] = { base, slower }, three[] = { base, slower, other };
  g_autoptr (BsComparison) c2 = bs_query_compare (store, pair, 2, &error);
  g_autoptr (BsComparison) c3 = NULL;
  const BsCompareRow *a, *b, *d;

  g_assert_no_error (error);
  g_assert_cmpuint (c2->rows->len, ==, 3);
  g_assert_false (c2->mixed_origins);
  a = &g_array_index (c2->rows, BsCompareRow, 0);
  b = &g_array_index (c2->rows, BsCompareRow, 1);
  g_assert_cmpstr (a->name, ==, "a");
  g_assert_cmpfloat_with_epsilon (a->time_ns.delta[1], 100, 1e-9);
  g_assert_cmpfloat_with_epsilon (a->time_ns.ratio[1], 1195.0 / 1095.0, 1e-12);
  /* Equal variances (3500) and sizes: se = sqrt (2 * 3500 / 20), df = 38. */
  g_assert_cmpfloat_with_epsilon (a->time_ns.test[1].t, 100 / sqrt (350), 1e-9);
  g_assert_cmpfloat_with_epsilon (a->time_ns.test[1].df, 38, 1e-9);
  g_assert_cmpfloat (a->time_ns.test[1].p, <, 1e-4);
  g_assert_true (a->time_ns.significant[1]);
  g_assert_cmpfloat (b->time_ns.test[1].p, ==, 1);
  g_assert_false (b->time_ns.significant[1]);
  /* Energy: 2 W throughout, so 2 W times the time; Welch's t does not depend on the unit. */
  g_assert_cmpint (a->energy_j.value[1].n, ==, N_INF);
  g_assert_cmpfloat_with_epsilon (a->energy_j.delta[1], 200e-9, 1e-18);
  g_assert_cmpfloat_with_epsilon (a->energy_j.test[1].t, 100 / sqrt (350), 1e-9);
  g_assert_cmpfloat_with_epsilon (a->energy_j.test[1].df, 38, 1e-9);
  g_assert_true (a->energy_j.significant[1]);
  g_assert_cmpfloat (b->energy_j.test[1].p, ==, 1);
  g_assert_false (b->energy_j.significant[1]);
  g_assert_cmpfloat_with_epsilon (c2->latency_ns.test[1].t, 100 / sqrt (350), 1e-9);
  g_assert_true (c2->latency_ns.significant[1]);
  /* Run energy per inference: every piece 100 ns longer at 2 W, the same spread. */
  g_assert_cmpfloat_with_epsilon (c2->energy_j.delta[1], 2e-7, 1e-18);
  g_assert_cmpfloat_with_epsilon (c2->energy_j.test[1].t,
                                  2e-7 / sqrt (2 * pow (known_piece_sd_j (), 2) / N_INF), 1e-6);
  g_assert_cmpint (c2->energy_j.significant[1], ==, c2->energy_j.test[1].p < 0.05);
  g_assert_cmpfloat_with_epsilon (c2->totals[1].split.time_ns[BS_PRECISION_FIXED], 1395, 1e-9);

  c3 = bs_query_compare (store, three, 3, &error);
  g_assert_no_error (error);
  /* a, b, c from the baseline, then d and e that only the third run has. */
  g_assert_cmpuint (c3->rows->len, ==, 5);
  g_assert_true (c3->mixed_origins);
  a = &g_array_index (c3->rows, BsCompareRow, 0);
  d = &g_array_index (c3->rows, BsCompareRow, 3);
  g_assert_cmpint (a->op[2], ==, 0);
  g_assert_cmpfloat_with_epsilon (a->time_ns.ratio[2], 1, 1e-12);
  g_assert_cmpstr (d->name, ==, "d");
  g_assert_cmpint (d->op[0], ==, -1);
  g_assert_cmpint (d->op[1], ==, -1);
  g_assert_cmpint (d->op[2], ==, 1);
  g_assert_true (isnan (d->time_ns.delta[2]));
  g_assert_false (d->time_ns.significant[2]);
}

/* A file of schema version 1 (summaries of version 1, no energy SD) opens migrated, and
 * the energy SD comes back from the run's events and samples, in time for a test. */
static void
test_migrate_energy_sd (Fixture *f, gconstpointer data)
{
  int64_t base = record_known (f->path, 0, BS_CLOCK_HOST, known_layers, 3);
  int64_t slower = record_known (f->path, 100, BS_CLOCK_HOST, known_layers, 3);
  int64_t pair[] = { base, slower };
  g_autoptr (GError) error = NULL;

  {
    g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
    g_autoptr (BsComparison) c = bs_query_compare (store, pair, 2, &error);   /* stores summaries */
    g_assert_no_error (error);
  }
  bs_test_sql_exec (f->path, "DROP TABLE run_links;"         /* version 4's */
                             "DROP TABLE run_evaluations;"   /* version 3's */
                             "ALTER TABLE layer_summaries DROP COLUMN energy_sd_j;"
                             "ALTER TABLE run_summaries DROP COLUMN energy_per_inference_sd_j;"
                             "UPDATE layer_summaries SET version = 1;"
                             "UPDATE run_summaries SET version = 1; PRAGMA user_version = 1;");
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM layer_summaries"), ==, 6);
  {
    g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
    g_autoptr (BsComparison) c = NULL;
    const BsCompareRow *a;

    g_assert_no_error (error);
    c = bs_query_compare (store, pair, 2, &error);
    g_assert_no_error (error);
    a = &g_array_index (c->rows, BsCompareRow, 0);
    g_assert_cmpfloat_with_epsilon (a->energy_j.value[0].sd, 2 * 10 * sqrt (35) * 1e-9, 1e-18);
    g_assert_true (a->energy_j.significant[1]);
    g_assert_cmpfloat_with_epsilon (c->totals[0].energy_per_inference_sd_j, known_piece_sd_j (), 1e-18);
  }
  g_assert_cmpint (bs_test_sql_int (f->path, "PRAGMA user_version"), ==, BS_STORE_SCHEMA_VERSION);
  /* Recomputed at the current summary version. */
  {
    g_autofree char *layers = g_strdup_printf ("SELECT count(*) FROM layer_summaries WHERE "
                                               "energy_sd_j IS NOT NULL AND version = %d",
                                               BS_SUMMARY_VERSION);
    g_autofree char *runs = g_strdup_printf ("SELECT count(*) FROM run_summaries WHERE "
                                             "energy_per_inference_sd_j IS NOT NULL AND version = %d",
                                             BS_SUMMARY_VERSION);

    g_assert_cmpint (bs_test_sql_int (f->path, layers), ==, 6);
    g_assert_cmpint (bs_test_sql_int (f->path, runs), ==, 2);
  }
}

/* Two producer threads, several chunks: everything arrives, in each producer's order. */
typedef struct
{
  BsRecorder *rec;
  int n;
} Producer;

static gpointer
produce_events (gpointer data)
{
  Producer *p = data;

  for (int i = 0; i < p->n; i += 100)
    {
      BsLayerEvent batch[100];
      for (int k = 0; k < 100; k++)
        batch[k] = (BsLayerEvent) { (i + k) / 7, (i + k) % 7, 1000 * (int64_t) (i + k),
                                    1000 * (int64_t) (i + k) + 500, BS_CLOCK_DEVICE };
      g_assert_true (bs_recorder_push_events (p->rec, batch, 100));
    }
  return NULL;
}

static gpointer
produce_samples (gpointer data)
{
  Producer *p = data;

  for (int i = 0; i < p->n; i += 50)
    {
      BsSample batch[50];
      for (int k = 0; k < 50; k++)
        batch[k] = (BsSample) { 2000 * (int64_t) (i + k), (i + k) % 2,
                                (i + k) % 2 ? BS_QUANTITY_VOLTAGE : BS_QUANTITY_POWER,
                                BS_UNIT_WATT, (i + k) * 0.001 };
      g_assert_true (bs_recorder_push_samples (p->rec, batch, 50));
    }
  return NULL;
}

static void
test_recorder_threads (Fixture *f, gconstpointer data)
{
  g_autoptr (BsModel) model = bs_test_model_new ("m", 7);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRecorder) rec = bs_recorder_new (f->path, &error);
  BsChannelInfo channels[] = { { 0, BS_QUANTITY_POWER, "P", 1e-3 }, { 1, BS_QUANTITY_VOLTAGE, "V", 1e-3 } };
  BsRunInfo info = { .backend = "cpu", .channels = channels, .n_channels = 2 };
  int64_t run = bs_recorder_begin_run (rec, model, &info, &error);
  Producer pe = { rec, 30000 }, ps = { rec, 50000 };
  GThread *te, *ts;
  int64_t committed_events, committed_samples;

  g_assert_no_error (error);
  te = g_thread_new ("events", produce_events, &pe);
  ts = g_thread_new ("samples", produce_samples, &ps);
  g_thread_join (te);
  g_thread_join (ts);
  g_assert_true (bs_recorder_end_run (rec, BS_RUN_COMPLETE, &error));
  g_assert_no_error (error);
  bs_recorder_get_committed (rec, &committed_events, &committed_samples);
  g_assert_cmpint (committed_events, ==, 30000);
  g_assert_cmpint (committed_samples, ==, 50000);
  {
    g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
    g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
    g_autoptr (GArray) chans = bs_store_get_channels (store, run, &error);

    g_assert_true (bs_store_read_events (store, run, events, &error));
    g_assert_cmpuint (events->len, ==, 30000);
    for (guint i = 0; i < events->len; i++)
      {
        const BsLayerEvent *e = &g_array_index (events, BsLayerEvent, i);
        g_assert_cmpint (e->op, ==, (int) i % 7);
        g_assert_cmpint (e->t_start_ns, ==, 1000 * (int64_t) i);
        g_assert_cmpint (e->clock, ==, BS_CLOCK_DEVICE);
      }
    g_assert_cmpuint (chans->len, ==, 2);
    for (guint c = 0; c < 2; c++)
      {
        g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
        const BsChannel *ch = &g_array_index (chans, BsChannel, c);

        g_assert_true (bs_store_read_samples (store, ch, INT64_MIN, INT64_MAX, samples, &error));
        g_assert_cmpuint (samples->len, ==, 25000);
        g_assert_cmpstr (ch->name, ==, c ? "V" : "P");
        for (guint i = 0; i < samples->len; i++)
          {
            int k = 2 * (int) i + (int) c;
            g_assert_cmpint (g_array_index (samples, BsSample, i).t_ns, ==, 2000 * (int64_t) k);
            g_assert_cmpfloat_with_epsilon (g_array_index (samples, BsSample, i).value, k * 0.001, 1e-9);
          }
        /* A window read returns exactly the samples inside it. */
        g_array_set_size (samples, 0);
        g_assert_true (bs_store_read_samples (store, ch, 2000 * 10001, 2000 * 20000, samples, &error));
        g_assert_cmpuint (samples->len, ==, 5000);
      }
    g_assert_no_error (error);
  }
}

/* What was pushed is readable by another connection within a commit interval or two,
 * without the run ending: partial chunks are committed too. */
static void
test_recorder_commits (Fixture *f, gconstpointer data)
{
  g_autoptr (BsModel) model = bs_test_model_new ("m", 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRecorder) rec = bs_recorder_new (f->path, &error);
  BsRunInfo info = { .backend = "cpu" };
  int64_t run = bs_recorder_begin_run (rec, model, &info, &error);
  g_autoptr (BsStore) reader = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);

  g_assert_no_error (error);
  for (int round = 1; round <= 3; round++)
    {
      BsLayerEvent e[3];
      BsSample s = { round * 1000, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, round };
      g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
      g_autoptr (BsRun) r = NULL;

      for (int k = 0; k < 3; k++)
        e[k] = (BsLayerEvent) { round, k, round * 1000 + k * 10, round * 1000 + k * 10 + 5, BS_CLOCK_HOST };
      int64_t deadline;

      g_assert_true (bs_recorder_push_events (rec, e, 3));
      g_assert_true (bs_recorder_push_samples (rec, &s, 1));
      /* A commit interval or two; more only on a machine busy with other things. */
      deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      do
        {
          g_usleep (BS_RECORDER_COMMIT_INTERVAL_MS * 1000 / 4);
          g_array_set_size (events, 0);
          g_assert_true (bs_store_read_events (reader, run, events, &error));
        }
      while (events->len < 3 * (guint) round && g_get_monotonic_time () < deadline);
      g_assert_cmpuint (events->len, ==, 3 * round);
      r = bs_store_get_run (reader, run, &error);
      g_assert_cmpint (r->status, ==, BS_RUN_RUNNING);
      g_assert_cmpint (r->n_samples, ==, round);
    }
  /* Queries on a run in progress work, and store nothing. */
  {
    g_autoptr (GArray) stats = bs_query_layer_stats (reader, run, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_array_index (stats, BsLayerStats, 0).time_ns.n, ==, 3);
    g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM layer_summaries"), ==, 0);
  }
  g_assert_true (bs_recorder_end_run (rec, BS_RUN_COMPLETE, &error));
  g_assert_no_error (error);
}

/* A slow stream (one sample per commit) has its chunk sealed after a while instead of
 * being rewritten forever; nothing is lost across the seals. */
static void
test_recorder_seals_slow_chunks (Fixture *f, gconstpointer data)
{
  g_autoptr (BsModel) model = bs_test_model_new ("m", 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRecorder) rec = bs_recorder_new (f->path, &error);
  BsRunInfo info = { .backend = "cpu" };
  int64_t run;
  const int n = 130;

  bs_recorder_set_commit_interval (rec, 5);
  run = bs_recorder_begin_run (rec, model, &info, &error);
  g_assert_no_error (error);
  for (int i = 0; i < n; i++)
    {
      BsSample s = { 1000 * (int64_t) i, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, i * 0.5 };
      BsLayerEvent e = { i, 0, 1000 * (int64_t) i, 1000 * (int64_t) i + 7, BS_CLOCK_HOST };

      int64_t events = 0, samples = 0;

      g_assert_true (bs_recorder_push_samples (rec, &s, 1));
      g_assert_true (bs_recorder_push_events (rec, &e, 1));
      /* One commit per item, however loaded the machine. */
      while (events <= i || samples <= i)
        {
          g_usleep (1000);
          bs_recorder_get_committed (rec, &events, &samples);
        }
    }
  g_assert_true (bs_recorder_end_run (rec, BS_RUN_COMPLETE, &error));
  g_assert_no_error (error);
  /* Each stream was written by 130 commits: sealed after 50 and 100. */
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM sample_chunks"), ==, 3);
  g_assert_cmpint (bs_test_sql_int (f->path, "SELECT count(*) FROM event_chunks"), ==, 3);
  {
    g_autoptr (BsStore) store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
    g_autoptr (GArray) chans = bs_store_get_channels (store, run, &error);
    g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
    g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));

    g_assert_true (bs_store_read_samples (store, &g_array_index (chans, BsChannel, 0), INT64_MIN,
                                          INT64_MAX, samples, &error));
    g_assert_true (bs_store_read_events (store, run, events, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (samples->len, ==, n);
    g_assert_cmpuint (events->len, ==, n);
    for (int i = 0; i < n; i++)
      {
        g_assert_cmpfloat (g_array_index (samples, BsSample, i).value, ==, i * 0.5);
        g_assert_cmpint (g_array_index (events, BsLayerEvent, i).inference, ==, i);
      }
  }
}

/* A real model's layer table: its counts and the split's MACs agree with core's own
 * per-precision totals. */
static void
test_model_counts (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (g_getenv ("BS_SOURCE_ROOT") ? g_getenv ("BS_SOURCE_ROOT")
                                                                        : ".",
                                            "data", "models", "blendnet20.bsm", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = NULL;
  g_autoptr (GArray) events = NULL;
  g_autoptr (GArray) durations = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GArray) table = NULL;
  BsRunInfo info = { .backend = "cpu" };
  BsRecordData rd = { 0 };
  BsCounts binary, fixed, one;
  BsRunTotals t;
  int64_t run;

  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("data/models/blendnet20.bsm is not there");
      return;
    }
  model = bs_model_load (file, &error);
  g_assert_no_error (error);
  durations = g_array_new (FALSE, FALSE, sizeof (int64_t));
  for (int k = 0; k < bs_model_n_layers (model); k++)
    {
      int64_t d = 100 + k;
      g_array_append_val (durations, d);
    }
  events = bs_test_events (3, bs_model_n_layers (model), 1000, (const int64_t *) (void *) durations->data,
                           BS_CLOCK_HOST);
  rd.events = (const BsLayerEvent *) (void *) events->data;
  rd.n_events = events->len;
  run = bs_record_run (f->path, model, &info, &rd, BS_RUN_COMPLETE, &error);
  g_assert_no_error (error);

  store = bs_store_open (f->path, BS_STORE_OPEN_DEFAULT, &error);
  table = bs_store_get_run_layers (store, run, &error);
  g_assert_true (bs_query_run_totals (store, run, &t, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (table->len, ==, (guint) bs_model_n_layers (model));
  for (int k = 0; k < bs_model_n_layers (model); k++)
    {
      const BsRunLayer *l = &g_array_index (table, BsRunLayer, k);

      bs_layer_counts (model, k, &one);
      g_assert_cmpuint (l->binary_macs, ==, one.binary_macs);
      g_assert_cmpuint (bs_run_layer_fixed_macs (l), ==, bs_counts_fixed_macs (&one));
      g_assert_cmpuint (l->param_bits, ==, one.param_bits);
    }
  bs_model_counts_by_precision (model, &binary, &fixed);
  g_assert_cmpuint (t.split.macs[BS_PRECISION_BINARY], ==,
                    binary.binary_macs + bs_counts_fixed_macs (&binary));
  g_assert_cmpuint (t.split.macs[BS_PRECISION_FIXED], ==,
                    fixed.binary_macs + bs_counts_fixed_macs (&fixed));
  g_assert_cmpuint (t.split.macs[BS_PRECISION_BINARY], >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/queries/layer-stats", test_layer_stats);
  ADD ("/queries/totals", test_totals);
  ADD ("/queries/modelled-totals", test_modelled_totals);
  ADD ("/queries/layer-table", test_layer_table);
  ADD ("/queries/compare", test_compare);
  ADD ("/queries/migrate-energy-sd", test_migrate_energy_sd);
  ADD ("/queries/model-counts", test_model_counts);
  ADD ("/recorder/threads", test_recorder_threads);
  ADD ("/recorder/commits", test_recorder_commits);
  ADD ("/recorder/seals-slow-chunks", test_recorder_seals_slow_chunks);
#undef ADD
  return g_test_run ();
}
