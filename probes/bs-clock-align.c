/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-clock-align.c: lower-envelope rate fits and latency by correlation. */
#include "bs-clock-align.h"
#include "bs-probe.h"

#include <math.h>

/* A fitted period further than this from the nominal one is a fit gone wrong (a burst of
 * late packets at the start), not a crystal: keep the nominal period then. */
#define MAX_RATE_ERROR 0.01

typedef struct
{
  double x;
  double y;
} Point;

static double
cross (Point o, Point a, Point b)
{
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/* Lower convex hull of points sorted by x (Andrew's monotone chain); returns its size. */
static gsize
lower_hull (const Point *p, gsize n, Point *hull)
{
  gsize h = 0;

  for (gsize i = 0; i < n; i++)
    {
      while (h >= 2 && cross (hull[h - 2], hull[h - 1], p[i]) <= 0)
        h--;
      hull[h++] = p[i];
    }
  return h;
}

/* The hull edge above @x_mean gives the line; FALSE if the hull is a single point. */
static gboolean
edge_above (const Point *hull, gsize h, double x_mean, double *slope, double *intercept)
{
  gsize j = 0;

  if (h < 2)
    return FALSE;
  while (j + 2 < h && hull[j + 1].x < x_mean)
    j++;
  *slope = (hull[j + 1].y - hull[j].y) / (hull[j + 1].x - hull[j].x);
  *intercept = hull[j].y - *slope * hull[j].x;
  return TRUE;
}

gboolean
bs_clock_fit_envelope (const int64_t *index, const int64_t *arrival_ns, gsize n,
                       double nominal_period_ns, int64_t min_span, BsRateModel *out)
{
  g_autofree Point *p = NULL;
  g_autofree Point *hull = NULL;
  double x_mean = 0, slope = nominal_period_ns, intercept = INFINITY;
  gboolean fitted = FALSE;

  if (n == 0)
    return FALSE;
  /* Relative to the first point, to keep the products of the hull test small. */
  p = g_new (Point, n);
  hull = g_new (Point, n);
  for (gsize k = 0; k < n; k++)
    {
      p[k] = (Point) { (double) (index[k] - index[0]), (double) (arrival_ns[k] - arrival_ns[0]) };
      x_mean += p[k].x / n;
    }
  if (index[n - 1] - index[0] >= min_span
      && edge_above (hull, lower_hull (p, n, hull), x_mean, &slope, &intercept)
      && fabs (slope / nominal_period_ns - 1) <= MAX_RATE_ERROR)
    fitted = TRUE;
  else
    {
      slope = nominal_period_ns;
      for (gsize k = 0; k < n; k++)
        intercept = MIN (intercept, p[k].y - slope * p[k].x);
    }
  out->period_ns = slope;
  out->t0_ns = (double) arrival_ns[0] + intercept - slope * (double) index[0];
  out->slope_fitted = fitted;
  return TRUE;
}

/* ---- online ---- */

struct _BsRateFit
{
  double nominal_period_ns;
  int64_t window_ns;
  GArray *index;                /* int64_t */
  GArray *arrival;              /* int64_t */
  BsRateModel model;
};

BsRateFit *
bs_rate_fit_new (double nominal_rate_hz, int64_t window_ns)
{
  BsRateFit *fit = g_new0 (BsRateFit, 1);

  g_assert (nominal_rate_hz > 0 && window_ns > 0);
  fit->nominal_period_ns = 1e9 / nominal_rate_hz;
  fit->window_ns = window_ns;
  fit->index = g_array_new (FALSE, FALSE, sizeof (int64_t));
  fit->arrival = g_array_new (FALSE, FALSE, sizeof (int64_t));
  return fit;
}

void
bs_rate_fit_free (BsRateFit *fit)
{
  if (fit == NULL)
    return;
  g_array_unref (fit->index);
  g_array_unref (fit->arrival);
  g_free (fit);
}

void
bs_rate_fit_add (BsRateFit *fit, int64_t last_index, int64_t arrival_ns)
{
  guint drop = 0;
  /* Fit the slope once the window spans a few seconds of samples. */
  int64_t min_span = (int64_t) (2e9 / fit->nominal_period_ns);

  g_array_append_val (fit->index, last_index);
  g_array_append_val (fit->arrival, arrival_ns);
  while (fit->arrival->len - drop > 2
         && g_array_index (fit->arrival, int64_t, drop) < arrival_ns - fit->window_ns)
    drop++;
  g_array_remove_range (fit->index, 0, drop);
  g_array_remove_range (fit->arrival, 0, drop);
  bs_clock_fit_envelope ((const int64_t *) fit->index->data, (const int64_t *) fit->arrival->data,
                         fit->index->len, fit->nominal_period_ns, MAX (min_span, 1), &fit->model);
}

int64_t
bs_rate_fit_time (const BsRateFit *fit, int64_t index)
{
  g_assert (fit->index->len > 0);
  return (int64_t) llround (fit->model.t0_ns + fit->model.period_ns * (double) index);
}

const BsRateModel *
bs_rate_fit_model (const BsRateFit *fit)
{
  return &fit->model;
}

/* ---- latency ---- */

typedef struct
{
  double r;
  double step_w;
} Lag;

/* Correlation of @value with the busy indicator at lag @lag_ns. */
static Lag
correlate (const int64_t *t_ns, const double *value, gsize n, const BsInterval *busy,
           gsize n_busy, int64_t lag_ns)
{
  double s_v = 0, s_vv = 0, s_vu = 0, n_u = 0, var_v, var_u;
  gsize j = 0;
  Lag lag = { 0, NAN };

  for (gsize k = 0; k < n; k++)
    {
      int64_t t = t_ns[k] - lag_ns;

      while (j < n_busy && busy[j].t_end_ns <= t)
        j++;
      s_v += value[k];
      s_vv += value[k] * value[k];
      if (j < n_busy && busy[j].t_start_ns <= t)
        {
          s_vu += value[k];
          n_u++;
        }
    }
  var_v = s_vv / n - (s_v / n) * (s_v / n);
  var_u = n_u / n - (n_u / n) * (n_u / n);
  if (var_v <= 0 || var_u <= 0)
    return lag;
  lag.r = (s_vu / n - (s_v / n) * (n_u / n)) / sqrt (var_v * var_u);
  lag.step_w = s_vu / n_u - (s_v - s_vu) / (n - n_u);
  return lag;
}

gboolean
bs_latency_estimate (const int64_t *t_ns, const double *value, gsize n, const BsInterval *busy,
                     gsize n_busy, int64_t max_latency_ns, int64_t step_ns,
                     double min_correlation, BsLatencyEstimate *out, GError **error)
{
  gsize n_lags = (gsize) (max_latency_ns / step_ns) + 1;
  g_autofree Lag *lags = g_new (Lag, n_lags);
  gsize best = 0, left, right;

  g_assert (step_ns > 0 && max_latency_ns >= 0);
  for (gsize i = 0; i < n_lags; i++)
    {
      lags[i] = correlate (t_ns, value, n, busy, n_busy, (int64_t) i * step_ns);
      if (lags[i].r > lags[best].r)
        best = i;
    }
  for (left = best; left > 0 && fabs (lags[left - 1].r - lags[best].r) <= 1e-12; left--)
    ;
  for (right = best; right + 1 < n_lags && fabs (lags[right + 1].r - lags[best].r) <= 1e-12; right++)
    ;
  *out = (BsLatencyEstimate) { (int64_t) (left + right) * step_ns / 2, lags[best].r,
                               lags[best].step_w, (int64_t) (right - left) * step_ns, n };
  if (n < 10 || !(lags[best].r >= min_correlation))
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_NO_DATA,
                   "the meter does not follow the load: the best correlation of its %u "
                   "readings with the idle/busy pattern is %.2f (at least %.2f is needed); "
                   "is it measuring the device that runs the load?",
                   (guint) n, lags[best].r, min_correlation);
      return FALSE;
    }
  return TRUE;
}
