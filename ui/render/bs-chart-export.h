/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-export.h: any chart renderer to a PNG or SVG file (or stream). The renderer
 * is called once with a cairo_t on the file's surface, exactly as a widget calls it on
 * screen, so exports look like the view. */
#pragma once

#include <cairo.h>
#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  BS_CHART_FORMAT_PNG,    /* raster, at width × scale by height × scale pixels */
  BS_CHART_FORMAT_SVG,    /* vector, width × height px; text as outlines (no fonts needed) */
} BsChartFormat;

/* Draws the chart onto cr, which is width × height user units. */
typedef void (*BsChartDrawFunc) (cairo_t *cr, int width, int height, gpointer user_data);

/* ".png" or ".svg", any case. */
gboolean bs_chart_format_from_path (const char *path, BsChartFormat *format);
const char *bs_chart_format_extension (BsChartFormat format);

/* scale: PNG pixels per unit (2 for a sharp figure in a paper or on a HiDPI screen);
 * ignored for SVG. Errors name the file. */
gboolean bs_chart_export (const char *path, BsChartFormat format, int width, int height,
                          double scale, BsChartDrawFunc draw, gpointer user_data, GError **error);
gboolean bs_chart_export_to_stream (GOutputStream *out, BsChartFormat format, int width,
                                    int height, double scale, BsChartDrawFunc draw,
                                    gpointer user_data, GError **error);

G_END_DECLS
