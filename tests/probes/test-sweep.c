/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sweep.c: per-layer energy attribution against ground truth.
 *
 * A simulated accelerator whose power is a known function of which layer is running
 * (idle power with a slow thermal drift, plus a per-layer step while a layer loops) is
 * measured through the synthetic meter at 10 Hz, averaging 100 ms windows that arrive
 * 200 ms late with 0–20 ms jitter and correlated noise; the meter's latency is first
 * calibrated with an idle/busy pattern. Everything runs on a virtual clock: minutes of
 * sweep take milliseconds. The truth (E_dynamic = ΔP·t_layer, E_total = P·t_layer) is
 * computed here from the world's own parameters, never from the code under test. */
#include "bs-calibrate.h"
#include "bs-probe-synthetic.h"
#include "bs-sweep.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#define MS INT64_C (1000000)
#define S INT64_C (1000000000)

#define SPAN_IDLE (-1)
#define SPAN_NETWORK (-2)
#define SPAN_CALIBRATION (-3)

typedef struct
{
  const char *name;
  BsPrecision precision;
  double dp_w;                  /* power above idle while it loops */
  double t_s;                   /* one invocation */
} LayerTruth;

/* A BlendNet-like mix: binary main paths draw less than fixed-point skips and stem/head. */
static const LayerTruth truth[] = {
  { "stem.conv3x3", BS_PRECISION_FIXED, 2.10, 180e-6 },
  { "s1.b1.main.bconv3x3", BS_PRECISION_BINARY, 0.62, 24e-6 },
  { "s1.b1.skip.conv1x1", BS_PRECISION_FIXED, 1.35, 41e-6 },
  { "s1.b2.main.bconv3x3", BS_PRECISION_BINARY, 0.58, 23e-6 },
  { "s1.b2.skip.conv1x1", BS_PRECISION_FIXED, 1.30, 40e-6 },
  { "s2.b1.main.bconv3x3", BS_PRECISION_BINARY, 0.81, 31e-6 },
  { "s2.b1.skip.conv1x1", BS_PRECISION_FIXED, 1.62, 52e-6 },
  { "s2.b2.main.bconv3x3", BS_PRECISION_BINARY, 0.77, 30e-6 },
  { "s3.b1.main.bconv3x3", BS_PRECISION_BINARY, 1.05, 47e-6 },
  { "s3.b1.skip.conv1x1", BS_PRECISION_FIXED, 1.95, 66e-6 },
  { "s3.b2.main.bconv3x3", BS_PRECISION_BINARY, 0.98, 45e-6 },
  { "head.fc", BS_PRECISION_FIXED, 2.45, 12e-6 },
};
#define N_LAYERS G_N_ELEMENTS (truth)

#define IDLE_W 2.0
#define DRIFT_W_PER_S (0.15 / 400)  /* +0.15 W over the run: the board warms up */
#define CALIBRATION_STEP_W 1.5

typedef struct
{
  int64_t t_start;
  int64_t t_end;
  int layer;                    /* or SPAN_* */
} Span;

typedef struct
{
  BsVirtualClock *clock;
  int64_t t0;
  GArray *spans;                /* Span, in time order */
  guint loops_run;
  int fail_layer;
} World;

static double
idle_w (const World *w, int64_t t)
{
  return IDLE_W + DRIFT_W_PER_S * (t - w->t0) * 1e-9;
}

static double
network_dp (void)
{
  double e = 0, t = 0;

  for (guint i = 0; i < N_LAYERS; i++)
    {
      e += truth[i].dp_w * truth[i].t_s;
      t += truth[i].t_s;
    }
  return e / t;
}

static double
inference_s (void)
{
  double t = 0;

  for (guint i = 0; i < N_LAYERS; i++)
    t += truth[i].t_s;
  return t;
}

static const Span *
span_at (const World *w, int64_t t)
{
  guint lo = 0, hi = w->spans->len;

  /* The last span starting at or before t. */
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (g_array_index (w->spans, Span, mid).t_start <= t)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return NULL;
  return &g_array_index (w->spans, Span, lo - 1);
}

