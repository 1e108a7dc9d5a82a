/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-pareto-render.h: the compared runs' accuracy against their cost per image, as a
 * pure function of (data, size, style) onto a cairo_t — BlendNet's argument (accuracy
 * near fixed point at near binary cost) as a picture.
 *
 * Two panels side by side: top-1 accuracy against latency per image and against energy
 * per image. Each run is a dot in its run colour (bs-run-colors.h) with its label; the
 * runs no other run beats on both accuracy and cost (the Pareto front) are joined by a
 * step line and drawn filled, the others hollow. A run without a stored evaluation or
 * without a cost figure is listed under its panel instead of plotted. The axis titles
 * say where the figures come from (measured by the host clock, device counters, or
 * modelled).
 */
#pragma once

#include <cairo.h>

#include "bs-chart-axis.h"
#include "bs-chart-draw.h"
#include "bs-evaluations.h"
#include "bs-queries.h"
#include "bs-runs.h"

G_BEGIN_DECLS

typedef enum
{
  BS_PARETO_LATENCY,     /* seconds per image */
  BS_PARETO_ENERGY,      /* joules per image */
  BS_PARETO_N_COSTS
} BsParetoCost;

typedef struct
{
  char *label;                           /* "#12" */
  double accuracy;                       /* top-1 share in [0, 1]; NaN: not evaluated */
  double cost[BS_PARETO_N_COSTS];        /* s, J per image; NaN: not measured */
  gboolean on_front[BS_PARETO_N_COSTS];  /* no other run is as good on both and better on one */
} BsParetoRun;

typedef struct
{
  int n_runs;                            /* run i gets run colour i */
  BsParetoRun runs[BS_COMPARE_MAX_RUNS];
  char *latency_origin;                  /* "measured, host clock", "modelled", ... */
} BsParetoChart;

/* The chart of accuracy points (bs_query_accuracy_points(), in comparison order), the
 * front computed here. */
BsParetoChart *bs_pareto_chart_new (const BsAccuracyPoint *points, int n_points);
/* Recomputes on_front from accuracy and cost (after filling a chart by hand). */
void bs_pareto_chart_update_front (BsParetoChart *chart);
void bs_pareto_chart_free (BsParetoChart *chart);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsParetoChart, bs_pareto_chart_free)

/* TRUE when at least one run has both an accuracy and that cost. */
gboolean bs_pareto_chart_has_points (const BsParetoChart *chart, BsParetoCost cost);

/* What was drawn, for tests and hit-testing. */
typedef struct
{
  BsRect plot[BS_PARETO_N_COSTS];
  double x_max[BS_PARETO_N_COSTS];       /* cost at the plot's right edge (left edge: 0) */
  double y_min, y_max;                   /* accuracy at the bottom and top edges */
  int n_dots[BS_PARETO_N_COSTS];
  int n_front[BS_PARETO_N_COSTS];        /* of them, filled (on the front) */
  double dot_x[BS_PARETO_N_COSTS][BS_COMPARE_MAX_RUNS];  /* centres; NaN: not drawn */
  double dot_y[BS_PARETO_N_COSTS][BS_COMPARE_MAX_RUNS];
} BsParetoInfo;

void bs_pareto_render (cairo_t *cr, const BsParetoChart *chart, int width, int height,
                       const BsChartStyle *style, BsParetoInfo *info);

G_END_DECLS
