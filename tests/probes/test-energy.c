/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-energy.c: batch-means intervals (and how the independent-sample
 * interval fails on autocorrelated readings), direct integration with its minimum-sample
 * and gap rules, and the per-layer and whole-network figures. Pure functions, checked
 * against closed forms computed here. */
#include "bs-energy.h"

#include <math.h>

#define MS INT64_C (1000000)
#define S INT64_C (1000000000)

static void
test_mean_ci_edges (void)
{
  double one = 3.0, same[8] = { 2, 2, 2, 2, 2, 2, 2, 2 };
  double ramp[40];
  BsMeanCI ci;

  bs_mean_ci (NULL, 0, &ci);
  g_assert_true (isnan (ci.mean));
  bs_mean_ci (&one, 1, &ci);
  g_assert_cmpfloat (ci.mean, ==, 3.0);
  g_assert_true (isnan (ci.half_width));
  bs_mean_ci (same, 8, &ci);
  g_assert_cmpfloat (ci.mean, ==, 2.0);
  g_assert_cmpfloat (ci.half_width, ==, 0.0);
  g_assert_cmpuint (ci.n_batches, ==, 4);
  /* Uncorrelated (alternating) readings: ten batches. */
  for (int i = 0; i < 40; i++)
    ramp[i] = i % 2;
  bs_mean_ci (ramp, 40, &ci);
  g_assert_cmpfloat (ci.mean, ==, 0.5);
  g_assert_cmpuint (ci.n_batches, ==, 10);
  g_assert_cmpfloat (ci.dof, ==, 9);
  /* A drift is as correlated as it gets: few, long batches, a wide interval. */
  for (int i = 0; i < 25; i++)
    ramp[i] = i;
  bs_mean_ci (ramp, 25, &ci);
  g_assert_cmpfloat (ci.mean, ==, 12.0);
  g_assert_cmpuint (ci.n_batches, ==, 2);
}

/* AR(1) noise as a slow meter produces it; how often does each interval cover the mean? */
static void
coverage (double rho, double *batch, double *iid)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  const int reps = 2000, n = 100;
  double x[100];
  int hit_b = 0, hit_i = 0;

  for (int r = 0; r < reps; r++)
    {
      double e = 0;
      BsMeanCI b, i;

      for (int k = 0; k < n; k++)
        {
          double z = sqrt (-2 * log (1 - g_rand_double (rand))) * cos (2 * G_PI * g_rand_double (rand));
          e = rho * e + sqrt (1 - rho * rho) * z;
          x[k] = 5.0 + 0.1 * e;
        }
      bs_mean_ci (x, n, &b);
      bs_mean_ci_iid (x, n, &i);
      hit_b += fabs (b.mean - 5.0) <= b.half_width;
      hit_i += fabs (i.mean - 5.0) <= i.half_width;
    }
  *batch = (double) hit_b / reps;
  *iid = (double) hit_i / reps;
}

static void
test_coverage (void)
{
  const double rhos[] = { 0.0, 0.5, 0.8, 0.9 };

  for (guint k = 0; k < G_N_ELEMENTS (rhos); k++)
    {
      double batch, iid;

      coverage (rhos[k], &batch, &iid);
      g_test_message ("AR(1) readings, ρ = %.1f, n = 100: 95 %% intervals cover %.1f %% by batch "
                      "means, %.1f %% per reading", rhos[k], 100 * batch, 100 * iid);
      g_assert_cmpfloat (batch, >, rhos[k] < 0.85 ? 0.91 : 0.88);
      if (rhos[k] >= 0.5)
        g_assert_cmpfloat (iid, <, 0.85);
    }
}

static void
test_difference (void)
{
  /* t(0.975, 9) = 2.262157 and t(0.975, 13) = 2.160369 from the table; the dof, 13.24 by
   * hand, rounds down to 13. */
  BsMeanCI a = { 5.0, 0.2, 9, 100, 10 }, b = { 2.0, 0.1, 9, 50, 10 }, d;
  double sa = 0.2 / 2.262157, sb = 0.1 / 2.262157;
  double dof = pow (sa * sa + sb * sb, 2) / (pow (sa, 4) / 9 + pow (sb, 4) / 9);

  bs_mean_ci_difference (&a, &b, &d);
  g_assert_cmpfloat (d.mean, ==, 3.0);
  g_assert_cmpfloat_with_epsilon (d.dof, dof, 1e-9);
  g_assert_cmpfloat_with_epsilon (dof, 0.0025 * 9 / 0.0017, 1e-9);
  g_assert_cmpfloat_with_epsilon (d.half_width, 2.160369 * sqrt (sa * sa + sb * sb), 1e-6);
  g_assert_cmpfloat (d.half_width, >, 0.2);
  g_assert_cmpfloat (d.half_width, <, 0.3);
}