/* The true power: what the simulated board draws at t. */
static double
world_power (int64_t t, gpointer data)
{
  const World *w = data;
  const Span *s = span_at (w, t);
  double p = idle_w (w, t);

  if (s == NULL || t >= s->t_end)
    return p;
  if (s->layer >= 0)
    return p + truth[s->layer].dp_w;
  if (s->layer == SPAN_NETWORK)
    return p + network_dp ();
  if (s->layer == SPAN_CALIBRATION)
    return p + CALIBRATION_STEP_W;
  return p;
}

/* Records the span before time moves: the meter reads the power function as time passes. */
static void
world_run (World *w, int layer, int64_t duration_ns)
{
  int64_t now = bs_virtual_clock_now (w->clock);
  Span s = { now, now + duration_ns, layer };

  g_array_append_val (w->spans, s);
  bs_virtual_clock_advance (w->clock, duration_ns);
}

/* ---- the target ---- */

static const char *
layer_name (guint layer, gpointer data)
{
  return truth[layer].name;
}

static BsPrecision
layer_precision (guint layer, gpointer data)
{
  return truth[layer].precision;
}

static gboolean
run_layer_loop (guint layer, int64_t duration_ns, int64_t *iterations, gpointer data, GError **error)
{
  World *w = data;

  w->loops_run++;
  if ((int) layer == w->fail_layer)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "layer-loop mode is not supported for this op");
      return FALSE;
    }
  *iterations = (int64_t) (duration_ns * 1e-9 / truth[layer].t_s);
  world_run (w, layer, duration_ns);
  return TRUE;
}

static void
idle (int64_t duration_ns, gpointer data)
{
  world_run (data, SPAN_IDLE, duration_ns);
}

static gboolean
run_network (int64_t duration_ns, int64_t *inferences, gpointer data, GError **error)
{
  *inferences = (int64_t) (duration_ns * 1e-9 / inference_s ());
  world_run (data, SPAN_NETWORK, duration_ns);
  return TRUE;
}

static void
calibration_busy (int64_t duration_ns, gpointer data)
{
  world_run (data, SPAN_CALIBRATION, duration_ns);
}

/* ---- set-up ---- */

typedef struct
{
  World world;
  BsVirtualClock *clock;
  BsProbe *probe;
  BsSweepTarget target;
  BsSweepConfig config;
  BsSweepResult result;
} Fixture;

static void
meter_config (Fixture *f, BsSyntheticConfig *meter)
{
  bs_synthetic_config_init (meter);
  meter->power = world_power;
  meter->power_data = &f->world;
  meter->rate_hz = 10;
  meter->window_ns = 100 * MS;
  meter->delay_ns = 200 * MS;
  meter->jitter_ns = 20 * MS;
  meter->noise_w = 0.05;
  meter->noise_corr = 0.5;
  meter->seed = 9;
  meter->clock = f->clock;
}

static void
fixture_init (Fixture *f, const BsSyntheticConfig *overrides)
{
  g_autoptr (GError) error = NULL;
  BsSyntheticConfig meter;

  memset (f, 0, sizeof *f);
  f->clock = bs_virtual_clock_new (5000 * S);
  f->world.clock = f->clock;
  f->world.t0 = bs_virtual_clock_now (f->clock);
  f->world.spans = g_array_new (FALSE, FALSE, sizeof (Span));
  f->world.fail_layer = -1;
  meter_config (f, &meter);
  if (overrides != NULL)
    {
      meter.gone_after_ns = overrides->gone_after_ns;
      meter.stall_after_ns = overrides->stall_after_ns;
      meter.stall_for_ns = overrides->stall_for_ns;
    }
  f->probe = bs_probe_synthetic_new (&meter, &error);
  g_assert_no_error (error);
  f->target = (BsSweepTarget) { N_LAYERS, layer_name, layer_precision, run_layer_loop, idle,
                                run_network, &f->world };
  bs_sweep_config_init (&f->config);
  f->config.busy_ns = 20 * S;
  f->config.idle_ns = 5 * S;
  f->config.network_ns = 20 * S;
  f->config.now = bs_virtual_clock_now_func;
  f->config.now_data = f->clock;
}

