/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-traces.h: a run's power, shaped for overlaying runs on one chart.
 *
 * Where the meter samples faster than an inference lasts, the trace is aligned at
 * inference start (t − start of the inference containing t) and averaged over the
 * inferences into bins: the power profile of one inference. Otherwise (a 10 Hz meter
 * and sub-millisecond inferences) no sample can be placed within an inference, and the
 * trace is the raw one, aligned at the run start. Each trace says which it is and why;
 * docs/compare.md gives the rules.
 */
#pragma once

#include "bs-store.h"

G_BEGIN_DECLS

typedef enum
{
  BS_POWER_TRACE_NONE,       /* the run has no power samples */
  BS_POWER_TRACE_AVERAGED,   /* per-inference profile, binned, averaged over inferences */
  BS_POWER_TRACE_RAW,        /* samples (rails summed) against time since the run start */
} BsPowerTraceMode;

const char *bs_power_trace_mode_to_string (BsPowerTraceMode mode);

typedef enum
{
  BS_POWER_TRACE_AUTO,       /* averaged when the meter is fast enough, else raw */
  BS_POWER_TRACE_FORCE_RAW,
} BsPowerTraceRequest;

/* Samples that must fall inside inferences for an averaged trace, and the fewest a bin
 * is given on average (so the number of bins shrinks for short recordings). */
#define BS_POWER_TRACE_MIN_SAMPLES 32
#define BS_POWER_TRACE_SAMPLES_PER_BIN 4
#define BS_POWER_TRACE_DEFAULT_BINS 200

typedef struct
{
  int64_t run;
  BsPowerTraceMode mode;
  int n_rails;               /* power channels, summed */
  double meter_period_ns;    /* median interval between samples of the slowest rail; NaN: none */
  double inference_ns;       /* median inference latency; NaN: no events */
  int64_t n_inferences;      /* averaged: inferences with a sample inside; raw: in the run */
  int64_t n_samples;         /* samples that went into the trace (all rails) */
  double window_ns;          /* averaged: bins cover [0, window) after inference start (p95
                              * latency); raw: the span of the trace */
  guint n_points;
  double *t_ns;              /* averaged: bin centres since inference start;
                              * raw: sample times since the run start (t0) */
  double *power_w;           /* averaged: mean per bin (NaN: empty bin); raw: the samples */
  double *sd_w;              /* averaged: SD of the samples in each bin (rails combined as
                              * independent; NaN below two samples); raw: NULL */
  guint *count;              /* averaged: samples per bin (all rails); raw: NULL */
} BsPowerTrace;

/* Not bs_power_trace_free: probes/bs-energy.h has a BsPowerTrace of its own (samples of one
 * channel), and the application links both. */
void bs_query_power_trace_free (BsPowerTrace *trace);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsPowerTrace, bs_query_power_trace_free)

/* n_bins 0: BS_POWER_TRACE_DEFAULT_BINS. */
BsPowerTrace *bs_query_power_trace (BsStore *store, int64_t run, BsPowerTraceRequest request,
                                    guint n_bins, GError **error);

/* One trace per run (1 to 4 runs), all of one mode so they share an x axis: averaged
 * when every run with power can be averaged, raw otherwise. Runs without power get mode
 * NONE and do not decide. A GPtrArray of BsPowerTrace, in the order of `runs`. */
GPtrArray *bs_query_power_overlay (BsStore *store, const int64_t *runs, int n_runs, guint n_bins,
                                   GError **error);

G_END_DECLS
