/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-marker-render.h: markers on any time chart — the pair A/B the user places, with
 * the band between them and the readout of bs-marker-stats (duration, average power,
 * energy), and saved markers as labelled lines. The chart says where its plot is and
 * which x range it shows; the markers are drawn over it. */
#pragma once

#include <cairo.h>

#include "bs-chart-draw.h"
#include "bs-marker-stats.h"

G_BEGIN_DECLS

typedef struct
{
  double a, b;                 /* positions in the chart's x unit (ns on the chart's axis) */
  const char *label_a;         /* NULL: "A" */
  const char *label_b;         /* NULL: "B" */
  const BsMarkerStats *stats;  /* NULL: no readout */
} BsMarkerPair;

/* The plot shows x_start .. x_end across plot->width. Returns the readout's box in
 * `readout` (zero size without one). */
void bs_marker_render_pair (cairo_t *cr, const BsRect *plot, double x_start, double x_end,
                            const BsMarkerPair *pair, const BsChartStyle *style,
                            BsRect *readout);

/* A saved marker: a line at x (and, for a range, a band to end; NaN: a point) with its
 * label in a tab at the top. */
void bs_marker_render_saved (cairo_t *cr, const BsRect *plot, double x_start, double x_end,
                             double x, double end, const char *label, const BsChartStyle *style);

/* "Δt 1.20 ms · 4.71 W average · 5.65 mJ" (and "; held beyond the readings" when the
 * stats say so). */
char *bs_marker_stats_format (const BsMarkerStats *stats);

G_END_DECLS