static void
fixture_clear (Fixture *f)
{
  bs_sweep_result_clear (&f->result);
  bs_probe_close (f->probe);
  g_array_unref (f->world.spans);
  bs_virtual_clock_free (f->clock);
}

/* Calibrates the meter's latency as a user would, and sets it. */
static void
calibrate (Fixture *f)
{
  BsLoad load = { calibration_busy, idle, &f->world, bs_virtual_clock_now_func, f->clock };
  g_autoptr (GError) error = NULL;
  BsCalibrateConfig cfg;
  BsLatencyEstimate est;

  bs_calibrate_config_init (&cfg);
  g_assert_true (bs_calibrate_latency (f->probe, &load, &cfg, &est, &error));
  g_assert_no_error (error);
  g_test_message ("calibrated latency %.1f ms (r = %.3f); the meter's is 200 ms + 50 ms (half its "
                  "window) + 10 ms (mean jitter)", est.latency_ns / 1e6, est.correlation);
  g_assert_cmpint (ABS (est.latency_ns - 260 * MS), <=, 15 * MS);
  bs_probe_set_latency_ns (f->probe, est.latency_ns, "calibrated in the test");
}

static void
run_sweep (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (bs_sweep_run (f->probe, &f->target, &f->config, &f->result, &error));
  g_assert_no_error (error);
  g_assert_false (bs_probe_is_running (f->probe));
}

/* The true energies of one invocation, with the idle power at the middle of its loop. */
static void
layer_truth (const Fixture *f, guint layer, double *e_dyn, double *e_total)
{
  for (guint i = 0; i < f->world.spans->len; i++)
    {
      const Span *s = &g_array_index (f->world.spans, Span, i);
      if (s->layer == (int) layer)
        {
          double p_idle = idle_w (&f->world, s->t_start + (s->t_end - s->t_start) / 2);
          *e_dyn = truth[layer].dp_w * truth[layer].t_s;
          *e_total = (p_idle + truth[layer].dp_w) * truth[layer].t_s;
          return;
        }
    }
  g_assert_not_reached ();
}

typedef struct
{
  double worst_dyn;
  double worst_total;
  double mean_dyn;
  guint covered;
  guint compared;
} Errors;

static Errors
compare_layers (const Fixture *f, guint from, guint to, gboolean print)
{
  Errors err = { 0 };

  for (guint i = from; i < to; i++)
    {
      const BsSweepLayer *l = &g_array_index (f->result.layers, BsSweepLayer, i);
      double e_dyn, e_total, rd, rt;

      g_assert_cmpint (l->status, ==, BS_SWEEP_OK);
      layer_truth (f, i, &e_dyn, &e_total);
      rd = l->energy.e_dynamic_j / e_dyn - 1;
      rt = l->energy.e_total_j / e_total - 1;
      err.worst_dyn = MAX (err.worst_dyn, fabs (rd));
      err.worst_total = MAX (err.worst_total, fabs (rt));
      err.mean_dyn += fabs (rd);
      err.covered += fabs (l->energy.e_dynamic_j - e_dyn) <= l->energy.e_dynamic_ci_j;
      err.compared++;
      if (print)
        g_test_message ("  %-22s E_dyn %8.3f µJ (truth %8.3f, %+5.2f %%, ±%.3f)   E_total %8.3f µJ "
                        "(truth %8.3f, %+5.2f %%)", l->name, l->energy.e_dynamic_j * 1e6, e_dyn * 1e6,
                        100 * rd, l->energy.e_dynamic_ci_j * 1e6, l->energy.e_total_j * 1e6,
                        e_total * 1e6, 100 * rt);
    }
  err.mean_dyn /= MAX (err.compared, 1);
  return err;
}

