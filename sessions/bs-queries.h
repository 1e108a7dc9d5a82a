/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-queries.h: what the numbers of a run say, and how runs differ.
 *
 * Times are per inference: a layer's time in one inference is the sum of its events in
 * that inference; a run's latency is first start to last end of an inference. Every
 * figure keeps its origin (the clocks its events came from), and comparisons flag runs
 * whose origins differ. Summaries of finished runs are computed once and stored.
 */
#pragma once

#include "bs-model.h"
#include "bs-stats.h"
#include "bs-store.h"

G_BEGIN_DECLS

/* Bit (1 << BsClockSource) for each origin seen. */
typedef guint BsClockMask;

/* "host", "device", "modelled", "host+device (mixed)", or "none". */
const char *bs_clock_mask_to_string (BsClockMask clocks);

typedef struct
{
  int op;
  char *name;
  BsLayerKind kind;          /* BS_LAYER_N_KINDS: the op is missing from the run's table */
  BsPrecision precision;
  BsPath path;
  uint64_t binary_macs;      /* per inference, from the layer table */
  uint64_t fixed_macs;
  BsClockMask clocks;
  BsSummary time_ns;         /* over inferences; n = inferences the op ran in */
  int64_t energy_n;          /* inferences with an energy figure; 0 without power data */
  double energy_j;           /* mean energy per inference */
  double energy_sd_j;        /* their sample SD: what Welch's test needs; NaN when n < 2 */
  double energy_lo_j;        /* 95 % confidence interval of that mean */
  double energy_hi_j;
} BsLayerStats;

/* Mean per-inference figures by the layer table's precision tags. */
typedef struct
{
  double time_ns[3];         /* indexed by BsPrecision: binary, fixed, float */
  double energy_j[3];
  uint64_t macs[3];          /* binary + fixed-point MACs of the layers of each precision */
  uint64_t param_bits[3];
  double unknown_time_ns;    /* ops missing from the layer table */
} BsSplit;

typedef struct
{
  int64_t run;
  BsClockMask clocks;
  int64_t n_inferences;
  int64_t n_events;
  int64_t n_samples;
  int64_t span_ns;           /* first event start to last event end */
  BsSummary latency_ns;      /* per inference */
  double busy_ns;            /* mean per inference of the layers' summed time */
  double throughput;         /* inferences per second over the span */
  gboolean has_power;
  double energy_j;           /* power channels summed and integrated over the span */
  double mean_power_w;
  double energy_per_inference_j;
  double energy_per_inference_sd_j;  /* SD of the run's energy cut at inference starts (each
                                      * inference up to the next one's start); NaN: n < 2 */
  BsSplit split;
} BsRunTotals;

/* BsLayerStats by op, for every op in the run's table or its events; the array frees
 * the names. */
GArray *bs_query_layer_stats (BsStore *store, int64_t run, GError **error);
gboolean bs_query_run_totals (BsStore *store, int64_t run, BsRunTotals *totals, GError **error);

/* Recomputes a run's stored summaries from its events and samples. Runs still being
 * recorded are never stored (their figures change). */
gboolean bs_query_refresh_summaries (BsStore *store, int64_t run, GError **error);

#define BS_COMPARE_MAX_RUNS 4

#define BS_COMPARE_SIGNIFICANCE 0.05

/* One figure per inference (time or energy) of a layer across the compared runs, and how
 * each run differs from the baseline (index 0). Time and energy follow the same rules. */
typedef struct
{
  BsSummary value[BS_COMPARE_MAX_RUNS]; /* n = 0: none; energy has only n, mean and sd */
  double ci95[BS_COMPARE_MAX_RUNS];     /* half-width of the mean's 95 % interval; NaN: n < 2 */
  double delta[BS_COMPARE_MAX_RUNS];    /* mean - baseline mean; NaN if either is missing */
  double ratio[BS_COMPARE_MAX_RUNS];    /* mean / baseline mean */
  BsWelch test[BS_COMPARE_MAX_RUNS];    /* Welch's t-test against the baseline */
  double p_holm[BS_COMPARE_MAX_RUNS];   /* Holm-adjusted over the layers of that pair */
  gboolean significant[BS_COMPARE_MAX_RUNS]; /* p_holm < BS_COMPARE_SIGNIFICANCE */
} BsCompareFigure;

/* One layer across the compared runs, matched by name. Index 0 is the baseline. */
typedef struct
{
  char *name;
  BsPrecision precision;     /* from the first run that has the layer */
  BsPath path;
  int op[BS_COMPARE_MAX_RUNS];          /* -1: the run has no such layer */
  BsCompareFigure time_ns;
  BsCompareFigure energy_j;             /* n = 0 where a run has no power readings */
} BsCompareRow;

/* A group of layers across the compared runs — a stage ("stem", "stage1", "head": the
 * layer name up to its first dot) or a path (stem, main, skip, merge, head) — with the
 * time per inference summed over its layers. Groups match by name, so runs of two
 * different models (BlendNet against the all-binary ResNet) compare stage by stage even
 * where no layer matches. Time only: energy is not split by group. */
typedef struct
{
  char *name;
  BsCompareFigure time_ns;   /* Welch against the baseline, Holm over the groups of a set */
} BsCompareGroup;

typedef struct
{
  int n_runs;
  int64_t runs[BS_COMPARE_MAX_RUNS];
  BsRunTotals totals[BS_COMPARE_MAX_RUNS];
  /* Per-inference latency and energy of the runs (energy: n, mean and sd), tested like
   * the layers but one test per pair, so p_holm is p. */
  BsCompareFigure latency_ns;
  BsCompareFigure energy_j;  /* n = 0 for a run without power readings */
  gboolean mixed_origins;    /* the runs' times come from different clocks */
  GArray *rows;              /* BsCompareRow: baseline order, then layers only later runs have */
  GArray *stages;            /* BsCompareGroup by stage; NULL until bs_comparison_add_groups() */
  GArray *paths;             /* BsCompareGroup by path; likewise */
} BsComparison;

/* Compares 2 to 4 runs against the first. */
BsComparison *bs_query_compare (BsStore *store, const int64_t *runs, int n_runs, GError **error);
void bs_comparison_free (BsComparison *comparison);
/* Fills comparison->stages and ->paths. Reads every event of the runs (chunk by chunk),
 * unlike bs_query_compare() which reads stored summaries: call it off the UI thread. */
gboolean bs_comparison_add_groups (BsStore *store, BsComparison *comparison, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsComparison, bs_comparison_free)

G_END_DECLS
