/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-marker-stats.c: what lies between two markers, integrated by core.
 *
 * One walk serves the three sample layouts: a getter reads sample i as a time relative
 * to marker A (a double: exact for any span a power chart shows) and a value. */
#include "bs-marker-stats.h"
#include "bs-power-integral.h"

#include <math.h>

/* From A (time 0) to B (time b >= 0): the integral through core, and min, max and count
 * of the samples between the markers. */
static gboolean
compute (const BsPowerReadings *s, double b, BsMarkerStats *st)
{
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
  /* Samples exactly at A or B count as between the markers. */
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
    }
  st->energy_j = bs_power_integrate (s, 0, b, NULL);
  if (b > 0)
    st->mean_power_w = st->energy_j * 1e9 / b;
  else
    {
      gsize hint = s->first;
      st->mean_power_w = bs_power_at (s, b, &hint);
    }
  return TRUE;
}

/* int64 samples: core's arrays take differences in int64, exact for any clock, before
 * they become doubles. */

gboolean
bs_marker_stats_compute (const int64_t *t_ns, const double *power_w, gsize n, int64_t a_ns,
                         int64_t b_ns, BsMarkerStats *stats)
{
  int64_t a = MIN (a_ns, b_ns), b = MAX (a_ns, b_ns);
  BsPowerArrays arrays = { t_ns, power_w, a };
  BsPowerReadings s = bs_power_readings_from_arrays (&arrays, 0, n);

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
  BsPowerReadings s = { double_time, double_value, &d, 0, n };

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
  BsPowerReadings s;

  /* One sample either side of the markers is all the interpolation needs. */
  while (hi < n && bs_power_series_get_time (series, hi) <= b)
    hi++;
  s = (BsPowerReadings) { series_time, series_value, &d, lo > 0 ? lo - 1 : 0, MIN (hi + 1, n) };
  stats->t_a_ns = (double) a;
  stats->t_b_ns = (double) b;
  if (!compute (&s, (double) (b - a), stats))
    return FALSE;
  /* The visited window is held at its ends only where the whole series ends. */
  stats->extrapolated = bs_power_series_get_time (series, 0) > a
                        || bs_power_series_get_time (series, n - 1) < b;
  return TRUE;
}
