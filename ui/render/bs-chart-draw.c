/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-draw.c: text and fills for the renderers. */
#include "bs-chart-draw.h"

#include <math.h>

void
bs_chart_set_color (cairo_t *cr, const BsColor *c)
{
  cairo_set_source_rgba (cr, c->r, c->g, c->b, c->a);
}

void
bs_chart_fill_rect (cairo_t *cr, const BsRect *r, const BsColor *c)
{
  bs_chart_set_color (cr, c);
  cairo_rectangle (cr, r->x, r->y, r->width, r->height);
  cairo_fill (cr);
}

static const cairo_user_data_key_t layout_key;

/* Creating a PangoLayout (and its context) costs more than drawing a label: one layout
 * per cairo_t, kept as its user data, serves every label of a frame. */
static PangoLayout *
shared_layout (cairo_t *cr)
{
  PangoLayout *layout = cairo_get_user_data (cr, &layout_key);

  if (layout == NULL)
    {
      layout = pango_cairo_create_layout (cr);
      cairo_set_user_data (cr, &layout_key, layout, g_object_unref);
    }
  else
    pango_cairo_update_layout (cr, layout);
  return layout;
}

PangoLayout *
bs_chart_layout_new (cairo_t *cr, const BsChartStyle *style, double size, gboolean bold,
                     const char *text)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_new ();

  pango_font_description_set_family (desc, style->font_family);
  pango_font_description_set_absolute_size (desc, size * PANGO_SCALE);
  pango_font_description_set_weight (desc, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static double
aligned (double at, double extent, BsAlign align)
{
  switch (align)
    {
    case BS_ALIGN_CENTER:
      return at - extent / 2;
    case BS_ALIGN_END:
      return at - extent;
    case BS_ALIGN_START:
    default:
      return at;
    }
}

static PangoLayout *
text_layout (cairo_t *cr, const BsChartStyle *style, double size, gboolean bold, const char *text)
{
  PangoLayout *layout = shared_layout (cr);
  PangoFontDescription *desc = pango_font_description_new ();

  pango_font_description_set_family (desc, style->font_family);
  pango_font_description_set_absolute_size (desc, size * PANGO_SCALE);
  pango_font_description_set_weight (desc, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

double
bs_chart_draw_text (cairo_t *cr, const BsChartStyle *style, double size, gboolean bold,
                    const BsColor *color, const char *text, double x, double y, BsAlign halign,
                    BsAlign valign)
{
  PangoLayout *layout = text_layout (cr, style, size, bold, text);
  PangoRectangle logical;

  pango_layout_get_pixel_extents (layout, NULL, &logical);
  bs_chart_set_color (cr, color);
  cairo_move_to (cr, round (aligned (x, logical.width, halign)),
                 round (aligned (y, logical.height, valign)));
  pango_cairo_show_layout (cr, layout);
  return logical.width;
}

double
bs_chart_text_width (cairo_t *cr, const BsChartStyle *style, double size, gboolean bold,
                     const char *text)
{
  PangoLayout *layout = text_layout (cr, style, size, bold, text);
  PangoRectangle logical;

  pango_layout_get_pixel_extents (layout, NULL, &logical);
  return logical.width;
}

double
bs_chart_draw_legend_item (cairo_t *cr, const BsChartStyle *style, const BsColor *color,
                           const char *label, double x, double y)
{
  double box = style->font_size * 0.9;
  double w;

  bs_chart_set_color (cr, color);
  cairo_rectangle (cr, round (x), round (y - box / 2), box, box);
  cairo_fill (cr);
  w = bs_chart_draw_text (cr, style, style->font_size, FALSE, &style->text, label,
                          x + box + 5, y, BS_ALIGN_START, BS_ALIGN_CENTER);
  return box + 5 + w;
}

/* Below a millisecond, absolute labels would be all digits ("12.3456789 s"): the first
 * tick keeps its absolute time and the others say how far they are from it. */
static char *
format_offset (double ns, double step_ns)
{
  double scale = step_ns >= 1e6 ? 1e6 : step_ns >= 1e3 ? 1e3 : 1;
  const char *unit = step_ns >= 1e6 ? "ms" : step_ns >= 1e3 ? "µs" : "ns";
  int decimals = CLAMP ((int) ceil (-log10 (step_ns / scale) - 1e-9), 0, 3);

  return g_strdup_printf ("+%.*f %s", decimals, ns / scale, unit);
}

void
bs_chart_draw_time_axis (cairo_t *cr, const BsChartStyle *style, const BsRect *plot,
                         int64_t t_start_ns, int64_t t_end_ns, int64_t t0_ns, gboolean grid,
                         gboolean labels, BsTicks *ticks)
{
  double span = (double) (t_end_ns - t_start_ns);
  /* About one label per ten characters keeps labels apart. */
  int target = MAX (2, (int) (plot->width / (style->font_size * 10)));
  gboolean relative;

  bs_ticks_time (t_start_ns - t0_ns, t_end_ns - t0_ns, target, ticks);
  relative = ticks->step < 1e6;
  cairo_save (cr);
  cairo_set_line_width (cr, 1);
  for (int i = 0; i < ticks->n; i++)
    {
      double x = plot->x + (ticks->value[i] + t0_ns - t_start_ns) / span * plot->width;
      double px = floor (x) + 0.5;

      if (grid)
        {
          bs_chart_set_color (cr, &style->grid);
          cairo_move_to (cr, px, plot->y);
          cairo_line_to (cr, px, plot->y + plot->height);
          cairo_stroke (cr);
        }
      if (labels)
        {
          g_autofree char *text = relative && i > 0
                                    ? format_offset (ticks->value[i] - ticks->value[0], ticks->step)
                                    : bs_format_time_tick (ticks->value[i], ticks->step);
          double w = bs_chart_text_width (cr, style, style->font_size, FALSE, text);

          bs_chart_set_color (cr, &style->axis);
          cairo_move_to (cr, px, plot->y + plot->height);
          cairo_line_to (cr, px, plot->y + plot->height + 4);
          cairo_stroke (cr);
          /* Keep the last label inside the chart rather than cut at its edge. */
          x = MIN (x, plot->x + plot->width + 14 - w / 2);
          bs_chart_draw_text (cr, style, style->font_size, FALSE, &style->text_dim, text, x,
                              plot->y + plot->height + 6, BS_ALIGN_CENTER, BS_ALIGN_START);
        }
    }
  cairo_restore (cr);
}

void
bs_chart_hatch (cairo_t *cr, const BsRect *r, const BsColor *color)
{
  cairo_save (cr);
  cairo_rectangle (cr, r->x, r->y, r->width, r->height);
  cairo_clip (cr);
  bs_chart_set_color (cr, color);
  cairo_set_line_width (cr, 1);
  for (double d = -r->height; d < r->width; d += 8)
    {
      cairo_move_to (cr, r->x + d, r->y + r->height);
      cairo_line_to (cr, r->x + d + r->height, r->y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}
