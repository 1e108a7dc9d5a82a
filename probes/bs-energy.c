/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-energy.c: direct integration, per-layer and whole-network energy. */
#include "bs-energy.h"
#include "bs-power-integral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GAP_FACTOR 3

const char *
bs_energy_status_to_string (BsEnergyStatus status)
{
  switch (status)
    {
    case BS_ENERGY_OK:
      return "ok";
    case BS_ENERGY_TOO_FEW_SAMPLES:
      return "too few readings";
    case BS_ENERGY_GAP:
      return "meter gap";
    }
  return "?";
}

/* ---- traces ---- */

typedef struct
{
  int64_t t;
  double w;
} Reading;

static int
compare_readings (const void *a, const void *b)
{
  int64_t ta = ((const Reading *) a)->t, tb = ((const Reading *) b)->t;

  return (ta > tb) - (ta < tb);
}

static BsPowerTrace *
trace_from_readings (Reading *r, gsize n)
{
  BsPowerTrace *trace = g_new0 (BsPowerTrace, 1);

  qsort (r, n, sizeof *r, compare_readings);
  trace->n = n;
  trace->t_ns = g_new (int64_t, MAX (n, 1));
  trace->w = g_new (double, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      trace->t_ns[i] = r[i].t;
      trace->w[i] = r[i].w;
    }
  return trace;
}

BsPowerTrace *
bs_power_trace_new (const BsSample *samples, gsize n_samples, int32_t channel)
{
  g_autofree Reading *r = g_new (Reading, MAX (n_samples, 1));
  gsize n = 0;

  for (gsize i = 0; i < n_samples; i++)
    if (samples[i].channel == channel && samples[i].quantity == BS_QUANTITY_POWER)
      r[n++] = (Reading) { samples[i].t_ns, samples[i].value };
  return trace_from_readings (r, n);
}

