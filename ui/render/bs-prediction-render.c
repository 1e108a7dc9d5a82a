/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-prediction-render.c: the image and prediction tile. */
#include "bs-prediction-render.h"

#include <math.h>
#include <string.h>

#define RGB(hex) { ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex) & 0xff) / 255.0, 1.0 }

static const BsColor correct_light = RGB (BS_PREDICTION_CORRECT_LIGHT);
static const BsColor wrong_light = RGB (BS_PREDICTION_WRONG_LIGHT);
static const BsColor correct_demo = RGB (BS_PREDICTION_CORRECT_DEMO);
static const BsColor wrong_demo = RGB (BS_PREDICTION_WRONG_DEMO);

static const BsColor *
mark_color (const BsChartStyle *style, gboolean correct)
{
  if (style->theme == BS_CHART_THEME_DEMO)
    return correct ? &correct_demo : &wrong_demo;
  return correct ? &correct_light : &wrong_light;
}

static gboolean
is_correct (const BsPredictionData *data)
{
  return data->truth != NULL && data->correct;
}

/* CHW uint8 → an RGB24 surface of the image's own size. */
static cairo_surface_t *
image_surface (const uint8_t *pixels, BsShape shape)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, shape.w, shape.h);
  unsigned char *dest = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  gsize plane = (gsize) shape.h * shape.w;
  gboolean rgb = shape.c == 3;

  cairo_surface_flush (surface);
  for (int y = 0; y < shape.h; y++)
    for (int x = 0; x < shape.w; x++)
      {
        gsize at = (gsize) y * shape.w + x;
        uint32_t r = pixels[at], g = rgb ? pixels[plane + at] : r, b = rgb ? pixels[2 * plane + at] : r;
        *(uint32_t *) (dest + (gsize) y * stride + 4 * (gsize) x) = 0xff000000u | r << 16 | g << 8 | b;
      }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* Whole screen pixels per image pixel where the box allows it: no blurred edges. */
static void
draw_image (cairo_t *cr, const BsPredictionData *data, const BsRect *box,
            const BsChartStyle *style, BsPredictionInfo *info)
{
  cairo_surface_t *surface;
  double fit = MIN (box->width / data->shape.w, box->height / data->shape.h);
  double zoom = fit >= 1 ? floor (fit) : fit;
  double w = data->shape.w * zoom, h = data->shape.h * zoom;
  double x = floor (box->x + (box->width - w) / 2), y = floor (box->y + (box->height - h) / 2);

  surface = image_surface (data->pixels, data->shape);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, zoom, zoom);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, data->shape.w, data->shape.h);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);

  cairo_set_line_width (cr, 1);
  bs_chart_set_color (cr, &style->axis);
  cairo_rectangle (cr, x - 0.5, y - 0.5, w + 1, h + 1);
  cairo_stroke (cr);
  info->image = (BsRect) { x, y, w, h };
  info->zoom = fit >= 1 ? (int) zoom : 0;
}

/* One line of text at (x, *y), ellipsized to width; moves *y below it. */
static BsRect
draw_line (cairo_t *cr, const BsChartStyle *style, double size, gboolean bold,
           const BsColor *color, const char *text, double x, double *y, double width)
{
  PangoLayout *layout = bs_chart_layout_new (cr, style, size, bold, text);
  int lw, lh;
  BsRect rect;

  pango_layout_set_width (layout, (int) (MAX (width, 1) * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_size (layout, &lw, &lh);
  bs_chart_set_color (cr, color);
  cairo_move_to (cr, x, *y);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
  rect = (BsRect) { x, *y, lw, lh };
  *y += lh + size * 0.25;
  return rect;
}

static char *
confidence_text (double confidence)
{
  if (!isfinite (confidence))
    return g_strdup ("confidence unknown (the model records no logit scale)");
  return g_strdup_printf ("%.0f %% confident", 100 * confidence);
}

static char *
top1_text (const BsPredictionData *data)
{
  if (data->n_labelled <= 0)
    return g_strdup ("top-1: no labelled images");
  return g_strdup_printf ("top-1 so far %.1f %% (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                          " labelled inferences)", 100.0 * data->n_correct / data->n_labelled,
                          data->n_correct, data->n_labelled);
}

static void
draw_text (cairo_t *cr, const BsPredictionData *data, const BsRect *box,
           const BsChartStyle *style, BsPredictionInfo *info)
{
  double small = style->font_size, big = MAX (style->title_size * 1.6, MIN (box->height / 5, 72));
  double y = box->y, x = box->x, w = box->width;
  g_autofree char *confidence = confidence_text (data->confidence);
  g_autofree char *top1 = top1_text (data);

  draw_line (cr, style, small, FALSE, &style->text_dim, "Predicted", x, &y, w);
  draw_line (cr, style, big, TRUE, &style->text, data->predicted, x, &y, w);
  draw_line (cr, style, small * 1.2, FALSE, &style->text, confidence, x, &y, w);
  if (data->truth != NULL)
    {
      gboolean correct = is_correct (data);
      g_autofree char *mark = correct ? g_strdup ("✓ correct")
                                      : g_strdup_printf ("✗ wrong: true class %s", data->truth);
      info->mark = draw_line (cr, style, small * 1.5, TRUE, mark_color (style, correct), mark,
                              x, &y, w);
    }
  else
    draw_line (cr, style, small * 1.2, FALSE, &style->text_dim, "true class unknown", x, &y, w);
  draw_line (cr, style, small, FALSE, &style->text, top1, x, &y, w);
  if (data->caption != NULL)
    draw_line (cr, style, small, FALSE, &style->text_dim, data->caption, x, &y, w);
}

void
bs_prediction_render (cairo_t *cr, const BsPredictionData *data, int width, int height,
                      const BsChartStyle *style, BsPredictionInfo *info)
{
  BsPredictionInfo local;
  double pad = MAX (4, style->font_size * 0.5);
  double side = MAX (0, MIN (height - 2 * pad, width * 0.4));
  BsRect image_box = { pad, pad, side, height - 2 * pad };
  BsRect text_box = { 2 * pad + side + pad, pad, width - side - 4 * pad, height - 2 * pad };

  if (info == NULL)
    info = &local;
  memset (info, 0, sizeof *info);
  bs_chart_fill_rect (cr, &(BsRect) { 0, 0, width, height }, &style->background);
  if (data->pixels == NULL || data->predicted == NULL || data->shape.w <= 0 || data->shape.h <= 0)
    {
      double y = pad;
      draw_line (cr, style, style->title_size, FALSE, &style->text_dim,
                 "Run the model to see what it classifies", pad, &y, width - 2 * pad);
      return;
    }
  draw_image (cr, data, &image_box, style, info);
  draw_text (cr, data, &text_box, style, info);
}

char *
bs_prediction_describe (const BsPredictionData *data)
{
  g_autofree char *confidence = NULL, *top1 = NULL, *mark = NULL;

  if (data->predicted == NULL)
    return g_strdup ("Nothing classified yet");
  confidence = confidence_text (data->confidence);
  top1 = top1_text (data);
  mark = data->truth == NULL ? g_strdup ("true class unknown")
         : is_correct (data) ? g_strdup ("✓ correct")
         : g_strdup_printf ("✗ wrong: true class %s", data->truth);
  return g_strdup_printf ("Predicted %s, %s; %s; %s%s%s", data->predicted, confidence, mark, top1,
                          data->caption != NULL ? "; " : "", data->caption != NULL ? data->caption : "");
}