static gboolean
messages_mention (const BsSweepResult *r, const char *fragment)
{
  for (guint i = 0; i < r->messages->len; i++)
    if (strstr (r->messages->pdata[i], fragment) != NULL)
      return TRUE;
  return FALSE;
}

/* ---- the tests ---- */

static void
test_ground_truth (void)
{
  Fixture f;
  Errors err;
  const BsNetworkEnergy *net;
  double e_inf_true, ipj_true;
  g_autofree char *table = NULL;
  int64_t t_wall = g_get_monotonic_time ();

  fixture_init (&f, NULL);
  calibrate (&f);
  run_sweep (&f);

  g_assert_true (f.result.simulated);
  g_assert_true (messages_mention (&f.result, "simulated"));
  g_assert_cmpuint (f.result.gaps->len, ==, 0);
  g_assert_cmpuint (f.world.loops_run, ==, N_LAYERS);
  g_assert_cmpint (f.result.period_ns, >=, 90 * MS);
  g_assert_cmpint (f.result.period_ns, <=, 110 * MS);
  g_test_message ("per-layer energy per invocation against the truth:");
  err = compare_layers (&f, 0, N_LAYERS, TRUE);
  g_test_message ("worst error: E_dyn %.2f %%, E_total %.2f %%; mean |E_dyn error| %.2f %%; the "
                  "95 %% interval holds the truth for %u of %u layers", 100 * err.worst_dyn,
                  100 * err.worst_total, 100 * err.mean_dyn, err.covered, err.compared);
  g_assert_cmpfloat (err.worst_dyn, <, 0.05);
  g_assert_cmpfloat (err.worst_total, <, 0.05);
  g_assert_cmpuint (err.covered, >=, N_LAYERS - 2);

  /* Whole network: the truth from the same parameters. */
  net = &f.result.network;
  g_assert_true (f.result.has_network);
  g_assert_cmpint (net->status, ==, BS_ENERGY_OK);
  {
    const Span *s = NULL;
    for (guint i = 0; i < f.world.spans->len; i++)
      if (g_array_index (f.world.spans, Span, i).layer == SPAN_NETWORK)
        s = &g_array_index (f.world.spans, Span, i);
    e_inf_true = (idle_w (&f.world, s->t_start + (s->t_end - s->t_start) / 2) + network_dp ()) * inference_s ();
  }
  ipj_true = 1 / e_inf_true;
  g_test_message ("network: %.4f mJ per inference (truth %.4f, %+.2f %%), %.1f inferences/J "
                  "(truth %.1f), dynamic %.4f mJ (truth %.4f)", net->e_inference_j * 1e3,
                  e_inf_true * 1e3, 100 * (net->e_inference_j / e_inf_true - 1), net->inferences_per_j,
                  ipj_true, net->e_dynamic_j * 1e3, network_dp () * inference_s () * 1e3);
  g_assert_cmpfloat (fabs (net->e_inference_j / e_inf_true - 1), <, 0.05);
  g_assert_cmpfloat (fabs (net->inferences_per_j / ipj_true - 1), <, 0.05);
  g_assert_cmpfloat (fabs (net->e_dynamic_j / (network_dp () * inference_s ()) - 1), <, 0.05);

  table = bs_sweep_result_format (&f.result);
  g_test_message ("\n%s", table);
  g_assert_nonnull (strstr (table, "binary layers"));
  g_assert_nonnull (strstr (table, "fixed-point layers"));
  g_assert_nonnull (strstr (table, "[SIMULATED]"));
  g_assert_nonnull (strstr (table, "s3.b2.main.bconv3x3"));
  g_assert_true (strstr (table, "binary layers") < strstr (table, "fixed-point layers"));
  g_test_message ("%.0f s of virtual sweep in %.2f s", (f.result.t_end_ns - f.result.t_start_ns) * 1e-9,
                  (g_get_monotonic_time () - t_wall) * 1e-6);
  fixture_clear (&f);
}

/* Without the latency, readings are attributed 260 ms late: the idle gaps take in the tail
 * of each loop and the error grows. The calibrated run must do better. */
