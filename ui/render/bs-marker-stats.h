/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-marker-stats.h: what two markers on a power trace say — the time between them, the
 * energy drawn in that time and the average power. Pure functions of the samples.
 *
 * The trace is the samples joined by straight lines and held flat beyond the first and
 * the last, and energy its integral from A to B: core/bs-power-integral.h, the rule the
 * session store integrates run energy by. Average power is that energy over the duration. docs/compare.md, "Markers".
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "bs-power-series.h"

G_BEGIN_DECLS

typedef struct
{
  double t_a_ns, t_b_ns;     /* the markers, ordered: a <= b */
  double duration_ns;
  double energy_j;
  double mean_power_w;       /* energy / duration; the trace's value at A when A == B */
  double min_w, max_w;       /* over the samples between the markers; NaN without any */
  gsize n_samples;           /* samples with a <= t <= b */
  gboolean extrapolated;     /* part of [a, b] lies before the first or after the last
                              * sample: the trace was held flat there */
} BsMarkerStats;

/* Samples in time order (equal times allowed). Markers in either order. FALSE (and
 * stats of NaN) without samples. */
gboolean bs_marker_stats_compute (const int64_t *t_ns, const double *power_w, gsize n,
                                  int64_t a_ns, int64_t b_ns, BsMarkerStats *stats);

/* The same for times as doubles (e.g. BsPowerTrace, relative to a start). */
gboolean bs_marker_stats_compute_relative (const double *t_ns, const double *power_w, gsize n,
                                           double a_ns, double b_ns, BsMarkerStats *stats);

/* Over a live power history (the power chart's series); only the samples near and
 * between the markers are visited. */
gboolean bs_marker_stats_compute_series (const BsPowerSeries *series, int64_t a_ns,
                                         int64_t b_ns, BsMarkerStats *stats);

G_END_DECLS
