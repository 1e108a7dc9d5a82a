/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-energy.h: energy attribution, as pure functions over recorded power readings.
 *
 * Direct: the energy of an interval (a layer, an inference) is the integral of the
 * piecewise-linear interpolation of the readings over it, E = ∫ p̂(t) dt, given that at
 * least min_samples readings fall inside and no two consecutive readings (nor an interval
 * end and its nearest reading) are further apart than max_gap. A 10 Hz meter therefore
 * attributes energy directly only to intervals of several hundred milliseconds or more;
 * shorter ones are reported TOO_FEW_SAMPLES, not guessed.
 *
 * Sweep (per layer, from steady-state loops): P_layer is the mean reading while the layer
 * loops, P_idle the mean over the idle gaps next to it, t_layer the loop's duration over
 * its iterations, and per invocation
 *     E_dynamic = (P_layer − P_idle) · t_layer,     E_total = P_layer · t_layer,
 * each with a 95 % interval from the batch-means intervals of the two means (bs-mean-ci.h),
 * combined by Welch–Satterthwaite. t_layer is taken as exact: a host-clock loop of seconds
 * is timed to a few parts per million, far below the power's uncertainty.
 *
 * Whole network: energy per inference = mean power · duration / inferences, and
 * inferences per joule, its inverse, with the interval mapped through. */
#pragma once

#include "bs-events.h"
#include "bs-interval.h"
#include "bs-mean-ci.h"

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  BS_ENERGY_OK,
  BS_ENERGY_TOO_FEW_SAMPLES,    /* fewer readings inside than the rules ask for */
  BS_ENERGY_GAP,                /* readings missing inside: the meter stalled or went away */
} BsEnergyStatus;

const char *bs_energy_status_to_string (BsEnergyStatus status);

/* The power readings of one channel, sorted by time. */
typedef struct
{
  int64_t *t_ns;
  double *w;
  gsize n;
} BsPowerTrace;

/* The power readings of @channel among @samples (any order). */
BsPowerTrace *bs_power_trace_new (const BsSample *samples, gsize n_samples, int32_t channel);
BsPowerTrace *bs_power_trace_new_from_arrays (const int64_t *t_ns, const double *w, gsize n);
void bs_power_trace_free (BsPowerTrace *trace);
/* The readings with from ≤ t < to: returns their count, @first the index of the first. */
gsize bs_power_trace_range (const BsPowerTrace *trace, int64_t from_ns, int64_t to_ns, gsize *first);
/* The median spacing of readings; 0 with fewer than 2. */
int64_t bs_power_trace_median_spacing (const BsPowerTrace *trace);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsPowerTrace, bs_power_trace_free)

typedef struct
{
  guint min_samples;            /* readings needed inside an interval: 3 */
  int64_t max_gap_ns;           /* longest spacing tolerated; 0: 3 × the median spacing */
  double idle_w;                /* baseline for dynamic energy; NaN: none */
} BsEnergyRules;

void bs_energy_rules_init (BsEnergyRules *rules);

typedef struct
{
  BsEnergyStatus status;
  guint n_samples;              /* readings inside */
  double energy_j;              /* NaN unless OK */
  double mean_power_w;          /* NaN unless OK */
  double dynamic_j;             /* energy − idle_w · duration; NaN without a baseline */
  int64_t max_gap_ns;           /* the largest spacing found */
} BsIntervalEnergy;

void bs_energy_direct (const BsPowerTrace *trace, const BsInterval *intervals, gsize n_intervals,
                       const BsEnergyRules *rules, BsIntervalEnergy *out);

typedef struct
{
  BsEnergyStatus status;        /* TOO_FEW_SAMPLES when either mean has < min_samples */
  BsMeanCI busy;                /* P_layer */
  BsMeanCI idle;                /* P_idle */
  BsMeanCI dynamic;             /* P_layer − P_idle */
  double t_invocation_s;
  double e_dynamic_j, e_dynamic_ci_j;   /* value and 95 % half-width */
  double e_total_j, e_total_ci_j;
} BsLayerEnergy;

void bs_energy_layer (const double *busy_w, gsize n_busy, const double *idle_w, gsize n_idle,
                      double t_invocation_s, guint min_samples, BsLayerEnergy *out);

typedef struct
{
  BsEnergyStatus status;
  BsMeanCI power;
  double duration_s;
  int64_t n_inferences;
  double e_inference_j, e_inference_ci_j;
  double e_dynamic_j, e_dynamic_ci_j;   /* NaN without idle readings */
  double inferences_per_j, inferences_per_j_low, inferences_per_j_high;
} BsNetworkEnergy;

/* @idle_w may be NULL. */
void bs_energy_network (const double *busy_w, gsize n_busy, const double *idle_w, gsize n_idle,
                        double duration_s, int64_t n_inferences, guint min_samples,
                        BsNetworkEnergy *out);

G_END_DECLS
