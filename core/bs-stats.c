/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-stats.c: order statistics, Student's t distribution and Welch's test.
 *
 * The t distribution goes through the regularised incomplete beta function, evaluated
 * by its continued fraction (modified Lentz); beyond 10^7 degrees of freedom the normal
 * distribution is exact to double precision for our purposes and used instead.
 */
#include "bs-stats.h"

#include <math.h>
#include <stdlib.h>

#define CF_EPSILON 1e-15
#define CF_TINY 1e-300
#define CF_MAX_ITERATIONS 100000

static void
swap (double *v, gssize i, gssize j)
{
  double t = v[i];
  v[i] = v[j];
  v[j] = t;
}

/* Floyd and Rivest's selection (CACM 18(3), 1975): the k-th smallest of v[lo..hi],
 * reordering that range so that v[lo..k) <= v[k] <= v(k..hi]. On large ranges it first
 * selects within a small sample around the expected position, so the partition that
 * follows barely moves anything: about n + min (k, n - k) comparisons, half those of
 * quickselect. */
static double
select_kth (double *v, gssize lo, gssize hi, gssize k)
{
  while (hi > lo)
    {
      double pivot;
      gssize i, j;

      if (hi - lo > 600)
        {
          double n = (double) (hi - lo + 1), rank = (double) (k - lo + 1);
          double z = log (n), s = 0.5 * exp (2 * z / 3);
          double sd = 0.5 * sqrt (z * s * (n - s) / n) * (rank < n / 2 ? -1 : 1);
          gssize sample_lo = MAX (lo, (gssize) ((double) k - rank * s / n + sd));
          gssize sample_hi = MIN (hi, (gssize) ((double) k + (n - rank) * s / n + sd));

          select_kth (v, sample_lo, sample_hi, k);
        }
      pivot = v[k];
      i = lo;
      j = hi;
      swap (v, lo, k);
      if (v[hi] > pivot)
        swap (v, hi, lo);
      while (i < j)
        {
          swap (v, i, j);
          i++;
          j--;
          while (v[i] < pivot)
            i++;
          while (v[j] > pivot)
            j--;
        }
      if (v[lo] == pivot)
        swap (v, lo, j);
      else
        {
          j++;
          swap (v, j, hi);
        }
      if (j <= k)
        lo = j + 1;
      if (k <= j)
        hi = j - 1;
    }
  return v[k];
}

static double
min_of (const double *v, gssize lo, gssize hi)
{
  double m = v[lo];

  for (gssize i = lo + 1; i <= hi; i++)
    m = MIN (m, v[i]);
  return m;
}

/* Type 7 within v[lo..hi], which must hold the order statistics floor(h) and
 * floor(h) + 1 (or the last one). */
static double
quantile_in (double *v, size_t n, gssize lo, gssize hi, double p)
{
  double h = (double) (n - 1) * p;
  gssize k = (gssize) floor (h);
  double lower = select_kth (v, lo, hi, k);

  if (k + 1 >= (gssize) n || h == (double) k)
    return lower;
  /* Right of k everything is >= v[k]: the next order statistic is their minimum. */
  return lower + (h - (double) k) * (min_of (v, k + 1, hi) - lower);
}

double
bs_stats_quantile (double *values, size_t n, double p)
{
  g_assert (n > 0 && p >= 0 && p <= 1);
  return quantile_in (values, n, 0, (gssize) n - 1, p);
}

/* The median first; then p5 and p95 need only search their own side of it, as long as
 * the neighbouring order statistic lies on that side too. */
static void
tail_quantiles (double *values, size_t n, BsSummary *out)
{
  gssize last = (gssize) n - 1;
  gssize k = (gssize) floor ((double) last * 0.5);
  gssize k5 = (gssize) floor ((double) last * 0.05);

  out->median = quantile_in (values, n, 0, last, 0.5);
  out->p5 = quantile_in (values, n, 0, k5 < k ? k : last, 0.05);
  out->p95 = quantile_in (values, n, k, last, 0.95);
}

void
bs_stats_moments (const double *values, size_t n, BsSummary *out)
{
  double sum = 0, squares = 0;

  out->n = (int64_t) n;
  out->mean = out->sd = out->median = out->p5 = out->p95 = out->min = out->max = NAN;
  if (n == 0)
    return;
  out->min = out->max = values[0];
  for (size_t i = 0; i < n; i++)
    {
      sum += values[i];
      out->min = MIN (out->min, values[i]);
      out->max = MAX (out->max, values[i]);
    }
  out->mean = sum / (double) n;
  /* Two passes: deviations from the mean, so large offsets do not cancel digits. */
  for (size_t i = 0; i < n; i++)
    squares += (values[i] - out->mean) * (values[i] - out->mean);
  out->sd = n > 1 ? sqrt (squares / (double) (n - 1)) : 0;
}

