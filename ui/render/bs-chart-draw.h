/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-draw.h: small cairo and pango helpers the chart renderers share. No GTK. */
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include "bs-chart-axis.h"
#include "bs-chart-style.h"

G_BEGIN_DECLS

typedef struct
{
  double x, y, width, height;
} BsRect;

typedef enum
{
  BS_ALIGN_START,
  BS_ALIGN_CENTER,
  BS_ALIGN_END,
} BsAlign;

void bs_chart_set_color (cairo_t *cr, const BsColor *color);
void bs_chart_fill_rect (cairo_t *cr, const BsRect *rect, const BsColor *color);

/* A layout in the style's family at @size px, @bold or not. Unref it. */
PangoLayout *bs_chart_layout_new (cairo_t *cr, const BsChartStyle *style, double size,
                                  gboolean bold, const char *text);

/* Draws @text with its box aligned to (x, y) as @halign / @valign say; returns the text's
 * logical width in px. */
double bs_chart_draw_text (cairo_t *cr, const BsChartStyle *style, double size, gboolean bold,
                           const BsColor *color, const char *text, double x, double y,
                           BsAlign halign, BsAlign valign);

double bs_chart_text_width (cairo_t *cr, const BsChartStyle *style, double size, gboolean bold,
                            const char *text);

/* A small square swatch and a label, for legends; returns the width used. */
double bs_chart_draw_legend_item (cairo_t *cr, const BsChartStyle *style, const BsColor *color,
                                  const char *label, double x, double y);


/* The time axis under @plot: vertical grid lines through the plot (when @grid) and, when
 * @labels, tick labels below it, counted from t0. Fills @ticks with what was used. */
void bs_chart_draw_time_axis (cairo_t *cr, const BsChartStyle *style, const BsRect *plot,
                              int64_t t_start_ns, int64_t t_end_ns, int64_t t0_ns,
                              gboolean grid, gboolean labels, BsTicks *ticks);

/* Diagonal hatching over @rect (data not available there). */
void bs_chart_hatch (cairo_t *cr, const BsRect *rect, const BsColor *color);

G_END_DECLS
