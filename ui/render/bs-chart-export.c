/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-export.c: cairo surfaces that write to a GOutputStream.
 *
 * The file is written through GIO (g_file_replace), so a failed export leaves any
 * earlier file of that name intact instead of half-written. */
#include "bs-chart-export.h"

#include <cairo-svg.h>
#include <math.h>

typedef struct
{
  GOutputStream *out;
  GError *error;
} Sink;

static cairo_status_t
write_sink (void *closure, const unsigned char *data, unsigned int length)
{
  Sink *sink = closure;

  if (sink->error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (sink->out, data, length, NULL, NULL, &sink->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

gboolean
bs_chart_format_from_path (const char *path, BsChartFormat *format)
{
  g_autofree char *lower = g_ascii_strdown (path != NULL ? path : "", -1);

  if (g_str_has_suffix (lower, ".png"))
    *format = BS_CHART_FORMAT_PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    *format = BS_CHART_FORMAT_SVG;
  else
    return FALSE;
  return TRUE;
}

const char *
bs_chart_format_extension (BsChartFormat format)
{
  return format == BS_CHART_FORMAT_SVG ? "svg" : "png";
}

static gboolean
cairo_failed (cairo_status_t status, Sink *sink, const char *what, GError **error)
{
  if (sink->error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&sink->error), "writing the %s: ", what);
      return TRUE;
    }
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "drawing the %s: %s", what,
                   cairo_status_to_string (status));
      return TRUE;
    }
  return FALSE;
}

gboolean
bs_chart_export_to_stream (GOutputStream *out, BsChartFormat format, int width, int height,
                           double scale, BsChartDrawFunc draw, gpointer user_data, GError **error)
{
  Sink sink = { out, NULL };
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  const char *what = format == BS_CHART_FORMAT_SVG ? "SVG" : "PNG";

  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  if (format == BS_CHART_FORMAT_SVG)
    {
      surface = cairo_svg_surface_create_for_stream (write_sink, &sink, width, height);
      cairo_svg_surface_restrict_to_version (surface, CAIRO_SVG_VERSION_1_1);
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
    }
  else
    {
      if (scale <= 0)
        scale = 1;
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (width * scale),
                                            (int) ceil (height * scale));
    }
  cr = cairo_create (surface);
  if (format == BS_CHART_FORMAT_PNG)
    cairo_scale (cr, scale, scale);
  draw (cr, width, height, user_data);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (status == CAIRO_STATUS_SUCCESS && format == BS_CHART_FORMAT_PNG)
    status = cairo_surface_write_to_png_stream (surface, write_sink, &sink);
  /* An SVG is written as the surface finishes. */
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  return !cairo_failed (status, &sink, what, error);
}

gboolean
bs_chart_export (const char *path, BsChartFormat format, int width, int height, double scale,
                 BsChartDrawFunc draw, gpointer user_data, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) out = NULL;
  g_autoptr (GError) local = NULL;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &local);
  if (out == NULL
      || !bs_chart_export_to_stream (G_OUTPUT_STREAM (out), format, width, height, scale, draw,
                                     user_data, &local))
    {
      /* Closing after an error would commit the partial file: cancel it instead. */
      if (out != NULL)
        {
          g_autoptr (GCancellable) cancel = g_cancellable_new ();
          g_cancellable_cancel (cancel);
          g_output_stream_close (G_OUTPUT_STREAM (out), cancel, NULL);
        }
      g_set_error (error, local->domain, local->code, "cannot export %s: %s", path, local->message);
      return FALSE;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &local))
    {
      g_set_error (error, local->domain, local->code, "cannot export %s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}
