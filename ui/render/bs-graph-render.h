/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-graph-render.h: the model graph (bs-graph-layout.h) as a pure function of (data,
 * viewport, style) onto a cairo_t.
 *
 * Nodes are coloured by precision (the workbench's binary blue and fixed-point orange),
 * or heat-mapped by a measured metric per layer — time share, energy share, measured
 * against modelled cycles — with a legend; in a heat map a stripe on each node's left
 * edge keeps its precision. A header band above the graph holds the title and the
 * legend; the graph below it is scaled and scrolled by the viewport.
 */
#pragma once

#include <cairo.h>

#include "bs-chart-draw.h"
#include "bs-graph-layout.h"

G_BEGIN_DECLS

typedef enum
{
  BS_GRAPH_COLOR_PRECISION,
  BS_GRAPH_COLOR_HEAT,
} BsGraphColoring;

typedef enum
{
  BS_GRAPH_VALUE_SHARE,      /* 0..1, shown as "12.3 %" */
  BS_GRAPH_VALUE_RATIO,      /* shown as "×1.25" */
  BS_GRAPH_VALUE_SI,         /* shown with an SI prefix and `unit`: "41.2 µs" */
} BsGraphValueFormat;

typedef struct
{
  const BsGraphLayout *layout;
  const char *title;         /* NULL: the model's name */
  const char *subtitle;      /* may be NULL */
  BsGraphColoring coloring;
  const double *metric;      /* heat map: one value per model layer (layout->n_layers); NaN: none */
  const char *metric_name;   /* "Time share" */
  BsGraphValueFormat format;
  const char *unit;          /* for BS_GRAPH_VALUE_SI */
  double metric_min;         /* the colour scale; NaN: 0 for shares, else the smallest value */
  double metric_max;         /* NaN: the largest value */
  int selected_layer;        /* outlined, or -1 */
} BsGraphData;

typedef struct
{
  double scale;              /* px per layout unit; <= 0: fit the whole graph */
  double x, y;               /* the layout point at the top-left of the graph area */
} BsGraphViewport;

/* Zoom limits: below the smallest nothing is legible, above the largest a node fills
 * the screen. */
#define BS_GRAPH_SCALE_MIN 0.05
#define BS_GRAPH_SCALE_MAX 4.0

typedef struct
{
  double header_height;      /* the band with title and legend */
  double scale;              /* as drawn */
  double origin_x, origin_y; /* device position of layout (0, 0) */
  double metric_min, metric_max;
  int n_nodes_drawn;
  int n_labels_drawn;        /* layer names drawn (bs_graph_label_rect) */
  BsRect gradient;           /* the heat legend's colour bar (zero size without one) */
} BsGraphInfo;

/* vp NULL: fit the whole graph below the header, centred. */
void bs_graph_render (cairo_t *cr, const BsGraphData *data, const BsGraphViewport *vp, int width,
                      int height, const BsChartStyle *style, BsGraphInfo *info);

/* The height a render of the whole graph at `width` needs (fit to width, never above
 * scale 1): for exports and for sizing a scrolled view. */
int bs_graph_content_height (const BsGraphLayout *layout, int width, const BsChartStyle *style);

/* Fit to page: the whole graph below the header, centred, never above scale 1 (type is
 * already at its size there). What vp NULL draws. */
void bs_graph_viewport_fit (const BsGraphLayout *layout, int width, int height,
                            const BsChartStyle *style, BsGraphViewport *vp);

/* Zooms by `factor` about the device point (ax, ay): the layout point under it stays
 * there. The scale stays within [BS_GRAPH_SCALE_MIN, BS_GRAPH_SCALE_MAX]. */
void bs_graph_viewport_zoom (BsGraphViewport *vp, double factor, double ax, double ay,
                             const BsChartStyle *style);

/* Moves the view by (dx, dy) device px (the graph moves the other way). */
void bs_graph_viewport_pan (BsGraphViewport *vp, double dx, double dy);

/* Keeps the graph in view: a graph wider (taller) than the view cannot scroll past its
 * edges, a narrower one cannot leave the view. */
void bs_graph_viewport_clamp (BsGraphViewport *vp, const BsGraphLayout *layout, int width,
                              int height, const BsChartStyle *style);

/* The layout of `model` whose fit-to-page scale in width x height is the largest: a
 * column per stage, or stages split after 1..8 modules per column — a wide screen gets
 * more, shorter columns. */
BsGraphLayout *bs_graph_layout_for_viewport (const BsModel *model, int width, int height,
                                             const BsChartStyle *style);

/* Where a node's name goes in device px under the transform of `info`, and its type
 * size; FALSE when the node is too small on screen for a legible name (then none is
 * drawn). Names are never drawn smaller than 8 px: below that the node shows none. */
gboolean bs_graph_label_rect (const BsGraphInfo *info, const BsGraphNode *node,
                              const BsChartStyle *style, BsRect *rect, double *size);

/* The layer under (x, y) device px, by the transform of the last render; -1: none. */
int bs_graph_render_hit (const BsGraphData *data, const BsGraphInfo *info, double x, double y);

/* The heat colour for f in [0, 1]: lightness falls monotonically from 0 to 1 (rises on
 * the demo theme's black). */
BsColor bs_graph_heat_color (const BsChartStyle *style, double f);

G_END_DECLS
