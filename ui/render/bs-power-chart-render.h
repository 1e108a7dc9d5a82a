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

/* One power channel of several (board rails, a meter's channels), drawn overlaid. */
typedef struct
{
  const BsPowerSeries *series;
  const char *name;           /* the legend's text: "PL (ina226 u79)" */
} BsPowerChartChannel;

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
  /* When n_channels > 0 these are drawn instead of @series: every one on the one W axis
   * (the range fits them all), overlaid, each in bs_power_chart_channel_color(), with a
   * legend of their names when there are two or more. Only the first is filled under. */
  const BsPowerChartChannel *channels;
  guint n_channels;
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
  guint n_drawn;              /* series with something in view */
  BsRect legend;              /* the legend box; width 0 when none was drawn */
} BsPowerChartInfo;

/* The trace colour of channel @index: the style's power colour for the first, then
 * colours apart from it and from the precision colours. */
BsColor bs_power_chart_channel_color (const BsChartStyle *style, guint index);

void bs_power_chart_render (cairo_t *cr, const BsPowerChartData *data, const BsChartViewport *vp,
                            const BsChartStyle *style, BsPowerChartInfo *info);

/* The time at x px, by the plot area of the last render. */
int64_t bs_power_chart_time_at (const BsPowerChartInfo *info, const BsChartViewport *vp, double x);

G_END_DECLS
