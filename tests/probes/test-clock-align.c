/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-clock-align.c: the lower-envelope rate fit on synthetic arrivals with jitter and
 * drift, latency by correlation on synthetic traces, and the whole calibration with the
 * synthetic meter on a virtual clock. The truth is built here, independently of the code
 * under test. */
#include "bs-calibrate.h"
#include "bs-clock-align.h"
#include "bs-probe-synthetic.h"

#include <math.h>

#define MS INT64_C (1000000)
#define S INT64_C (1000000000)

/* Transport delays: 0.2 ms floor plus an exponential tail (mean 5 ms), and now and then a
 * long stall (50–100 ms) as USB and schedulers do. */
static int64_t
transport_delay (GRand *rand)
{
  double u = g_rand_double (rand);
  int64_t d = 200000 + (int64_t) (-log (1 - g_rand_double (rand)) * 5 * MS);

  if (u < 0.03)
    d += 50 * MS + g_rand_int_range (rand, 0, 50) * MS;
  return d;
}

/* True time of sample i for a clock with @ppm offset from @rate_hz, starting at @t0. */
static double
true_time (double t0, double rate_hz, double ppm, int64_t i)
{
  return t0 + i * 1e9 / (rate_hz * (1 + ppm * 1e-6));
}

static void
test_envelope_static (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  const double t0 = 1e12, rate = 1000, ppm = 80;
  const int n_packets = 600, per_packet = 100;
  int64_t index[600], arrival[600];
  double worst = 0, naive_sum = 0, fit_sum = 0;
  BsRateModel model;

  for (int k = 0; k < n_packets; k++)
    {
      index[k] = (int64_t) (k + 1) * per_packet - 1;
      arrival[k] = (int64_t) true_time (t0, rate, ppm, index[k]) + transport_delay (rand);
    }
  g_assert_true (bs_clock_fit_envelope (index, arrival, n_packets, 1e6, 2000, &model));
  g_assert_true (model.slope_fitted);
  for (int k = 0; k < n_packets; k++)
    for (int j = 0; j < per_packet; j += 33)
      {
        int64_t i = index[k] - j;
        double truth = true_time (t0, rate, ppm, i);
        double fit = model.t0_ns + model.period_ns * i;
        double naive = arrival[k] - j * 1e6;   /* arrival minus nominal offsets */

        worst = MAX (worst, fabs (fit - truth));
        fit_sum += fabs (fit - truth);
        naive_sum += fabs (naive - truth);
      }
  g_test_message ("1 kHz, +80 ppm, 60 s, jittered arrivals: fitted rate %.4f Hz (true %.4f); "
                  "mean error %.3f ms (worst %.3f ms) against %.3f ms for arrival stamps",
                  1e9 / model.period_ns, rate * (1 + ppm * 1e-6), fit_sum / (n_packets * 4) / 1e6,
                  worst / 1e6, naive_sum / (n_packets * 4) / 1e6);
  g_assert_cmpfloat (fabs (1e9 / model.period_ns - rate * (1 + ppm * 1e-6)), <, 0.005);
  g_assert_cmpfloat (worst, <, 0.5 * MS);
  g_assert_cmpfloat (naive_sum / fit_sum, >, 10);
}

/* Too short a span: the nominal period, and t0 from the earliest arrival. */
static void
test_envelope_short (void)
{
  int64_t index[] = { 9, 19 };
  int64_t arrival[] = { 1000 * MS + 3 * MS, 1100 * MS + 1 * MS };
  BsRateModel model;

  g_assert_false (bs_clock_fit_envelope (index, arrival, 0, 1e7, 100, &model));
  g_assert_true (bs_clock_fit_envelope (index, arrival, 2, 1e7, 100, &model));
  g_assert_false (model.slope_fitted);
  g_assert_cmpfloat (model.period_ns, ==, 1e7);
  /* Below both points, touching the second. */
  g_assert_cmpfloat (model.t0_ns + 19 * 1e7, ==, 1101 * MS);
}

/* The rate changes mid-run (temperature): the sliding window follows it; one fit over the
 * whole run does not. */