/* The order statistics at the given ranks (in any order), when every value is an
 * integer within a range not much wider than n (layer times in ns usually are): one
 * counting pass instead of three selections. */
static gboolean
counting_order_statistics (const double *values, size_t n, double min, double max,
                           const gssize *unsorted, int n_ranks, double *stats)
{
  g_autofree guint32 *counts = NULL;
  gssize ranks[8];
  int order[8];
  size_t range, seen = 0;
  int r = 0;

  g_assert (n_ranks <= 8);
  /* Walk the ranks in ascending order; insertion sort of at most eight. */
  for (int i = 0; i < n_ranks; i++)
    {
      int j = i;
      for (; j > 0 && ranks[j - 1] > unsorted[i]; j--)
        {
          ranks[j] = ranks[j - 1];
          order[j] = order[j - 1];
        }
      ranks[j] = unsorted[i];
      order[j] = i;
    }

  if (!(max - min <= 4.0 * (double) n + 64) || n > G_MAXUINT32)
    return FALSE;
  for (size_t i = 0; i < n; i++)
    if (values[i] != floor (values[i]))
      return FALSE;
  range = (size_t) (max - min) + 1;
  counts = g_new0 (guint32, range);
  for (size_t i = 0; i < n; i++)
    counts[(size_t) (values[i] - min)]++;
  for (size_t b = 0; b < range && r < n_ranks; b++)
    {
      seen += counts[b];
      while (r < n_ranks && (size_t) ranks[r] < seen)
        stats[order[r++]] = min + (double) b;
    }
  return r == n_ranks;
}

static double
interpolate (size_t n, double p, double lower, double upper)
{
  double h = (double) (n - 1) * p;
  return lower + (h - floor (h)) * (upper - lower);
}

static gboolean
counting_quantiles (const double *values, size_t n, BsSummary *out)
{
  const double ps[] = { 0.05, 0.5, 0.95 };
  gssize ranks[6];
  double stats[6];

  for (int q = 0; q < 3; q++)
    {
      gssize k = (gssize) floor ((double) (n - 1) * ps[q]);
      ranks[2 * q] = k;
      ranks[2 * q + 1] = MIN (k + 1, (gssize) n - 1);
    }
  if (!counting_order_statistics (values, n, out->min, out->max, ranks, 6, stats))
    return FALSE;
  out->p5 = interpolate (n, 0.05, stats[0], stats[1]);
  out->median = interpolate (n, 0.5, stats[2], stats[3]);
  out->p95 = interpolate (n, 0.95, stats[4], stats[5]);
  return TRUE;
}

void
bs_stats_summarize (double *values, size_t n, BsSummary *out)
{
  bs_stats_moments (values, n, out);
  if (n > 0 && !counting_quantiles (values, n, out))
    tail_quantiles (values, n, out);
}

/* The continued fraction of I_x(a, b), converging fast for x < (a + 1) / (a + b + 2). */
static double
beta_continued_fraction (double a, double b, double x)
{
  double c = 1, d = 1 - (a + b) * x / (a + 1), f;

  if (fabs (d) < CF_TINY)
    d = CF_TINY;
  d = 1 / d;
  f = d;
  for (int m = 1; m <= CF_MAX_ITERATIONS; m++)
    {
      double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
      double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
      double delta;

      d = 1 + even * d;
      c = 1 + even / c;
      d = 1 / (fabs (d) < CF_TINY ? CF_TINY : d);
      c = fabs (c) < CF_TINY ? CF_TINY : c;
      f *= d * c;

      d = 1 + odd * d;
      c = 1 + odd / c;
      d = 1 / (fabs (d) < CF_TINY ? CF_TINY : d);
      c = fabs (c) < CF_TINY ? CF_TINY : c;
      delta = d * c;
      f *= delta;
      if (fabs (delta - 1) < CF_EPSILON)
        break;
    }
  return f;
}