/* ---- direct ---- */

/* P(t) = 3 + 2 sin(2π t / 4 s), read instantly at 10 Hz; ∫ over [a, b] in closed form. */
static double
p_true (double t)
{
  return 3 + 2 * sin (2 * G_PI * t / 4);
}

static double
e_true (double a, double b)
{
  return 3 * (b - a) - 2 * 4 / (2 * G_PI) * (cos (2 * G_PI * b / 4) - cos (2 * G_PI * a / 4));
}

static BsPowerTrace *
sine_trace (int64_t drop_from, int64_t drop_to)
{
  g_autoptr (GArray) t = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GArray) w = g_array_new (FALSE, FALSE, sizeof (double));

  for (int64_t ts = 0; ts <= 30 * S; ts += 100 * MS)
    {
      double v = p_true (ts * 1e-9);
      if (ts >= drop_from && ts < drop_to)
        continue;
      g_array_append_val (t, ts);
      g_array_append_val (w, v);
    }
  return bs_power_trace_new_from_arrays ((int64_t *) t->data, (double *) w->data, t->len);
}

static void
test_direct (void)
{
  g_autoptr (BsPowerTrace) trace = sine_trace (20 * S, 23 * S);
  BsInterval iv[] = {
    { 1 * S + 30 * MS, 6 * S + 70 * MS },   /* 5 s: fine */
    { 7 * S + 10 * MS, 7 * S + 60 * MS },   /* 50 ms: no reading inside */
    { 8 * S + 10 * MS, 8 * S + 290 * MS },  /* 280 ms: 2 readings, 3 needed */
    { 18 * S, 25 * S },                     /* spans the 3 s hole */
    { 12 * S, 14 * S },
  };
  BsIntervalEnergy out[G_N_ELEMENTS (iv)];
  BsEnergyRules rules;
  double truth = e_true (1.03, 6.07);

  bs_energy_rules_init (&rules);
  rules.idle_w = 1.0;
  bs_energy_direct (trace, iv, G_N_ELEMENTS (iv), &rules, out);
  g_test_message ("direct, 5.04 s of a 4 s sine at 10 Hz: %.5f J against %.5f J (%.3f %%)",
                  out[0].energy_j, truth, 100 * (out[0].energy_j / truth - 1));
  g_assert_cmpint (out[0].status, ==, BS_ENERGY_OK);
  g_assert_cmpuint (out[0].n_samples, ==, 50);
  g_assert_cmpfloat (fabs (out[0].energy_j / truth - 1), <, 0.005);
  g_assert_cmpfloat_with_epsilon (out[0].dynamic_j, out[0].energy_j - 5.04, 1e-9);
  g_assert_cmpfloat_with_epsilon (out[0].mean_power_w, out[0].energy_j / 5.04, 1e-9);
  g_assert_cmpint (out[1].status, ==, BS_ENERGY_TOO_FEW_SAMPLES);
  g_assert_cmpuint (out[1].n_samples, ==, 0);
  g_assert_true (isnan (out[1].energy_j));
  g_assert_cmpint (out[2].status, ==, BS_ENERGY_TOO_FEW_SAMPLES);
  g_assert_cmpuint (out[2].n_samples, ==, 2);
  g_assert_cmpint (out[3].status, ==, BS_ENERGY_GAP);
  g_assert_cmpint (out[3].max_gap_ns, ==, 3100 * MS);
  g_assert_true (isnan (out[3].energy_j));
  g_assert_cmpint (out[4].status, ==, BS_ENERGY_OK);
  g_assert_cmpfloat (fabs (out[4].energy_j / e_true (12, 14) - 1), <, 0.005);

  /* Without a baseline there is no dynamic energy; with min_samples 2 the short one passes. */
  rules.idle_w = NAN;
  rules.min_samples = 2;
  bs_energy_direct (trace, &iv[2], 1, &rules, out);
  g_assert_cmpint (out[0].status, ==, BS_ENERGY_OK);
  g_assert_true (isnan (out[0].dynamic_j));
}

