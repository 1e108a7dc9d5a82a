/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-breakdown-render.h: the layer breakdown as a pure function of (data, viewport, style)
 * onto a cairo_t: one stacked bar per plan op, in execution order, splitting its value into
 * binary and fixed point (and float); the ops' groups (stem, Blend modules, head) marked
 * under the bars; and on the right one bar of the totals with their shares. The metric is
 * the caller's: time, op counts or energy, each split by precision. */
#pragma once

#include <cairo.h>

#include "bs-chart-axis.h"
#include "bs-chart-draw.h"
#include "bs-op-table.h"

G_BEGIN_DECLS

typedef struct
{
  const BsOpTable *ops;
  const double *values;       /* [n_ops][3] by BsPrecision; NaN: no figure for that op */
  const char *title;          /* "Time per inference" */
  const char *subtitle;       /* "median of 1 234 inferences, host clock"; may be NULL */
  const char *unit;           /* "s", "MAC", "J": axis labels go through bs_format_si */
  const char *empty_text;     /* when every value is 0 or NaN; NULL: "No data" */
  int highlight;              /* op drawn highlighted, or -1 */
} BsBreakdownData;

typedef struct
{
  BsRect plot;                /* the bars */
  BsRect totals;              /* the totals bar */
  double bar_pitch;           /* px per op */
  double y_max;
  double total[3];            /* by precision */
  BsTicks y_ticks;
  int n_bars;                 /* bars with a value drawn */
  int n_group_labels;
} BsBreakdownInfo;

void bs_breakdown_render (cairo_t *cr, const BsBreakdownData *data, int width, int height,
                          const BsChartStyle *style, BsBreakdownInfo *info);

/* The op under x, or -1, by the layout of the last render. */
int bs_breakdown_hit (const BsBreakdownData *data, const BsBreakdownInfo *info, double x, double y);

G_END_DECLS
