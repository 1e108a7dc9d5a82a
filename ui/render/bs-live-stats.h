/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-live-stats.h: the rolling figures of a run in progress (the big-number tiles) and
 * per-op recent durations (the layer table's medians). Fed on the main thread from the
 * throttled updates; GLib only. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "bs-events.h"
#include "bs-power-series.h"

G_BEGIN_DECLS

/* What the tiles show. NaN: not known (yet).
 *
 * The timings' clock decides what may be derived from them. Measured timings (host clock,
 * device counters): the rate is inferences counted over the window, and energy is the
 * measured power over that rate. Modelled timings (csim): the rate is the model's,
 * 1 / latency, back to back; the host's own simulation rate is kept apart, and no energy
 * is derived, because the meter measures the host simulating the kernel, not the kernel:
 * a measured power over a modelled rate would mix two clocks. */
typedef struct
{
  BsClockSource clock;         /* of the timings */
  int64_t n_inferences;        /* in this run */
  double inferences_per_s;     /* measured: over the last BS_LIVE_WINDOW_NS; modelled: 1 / latency */
  double host_inferences_per_s;  /* modelled timings only: how fast the host simulates */
  double latency_p50_ns;       /* median of the last BS_LIVE_LATENCIES inferences */
  double watts;                /* mean power over the same window */
  double mj_per_inference;     /* watts / rate: total (not idle-subtracted) energy */
  double inferences_per_j;
} BsLiveFigures;

#define BS_LIVE_WINDOW_NS ((int64_t) 2000000000)
#define BS_LIVE_LATENCIES 256
#define BS_LIVE_OP_SAMPLES 512

typedef struct _BsLiveStats BsLiveStats;

BsLiveStats *bs_live_stats_new (void);
void bs_live_stats_free (BsLiveStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsLiveStats, bs_live_stats_free)

void bs_live_stats_reset (BsLiveStats *stats, int n_ops, int64_t t0_ns);
/* One inference's events. */
void bs_live_stats_add_inference (BsLiveStats *stats, const BsLayerEvent *events, int n);
/* The figures at the latest inference (or, without any, the latest reading). */
void bs_live_stats_compute (BsLiveStats *stats, const BsPowerSeries *power, BsLiveFigures *out);
/* Median recent duration per op (NaN for ops not seen). */
void bs_live_stats_op_medians (BsLiveStats *stats, double *median_ns, int n_ops);
int64_t bs_live_stats_get_n_inferences (BsLiveStats *stats);
/* The latest time any event reached: the live edge of the charts. */
int64_t bs_live_stats_get_last_ns (BsLiveStats *stats);

G_END_DECLS
