/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-series.c: samples in two growing arrays (times, values) and a pyramid of min/max blocks: level k holds one pair per FANOUT^k samples.
 * Appending updates one block per level; a range query walks partial blocks at each level
 * and whole blocks one level up, so a column costs O(FANOUT · levels) whatever its size. */
#include "bs-power-series.h"

#include <math.h>

#define FANOUT 16
#define MAX_LEVELS 8   /* 16^8 samples per top block: far beyond any run */

typedef struct
{
  float min, max;
} Pair;

struct _BsPowerSeries
{
  GArray *t;         /* int64_t */
  GArray *v;         /* float: meters resolve 3-4 digits; halves the memory of hours */
  GArray *levels[MAX_LEVELS];   /* Pair; levels[0] summarises blocks of FANOUT samples */
};

BsPowerSeries *
bs_power_series_new (void)
{
  BsPowerSeries *self = g_new0 (BsPowerSeries, 1);

  self->t = g_array_new (FALSE, FALSE, sizeof (int64_t));
  self->v = g_array_new (FALSE, FALSE, sizeof (float));
  for (int l = 0; l < MAX_LEVELS; l++)
    self->levels[l] = g_array_new (FALSE, FALSE, sizeof (Pair));
  bs_power_series_clear (self);
  return self;
}

void
bs_power_series_free (BsPowerSeries *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->t);
  g_array_unref (self->v);
  for (int l = 0; l < MAX_LEVELS; l++)
    g_array_unref (self->levels[l]);
  g_free (self);
}

void
bs_power_series_clear (BsPowerSeries *self)
{
  g_array_set_size (self->t, 0);
  g_array_set_size (self->v, 0);
  for (int l = 0; l < MAX_LEVELS; l++)
    g_array_set_size (self->levels[l], 0);
}

void
bs_power_series_append (BsPowerSeries *self, int64_t t_ns, double value)
{
  gsize n = self->t->len;
  float v = (float) value;
  gsize index = n;

  if (!isfinite (value))
    return;
  if (n > 0)
    t_ns = MAX (t_ns, g_array_index (self->t, int64_t, n - 1));
  g_array_append_val (self->t, t_ns);
  g_array_append_val (self->v, v);

  for (int l = 0; l < MAX_LEVELS; l++)
    {
      GArray *level = self->levels[l];
      gsize block = index / FANOUT;

      if (block == level->len)
        {
          Pair p = { v, v };
          g_array_append_val (level, p);
        }
      else
        {
          Pair *p = &g_array_index (level, Pair, block);
          p->min = MIN (p->min, v);
          p->max = MAX (p->max, v);
        }
      index = block;
    }
}

gsize
bs_power_series_get_n (const BsPowerSeries *self)
{
  return self->t->len;
}

int64_t
bs_power_series_get_time (const BsPowerSeries *self, gsize i)
{
  return g_array_index (self->t, int64_t, i);
}

double
bs_power_series_get_value (const BsPowerSeries *self, gsize i)
{
  return g_array_index (self->v, float, i);
}

gboolean
bs_power_series_get_span (const BsPowerSeries *self, int64_t *first_ns, int64_t *last_ns)
{
  if (self->t->len == 0)
    return FALSE;
  *first_ns = g_array_index (self->t, int64_t, 0);
  *last_ns = g_array_index (self->t, int64_t, self->t->len - 1);
  return TRUE;
}

