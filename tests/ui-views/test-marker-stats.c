/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-marker-stats.c: duration, energy and average power between two markers, against
 * trapezoids computed by hand; the three sample layouts (int64 times, relative double
 * times, a live BsPowerSeries) agree. */
#include <math.h>

#include "bs-marker-stats.h"

#define MS 1000000

/* 0, 1, 2, 3 ms at 2, 4, 4, 0 W. */
static const int64_t t[] = { 0, 1 * MS, 2 * MS, 3 * MS };
static const double p[] = { 2, 4, 4, 0 };

static void
test_by_hand (void)
{
  BsMarkerStats st;

  /* A = 0.5 ms (3 W), B = 2.5 ms (2 W): (3+4)/2 × 0.5 + 4 × 1 + (4+2)/2 × 0.5 = 7.25 mJ. */
  g_assert_true (bs_marker_stats_compute (t, p, 4, MS / 2, 5 * MS / 2, &st));
  g_assert_cmpfloat (st.duration_ns, ==, 2 * MS);
  g_assert_cmpfloat_with_epsilon (st.energy_j, 7.25e-3, 1e-15);
  g_assert_cmpfloat_with_epsilon (st.mean_power_w, 3.625, 1e-12);
  g_assert_cmpuint (st.n_samples, ==, 2);
  g_assert_cmpfloat (st.min_w, ==, 4);
  g_assert_cmpfloat (st.max_w, ==, 4);
  g_assert_false (st.extrapolated);

  /* The markers' order does not matter. */
  {
    BsMarkerStats back;
    g_assert_true (bs_marker_stats_compute (t, p, 4, 5 * MS / 2, MS / 2, &back));
    g_assert_cmpfloat (back.energy_j, ==, st.energy_j);
    g_assert_cmpfloat (back.t_a_ns, ==, MS / 2);
  }

  /* On samples: from 1 ms to 3 ms, 4 × 1 + (4 + 0)/2 × 1 = 6 mJ; both ends count. */
  g_assert_true (bs_marker_stats_compute (t, p, 4, MS, 3 * MS, &st));
  g_assert_cmpfloat_with_epsilon (st.energy_j, 6e-3, 1e-15);
  g_assert_cmpuint (st.n_samples, ==, 3);
  g_assert_cmpfloat (st.min_w, ==, 0);
  g_assert_cmpfloat (st.max_w, ==, 4);

  /* Before the first sample the trace is held: -1 .. 0 ms at 2 W, then (2+3)/2 × 0.5. */
  g_assert_true (bs_marker_stats_compute (t, p, 4, -MS, MS / 2, &st));
  g_assert_cmpfloat_with_epsilon (st.energy_j, 3.25e-3, 1e-15);
  g_assert_true (st.extrapolated);

  /* And after the last: 3 .. 5 ms at 0 W adds nothing; from 2.5 ms: (2+0)/2 × 0.5. */
  g_assert_true (bs_marker_stats_compute (t, p, 4, 5 * MS / 2, 5 * MS, &st));
  g_assert_cmpfloat_with_epsilon (st.energy_j, 0.5e-3, 1e-15);
  g_assert_cmpfloat_with_epsilon (st.mean_power_w, 0.5e-3 / 2.5e-3, 1e-12);
  g_assert_true (st.extrapolated);

  /* Both markers at one time: no energy, the trace's value there. */
  g_assert_true (bs_marker_stats_compute (t, p, 4, MS / 2, MS / 2, &st));
  g_assert_cmpfloat (st.energy_j, ==, 0);
  g_assert_cmpfloat_with_epsilon (st.mean_power_w, 3, 1e-12);

  /* Between two samples only. */
  g_assert_true (bs_marker_stats_compute (t, p, 4, MS / 4, 3 * MS / 4, &st));
  g_assert_cmpuint (st.n_samples, ==, 0);
  g_assert_true (isnan (st.min_w));
  /* 2.5 W to 3.5 W over 0.5 ms: 1.5 mJ. */
  g_assert_cmpfloat_with_epsilon (st.energy_j, 1.5e-3, 1e-15);

  /* No samples: nothing to say. */
  g_assert_false (bs_marker_stats_compute (t, p, 0, 0, MS, &st));
  g_assert_true (isnan (st.energy_j));
}

