/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-compare-render.h: the comparison of 2-4 runs as a pure function of (data, viewport,
 * style) onto a cairo_t.
 *
 * At the top, one line per run: its total per inference (latency or energy) as a bar
 * split into binary, fixed point and float, with its ratio to the baseline. Below, one
 * row per layer with one bar per run (the baseline first), each bar the mean per
 * inference with its 95 % confidence interval, and beside it the mean, the ratio to the
 * baseline and the difference. A bar that differs significantly from the baseline's
 * (Welch's t-test on the per-inference values, Holm-corrected over the layers;
 * docs/compare.md) is filled and marked with an asterisk; one that does not is drawn
 * hollow. Rows are horizontal so that long layer names and the numbers stay readable;
 * the chart scrolls by rows (first_layer) and bs_compare_content_height() says how tall
 * all rows are, for a scrolled view or an export of the whole comparison.
 */
#pragma once

#include <cairo.h>

#include "bs-chart-axis.h"
#include "bs-chart-draw.h"
#include "bs-queries.h"
#include "bs-runs.h"

G_BEGIN_DECLS

typedef enum
{
  BS_COMPARE_TIME,       /* seconds per inference */
  BS_COMPARE_ENERGY,     /* joules per inference */
} BsCompareMetric;

typedef struct
{
  char *label;           /* "#12 cpu" */
  char *detail;          /* "blendnet20 · 3 May 14:02 · host clock"; may be NULL */
  double total;          /* latency (s) or energy (J) per inference; NaN: unknown */
  double total_lo;       /* its 95 % interval; NaN: none */
  double total_hi;
  double split[3];       /* by BsPrecision: the layers' summed means, s or J */
  double ratio;          /* total / the baseline's total */
  double p;              /* of the total's difference from the baseline; NaN: no test */
  gboolean significant;  /* p < 0.05 */
} BsCompareRun;

typedef struct
{
  char *name;
  BsPrecision precision;
  BsPath path;
  int group;             /* consecutive rows of a group share a band; -1: none */
  double value[BS_COMPARE_MAX_RUNS];   /* mean per inference, s or J; NaN: not in that run */
  double lo[BS_COMPARE_MAX_RUNS];      /* 95 % interval of the mean; NaN: none */
  double hi[BS_COMPARE_MAX_RUNS];
  double delta[BS_COMPARE_MAX_RUNS];   /* value - baseline value */
  double ratio[BS_COMPARE_MAX_RUNS];   /* value / baseline value */
  double p[BS_COMPARE_MAX_RUNS];       /* Holm-adjusted; NaN: no test */
  gboolean significant[BS_COMPARE_MAX_RUNS];
} BsCompareLayer;

/* The data the chart draws: plain values, so tests and other sources can fill it. */
typedef struct
{
  BsCompareMetric metric;
  int n_runs;            /* 2 to BS_COMPARE_MAX_RUNS; run 0 is the baseline */
  BsCompareRun runs[BS_COMPARE_MAX_RUNS];
  int n_layers;
  BsCompareLayer *layers;
  char *warning;         /* shown above the rows, e.g. mixed clocks; may be NULL */
} BsCompareChart;

/* Empty runs and layers (values NaN, groups -1), to be filled in. */
BsCompareChart *bs_compare_chart_new (BsCompareMetric metric, int n_runs, int n_layers);
void bs_compare_chart_free (BsCompareChart *chart);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsCompareChart, bs_compare_chart_free)

/* From a comparison, which holds every figure and significance mark the chart draws (time
 * and energy alike; the chart tests nothing itself). `runs` (may be NULL) labels them.
 * Groups (bands) are the layers' modules, from the names ("stage1.0.main.conv" is in
 * "stage1.0"). */
BsCompareChart *bs_compare_chart_new_from_comparison (const BsComparison *comparison,
                                                      BsCompareMetric metric,
                                                      BsRun *const *runs);

/* The row of the layer called `name`, or -1: selecting a layer in another view. */
int bs_compare_chart_find_layer (const BsCompareChart *chart, const char *name);

/* "stage1.0" for "stage1.0.main.conv", "stem" for "stem.conv". */
char *bs_compare_group_of (const char *layer_name);

typedef struct
{
  const BsCompareChart *chart;
  const char *title;     /* NULL: "Time per inference" or "Energy per inference" */
  int first_layer;       /* the first row drawn (scrolling) */
  int selected_layer;    /* highlighted row, or -1 */
  gboolean hide_totals;  /* rows only (a scrolled view may show the totals apart) */
} BsCompareView;

/* What was drawn, for hit-testing and tests. */
typedef struct
{
  BsRect totals;         /* the totals block */
  BsRect plot;           /* the bars of the visible rows */
  double row_height;
  double bar_height;
  double bar_pitch;      /* between the bars of one row */
  double names_x;        /* where layer names start */
  double values_x;       /* the numbers column */
  double x_max;          /* value at the plot's right edge */
  BsTicks ticks;
  int first_layer;
  int n_visible;         /* rows drawn (whole or in part) */
  int n_bars;            /* bars drawn (visible rows) */
  int n_hollow;          /* of them, drawn hollow (no significant difference) */
  int n_marks;           /* significance marks drawn, rows and totals */
} BsCompareInfo;

void bs_compare_render (cairo_t *cr, const BsCompareView *view, int width, int height,
                        const BsChartStyle *style, BsCompareInfo *info);

/* The height that shows every row (and the totals), for a scrolled view or an export. */
int bs_compare_content_height (const BsCompareView *view, const BsChartStyle *style);

/* The layer whose row is under (x, y), or -1, by the layout of the last render. */
int bs_compare_hit (const BsCompareInfo *info, double x, double y);

/* Where the bar of `run` in `layer`'s row was drawn (layer visible): its full extent
 * from the axis to its value. FALSE when the row is not visible. */
gboolean bs_compare_bar_rect (const BsCompareInfo *info, const BsCompareChart *chart, int layer,
                              int run, BsRect *rect);

G_END_DECLS
