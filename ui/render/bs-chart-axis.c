/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-axis.c: ticks and labels. */
#include "bs-chart-axis.h"

#include <math.h>

static double
nice_step (double span, int target)
{
  double raw = span / MAX (target, 1);
  double mag = pow (10, floor (log10 (raw)));
  double f = raw / mag;

  if (f < 1.5)
    return mag;
  if (f < 3.5)
    return 2 * mag;
  if (f < 7.5)
    return 5 * mag;
  return 10 * mag;
}

void
bs_ticks_nice (double lo, double hi, int target, BsTicks *ticks)
{
  double step, v;

  ticks->n = 0;
  ticks->step = 0;
  if (!isfinite (lo) || !isfinite (hi) || hi <= lo)
    return;
  step = nice_step (hi - lo, target);
  /* The range may be tiny compared with its values: never loop more than the table. */
  for (v = ceil (lo / step - 1e-9) * step; v <= hi + step * 1e-9 && ticks->n < BS_AXIS_MAX_TICKS;
       v += step)
    ticks->value[ticks->n++] = fabs (v) < step * 1e-9 ? 0 : v;
  ticks->step = step;
}

void
bs_ticks_time (int64_t lo_ns, int64_t hi_ns, int target, BsTicks *ticks)
{
  /* Above a minute, steps of 10 s, 15 s, 30 s, 1 min, ... read better than 20 s, 50 s. */
  static const double long_steps[] = { 10e9, 15e9, 30e9, 60e9, 120e9, 300e9, 600e9, 900e9,
                                       1800e9, 3600e9, 7200e9, 10800e9, 21600e9, 43200e9,
                                       86400e9 };
  double span = (double) (hi_ns - lo_ns);
  double step;

  ticks->n = 0;
  ticks->step = 0;
  if (hi_ns <= lo_ns)
    return;
  step = nice_step (span, target);
  if (step >= 10e9)
    {
      guint i;
      for (i = 0; i < G_N_ELEMENTS (long_steps) - 1 && span / long_steps[i] > target; i++)
        ;
      step = long_steps[i];
    }
  for (double v = ceil (lo_ns / step) * step; v <= hi_ns && ticks->n < BS_AXIS_MAX_TICKS; v += step)
    ticks->value[ticks->n++] = v;
  ticks->step = step;
}

void
bs_range_nice (double *lo, double *hi, double min_span, int target)
{
  double mid, step;

  if (!isfinite (*lo) || !isfinite (*hi))
    {
      *lo = 0;
      *hi = 1;
      return;
    }
  if (*hi - *lo < min_span)
    {
      mid = (*hi + *lo) / 2;
      *lo = mid - min_span / 2;
      *hi = mid + min_span / 2;
    }
  step = nice_step (*hi - *lo, target);
  *lo = floor (*lo / step) * step;
  *hi = ceil (*hi / step) * step;
}

char *
bs_format_time_tick (double ns, double step_ns)
{
  double s = ns / 1e9;
  int decimals = 0;

  if (step_ns >= 60e9)
    {
      int64_t total = (int64_t) llround (s);
      const char *sign = total < 0 ? "−" : "";

      total = ABS (total);
      if (total >= 3600)
        return g_strdup_printf ("%s%d:%02d:%02d", sign, (int) (total / 3600),
                                (int) (total / 60 % 60), (int) (total % 60));
      return g_strdup_printf ("%s%d:%02d", sign, (int) (total / 60), (int) (total % 60));
    }
  while (decimals < 9 && step_ns < 1e9 / pow (10, decimals) - 1e-3)
    decimals++;
  /* A 2.5-style step needs one more digit than its power of ten. */
  if (decimals < 9 && fabs (step_ns / 1e9 * pow (10, decimals) - round (step_ns / 1e9 * pow (10, decimals))) > 1e-6)
    decimals++;
  return g_strdup_printf ("%.*f s", decimals, s);
}

char *
bs_format_duration (double ns)
{
  if (isnan (ns))
    return g_strdup ("—");
  if (fabs (ns) >= 1e9)
    return g_strdup_printf ("%.3g s", ns / 1e9);
  if (fabs (ns) >= 1e6)
    return g_strdup_printf ("%.3g ms", ns / 1e6);
  if (fabs (ns) >= 1e3)
    return g_strdup_printf ("%.3g µs", ns / 1e3);
  return g_strdup_printf ("%.0f ns", ns);
}

char *
bs_format_si (double value, const char *unit)
{
  static const struct { double scale; const char *prefix; } prefixes[] = {
    { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" }, { 1, "" }, { 1e-3, "m" }, { 1e-6, "µ" },
    { 1e-9, "n" },
  };
  double a = fabs (value);

  if (!isfinite (value))
    return g_strdup ("—");
  if (a == 0)
    return g_strdup_printf ("0 %s", unit);
  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (a >= prefixes[i].scale * 0.9995 || i == G_N_ELEMENTS (prefixes) - 1)
      {
        double v = value / prefixes[i].scale;
        int decimals = fabs (v) >= 99.95 ? 0 : fabs (v) >= 9.995 ? 1 : 2;
        return g_strdup_printf ("%.*f %s%s", decimals, v, prefixes[i].prefix, unit);
      }
  g_assert_not_reached ();
}

char *
bs_format_tick (double value, const BsTicks *ticks, const char *unit)
{
  static const struct { double scale; const char *prefix; } prefixes[] = {
    { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" }, { 1, "" }, { 1e-3, "m" }, { 1e-6, "µ" },
    { 1e-9, "n" },
  };
  double largest = 0;
  guint i;
  int decimals;

  for (int k = 0; k < ticks->n; k++)
    largest = MAX (largest, fabs (ticks->value[k]));
  if (largest == 0 || ticks->step <= 0)
    return bs_format_si (value, unit);
  for (i = 0; i < G_N_ELEMENTS (prefixes) - 1; i++)
    if (largest >= prefixes[i].scale * 0.9995)
      break;
  decimals = (int) ceil (-log10 (ticks->step / prefixes[i].scale) - 1e-9);
  decimals = CLAMP (decimals, 0, 6);
  if (fabs (value) < ticks->step * 1e-6)
    value = 0;
  return g_strdup_printf ("%.*f %s%s", decimals, value / prefixes[i].scale, prefixes[i].prefix, unit);
}

char *
bs_format_count (uint64_t n)
{
  if (n < 1000)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  return bs_format_si ((double) n, "");
}