static void
test_drift_refit (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  g_autoptr (BsRateFit) fit = bs_rate_fit_new (1000, 30 * S);
  const double rate = 1000;
  const int per_packet = 100, n_packets = 1200;   /* 120 s */
  g_autofree int64_t *index = g_new (int64_t, n_packets);
  g_autofree int64_t *arrival = g_new (int64_t, n_packets);
  g_autofree double *truth = g_new (double, n_packets);
  double t_switch = true_time (0, rate, 80, 60000), worst = 0, sum = 0, whole_sum = 0;
  BsRateModel whole;

  /* +80 ppm for the first minute, −50 ppm after. */
  for (int k = 0; k < n_packets; k++)
    {
      int64_t i = (int64_t) (k + 1) * per_packet - 1;

      truth[k] = i < 60000 ? true_time (0, rate, 80, i)
                           : t_switch + (i - 60000) * 1e9 / (rate * (1 - 50e-6));
      index[k] = i;
      arrival[k] = (int64_t) truth[k] + transport_delay (rand);
      bs_rate_fit_add (fit, i, arrival[k]);
      /* The newest samples as they are stamped, from 30 s after the switch. */
      if (k >= 900)
        {
          double e = fabs (bs_rate_fit_time (fit, i) - truth[k]);
          worst = MAX (worst, e);
          sum += e;
        }
    }
  bs_clock_fit_envelope (index, arrival, n_packets, 1e6, 2000, &whole);
  for (int k = 900; k < n_packets; k++)
    whole_sum += fabs (whole.t0_ns + whole.period_ns * index[k] - truth[k]);
  g_test_message ("drift +80 → −50 ppm at 60 s: refitted (30 s window) error mean %.3f ms, worst "
                  "%.3f ms; one fit over the whole run: mean %.3f ms", sum / 300 / 1e6, worst / 1e6,
                  whole_sum / 300 / 1e6);
  g_assert_cmpfloat (sum / 300, <, 0.4 * MS);
  g_assert_cmpfloat (worst, <, 1.5 * MS);
  g_assert_cmpfloat (whole_sum, >, 2 * sum);
  g_assert_cmpfloat (fabs (1e9 / bs_rate_fit_model (fit)->period_ns - rate * (1 - 50e-6)), <, 0.01);
}

/* ---- latency ---- */

typedef struct
{
  GArray *busy;                 /* BsInterval */
  double idle_w;
  double step_w;
} Pattern;

static double
pattern_power (int64_t t, gpointer data)
{
  const Pattern *p = data;

  for (guint i = 0; i < p->busy->len; i++)
    {
      const BsInterval *iv = &g_array_index (p->busy, BsInterval, i);
      if (t >= iv->t_start_ns && t < iv->t_end_ns)
        return p->idle_w + p->step_w;
    }
  return p->idle_w;
}

/* A meter reading at 10 Hz; each reading averages @window_ns before its instant and arrives
 * @latency_ns after it, with noise. */
static void
meter_trace (const Pattern *p, int64_t latency_ns, int64_t window_ns, double noise, guint32 seed,
             int64_t duration_ns, GArray *t, GArray *w)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  for (int64_t s = 37 * MS; s < duration_ns; s += 100 * MS)
    {
      double sum = 0, value;
      int steps = window_ns > 0 ? 100 : 1;
      int64_t arrival = s + latency_ns;

      for (int j = 0; j < steps; j++)
        sum += pattern_power (s - window_ns + (2 * j + 1) * window_ns / (2 * steps), (gpointer) p);
      value = sum / steps + noise * (g_rand_double (rand) - 0.5) * 3.46;
      g_array_append_val (t, arrival);
      g_array_append_val (w, value);
    }
}

static void
check_latency (int64_t latency_ns, int64_t window_ns, int64_t expected_ns, int64_t tolerance_ns)
{
  BsCalibrateConfig cfg;
  g_autoptr (GArray) t = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GArray) w = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GError) error = NULL;
  BsLatencyEstimate est;
  Pattern p;

  bs_calibrate_config_init (&cfg);
  p.busy = bs_calibrate_pattern (&cfg, 1 * S);
  p.idle_w = 3.0;
  p.step_w = 1.5;
  meter_trace (&p, latency_ns, window_ns, 0.1, 3, cfg.duration_ns + 4 * S, t, w);
  g_assert_true (bs_latency_estimate ((const int64_t *) t->data, (const double *) w->data, t->len,
                                      (const BsInterval *) p.busy->data, p.busy->len,
                                      cfg.max_latency_ns, cfg.step_ns, cfg.min_correlation, &est, &error));
  g_assert_no_error (error);
  g_test_message ("latency %.0f ms, window %.0f ms: estimated %.1f ms (expected %.0f), r = %.3f, "
                  "step %.3f W, plateau %.1f ms", latency_ns / 1e6, window_ns / 1e6, est.latency_ns / 1e6,
                  expected_ns / 1e6, est.correlation, est.step_w, est.plateau_ns / 1e6);
  g_assert_cmpint (ABS (est.latency_ns - expected_ns), <=, tolerance_ns);
  g_assert_cmpfloat (fabs (est.step_w - 1.5), <, 0.1);
  g_array_unref (p.busy);
}

static void
test_latency_point (void)
{
  check_latency (173 * MS, 0, 173 * MS, 5 * MS);
}

/* An averaging meter's reading belongs to the middle of its window. */
static void
test_latency_window (void)
{
  check_latency (120 * MS, 100 * MS, 170 * MS, 10 * MS);
}