double
bs_stats_incomplete_beta (double a, double b, double x)
{
  double log_front;

  g_return_val_if_fail (a > 0 && b > 0, NAN);
  if (isnan (x))
    return NAN;
  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  log_front = lgamma (a + b) - lgamma (a) - lgamma (b) + a * log (x) + b * log1p (-x);
  if (x < (a + 1) / (a + b + 2))
    return exp (log_front) * beta_continued_fraction (a, b, x) / a;
  return 1 - exp (log_front) * beta_continued_fraction (b, a, 1 - x) / b;
}

double
bs_stats_t_cdf (double t, double df)
{
  double tail;

  g_return_val_if_fail (df > 0, NAN);
  if (isnan (t))
    return NAN;
  if (isinf (t))
    return t > 0 ? 1 : 0;
  if (df > 1e7)
    return 0.5 * erfc (-t / G_SQRT2);
  /* P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2) */
  tail = bs_stats_incomplete_beta (df / 2, 0.5, df / (df + t * t));
  return t > 0 ? 1 - tail / 2 : tail / 2;
}

double
bs_stats_t_quantile (double p, double df)
{
  /* Every layer of a run asks for the same quantile: remember the last answer. */
  static _Thread_local double cached_p, cached_df, cached_t;
  double lo = 0, hi = 1;
  double target = p > 0.5 ? p : 1 - p;

  g_return_val_if_fail (p > 0 && p < 1 && df > 0, NAN);
  if (p == 0.5)
    return 0;
  if (p == cached_p && df == cached_df)
    return cached_t;
  while (bs_stats_t_cdf (hi, df) < target && hi < 1e300)
    hi *= 2;
  /* Bisection: the CDF is monotonic, and 200 halvings exhaust double precision. */
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
    {
      double mid = 0.5 * (lo + hi);
      if (bs_stats_t_cdf (mid, df) < target)
        lo = mid;
      else
        hi = mid;
    }
  cached_p = p;
  cached_df = df;
  cached_t = p > 0.5 ? 0.5 * (lo + hi) : -0.5 * (lo + hi);
  return cached_t;
}

double
bs_stats_welch_df (double var_a, double df_a, double var_b, double df_b)
{
  double se2 = var_a + var_b;

  return se2 * se2 / (var_a * var_a / df_a + var_b * var_b / df_b);
}

void
bs_stats_welch (const BsSummary *a, const BsSummary *b, BsWelch *out)
{
  double va, vb, se2;

  out->t = out->df = out->p = NAN;
  /* A missing figure (NaN) is no sample: no test. */
  if (a->n < 2 || b->n < 2 || isnan (a->mean) || isnan (b->mean) || isnan (a->sd) || isnan (b->sd))
    return;
  va = a->sd * a->sd / (double) a->n;
  vb = b->sd * b->sd / (double) b->n;
  se2 = va + vb;
  if (se2 == 0)
    {
      /* Two constant samples: identical, or certainly different. */
      out->t = a->mean == b->mean ? 0 : copysign (INFINITY, b->mean - a->mean);
      out->df = (double) (a->n + b->n - 2);
      out->p = a->mean == b->mean ? 1 : 0;
      return;
    }
  out->t = (b->mean - a->mean) / sqrt (se2);
  out->df = bs_stats_welch_df (va, (double) (a->n - 1), vb, (double) (b->n - 1));
  out->p = 2 * bs_stats_t_cdf (-fabs (out->t), out->df);
}

typedef struct
{
  double p;
  size_t index;
} Ranked;

static int
compare_ranked (const void *x, const void *y)
{
  const Ranked *a = x, *b = y;
  return a->p < b->p ? -1 : a->p > b->p ? 1 : 0;
}

void
bs_stats_holm (const double *p, size_t n, double *adjusted)
{
  g_autofree Ranked *ranked = g_new (Ranked, MAX (n, 1));
  size_t m = 0;
  double running = 0;

  for (size_t i = 0; i < n; i++)
    {
      adjusted[i] = NAN;
      if (!isnan (p[i]))
        ranked[m++] = (Ranked) { p[i], i };
    }
  qsort (ranked, m, sizeof (Ranked), compare_ranked);
  for (size_t j = 0; j < m; j++)
    {
      running = MAX (running, MIN (1.0, (double) (m - j) * ranked[j].p));
      adjusted[ranked[j].index] = running;
    }
}

double
bs_stats_ci95_half_width (const BsSummary *summary)
{
  if (summary->n < 2)
    return NAN;
  return bs_stats_t_quantile (0.975, (double) (summary->n - 1)) * summary->sd
         / sqrt ((double) summary->n);
}
