/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-stats.c: statistics against hand-computed and textbook values. */
#include "bs-stats.h"

#include <math.h>

static void
test_quantiles (void)
{
  /* Hand-computed with type 7: h = (n - 1) p, x[floor h] + frac(h) (x[floor h + 1] - x[floor h]).
   * n = 10: p5: h = 0.45 -> 2 + 0.45 * 2 = 2.9; median: h = 4.5 -> 7 + 0.5 * 2 = 8;
   * p95: h = 8.55 -> 15 + 0.55 * 6 = 18.3. Mean 89 / 10; squared deviations sum to 308.9. */
  double values[] = { 12, 4, 21, 2, 9, 4, 15, 7, 10, 5 };
  BsSummary s;

  bs_stats_summarize (values, G_N_ELEMENTS (values), &s);
  g_assert_cmpint (s.n, ==, 10);
  g_assert_cmpfloat_with_epsilon (s.p5, 2.9, 1e-12);
  g_assert_cmpfloat_with_epsilon (s.median, 8.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (s.p95, 18.3, 1e-12);
  g_assert_cmpfloat_with_epsilon (s.mean, 8.9, 1e-12);
  g_assert_cmpfloat_with_epsilon (s.sd, sqrt (308.9 / 9), 1e-12);
  g_assert_cmpfloat (s.min, ==, 2);
  g_assert_cmpfloat (s.max, ==, 21);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
sorted_quantile (GArray *sorted, double p)
{
  int n = (int) sorted->len;
  double h = (n - 1) * p;
  int lo = (int) floor (h);
  double x0 = g_array_index (sorted, double, lo);
  double x1 = g_array_index (sorted, double, MIN (lo + 1, n - 1));

  return x0 + (h - lo) * (x1 - x0);
}

/* Selection against sorting, with many ties. */
static void
test_quantiles_random (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);

  for (int round = 0; round < 500; round++)
    {
      /* Small ones, and large ones where the selection samples first. */
      int n = round < 20 ? round + 1 : round % 5 == 0 ? g_rand_int_range (rand, 601, 6000)
                                                      : g_rand_int_range (rand, 1, 300);
      g_autoptr (GArray) a = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr (GArray) sorted = NULL;
      double p = g_rand_double (rand);

      for (int i = 0; i < n; i++)
        {
          double v = round % 2 ? g_rand_int_range (rand, 0, 20) : g_rand_double (rand);
          g_array_append_val (a, v);
        }
      sorted = g_array_copy (a);
      g_array_sort (sorted, compare_doubles);
      g_assert_cmpfloat_with_epsilon (bs_stats_quantile ((double *) (void *) a->data, (size_t) n, p),
                                      sorted_quantile (sorted, p), 1e-9);
      {
        BsSummary s;

        bs_stats_summarize ((double *) (void *) a->data, (size_t) n, &s);
        g_assert_cmpfloat_with_epsilon (s.median, sorted_quantile (sorted, 0.5), 1e-9);
        g_assert_cmpfloat_with_epsilon (s.p5, sorted_quantile (sorted, 0.05), 1e-9);
        g_assert_cmpfloat_with_epsilon (s.p95, sorted_quantile (sorted, 0.95), 1e-9);
      }
    }
}

static void
test_summary_empty (void)
{
  BsSummary s;
  double one = 42;

  bs_stats_summarize (NULL, 0, &s);
  g_assert_cmpint (s.n, ==, 0);
  g_assert_true (isnan (s.mean) && isnan (s.median));
  bs_stats_summarize (&one, 1, &s);
  g_assert_cmpfloat (s.median, ==, 42);
  g_assert_cmpfloat (s.p5, ==, 42);
  g_assert_cmpfloat (s.sd, ==, 0);
}

static void
test_incomplete_beta (void)
{
  for (double x = 0.05; x < 1; x += 0.1)
    {
      g_assert_cmpfloat_with_epsilon (bs_stats_incomplete_beta (1, 1, x), x, 1e-13);
      g_assert_cmpfloat_with_epsilon (bs_stats_incomplete_beta (3.5, 1, x), pow (x, 3.5), 1e-13);
      g_assert_cmpfloat_with_epsilon (bs_stats_incomplete_beta (1, 2.5, x), 1 - pow (1 - x, 2.5),
                                      1e-13);
    }
  g_assert_cmpfloat_with_epsilon (bs_stats_incomplete_beta (7.3, 7.3, 0.5), 0.5, 1e-13);
  g_assert_cmpfloat_with_epsilon (bs_stats_incomplete_beta (5000, 5000, 0.5), 0.5, 1e-10);
}

/* Critical values from the Student's t table of any statistics textbook. */
static void
test_t_distribution (void)
{
  struct { double p, df, t; } table[] = {
    { 0.975, 1, 12.706205 }, { 0.975, 10, 2.228139 }, { 0.995, 5, 4.032143 },
    { 0.975, 20, 2.085963 }, { 0.95, 30, 1.697261 }, { 0.975, 1e9, 1.959964 },
    { 0.975, 19998, 1.960083 }, { 0.975, 4, 2.776445 }, { 0.975, 9, 2.262157 },
    { 0.975, 60, 2.000298 }, { 0.975, 120, 1.979930 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_assert_cmpfloat_with_epsilon (bs_stats_t_cdf (table[i].t, table[i].df), table[i].p, 2e-7);
      g_assert_cmpfloat_with_epsilon (bs_stats_t_cdf (-table[i].t, table[i].df), 1 - table[i].p,
                                      2e-7);
      g_assert_cmpfloat_with_epsilon (bs_stats_t_quantile (table[i].p, table[i].df), table[i].t,
                                      2e-5 * table[i].t);
    }
  g_assert_cmpfloat (bs_stats_t_cdf (0, 3), ==, 0.5);
  g_assert_cmpfloat (bs_stats_t_quantile (0.5, 3), ==, 0);
}

static void
summarize (const double *values, size_t n, BsSummary *s)
{
  g_autofree double *copy = g_memdup2 (values, n * sizeof (double));
  bs_stats_summarize (copy, n, s);
}

/* Student's sleep data (Cushny and Peebles), as in R's `t.test(extra ~ group, sleep)`:
 * Welch t = -1.8608, df = 17.776, p-value = 0.07939. */
static void
test_welch_sleep (void)
{
  const double group1[] = { 0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0 };
  const double group2[] = { 1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4 };
  BsSummary a, b;
  BsWelch w;

  summarize (group1, 10, &a);
  summarize (group2, 10, &b);
  bs_stats_welch (&b, &a, &w);
  g_assert_cmpfloat_with_epsilon (w.t, -1.8608, 5e-5);
  g_assert_cmpfloat_with_epsilon (w.df, 17.776, 5e-4);
  g_assert_cmpfloat_with_epsilon (w.p, 0.07939, 5e-6);
  bs_stats_welch (&a, &b, &w);
  g_assert_cmpfloat_with_epsilon (w.t, 1.8608, 5e-5);
}

/* By hand: (4 + 1)^2 / (4^2 / 9 + 1^2 / 4) = 25 / (73 / 36) = 900 / 73. */
static void
test_welch_df (void)
{
  g_assert_cmpfloat_with_epsilon (bs_stats_welch_df (4, 9, 1, 4), 900.0 / 73, 1e-12);
  /* Equal variances and dof: twice the dof. */
  g_assert_cmpfloat_with_epsilon (bs_stats_welch_df (2, 7, 2, 7), 14, 1e-12);
}

static void
test_welch_edges (void)
{
  BsSummary constant = { 5, 3.0, 0, 3, 3, 3, 3, 3 };
  BsSummary other = { 5, 4.0, 0, 4, 4, 4, 4, 4 };
  BsSummary single = { 1, 3.0, 0, 3, 3, 3, 3, 3 };
  BsWelch w;

  bs_stats_welch (&constant, &constant, &w);
  g_assert_cmpfloat (w.p, ==, 1);
  bs_stats_welch (&constant, &other, &w);
  g_assert_cmpfloat (w.p, ==, 0);
  g_assert_true (isinf (w.t) && w.t > 0);
  bs_stats_welch (&constant, &single, &w);
  g_assert_true (isnan (w.p));
}

static void
test_holm (void)
{
  /* Sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, max (0.04 * 1, 0.06) = 0.06. */
  const double p[] = { 0.01, 0.04, NAN, 0.03, 0.005 };
  const double expected[] = { 0.03, 0.06, NAN, 0.06, 0.02 };
  double adjusted[5];

  bs_stats_holm (p, 5, adjusted);
  for (int i = 0; i < 5; i++)
    if (isnan (expected[i]))
      g_assert_true (isnan (adjusted[i]));
    else
      g_assert_cmpfloat_with_epsilon (adjusted[i], expected[i], 1e-12);
}

static void
test_ci (void)
{
  /* n = 10, sd = 2: t(0.975, 9) = 2.262157 -> 2.262157 * 2 / sqrt (10). */
  BsSummary s = { 10, 5, 2, 5, 3, 7, 1, 9 };

  g_assert_cmpfloat_with_epsilon (bs_stats_ci95_half_width (&s), 2.262157 * 2 / sqrt (10), 1e-6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/quantiles/hand", test_quantiles);
  g_test_add_func ("/stats/quantiles/random", test_quantiles_random);
  g_test_add_func ("/stats/quantiles/empty", test_summary_empty);
  g_test_add_func ("/stats/incomplete-beta", test_incomplete_beta);
  g_test_add_func ("/stats/t-distribution", test_t_distribution);
  g_test_add_func ("/stats/welch/sleep", test_welch_sleep);
  g_test_add_func ("/stats/welch/edges", test_welch_edges);
  g_test_add_func ("/stats/welch/df", test_welch_df);
  g_test_add_func ("/stats/holm", test_holm);
  g_test_add_func ("/stats/ci95", test_ci);
  return g_test_run ();
}