static void
test_latency_no_correlation (void)
{
  int64_t t[200];
  double w[200];
  BsInterval busy[] = { { 2 * S, 4 * S }, { 7 * S, 9 * S } };
  g_autoptr (GError) error = NULL;
  BsLatencyEstimate est;

  for (int k = 0; k < 200; k++)
    {
      t[k] = k * 100 * MS;
      w[k] = 5.0 + 0.01 * sin (k);   /* a meter that does not see the load */
    }
  g_assert_false (bs_latency_estimate (t, w, 200, busy, 2, 2 * S, MS, 0.5, &est, &error));
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_NO_DATA);
  g_test_message ("%s", error->message);
}

/* ---- the whole calibration, virtual time ---- */

typedef struct
{
  BsVirtualClock *clock;
  gboolean busy;
  GArray *busy_spans;           /* what the load really did */
  double idle_w;
  double step_w;
} Load;

static double
load_power (int64_t t, gpointer data)
{
  Load *load = data;

  for (guint i = 0; i < load->busy_spans->len; i++)
    {
      const BsInterval *iv = &g_array_index (load->busy_spans, BsInterval, i);
      if (t >= iv->t_start_ns && t < iv->t_end_ns)
        return load->idle_w + load->step_w;
    }
  return load->idle_w;
}

static void
load_busy (int64_t duration_ns, gpointer data)
{
  Load *load = data;
  int64_t now = bs_virtual_clock_now (load->clock);
  BsInterval iv = { now, now + duration_ns };

  /* The schedule is known before time moves, as the power function needs it. */
  g_array_append_val (load->busy_spans, iv);
  bs_virtual_clock_advance (load->clock, duration_ns);
}

static void
load_idle (int64_t duration_ns, gpointer data)
{
  Load *load = data;

  bs_virtual_clock_advance (load->clock, duration_ns);
}

static int64_t
calibrate_virtual (guint32 seed)
{
  g_autoptr (BsVirtualClock) clock = bs_virtual_clock_new (1000 * S);
  Load load = { clock, FALSE, g_array_new (FALSE, FALSE, sizeof (BsInterval)), 4.0, 2.0 };
  BsLoad bs_load = { load_busy, load_idle, &load, bs_virtual_clock_now_func, clock };
  BsSyntheticConfig meter;
  BsCalibrateConfig cfg;
  BsLatencyEstimate est;
  g_autoptr (GError) error = NULL;
  BsProbe *probe;

  bs_synthetic_config_init (&meter);
  meter.power = load_power;
  meter.power_data = &load;
  meter.rate_hz = 10;
  meter.delay_ns = 200 * MS;
  meter.window_ns = 100 * MS;
  meter.noise_w = 0.05;
  meter.noise_corr = 0.5;
  meter.jitter_ns = 20 * MS;
  meter.seed = seed;
  meter.clock = clock;
  probe = bs_probe_synthetic_new (&meter, &error);
  g_assert_no_error (error);
  bs_probe_set_latency_ns (probe, 77 * MS, "before");

  bs_calibrate_config_init (&cfg);
  cfg.seed = seed;
  g_assert_true (bs_calibrate_latency (probe, &bs_load, &cfg, &est, &error));
  g_assert_no_error (error);
  g_test_message ("calibration, seed %u (virtual 10 Hz meter, 200 ms delay, 100 ms window, 0–20 ms "
                  "jitter): %.1f ms, r = %.3f (expected 260 ms)", seed, est.latency_ns / 1e6,
                  est.correlation);
  g_assert_cmpfloat (est.correlation, >, 0.9);
  /* The probe's own latency is as it was. */
  g_assert_cmpint (bs_probe_get_latency_ns (probe), ==, 77 * MS);
  g_assert_cmpstr (bs_probe_get_latency_origin (probe), ==, "before");
  bs_probe_close (probe);
  g_array_unref (load.busy_spans);
  return est.latency_ns;
}

/* Delay 200 ms + half the averaging window + half the mean jitter = 260 ms. */
static void
test_calibrate_virtual (void)
{
  for (guint32 seed = 1; seed <= 5; seed++)
    g_assert_cmpint (ABS (calibrate_virtual (seed) - 260 * MS), <=, 15 * MS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/probes/align/envelope", test_envelope_static);
  g_test_add_func ("/probes/align/envelope-short", test_envelope_short);
  g_test_add_func ("/probes/align/drift", test_drift_refit);
  g_test_add_func ("/probes/align/latency-point", test_latency_point);
  g_test_add_func ("/probes/align/latency-window", test_latency_window);
  g_test_add_func ("/probes/align/latency-none", test_latency_no_correlation);
  g_test_add_func ("/probes/align/calibrate", test_calibrate_virtual);
  return g_test_run ();
}