BsPowerTrace *
bs_power_trace_new_from_arrays (const int64_t *t_ns, const double *w, gsize n)
{
  g_autofree Reading *r = g_new (Reading, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    r[i] = (Reading) { t_ns[i], w[i] };
  return trace_from_readings (r, n);
}

void
bs_power_trace_free (BsPowerTrace *trace)
{
  if (trace == NULL)
    return;
  g_free (trace->t_ns);
  g_free (trace->w);
  g_free (trace);
}

/* The first index with t ≥ @t_ns. */
static gsize
lower_bound (const BsPowerTrace *trace, int64_t t_ns)
{
  gsize lo = 0, hi = trace->n;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (trace->t_ns[mid] < t_ns)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

gsize
bs_power_trace_range (const BsPowerTrace *trace, int64_t from_ns, int64_t to_ns, gsize *first)
{
  gsize a = lower_bound (trace, from_ns);
  gsize b = lower_bound (trace, to_ns);

  *first = a;
  return b > a ? b - a : 0;
}

static int
compare_int64 (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

  return (x > y) - (x < y);
}

int64_t
bs_power_trace_median_spacing (const BsPowerTrace *trace)
{
  g_autofree int64_t *d = NULL;

  if (trace->n < 2)
    return 0;
  d = g_new (int64_t, trace->n - 1);
  for (gsize i = 0; i + 1 < trace->n; i++)
    d[i] = trace->t_ns[i + 1] - trace->t_ns[i];
  qsort (d, trace->n - 1, sizeof *d, compare_int64);
  return d[(trace->n - 1) / 2];
}

/* ---- direct ---- */

void
bs_energy_rules_init (BsEnergyRules *rules)
{
  rules->min_samples = 3;
  rules->max_gap_ns = 0;
  rules->idle_w = NAN;
}

/* ∫ p̂ over the interval (core/bs-power-integral.h), visiting the @count readings inside
 * from @first and one either side. */
static void
integrate (const BsPowerTrace *trace, const BsInterval *iv, gsize first, gsize count,
           BsIntervalEnergy *out)
{
  BsPowerArrays arrays = { trace->t_ns, trace->w, iv->t_start_ns };
  BsPowerReadings r = bs_power_readings_from_arrays (&arrays, first > 0 ? first - 1 : 0,
                                                     MIN (first + count + 1, trace->n));
  double gap;

  out->energy_j = bs_power_integrate (&r, 0, (double) (iv->t_end_ns - iv->t_start_ns), &gap);
  out->max_gap_ns = (int64_t) gap;
}

static void
direct_one (const BsPowerTrace *trace, const BsInterval *iv, const BsEnergyRules *rules,
            int64_t max_gap_ns, BsIntervalEnergy *out)
{
  gsize first;
  double duration_s = (iv->t_end_ns - iv->t_start_ns) * 1e-9;

  *out = (BsIntervalEnergy) { BS_ENERGY_TOO_FEW_SAMPLES, 0, NAN, NAN, NAN, 0 };
  out->n_samples = bs_power_trace_range (trace, iv->t_start_ns, iv->t_end_ns, &first);
  if (out->n_samples < MAX (rules->min_samples, 1) || duration_s <= 0)
    return;
  integrate (trace, iv, first, out->n_samples, out);
  if (max_gap_ns > 0 && out->max_gap_ns > max_gap_ns)
    {
      out->status = BS_ENERGY_GAP;
      out->energy_j = NAN;
      return;
    }
  out->status = BS_ENERGY_OK;
  out->mean_power_w = out->energy_j / duration_s;
  out->dynamic_j = out->energy_j - rules->idle_w * duration_s;
}

void
bs_energy_direct (const BsPowerTrace *trace, const BsInterval *intervals, gsize n_intervals,
                  const BsEnergyRules *rules, BsIntervalEnergy *out)
{
  BsEnergyRules defaults;
  int64_t max_gap_ns;

  if (rules == NULL)
    {
      bs_energy_rules_init (&defaults);
      rules = &defaults;
    }
  max_gap_ns = rules->max_gap_ns > 0 ? rules->max_gap_ns
                                     : GAP_FACTOR * bs_power_trace_median_spacing (trace);
  for (gsize i = 0; i < n_intervals; i++)
    direct_one (trace, &intervals[i], rules, max_gap_ns, &out[i]);
}

/* ---- sweep: one layer ---- */

void
bs_energy_layer (const double *busy_w, gsize n_busy, const double *idle_w, gsize n_idle,
                 double t_invocation_s, guint min_samples, BsLayerEnergy *out)
{
  memset (out, 0, sizeof *out);
  bs_mean_ci (busy_w, n_busy, &out->busy);
  bs_mean_ci (idle_w, n_idle, &out->idle);
  bs_mean_ci_difference (&out->busy, &out->idle, &out->dynamic);
  out->t_invocation_s = t_invocation_s;
  out->status = n_busy >= MAX (min_samples, 2) && n_idle >= MAX (min_samples, 2)
                  ? BS_ENERGY_OK : BS_ENERGY_TOO_FEW_SAMPLES;
  out->e_total_j = out->busy.mean * t_invocation_s;
  out->e_total_ci_j = out->busy.half_width * t_invocation_s;
  out->e_dynamic_j = out->dynamic.mean * t_invocation_s;
  out->e_dynamic_ci_j = out->dynamic.half_width * t_invocation_s;
}

/* ---- whole network ---- */

void
bs_energy_network (const double *busy_w, gsize n_busy, const double *idle_w, gsize n_idle,
                   double duration_s, int64_t n_inferences, guint min_samples,
                   BsNetworkEnergy *out)
{
  BsMeanCI idle, dynamic;
  double per = n_inferences > 0 ? duration_s / n_inferences : NAN;
  double low_w, high_w;

  memset (out, 0, sizeof *out);
  bs_mean_ci (busy_w, n_busy, &out->power);
  out->duration_s = duration_s;
  out->n_inferences = n_inferences;
  out->status = n_busy >= MAX (min_samples, 2) && n_inferences > 0 ? BS_ENERGY_OK
                                                                   : BS_ENERGY_TOO_FEW_SAMPLES;
  out->e_inference_j = out->power.mean * per;
  out->e_inference_ci_j = out->power.half_width * per;
  out->e_dynamic_j = out->e_dynamic_ci_j = NAN;
  if (idle_w != NULL && n_idle > 0)
    {
      bs_mean_ci (idle_w, n_idle, &idle);
      bs_mean_ci_difference (&out->power, &idle, &dynamic);
      out->e_dynamic_j = dynamic.mean * per;
      out->e_dynamic_ci_j = dynamic.half_width * per;
    }
  low_w = out->power.mean - out->power.half_width;
  high_w = out->power.mean + out->power.half_width;
  out->inferences_per_j = 1.0 / out->e_inference_j;
  out->inferences_per_j_low = 1.0 / (high_w * per);
  out->inferences_per_j_high = low_w > 0 ? 1.0 / (low_w * per) : INFINITY;
}
