/* bs-marker-stats.c: trapezoids between two markers.
 *
 * One walk serves the three sample layouts: a getter reads sample i as a time relative
 * to marker A (a double: exact for any span a power chart shows) and a value. */
#include "bs-marker-stats.h"

#include <math.h>

typedef struct
{
  double (*time) (gconstpointer data, gsize i);   /* ns after marker A */
  double (*value) (gconstpointer data, gsize i);
  gconstpointer data;
  gsize first;               /* samples before `first` are not visited (series) */
  gsize last;                /* nor from `last` on */
} Samples;

/* The trace at x (ns after A), held beyond the ends; *k is a search hint, the first
 * index with time > x after the call. */
static double
trace_at (const Samples *s, double x, gsize *k)
{
  gsize i = *k;

  while (i < s->last && s->time (s->data, i) <= x)
    i++;
  *k = i;
  if (i == s->first)
    return s->value (s->data, s->first);
  if (i == s->last)
    return s->value (s->data, s->last - 1);
  {
    double t0 = s->time (s->data, i - 1), t1 = s->time (s->data, i);
    double v0 = s->value (s->data, i - 1), v1 = s->value (s->data, i);
    return t1 > t0 ? v0 + (v1 - v0) * (x - t0) / (t1 - t0) : v1;
  }
}

/* From A (time 0) to B (time b >= 0). */
static gboolean
compute (const Samples *s, double b, BsMarkerStats *st)
{
  gsize k = s->first;
  double prev_t = 0, prev_v, sum = 0;

  st->duration_ns = b;
  st->min_w = st->max_w = NAN;
  st->n_samples = 0;
  if (s->last <= s->first)
    {
      st->energy_j = st->mean_power_w = NAN;
      st->extrapolated = FALSE;
      return FALSE;
    }
  st->extrapolated = s->time (s->data, s->first) > 0 || s->time (s->data, s->last - 1) < b;

  /* The trace at A, every sample strictly inside, the trace at B. Samples exactly at A
   * or B count as between the markers for min, max and n. */
  prev_v = trace_at (s, 0, &k);
  for (gsize i = s->first; i < s->last; i++)
    {
      double t = s->time (s->data, i);
      double v = s->value (s->data, i);

      if (t < 0)
        continue;
      if (t > b)
        break;
      st->n_samples++;
      st->min_w = isnan (st->min_w) ? v : MIN (st->min_w, v);
      st->max_w = isnan (st->max_w) ? v : MAX (st->max_w, v);
      if (t > 0 && t < b)
        {
          sum += 0.5 * (prev_v + v) * (t - prev_t);
          prev_t = t;
          prev_v = v;
        }
    }
  {
    double vb = trace_at (s, b, &k);
    sum += 0.5 * (prev_v + vb) * (b - prev_t);
    st->energy_j = sum * 1e-9;
    st->mean_power_w = b > 0 ? sum / b : vb;
  }
  return TRUE;
}

/* int64 samples: differences are taken in int64, exact for any clock, before they
 * become doubles. */

typedef struct
{
  const int64_t *t;
  const double *v;
  int64_t origin;
} Int64Data;

static double
int64_time (gconstpointer data, gsize i)
{
  const Int64Data *d = data;
  return (double) (d->t[i] - d->origin);
}

static double
int64_value (gconstpointer data, gsize i)
{
  return ((const Int64Data *) data)->v[i];
}

gboolean
bs_marker_stats_compute (const int64_t *t_ns, const double *power_w, gsize n, int64_t a_ns,
                         int64_t b_ns, BsMarkerStats *stats)
{
  int64_t a = MIN (a_ns, b_ns), b = MAX (a_ns, b_ns);
  Int64Data d = { t_ns, power_w, a };
  Samples s = { int64_time, int64_value, &d, 0, n };

  stats->t_a_ns = (double) a;
  stats->t_b_ns = (double) b;
  return compute (&s, (double) (b - a), stats);
}

/* double samples */

typedef struct
{
  const double *t;
  const double *v;
  double origin;
} DoubleData;

static double
double_time (gconstpointer data, gsize i)
{
  const DoubleData *d = data;
  return d->t[i] - d->origin;
}

static double
double_value (gconstpointer data, gsize i)
{
  return ((const DoubleData *) data)->v[i];
}

gboolean
bs_marker_stats_compute_relative (const double *t_ns, const double *power_w, gsize n, double a_ns,
                                  double b_ns, BsMarkerStats *stats)
{
  double a = MIN (a_ns, b_ns), b = MAX (a_ns, b_ns);
  DoubleData d = { t_ns, power_w, a };
  Samples s = { double_time, double_value, &d, 0, n };

  stats->t_a_ns = a;
  stats->t_b_ns = b;
  return compute (&s, b - a, stats);
}

/* BsPowerSeries */

typedef struct
{
  const BsPowerSeries *series;
  int64_t origin;
} SeriesData;

static double
series_time (gconstpointer data, gsize i)
{
  const SeriesData *d = data;
  return (double) (bs_power_series_get_time (d->series, i) - d->origin);
}

static double
series_value (gconstpointer data, gsize i)
{
  return bs_power_series_get_value (((const SeriesData *) data)->series, i);
}

gboolean
bs_marker_stats_compute_series (const BsPowerSeries *series, int64_t a_ns, int64_t b_ns,
                                BsMarkerStats *stats)
{
  int64_t a = MIN (a_ns, b_ns), b = MAX (a_ns, b_ns);
  SeriesData d = { series, a };
  gsize n = bs_power_series_get_n (series);
  gsize lo = bs_power_series_lower_bound (series, a);
  gsize hi = bs_power_series_lower_bound (series, b);
  Samples s;

  /* One sample either side of the markers is all the interpolation needs. */
  while (hi < n && bs_power_series_get_time (series, hi) <= b)
    hi++;
  s = (Samples) { series_time, series_value, &d, lo > 0 ? lo - 1 : 0, MIN (hi + 1, n) };
  stats->t_a_ns = (double) a;
  stats->t_b_ns = (double) b;
  if (!compute (&s, (double) (b - a), stats))
    return FALSE;
  /* The visited window is held at its ends only where the whole series ends. */
  stats->extrapolated = bs_power_series_get_time (series, 0) > a
                        || bs_power_series_get_time (series, n - 1) < b;
  return TRUE;
}