static void
test_trace (void)
{
  BsSample samples[] = {
    { 300, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 3 },
    { 100, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 1 },
    { 150, 1, BS_QUANTITY_POWER, BS_UNIT_WATT, 9 },
    { 200, 0, BS_QUANTITY_VOLTAGE, BS_UNIT_VOLT, 12 },
    { 200, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 2 },
  };
  g_autoptr (BsPowerTrace) trace = bs_power_trace_new (samples, G_N_ELEMENTS (samples), 0);
  gsize first;

  g_assert_cmpuint (trace->n, ==, 3);
  g_assert_cmpint (trace->t_ns[0], ==, 100);
  g_assert_cmpfloat (trace->w[2], ==, 3);
  g_assert_cmpint (bs_power_trace_median_spacing (trace), ==, 100);
  g_assert_cmpuint (bs_power_trace_range (trace, 150, 301, &first), ==, 2);
  g_assert_cmpuint (first, ==, 1);
  g_assert_cmpuint (bs_power_trace_range (trace, 400, 500, &first), ==, 0);
}

/* ---- per layer, whole network ---- */

static void
test_layer (void)
{
  double busy[40], idle[30];
  BsLayerEnergy e;

  for (int i = 0; i < 40; i++)
    busy[i] = 4.0 + 0.01 * sin (1.7 * i);
  for (int i = 0; i < 30; i++)
    idle[i] = 2.5 + 0.01 * cos (2.3 * i);
  bs_energy_layer (busy, 40, idle, 30, 50e-6, 5, &e);
  g_assert_cmpint (e.status, ==, BS_ENERGY_OK);
  g_assert_cmpfloat_with_epsilon (e.busy.mean, 4.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (e.idle.mean, 2.5, 1e-3);
  g_assert_cmpfloat_with_epsilon (e.e_dynamic_j, (e.busy.mean - e.idle.mean) * 50e-6, 1e-15);
  g_assert_cmpfloat_with_epsilon (e.e_total_j, e.busy.mean * 50e-6, 1e-15);
  g_assert_cmpfloat_with_epsilon (e.e_total_ci_j, e.busy.half_width * 50e-6, 1e-18);
  g_assert_cmpfloat (e.e_dynamic_ci_j, >, 0);
  g_assert_cmpfloat (e.e_dynamic_ci_j, <, 0.01 * 50e-6);

  bs_energy_layer (busy, 3, idle, 30, 50e-6, 5, &e);
  g_assert_cmpint (e.status, ==, BS_ENERGY_TOO_FEW_SAMPLES);
}

static void
test_network (void)
{
  double busy[100], idle[40];
  BsNetworkEnergy net;

  for (int i = 0; i < 100; i++)
    busy[i] = 5.0 + 0.05 * sin (i);
  for (int i = 0; i < 40; i++)
    idle[i] = 3.0 + 0.05 * cos (i);
  /* 1000 inferences in 10 s at ~5 W: ~50 mJ each, ~20 per joule. */
  bs_energy_network (busy, 100, idle, 40, 10.0, 1000, 5, &net);
  g_assert_cmpint (net.status, ==, BS_ENERGY_OK);
  g_assert_cmpfloat_with_epsilon (net.e_inference_j, net.power.mean * 0.01, 1e-12);
  g_assert_cmpfloat (fabs (net.e_inference_j - 0.05), <, 0.0005);
  g_assert_cmpfloat (fabs (net.e_dynamic_j - 0.02), <, 0.0005);
  g_assert_cmpfloat_with_epsilon (net.inferences_per_j, 1 / net.e_inference_j, 1e-9);
  g_assert_cmpfloat (net.inferences_per_j_low, <, net.inferences_per_j);
  g_assert_cmpfloat (net.inferences_per_j_high, >, net.inferences_per_j);
  g_assert_cmpfloat (fabs (net.inferences_per_j - 20), <, 0.2);

  bs_energy_network (busy, 100, NULL, 0, 10.0, 1000, 5, &net);
  g_assert_true (isnan (net.e_dynamic_j));
  bs_energy_network (busy, 100, NULL, 0, 10.0, 0, 5, &net);
  g_assert_cmpint (net.status, ==, BS_ENERGY_TOO_FEW_SAMPLES);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/probes/stats/edges", test_mean_ci_edges);
  g_test_add_func ("/probes/stats/coverage", test_coverage);
  g_test_add_func ("/probes/stats/difference", test_difference);
  g_test_add_func ("/probes/energy/trace", test_trace);
  g_test_add_func ("/probes/energy/direct", test_direct);
  g_test_add_func ("/probes/energy/layer", test_layer);
  g_test_add_func ("/probes/energy/network", test_network);
  return g_test_run ();
}