static void
test_one_sample_and_repeats (void)
{
  const int64_t t1[] = { 5 * MS };
  const double p1[] = { 7 };
  const int64_t t2[] = { 0, MS, MS, 2 * MS };
  const double p2[] = { 1, 1, 3, 3 };
  BsMarkerStats st;

  /* One sample: a flat trace. */
  g_assert_true (bs_marker_stats_compute (t1, p1, 1, 0, 10 * MS, &st));
  g_assert_cmpfloat_with_epsilon (st.energy_j, 7 * 10e-3, 1e-15);
  g_assert_true (st.extrapolated);

  /* A step (two samples at one time): 1 W for 1 ms, 3 W for 1 ms. */
  g_assert_true (bs_marker_stats_compute (t2, p2, 4, 0, 2 * MS, &st));
  g_assert_cmpfloat_with_epsilon (st.energy_j, 4e-3, 1e-15);
}

/* Times near the top of int64 (a machine up for centuries): differences stay exact. */
static void
test_large_clock (void)
{
  const int64_t base = G_GINT64_CONSTANT (9000000000000000000);
  int64_t tb[4];
  BsMarkerStats st;

  for (int i = 0; i < 4; i++)
    tb[i] = base + t[i];
  g_assert_true (bs_marker_stats_compute (tb, p, 4, base + MS / 2, base + 5 * MS / 2, &st));
  g_assert_cmpfloat_with_epsilon (st.energy_j, 7.25e-3, 1e-15);
  g_assert_cmpfloat (st.duration_ns, ==, 2 * MS);
}

static void
test_layouts_agree (void)
{
  g_autoptr (BsPowerSeries) series = bs_power_series_new ();
  const int n = 200000;
  g_autofree int64_t *ti = g_new (int64_t, n);
  g_autofree double *tr = g_new (double, n);
  g_autofree double *v = g_new (double, n);
  const int64_t t0 = G_GINT64_CONSTANT (123456789000000);
  BsMarkerStats a, b, c;

  for (int i = 0; i < n; i++)
    {
      /* A 10 kHz meter with jitter, a wave of power. */
      ti[i] = t0 + (int64_t) i * 100000 + (i * 7919) % 5000;
      tr[i] = (double) (ti[i] - t0);
      /* The series keeps float values (a meter's resolution): give it floats. */
      v[i] = (float) (4.5 + sin (i * 0.01) + 0.001 * (i % 17));
      bs_power_series_append (series, ti[i], v[i]);
    }
  g_assert_true (bs_marker_stats_compute (ti, v, n, t0 + 1234567890, t0 + 9876543210, &a));
  g_assert_true (bs_marker_stats_compute_relative (tr, v, n, 1234567890, 9876543210, &b));
  g_assert_true (bs_marker_stats_compute_series (series, t0 + 9876543210, t0 + 1234567890, &c));
  g_assert_cmpfloat_with_epsilon (a.energy_j, b.energy_j, 1e-12);
  g_assert_cmpfloat_with_epsilon (a.energy_j, c.energy_j, 1e-12);
  g_assert_cmpuint (a.n_samples, ==, b.n_samples);
  g_assert_cmpuint (a.n_samples, ==, c.n_samples);
  g_assert_cmpfloat (a.min_w, ==, c.min_w);
  g_assert_cmpfloat (a.max_w, ==, c.max_w);
  g_assert_false (c.extrapolated);
  /* The average of a wave around 4.5 W over many periods is near 4.5 W. */
  g_assert_cmpfloat (fabs (a.mean_power_w - 4.508), <, 0.05);

  /* Beyond the series' ends the series says so, like the arrays. */
  g_assert_true (bs_marker_stats_compute_series (series, t0 - 1000, t0 + 1000, &c));
  g_assert_true (c.extrapolated);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/marker-stats/by-hand", test_by_hand);
  g_test_add_func ("/marker-stats/one-sample-and-repeats", test_one_sample_and_repeats);
  g_test_add_func ("/marker-stats/large-clock", test_large_clock);
  g_test_add_func ("/marker-stats/layouts-agree", test_layouts_agree);
  return g_test_run ();
}
