/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-integral.c: p̂ and its trapezoids. */
#include "bs-power-integral.h"

static double
array_time (gconstpointer data, gsize i)
{
  const BsPowerArrays *a = data;
  return (double) (a->t_ns[i] - a->origin);
}

static double
array_value (gconstpointer data, gsize i)
{
  return ((const BsPowerArrays *) data)->w[i];
}

BsPowerReadings
bs_power_readings_from_arrays (const BsPowerArrays *arrays, gsize first, gsize last)
{
  return (BsPowerReadings) { array_time, array_value, arrays, first, last };
}

double
bs_power_at (const BsPowerReadings *r, double x, gsize *hint)
{
  gsize i = CLAMP (*hint, r->first, r->last);
  double t0, t1, v0, v1;

  /* Behind the hint: search back by bisection for the first reading later than x. */
  if (i > r->first && r->time (r->data, i - 1) > x)
    {
      gsize lo = r->first, hi = i - 1;

      while (lo < hi)
        {
          gsize mid = lo + (hi - lo) / 2;
          if (r->time (r->data, mid) <= x)
            lo = mid + 1;
          else
            hi = mid;
        }
      i = lo;
    }
  while (i < r->last && r->time (r->data, i) <= x)
    i++;
  *hint = i;
  if (i == r->first)
    return r->value (r->data, r->first);
  if (i == r->last)
    return r->value (r->data, r->last - 1);
  t0 = r->time (r->data, i - 1);
  t1 = r->time (r->data, i);
  v0 = r->value (r->data, i - 1);
  v1 = r->value (r->data, i);
  return t1 > t0 ? v0 + (v1 - v0) * (x - t0) / (t1 - t0) : v1;
}

double
bs_power_integrate (const BsPowerReadings *r, double a, double b, double *max_gap_ns)
{
  gsize hint = r->first;
  double prev_t = a, prev_v = bs_power_at (r, a, &hint), sum = 0, gap = 0;

  /* hint is now the first reading after a: the knots strictly inside follow. */
  for (gsize i = hint; i < r->last; i++)
    {
      double t = r->time (r->data, i);
      double v = r->value (r->data, i);

      if (t >= b)
        break;
      sum += 0.5 * (prev_v + v) * (t - prev_t);
      gap = MAX (gap, t - prev_t);
      prev_t = t;
      prev_v = v;
    }
  sum += 0.5 * (prev_v + bs_power_at (r, b, &hint)) * (b - prev_t);
  gap = MAX (gap, b - prev_t);
  if (max_gap_ns != NULL)
    *max_gap_ns = gap;
  return sum * 1e-9;
}
