/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-timeline-render.h: layer executions over time as a pure function of (data, viewport,
 * style) onto a cairo_t. One row per group (the stem, each Blend module, the head), spans
 * coloured by precision. Zoomed in, every span is a box (labelled when it fits); zoomed
 * out, each pixel column of a row shows the binary and fixed-point share of its busy time,
 * its intensity the row's occupancy (a heat map), so the cost stays O(spans in view) with
 * a fixed number of fills. */
#pragma once

#include <cairo.h>

#include "bs-chart-axis.h"
#include "bs-chart-draw.h"
#include "bs-chart-viewport.h"
#include "bs-op-table.h"
#include "bs-span-store.h"

G_BEGIN_DECLS

typedef struct
{
  const BsSpanStore *spans;
  const BsOpTable *ops;
  int64_t t0_ns;              /* time labels count from here */
  const char *title;          /* NULL: no title row */
  gboolean time_labels;       /* draw the time axis labels (off when a chart above has them) */
  const char *empty_text;     /* NULL: "No layer events" */
} BsTimelineData;

typedef struct
{
  BsRect plot;
  int n_rows;
  double row_height;
  gboolean per_span;          /* spans drawn one by one */
  int n_spans_drawn;
  gboolean missing;           /* part of the range is older than the spans kept */
  BsTicks x_ticks;
} BsTimelineInfo;

/* The height the timeline wants for @n_groups rows at @style. */
int bs_timeline_preferred_height (const BsChartStyle *style, int n_groups, gboolean title,
                                  gboolean time_labels);

void bs_timeline_render (cairo_t *cr, const BsTimelineData *data, const BsChartViewport *vp,
                         const BsChartStyle *style, BsTimelineInfo *info);

/* The span under (x, y), or NULL, by the layout of the last render. */
const BsSpan *bs_timeline_hit (const BsTimelineData *data, const BsChartViewport *vp,
                               const BsTimelineInfo *info, double x, double y);

G_END_DECLS
