/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-live-stats.c: rings of recent inference ends, latencies and per-op durations. */
#include "bs-live-stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ENDS 8192   /* inference ends kept for the rate: 4 k inferences/s over 2 s */

struct _BsLiveStats
{
  int64_t t0;
  BsClockSource clock;     /* of the latest inference's events */
  int64_t n_inferences;
  int64_t last_ns;
  int64_t ends[ENDS];
  double latencies[BS_LIVE_LATENCIES];
  int n_ops;
  float *op_ns;            /* [n_ops][BS_LIVE_OP_SAMPLES] */
  guint *op_count;         /* [n_ops] */
};

BsLiveStats *
bs_live_stats_new (void)
{
  BsLiveStats *self = g_new0 (BsLiveStats, 1);

  bs_live_stats_reset (self, 0, 0);
  return self;
}

void
bs_live_stats_free (BsLiveStats *self)
{
  if (self == NULL)
    return;
  g_free (self->op_ns);
  g_free (self->op_count);
  g_free (self);
}

void
bs_live_stats_reset (BsLiveStats *self, int n_ops, int64_t t0_ns)
{
  self->t0 = t0_ns;
  self->clock = BS_CLOCK_HOST;
  self->n_inferences = 0;
  self->last_ns = t0_ns;
  g_free (self->op_ns);
  g_free (self->op_count);
  self->n_ops = n_ops;
  self->op_ns = g_new0 (float, (gsize) MAX (n_ops, 1) * BS_LIVE_OP_SAMPLES);
  self->op_count = g_new0 (guint, MAX (n_ops, 1));
}

void
bs_live_stats_add_inference (BsLiveStats *self, const BsLayerEvent *events, int n)
{
  int64_t start = INT64_MAX, end = INT64_MIN;

  if (n <= 0)
    return;
  for (int i = 0; i < n; i++)
    {
      const BsLayerEvent *e = &events[i];

      /* One modelled event makes the inference's latency a modelled figure. */
      if (i == 0 || e->clock == BS_CLOCK_MODELLED)
        self->clock = e->clock;
      start = MIN (start, e->t_start_ns);
      end = MAX (end, e->t_end_ns);
      if (e->op >= 0 && e->op < self->n_ops)
        {
          guint k = self->op_count[e->op]++ % BS_LIVE_OP_SAMPLES;
          self->op_ns[(gsize) e->op * BS_LIVE_OP_SAMPLES + k] = (float) (e->t_end_ns - e->t_start_ns);
        }
    }
  self->ends[self->n_inferences % ENDS] = end;
  self->latencies[self->n_inferences % BS_LIVE_LATENCIES] = (double) (end - start);
  self->n_inferences++;
  self->last_ns = MAX (self->last_ns, end);
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static int
compare_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

void
bs_live_stats_compute (BsLiveStats *self, const BsPowerSeries *power, BsLiveFigures *out)
{
  int64_t edge = self->last_ns;
  int64_t window;
  int64_t first, last_sample;

  out->clock = self->clock;
  out->n_inferences = self->n_inferences;
  out->inferences_per_s = NAN;
  out->host_inferences_per_s = NAN;
  out->latency_p50_ns = NAN;
  out->watts = NAN;
  out->mj_per_inference = NAN;
  out->inferences_per_j = NAN;

  if (self->n_inferences > 0)
    {
      int64_t n_lat = MIN (self->n_inferences, BS_LIVE_LATENCIES);
      double lat[BS_LIVE_LATENCIES];
      int64_t count = 0;

      memcpy (lat, self->latencies, sizeof (double) * n_lat);
      qsort (lat, n_lat, sizeof (double), compare_double);
      out->latency_p50_ns = n_lat % 2 ? lat[n_lat / 2] : (lat[n_lat / 2 - 1] + lat[n_lat / 2]) / 2;

      /* Early in a run the window is what has elapsed. */
      window = MIN (BS_LIVE_WINDOW_NS, edge - self->t0);
      for (int64_t i = self->n_inferences - 1; i >= 0 && i >= self->n_inferences - ENDS; i--)
        {
          if (self->ends[i % ENDS] <= edge - window)
            break;
          count++;
        }
      if (window > 0)
        out->inferences_per_s = count / (window / 1e9);
      if (self->clock == BS_CLOCK_MODELLED)
        {
          out->host_inferences_per_s = out->inferences_per_s;
          out->inferences_per_s = out->latency_p50_ns > 0 ? 1e9 / out->latency_p50_ns : NAN;
        }
    }

  if (power != NULL && bs_power_series_get_span (power, &first, &last_sample))
    {
      /* At the live edge of the inferences, or of the readings when none ran. */
      int64_t at = self->n_inferences > 0 ? MIN (edge, last_sample) : last_sample;
      out->watts = bs_power_series_mean (power, at - BS_LIVE_WINDOW_NS, at + 1);
      if (isnan (out->watts))
        out->watts = bs_power_series_get_value (power, bs_power_series_get_n (power) - 1);
    }
  if (self->clock != BS_CLOCK_MODELLED && isfinite (out->watts)
      && isfinite (out->inferences_per_s) && out->inferences_per_s > 0 && out->watts > 0)
    {
      out->mj_per_inference = out->watts / out->inferences_per_s * 1e3;
      out->inferences_per_j = out->inferences_per_s / out->watts;
    }
}

void
bs_live_stats_op_medians (BsLiveStats *self, double *median_ns, int n_ops)
{
  float scratch[BS_LIVE_OP_SAMPLES];

  for (int o = 0; o < n_ops; o++)
    {
      guint n = o < self->n_ops ? MIN (self->op_count[o], BS_LIVE_OP_SAMPLES) : 0;

      if (n == 0)
        {
          median_ns[o] = NAN;
          continue;
        }
      memcpy (scratch, self->op_ns + (gsize) o * BS_LIVE_OP_SAMPLES, n * sizeof (float));
      qsort (scratch, n, sizeof (float), compare_float);
      median_ns[o] = n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2.0;
    }
}

int64_t
bs_live_stats_get_n_inferences (BsLiveStats *self)
{
  return self->n_inferences;
}

int64_t
bs_live_stats_get_last_ns (BsLiveStats *self)
{
  return self->last_ns;
}
