/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-chart-render.h: the power chart as a pure function of (data, viewport, style)
 * onto a cairo_t. Samples are min/max-decimated per pixel column (through the series'
 * pyramid), so a frame costs O(width) whatever the history: hours of samples draw at full
 * frame rate. When fewer samples than columns are visible the trace is drawn through the
 * samples themselves. */
#pragma once

#include <cairo.h>

#include "bs-chart-axis.h"
#include "bs-chart-draw.h"
#include "bs-chart-viewport.h"
#include "bs-power-series.h"
#include "bs-span-store.h"

G_BEGIN_DECLS

typedef struct
{
  const BsPowerSeries *series;
  const BsSpanStore *spans;   /* inference boundaries; may be NULL */
  int64_t t0_ns;              /* time labels count from here (the run start) */
  const char *title;          /* "Power"; NULL: no title row */
  const char *subtitle;       /* "demo meter (simulated)"; may be NULL */
  const char *unit;           /* "W" */
  int64_t gap_ns;             /* the trace breaks where readings are further apart; 0: 2 s */
  const char *empty_text;     /* shown when nothing is in view; NULL: "No readings" */
} BsPowerChartData;

/* What was drawn, for hit-testing and tests. */
typedef struct
{
  BsRect plot;
  double y_min, y_max;        /* the value range drawn */
  BsTicks x_ticks, y_ticks;
  gsize n_in_view;            /* samples inside the time range */
  gboolean envelope;          /* min/max envelope (TRUE) or a line through the samples */
  int n_inference_marks;      /* boundaries drawn one by one */
  gboolean inference_activity;/* boundaries too dense: drawn as an activity strip */
} BsPowerChartInfo;

void bs_power_chart_render (cairo_t *cr, const BsPowerChartData *data, const BsChartViewport *vp,
                            const BsChartStyle *style, BsPowerChartInfo *info);

/* The time at x px, by the plot area of the last render. */
int64_t bs_power_chart_time_at (const BsPowerChartInfo *info, const BsChartViewport *vp, double x);

G_END_DECLS
