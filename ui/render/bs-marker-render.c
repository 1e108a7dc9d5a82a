/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-marker-render.c: marker lines, tabs, the band and the readout. */
#include "bs-marker-render.h"

#include <math.h>

static double
x_of (const BsRect *plot, double x_start, double x_end, double v)
{
  return plot->x + (v - x_start) / (x_end - x_start) * plot->width;
}

char *
bs_marker_stats_format (const BsMarkerStats *st)
{
  g_autofree char *dt = bs_format_duration (st->duration_ns);
  g_autofree char *p = bs_format_si (st->mean_power_w, "W");
  g_autofree char *e = bs_format_si (st->energy_j, "J");

  return g_strdup_printf ("Δt %s · %s average · %s%s", dt, p, e,
                          st->extrapolated ? " (held beyond the readings)" : "");
}

/* A tab hanging from the top of the plot with the marker's name; returns its width. */
static double
draw_tab (cairo_t *cr, const BsChartStyle *style, double x, double y, const char *text,
          const BsColor *fill, const BsColor *ink, gboolean right_of_line)
{
  double fs = style->font_size * 0.9;
  double w = bs_chart_text_width (cr, style, fs, TRUE, text) + 8;
  double h = fs + 5;
  double left = right_of_line ? x : x - w;

  bs_chart_set_color (cr, fill);
  cairo_rectangle (cr, round (left), y, round (w), h);
  cairo_fill (cr);
  bs_chart_draw_text (cr, style, fs, TRUE, ink, text, left + w / 2, y + h / 2, BS_ALIGN_CENTER,
                      BS_ALIGN_CENTER);
  return w;
}

void
bs_marker_render_saved (cairo_t *cr, const BsRect *plot, double x_start, double x_end, double x,
                        double end, const char *label, const BsChartStyle *style)
{
  double px, pe;
  BsColor line = style->text, band = style->text;

  if (!(x_end > x_start))
    return;
  px = x_of (plot, x_start, x_end, x);
  cairo_save (cr);
  cairo_rectangle (cr, plot->x, plot->y, plot->width, plot->height);
  cairo_clip (cr);
  if (isfinite (end) && end > x)
    {
      pe = x_of (plot, x_start, x_end, end);
      band.a = 0.05;
      bs_chart_fill_rect (cr, &(BsRect) { px, plot->y, pe - px, plot->height }, &band);
      line.a = 0.35;
      bs_chart_set_color (cr, &line);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, floor (pe) + 0.5, plot->y);
      cairo_line_to (cr, floor (pe) + 0.5, plot->y + plot->height);
      cairo_stroke (cr);
    }
  line.a = 0.55;
  bs_chart_set_color (cr, &line);
  cairo_set_line_width (cr, 1);
  {
    static const double dash[] = { 4, 3 };
    cairo_set_dash (cr, dash, 2, 0);
  }
  cairo_move_to (cr, floor (px) + 0.5, plot->y);
  cairo_line_to (cr, floor (px) + 0.5, plot->y + plot->height);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  if (label != NULL && *label != '\0')
    {
      BsColor fill = style->background;
      fill.a = 0.85;
      draw_tab (cr, style, floor (px) + 1, plot->y + 2, label, &fill, &style->text_dim, TRUE);
    }
  cairo_restore (cr);
}

void
bs_marker_render_pair (cairo_t *cr, const BsRect *plot, double x_start, double x_end,
                       const BsMarkerPair *pair, const BsChartStyle *style, BsRect *readout)
{
  double pa, pb, lo, hi;
  BsColor band = style->text, line = style->text;
  double fs = style->font_size;

  if (readout != NULL)
    *readout = (BsRect) { 0, 0, 0, 0 };
  if (!(x_end > x_start) || pair == NULL)
    return;
  pa = x_of (plot, x_start, x_end, pair->a);
  pb = x_of (plot, x_start, x_end, pair->b);
  lo = MIN (pa, pb);
  hi = MAX (pa, pb);

  cairo_save (cr);
  cairo_rectangle (cr, plot->x, plot->y, plot->width, plot->height);
  cairo_clip (cr);
  band.a = 0.07;
  bs_chart_fill_rect (cr, &(BsRect) { lo, plot->y, hi - lo, plot->height }, &band);
  /* Two whole pixels wide: crisp at any position. */
  line.a = 0.9;
  bs_chart_set_color (cr, &line);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, round (pa), plot->y);
  cairo_line_to (cr, round (pa), plot->y + plot->height);
  cairo_move_to (cr, round (pb), plot->y);
  cairo_line_to (cr, round (pb), plot->y + plot->height);
  cairo_stroke (cr);
  /* Tabs outside the band, so they never cover each other. */
  draw_tab (cr, style, round (pa) + (pa <= pb ? -1 : 1), plot->y, pair->label_a ? pair->label_a : "A",
            &style->text, &style->background, pa > pb);
  draw_tab (cr, style, round (pb) + (pb >= pa ? 1 : -1), plot->y, pair->label_b ? pair->label_b : "B",
            &style->text, &style->background, pb >= pa);
  cairo_restore (cr);

  if (pair->stats != NULL)
    {
      g_autofree char *text = bs_marker_stats_format (pair->stats);
      double w = bs_chart_text_width (cr, style, fs, FALSE, text) + 16;
      double h = fs + 12;
      /* Centred over the band, kept inside the plot. */
      double x = CLAMP ((lo + hi) / 2 - w / 2, plot->x + 4, plot->x + plot->width - w - 4);
      double y = plot->y + fs + 12;
      BsColor fill = style->background;
      BsRect box = { round (x), round (y), round (w), round (h) };

      fill.a = 0.94;
      bs_chart_fill_rect (cr, &box, &fill);
      bs_chart_set_color (cr, &style->axis);
      cairo_set_line_width (cr, 1);
      cairo_rectangle (cr, box.x + 0.5, box.y + 0.5, box.width - 1, box.height - 1);
      cairo_stroke (cr);
      bs_chart_draw_text (cr, style, fs, FALSE, &style->text, text, box.x + 8, box.y + box.height / 2,
                          BS_ALIGN_START, BS_ALIGN_CENTER);
      if (readout != NULL)
        *readout = box;
    }
}
