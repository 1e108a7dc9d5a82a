/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-mean-ci.c: batch-means confidence intervals. */
#include "bs-mean-ci.h"
#include "bs-stats.h"

#include <math.h>

#define FEW_BATCHES_BELOW 20
#define N_BATCHES 10
#define MIN_BATCH_TAUS 3.0

/* Whole degrees of freedom, rounded down: a Welch–Satterthwaite dof between two integers
 * takes the wider interval of the two (conservative). NaN below one. */
static double
t975 (double dof)
{
  double v = floor (dof);

  return v >= 1 ? bs_stats_t_quantile (0.975, v) : NAN;
}

static double
mean_of (const double *x, gsize n)
{
  double sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += x[i];
  return sum / n;
}

static double
sd_of (const double *x, gsize n, double mean)
{
  double ss = 0;

  for (gsize i = 0; i < n; i++)
    ss += (x[i] - mean) * (x[i] - mean);
  return sqrt (ss / (n - 1));
}

/* The correlation time of the series in readings, as for an AR(1) process with the
 * series' lag-one autocorrelation r: τ = (1 + r)/(1 − r); 1 for independent readings. */
static double
correlation_time (const double *x, gsize n, double mean)
{
  double num = 0, den = 0, r;

  for (gsize i = 0; i < n; i++)
    {
      den += (x[i] - mean) * (x[i] - mean);
      if (i + 1 < n)
        num += (x[i] - mean) * (x[i + 1] - mean);
    }
  if (den <= 0)
    return 1;
  r = CLAMP (num / den, 0.0, 0.95);
  return (1 + r) / (1 - r);
}

/* Ten batches, unless the readings are correlated for longer than a tenth of the series:
 * then batches of at least MIN_BATCH_TAUS correlation times, and as many as fit (at least
 * two). Short series: batches of two readings, or single readings below four. */
static guint
batch_count (const double *x, gsize n, double mean)
{
  gsize m;

  if (n < 4)
    return n;
  if (n < FEW_BATCHES_BELOW)
    return n / 2;
  m = MAX (n / N_BATCHES, (gsize) ceil (MIN_BATCH_TAUS * correlation_time (x, n, mean)));
  return CLAMP (n / m, 2, N_BATCHES);
}

void
bs_mean_ci (const double *x, gsize n, BsMeanCI *out)
{
  double mean = n > 0 ? mean_of (x, n) : NAN;
  guint b = n > 0 ? batch_count (x, n, mean) : 0;
  gsize m = b > 0 ? n / b : 0;
  double *means = g_newa (double, MAX (b, 1));

  *out = (BsMeanCI) { mean, NAN, NAN, n, b };
  if (b < 2)
    return;
  /* Batches of m; the remainder (< b readings) joins the last batch. */
  for (guint j = 0; j < b; j++)
    {
      gsize start = j * m;
      gsize len = j + 1 < b ? m : n - start;
      means[j] = mean_of (x + start, len);
    }
  out->dof = b - 1;
  out->half_width = t975 (out->dof) * sd_of (means, b, mean_of (means, b)) / sqrt (b);
}

void
bs_mean_ci_iid (const double *x, gsize n, BsMeanCI *out)
{
  *out = (BsMeanCI) { NAN, NAN, NAN, n, n };
  if (n == 0)
    return;
  out->mean = mean_of (x, n);
  if (n < 2)
    return;
  out->dof = n - 1;
  out->half_width = t975 (out->dof) * sd_of (x, n, out->mean) / sqrt (n);
}

void
bs_mean_ci_difference (const BsMeanCI *a, const BsMeanCI *b, BsMeanCI *out)
{
  double sa = a->half_width / t975 (a->dof);
  double sb = b->half_width / t975 (b->dof);
  double se2 = sa * sa + sb * sb;
  double dof;

  *out = (BsMeanCI) { a->mean - b->mean, NAN, NAN, a->n + b->n, a->n_batches + b->n_batches };
  if (!isfinite (se2))
    return;
  if (se2 == 0)
    {
      out->half_width = 0;
      out->dof = a->dof + b->dof;
      return;
    }
  dof = bs_stats_welch_df (sa * sa, a->dof, sb * sb, b->dof);
  out->dof = dof;
  out->half_width = t975 (dof) * sqrt (se2);
}
