/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-clock-align.h: putting meter readings on the one clock.
 *
 * Every reading is stamped with CLOCK_MONOTONIC when it reaches the host. That stamp is
 * late by a varying transport delay (USB polling, driver buffering, scheduling), and for a
 * meter that averages, the reading describes a window that ended even earlier.
 *
 * Devices with a sample rate: sample i was taken at t0 + i/rate. Each packet gives one
 * point (index of its last sample, arrival time); every arrival is at or after the true
 * time, so the true line is a lower envelope of the points. The fit is the line below all
 * points that is highest at their mean index (the linear program of Moon, Skelly and
 * Towsley, 1999, for one-way delay skew); its solution is the edge of the lower convex hull
 * above the mean index. It is refitted as points come, over a sliding window, so that
 * crystal drift (50–100 ppm, 3–6 ms a minute) is followed.
 *
 * Polled meters: a reading's time is its arrival minus a per-meter latency, estimated once
 * by bs_latency_estimate(): a known idle/busy load pattern is cross-correlated with the
 * power trace, and the lag with the highest correlation is the latency. For an averaging
 * meter that lag is from the middle of the averaging window to the arrival, which is the
 * right instant to attribute the reading to. */
#pragma once

#include "bs-interval.h"

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* ---- rate fit ---- */

typedef struct
{
  double t0_ns;                 /* time of sample 0 */
  double period_ns;             /* 1e9 / effective rate */
  gboolean slope_fitted;        /* FALSE: too short a span, the nominal period was used */
} BsRateModel;

/* Fits t = t0 + i·period below all (index, arrival) points (index increasing). The slope is
 * fitted only when the points span at least @min_span samples and the fit stays within 1 %
 * of @nominal_period_ns; otherwise the nominal slope is kept and t0 is the earliest-arrival
 * envelope. FALSE if n == 0. */
gboolean bs_clock_fit_envelope (const int64_t *index, const int64_t *arrival_ns, gsize n,
                                double nominal_period_ns, int64_t min_span, BsRateModel *out);

/* The online version: a sliding window of points, refitted on every packet. */
typedef struct _BsRateFit BsRateFit;

BsRateFit *bs_rate_fit_new (double nominal_rate_hz, int64_t window_ns);
void bs_rate_fit_free (BsRateFit *fit);
/* A packet whose last sample has @last_index arrived at @arrival_ns. */
void bs_rate_fit_add (BsRateFit *fit, int64_t last_index, int64_t arrival_ns);
/* The fitted time of sample @index (needs at least one packet). */
int64_t bs_rate_fit_time (const BsRateFit *fit, int64_t index);
const BsRateModel *bs_rate_fit_model (const BsRateFit *fit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRateFit, bs_rate_fit_free)

/* ---- latency ---- */

typedef struct
{
  int64_t latency_ns;
  double correlation;           /* Pearson r of power and the busy indicator at that lag */
  double step_w;                /* mean power when busy − when idle, at that lag */
  int64_t plateau_ns;           /* width of the range of lags sharing the best r */
  guint n_samples;
} BsLatencyEstimate;

/* Tries lags 0, step, 2·step, ... up to @max_latency_ns: at lag L, reading k (arrival t_k)
 * counts as busy when t_k − L falls in one of the @busy intervals (sorted, disjoint). The
 * lag maximising the correlation wins; when several adjacent lags tie (with few pattern
 * edges r is piecewise constant), the middle of the tie. Fails (BS_PROBE_ERROR_NO_DATA)
 * when the best correlation is below @min_correlation: the meter does not see the load. */
gboolean bs_latency_estimate (const int64_t *t_ns, const double *value, gsize n,
                              const BsInterval *busy, gsize n_busy, int64_t max_latency_ns,
                              int64_t step_ns, double min_correlation,
                              BsLatencyEstimate *out, GError **error);

G_END_DECLS