static gsize
lower_bound_in (const int64_t *t, gsize lo, gsize hi, int64_t t_ns)
{
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (t[mid] < t_ns)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

gsize
bs_power_series_lower_bound (const BsPowerSeries *self, int64_t t_ns)
{
  return lower_bound_in ((const int64_t *) self->t->data, 0, self->t->len, t_ns);
}

void
bs_power_series_minmax (const BsPowerSeries *self, gsize i0, gsize i1, double *min, double *max)
{
  const float *v = (const float *) self->v->data;
  float lo = INFINITY, hi = -INFINITY;
  int l = -1;   /* -1: the samples themselves */

  while (i0 < i1)
    {
      /* Partial blocks at both ends at this level, then go up over whole blocks. */
      if (l + 1 < MAX_LEVELS && i1 - i0 >= 2 * FANOUT)
        {
          while (i0 % FANOUT != 0)
            {
              float a = l < 0 ? v[i0] : g_array_index (self->levels[l], Pair, i0).min;
              float b = l < 0 ? v[i0] : g_array_index (self->levels[l], Pair, i0).max;
              lo = MIN (lo, a);
              hi = MAX (hi, b);
              i0++;
            }
          while (i1 % FANOUT != 0)
            {
              i1--;
              float a = l < 0 ? v[i1] : g_array_index (self->levels[l], Pair, i1).min;
              float b = l < 0 ? v[i1] : g_array_index (self->levels[l], Pair, i1).max;
              lo = MIN (lo, a);
              hi = MAX (hi, b);
            }
          i0 /= FANOUT;
          i1 /= FANOUT;
          l++;
          continue;
        }
      for (; i0 < i1; i0++)
        {
          float a = l < 0 ? v[i0] : g_array_index (self->levels[l], Pair, i0).min;
          float b = l < 0 ? v[i0] : g_array_index (self->levels[l], Pair, i0).max;
          lo = MIN (lo, a);
          hi = MAX (hi, b);
        }
    }
  *min = lo;
  *max = hi;
}

double
bs_power_series_mean (const BsPowerSeries *self, int64_t from_ns, int64_t to_ns)
{
  const float *v = (const float *) self->v->data;
  gsize i0 = bs_power_series_lower_bound (self, from_ns);
  gsize i1 = bs_power_series_lower_bound (self, to_ns);
  double sum = 0;

  if (i1 <= i0)
    return NAN;
  for (gsize i = i0; i < i1; i++)
    sum += v[i];
  return sum / (double) (i1 - i0);
}

gsize
bs_power_series_decimate (const BsPowerSeries *self, int64_t t_start, int64_t t_end,
                          guint n_columns, int64_t gap_ns, float *min, float *max)
{
  const int64_t *t = (const int64_t *) self->t->data;
  const float *v = (const float *) self->v->data;
  gsize n = self->t->len;
  gsize first = bs_power_series_lower_bound (self, t_start);
  gsize i0 = first;
  double span = (double) (t_end - t_start);

  for (guint c = 0; c < n_columns; c++)
    {
      int64_t c_end = t_start + (int64_t) (span * (c + 1) / n_columns);
      gsize i1 = i0;

      /* Columns are narrow against the history: a galloping search from i0 beats a
       * binary search over everything. */
      if (i1 < n && t[i1] < c_end)
        {
          gsize step = 1;
          while (i1 + step < n && t[i1 + step] < c_end)
            {
              i1 += step;
              step *= 2;
            }
          i1 = lower_bound_in (t, i1, MIN (i1 + step, n), c_end);
        }

      if (i1 > i0)
        {
          double lo, hi;
          bs_power_series_minmax (self, i0, i1, &lo, &hi);
          min[c] = (float) lo;
          max[c] = (float) hi;
        }
      else if (i0 > 0 && i0 < n && t[i0] - t[i0 - 1] <= gap_ns)
        {
          /* No sample inside: interpolate at the column's centre. */
          int64_t mid = t_start + (int64_t) (span * (c + 0.5) / n_columns);
          double f = (double) (mid - t[i0 - 1]) / (double) MAX (t[i0] - t[i0 - 1], 1);
          float x = (float) (v[i0 - 1] + CLAMP (f, 0, 1) * (v[i0] - v[i0 - 1]));
          min[c] = max[c] = x;
        }
      else
        min[c] = max[c] = NAN;
      i0 = i1;
    }
  return i0 - first;
}

gsize
bs_power_series_get_memory (const BsPowerSeries *self)
{
  gsize bytes = self->t->len * (sizeof (int64_t) + sizeof (float));

  for (int l = 0; l < MAX_LEVELS; l++)
    bytes += self->levels[l]->len * sizeof (Pair);
  return bytes;
}
