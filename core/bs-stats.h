/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-stats.h: the one place for statistics: order statistics, Student's t distribution,
 * Welch's test and Holm's correction, behind layer summaries, run comparisons and the
 * probes' confidence intervals. Plain functions of numbers; libm only. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  int64_t n;
  double mean;
  double sd;         /* sample standard deviation (n - 1); 0 when n < 2 */
  double median;
  double p5;
  double p95;
  double min;
  double max;
} BsSummary;

/* Quantile of type 7 (linear interpolation between order statistics; R's default,
 * NumPy's "linear"). Reorders values. n > 0, 0 <= p <= 1. */
double bs_stats_quantile (double *values, size_t n, double p);

/* Only n, mean and sd (the rest NaN): what tests and intervals need, without the
 * cost of order statistics. */
void bs_stats_moments (const double *values, size_t n, BsSummary *out);

/* Reorders values. n == 0 gives n = 0 and NaN everywhere else. */
void bs_stats_summarize (double *values, size_t n, BsSummary *out);

/* The regularised incomplete beta function I_x(a, b). */
double bs_stats_incomplete_beta (double a, double b, double x);

/* Student's t distribution with df degrees of freedom (df > 0, not necessarily whole). */
double bs_stats_t_cdf (double t, double df);
/* The t with P(T <= t) = p, 0 < p < 1. */
double bs_stats_t_quantile (double p, double df);

typedef struct
{
  double t;          /* (mean_b - mean_a) / standard error */
  double df;         /* Welch-Satterthwaite */
  double p;          /* two-sided */
} BsWelch;

/* The Welch–Satterthwaite degrees of freedom of a sum of two independent variance
 * estimates (squared standard errors) with df_a and df_b degrees of freedom. */
double bs_stats_welch_df (double var_a, double df_a, double var_b, double df_b);

/* Welch's unequal-variance t-test of b against a, from their summaries. With fewer
 * than two values on either side every field is NaN. */
void bs_stats_welch (const BsSummary *a, const BsSummary *b, BsWelch *out);

/* Holm-Bonferroni adjusted p-values, in the input order; NaN entries stay NaN and do
 * not count as tests. */
void bs_stats_holm (const double *p, size_t n, double *adjusted);

/* Half-width of the two-sided 95 % confidence interval of a mean. NaN when n < 2. */
double bs_stats_ci95_half_width (const BsSummary *summary);

G_END_DECLS