static void
test_latency_matters (void)
{
  Fixture with, without;
  Errors a, b;

  fixture_init (&with, NULL);
  calibrate (&with);
  with.config.busy_ns = 4 * S;
  with.config.idle_ns = 2 * S;
  run_sweep (&with);
  a = compare_layers (&with, 0, N_LAYERS, FALSE);

  fixture_init (&without, NULL);
  without.config.busy_ns = 4 * S;
  without.config.idle_ns = 2 * S;
  run_sweep (&without);
  g_assert_true (messages_mention (&without.result, "simulated"));
  b = compare_layers (&without, 0, N_LAYERS, FALSE);
  g_test_message ("4 s loops, 2 s gaps: worst E_dyn error %.2f %% with the calibrated latency, "
                  "%.2f %% without; mean %.2f %% against %.2f %%", 100 * a.worst_dyn,
                  100 * b.worst_dyn, 100 * a.mean_dyn, 100 * b.mean_dyn);
  g_assert_cmpfloat (a.mean_dyn, <, 0.03);
  g_assert_cmpfloat (b.mean_dyn, >, 3 * a.mean_dyn);
  fixture_clear (&with);
  fixture_clear (&without);
}

/* The meter vanishes during layer 6: the sweep still runs every layer, records the gap to
 * the end, keeps the figures it could measure and says why the rest are missing. */
static void
test_meter_gone (void)
{
  BsSyntheticConfig faults;
  Fixture f;
  const BsSweepGap *gap;
  Errors err;

  bs_synthetic_config_init (&faults);
  /* Each layer: 5 s idle then 20 s loop; layer 6 loops from 155 s to 175 s. */
  faults.gone_after_ns = 160 * S;
  fixture_init (&f, &faults);
  bs_probe_set_latency_ns (f.probe, 260 * MS, "known");
  run_sweep (&f);

  g_assert_cmpuint (f.world.loops_run, ==, N_LAYERS);
  g_assert_cmpuint (f.result.faults->len, ==, 1);
  g_assert_nonnull (strstr (f.result.faults->pdata[0], "vanished"));
  g_assert_cmpuint (f.result.gaps->len, ==, 1);
  gap = &g_array_index (f.result.gaps, BsSweepGap, 0);
  g_assert_cmpfloat (fabs ((gap->t_start_ns - f.result.t_start_ns) * 1e-9 - 159.7), <, 0.3);
  g_assert_cmpint (gap->t_end_ns, ==, f.result.t_end_ns);
  g_assert_nonnull (strstr (gap->reason, "vanished"));
  g_assert_true (messages_mention (&f.result, "went away at 159."));
  g_assert_true (messages_mention (&f.result, "5 of 12 layers have no energy figures"));
  for (guint i = 0; i < f.result.messages->len; i++)
    g_test_message ("%s", (const char *) f.result.messages->pdata[i]);

  err = compare_layers (&f, 0, 7, FALSE);
  g_test_message ("layers measured before the meter went: worst E_dyn error %.2f %%", 100 * err.worst_dyn);
  g_assert_cmpfloat (err.worst_dyn, <, 0.05);
  g_assert_cmpfloat (g_array_index (f.result.layers, BsSweepLayer, 6).gap_fraction, >, 0.7);
  g_assert_nonnull (strstr (g_array_index (f.result.layers, BsSweepLayer, 6).note, "meter gap"));
  for (guint i = 7; i < N_LAYERS; i++)
    {
      const BsSweepLayer *l = &g_array_index (f.result.layers, BsSweepLayer, i);
      g_assert_cmpint (l->status, ==, BS_SWEEP_NO_DATA);
      g_assert_true (isnan (l->energy.e_dynamic_j));
      g_assert_true (isnan (l->energy.e_total_j));
      g_assert_nonnull (strstr (l->note, "meter had a gap"));
      g_assert_cmpfloat (l->gap_fraction, ==, 1.0);
      g_assert_cmpint (l->iterations, >, 0);
    }
  g_assert_cmpint (f.result.network.status, ==, BS_ENERGY_TOO_FEW_SAMPLES);
  fixture_clear (&f);
}

