/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-overlay-render.h: the power traces of the compared runs on one chart, as a pure
 * function of (data, viewport, style) onto a cairo_t.
 *
 * The traces come from bs_query_power_overlay(), all of one mode: either per-inference
 * profiles (aligned at inference start and averaged over inferences, drawn as the mean
 * with a band of ± one SD, and a dashed line where the median inference ends) or raw
 * traces from the run start (min/max per pixel column where they are dense). Colours
 * are the runs' (bs-run-colors.h); the legend says for each run how its trace was made.
 * Markers (bs-marker-render.h) can be drawn over the plot.
 */
#pragma once

#include <cairo.h>

#include "bs-chart-axis.h"
#include "bs-chart-draw.h"
#include "bs-marker-render.h"
#include "bs-power-traces.h"

G_BEGIN_DECLS

#define BS_OVERLAY_MAX_SERIES 4

typedef struct
{
  const BsPowerTrace *trace;   /* may have mode NONE: listed in the legend, not drawn */
  const char *label;           /* "#12 cpu" */
} BsOverlaySeries;

typedef struct
{
  int n_series;                /* run i gets run colour i */
  BsOverlaySeries series[BS_OVERLAY_MAX_SERIES];
  const char *title;           /* NULL: by the traces' mode */
  double x_start_ns;           /* the range shown, on the traces' axis; NaN: all of them */
  double x_end_ns;
  double y_min, y_max;         /* NaN: fitted to what is shown */
  gboolean hide_spread;        /* no ± SD band */
  const BsMarkerPair *markers; /* may be NULL */
} BsOverlayData;

typedef struct
{
  BsRect plot;
  BsPowerTraceMode mode;       /* of the traces drawn; NONE when nothing was */
  double x_start_ns, x_end_ns;
  double y_min, y_max;
  BsTicks x_ticks, y_ticks;
  int n_drawn;                 /* series drawn */
  BsRect swatch[BS_OVERLAY_MAX_SERIES];  /* legend swatches, by series */
  BsRect readout;              /* the markers' readout, if any */
} BsOverlayInfo;

void bs_overlay_render (cairo_t *cr, const BsOverlayData *data, int width, int height,
                        const BsChartStyle *style, BsOverlayInfo *info);

/* The x value (ns on the traces' axis) at x px, by the last render. */
double bs_overlay_x_at (const BsOverlayInfo *info, double x);

/* How a trace was made, for legends and tooltips: "mean of 812 inferences · meter
 * every 1 ms", "raw · meter every 100 ms, inferences 380 µs", "no power readings". */
char *bs_overlay_describe (const BsPowerTrace *trace);

G_END_DECLS