/* The meter stalls for 24 s around layer 3's loop, then recovers. */
static void
test_meter_stall (void)
{
  BsSyntheticConfig faults;
  Fixture f;
  const BsSweepGap *gap;
  Errors before, after;

  bs_synthetic_config_init (&faults);
  faults.stall_after_ns = 78 * S;
  faults.stall_for_ns = 24 * S;
  fixture_init (&f, &faults);
  bs_probe_set_latency_ns (f.probe, 260 * MS, "known");
  run_sweep (&f);

  g_assert_cmpuint (f.result.gaps->len, ==, 1);
  gap = &g_array_index (f.result.gaps, BsSweepGap, 0);
  g_assert_nonnull (strstr (gap->reason, "stopped answering"));
  g_assert_cmpfloat ((gap->t_end_ns - gap->t_start_ns) * 1e-9, >, 23.5);
  g_assert_cmpint (g_array_index (f.result.layers, BsSweepLayer, 3).status, ==, BS_SWEEP_NO_DATA);
  g_assert_true (messages_mention (&f.result, "No meter readings from 77."));
  before = compare_layers (&f, 0, 3, FALSE);
  after = compare_layers (&f, 4, N_LAYERS, FALSE);
  g_test_message ("stall over layer 3: worst E_dyn error of the others %.2f %%",
                  100 * MAX (before.worst_dyn, after.worst_dyn));
  g_assert_cmpfloat (MAX (before.worst_dyn, after.worst_dyn), <, 0.05);
  fixture_clear (&f);
}

static void
test_backend_failure (void)
{
  Fixture f;
  const BsSweepLayer *l;

  fixture_init (&f, NULL);
  f.world.fail_layer = 5;
  f.config.busy_ns = 6 * S;
  f.config.idle_ns = 3 * S;
  f.target.run_network = NULL;
  bs_probe_set_latency_ns (f.probe, 260 * MS, "known");
  run_sweep (&f);
  l = &g_array_index (f.result.layers, BsSweepLayer, 5);
  g_assert_cmpint (l->status, ==, BS_SWEEP_FAILED);
  g_assert_nonnull (strstr (l->note, "not supported"));
  g_assert_false (f.result.has_network);
  for (guint i = 0; i < N_LAYERS; i++)
    if (i != 5)
      g_assert_cmpint (g_array_index (f.result.layers, BsSweepLayer, i).status, ==, BS_SWEEP_OK);
  fixture_clear (&f);
}

/* Loops shorter than a few meter periods: not enough readings, and it says so. */
static void
test_too_short (void)
{
  Fixture f;
  g_autofree char *table = NULL;

  fixture_init (&f, NULL);
  f.config.busy_ns = 300 * MS;
  f.config.idle_ns = 2 * S;
  f.target.run_network = NULL;
  bs_probe_set_latency_ns (f.probe, 260 * MS, "known");
  run_sweep (&f);
  for (guint i = 0; i < N_LAYERS; i++)
    {
      const BsSweepLayer *l = &g_array_index (f.result.layers, BsSweepLayer, i);
      g_assert_cmpint (l->status, ==, BS_SWEEP_TOO_FEW_SAMPLES);
      g_assert_nonnull (strstr (l->note, "loop it longer"));
    }
  table = bs_sweep_result_format (&f.result);
  g_assert_nonnull (strstr (table, "[too few readings]"));
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/probes/sweep/ground-truth", test_ground_truth);
  g_test_add_func ("/probes/sweep/latency-matters", test_latency_matters);
  g_test_add_func ("/probes/sweep/meter-gone", test_meter_gone);
  g_test_add_func ("/probes/sweep/meter-stall", test_meter_stall);
  g_test_add_func ("/probes/sweep/backend-failure", test_backend_failure);
  g_test_add_func ("/probes/sweep/too-short", test_too_short);
  return g_test_run ();
}
