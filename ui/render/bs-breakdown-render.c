/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-breakdown-render.c: stacked bars, group brackets, totals. */
#include "bs-breakdown-render.h"

#include <math.h>
#include <string.h>

#define TOTALS_WIDTH 200        /* px at font size 11, the totals panel */

static double
part (const BsBreakdownData *data, int op, int p)
{
  double v = data->values[op * 3 + p];

  return isfinite (v) && v > 0 ? v : 0;
}

static void
draw_group_labels (cairo_t *cr, const BsBreakdownData *data, const BsRect *plot, double pitch,
                   const BsChartStyle *style, BsBreakdownInfo *info)
{
  double fs = style->font_size * 0.9;
  double y = plot->y + plot->height + 4;

  for (int g = 0; g < data->ops->n_groups; g++)
    {
      const BsOpGroup *group = &data->ops->groups[g];
      double x0 = plot->x + group->first_op * pitch;
      double x1 = plot->x + (group->last_op + 1) * pitch;
      double w = bs_chart_text_width (cr, style, fs, FALSE, group->name);

      /* A bracket under the group's bars. */
      bs_chart_set_color (cr, &style->axis);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, round (x0 + 1) + 0.5, y);
      cairo_line_to (cr, round (x0 + 1) + 0.5, y + 3.5);
      cairo_line_to (cr, round (x1 - 1) - 0.5, y + 3.5);
      cairo_line_to (cr, round (x1 - 1) - 0.5, y);
      cairo_stroke (cr);

      if (w + 4 <= x1 - x0)
        {
          bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, group->name,
                              (x0 + x1) / 2, y + 6, BS_ALIGN_CENTER, BS_ALIGN_START);
          info->n_group_labels++;
        }
      else if (fs + 2 <= x1 - x0)
        {
          /* Upright when the group is narrow: read bottom to top, like an axis title. */
          PangoLayout *layout = bs_chart_layout_new (cr, style, fs, FALSE, group->name);
          PangoRectangle logical;

          pango_layout_get_pixel_extents (layout, NULL, &logical);
          cairo_save (cr);
          cairo_translate (cr, round ((x0 + x1) / 2 - logical.height / 2.0), y + 8 + logical.width);
          cairo_rotate (cr, -G_PI / 2);
          bs_chart_set_color (cr, &style->text_dim);
          cairo_move_to (cr, 0, 0);
          pango_cairo_show_layout (cr, layout);
          cairo_restore (cr);
          g_object_unref (layout);
          info->n_group_labels++;
        }
    }
}

static void
draw_totals (cairo_t *cr, const BsBreakdownData *data, const BsRect *r, const BsChartStyle *style,
             BsBreakdownInfo *info)
{
  double fs = style->font_size;
  double sum = info->total[0] + info->total[1] + info->total[2];
  double bar_w = round (fs * 3.2);
  double y = r->y + r->height;
  static const BsPrecision order[] = { BS_PRECISION_BINARY, BS_PRECISION_FIXED, BS_PRECISION_FLOAT };

  bs_chart_draw_text (cr, style, style->title_size, TRUE, &style->text, "Total", r->x, r->y - 4,
                      BS_ALIGN_START, BS_ALIGN_END);
  if (sum <= 0)
    return;
  for (guint k = 0; k < G_N_ELEMENTS (order); k++)
    {
      int p = order[k];
      double h = r->height * info->total[p] / sum;
      g_autofree char *value = NULL;
      g_autofree char *share = NULL;

      if (info->total[p] <= 0)
        continue;
      y -= h;
      bs_chart_fill_rect (cr, &(BsRect) { r->x, y, bar_w, h }, &style->precision[p]);
      value = bs_format_si (info->total[p], data->unit);
      share = g_strdup_printf ("%s %.1f %%", bs_precision_label (p), 100 * info->total[p] / sum);
      /* Labels beside their part, never above the top or below the bottom of the bar. */
      {
        double cy = CLAMP (y + h / 2, r->y + fs, r->y + r->height - fs);
        bs_chart_draw_text (cr, style, fs, TRUE, &style->text, share, r->x + bar_w + 10, cy - 1,
                            BS_ALIGN_START, BS_ALIGN_END);
        bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, value, r->x + bar_w + 10, cy + 1,
                            BS_ALIGN_START, BS_ALIGN_START);
      }
    }
  {
    g_autofree char *all = bs_format_si (sum, data->unit);
    g_autofree char *text = g_strdup_printf ("all: %s", all);
    bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, text, r->x,
                        r->y + r->height + 6, BS_ALIGN_START, BS_ALIGN_START);
  }
}

void
bs_breakdown_render (cairo_t *cr, const BsBreakdownData *data, int width, int height,
                     const BsChartStyle *style, BsBreakdownInfo *info)
{
  BsBreakdownInfo scratch;
  double fs = style->font_size;
  double top = 8 + style->title_size * 1.4 + 14;
  double left = 12 + bs_chart_text_width (cr, style, fs, FALSE, "000.0 mMAC") + 8;
  double totals_w = round (TOTALS_WIDTH * fs / 11);
  double bottom;
  int n_ops = data->ops != NULL ? data->ops->n_ops : 0;
  double y_max = 0;
  BsRect plot;

  if (info == NULL)
    info = &scratch;
  memset (info, 0, sizeof *info);

  cairo_save (cr);
  bs_chart_fill_rect (cr, &(BsRect) { 0, 0, width, height }, &style->background);

  /* Title, subtitle and the legend. */
  {
    double w = bs_chart_draw_text (cr, style, style->title_size, TRUE, &style->text,
                                   data->title != NULL ? data->title : "", 12, 8,
                                   BS_ALIGN_START, BS_ALIGN_START);
    double x = width - 16;
    static const BsPrecision order[] = { BS_PRECISION_FIXED, BS_PRECISION_BINARY };

    if (data->subtitle != NULL)
      bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, data->subtitle, 12 + w + 10,
                          8 + style->title_size - fs, BS_ALIGN_START, BS_ALIGN_START);
    for (guint k = 0; k < G_N_ELEMENTS (order); k++)
      {
        const char *label = bs_precision_label (order[k]);
        x -= fs * 0.9 + 5 + bs_chart_text_width (cr, style, fs, FALSE, label);
        bs_chart_draw_legend_item (cr, style, &style->precision[order[k]], label, x,
                                   8 + style->title_size * 0.7);
        x -= 16;
      }
  }

  plot = (BsRect) { round (left), round (top), 0, 0 };
  plot.width = MAX (1, floor (width - left - totals_w - 24));
  /* Room under the bars for the group names: across when they fit, upright otherwise. */
  bottom = fs * 0.9 + 8 + 10;
  for (int g = 0; n_ops > 0 && g < data->ops->n_groups; g++)
    {
      const BsOpGroup *group = &data->ops->groups[g];
      double w = bs_chart_text_width (cr, style, fs * 0.9, FALSE, group->name);
      if (w + 4 > (group->last_op - group->first_op + 1) * plot.width / n_ops)
        bottom = MAX (bottom, w + 8 + 10);
    }
  plot.height = MAX (1, floor (height - top - bottom));
  info->plot = plot;
  info->totals = (BsRect) { plot.x + plot.width + 28, plot.y, totals_w - 28, plot.height };

  for (int o = 0; o < n_ops; o++)
    {
      double stack = 0;
      for (int p = 0; p < 3; p++)
        {
          stack += part (data, o, p);
          info->total[p] += part (data, o, p);
        }
      y_max = MAX (y_max, stack);
    }

  bs_chart_fill_rect (cr, &plot, &style->plot_background);
  if (y_max <= 0 || n_ops == 0)
    {
      bs_chart_draw_text (cr, style, fs * 1.1, FALSE, &style->text_dim,
                          data->empty_text != NULL ? data->empty_text : "No data",
                          plot.x + plot.width / 2, plot.y + plot.height / 2, BS_ALIGN_CENTER,
                          BS_ALIGN_CENTER);
      cairo_restore (cr);
      return;
    }

  {
    double lo = 0, hi = y_max;
    bs_range_nice (&lo, &hi, 0, MAX (2, (int) (plot.height / (fs * 3.5))));
    lo = 0;
    y_max = hi;
  }
  bs_ticks_nice (0, y_max, MAX (2, (int) (plot.height / (fs * 3.5))), &info->y_ticks);
  info->y_max = y_max;

  cairo_set_line_width (cr, 1);
  for (int i = 0; i < info->y_ticks.n; i++)
    {
      double y = floor (plot.y + plot.height * (1 - info->y_ticks.value[i] / y_max)) + 0.5;
      g_autofree char *label = bs_format_tick (info->y_ticks.value[i], &info->y_ticks, data->unit);

      bs_chart_set_color (cr, &style->grid);
      cairo_move_to (cr, plot.x, y);
      cairo_line_to (cr, plot.x + plot.width, y);
      cairo_stroke (cr);
      bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, label, plot.x - 8, y,
                          BS_ALIGN_END, BS_ALIGN_CENTER);
    }

  /* Alternate group bands behind the bars, so modules read as units. */
  info->bar_pitch = plot.width / n_ops;
  for (int g = 0; g < data->ops->n_groups; g++)
    {
      const BsOpGroup *group = &data->ops->groups[g];
      BsRect band = { plot.x + group->first_op * info->bar_pitch, plot.y,
                      (group->last_op - group->first_op + 1) * info->bar_pitch, plot.height };
      bs_chart_fill_rect (cr, &band, &style->band[g % 2]);
    }

  for (int p = 0; p < 3; p++)
    {
      gboolean any = FALSE;

      for (int o = 0; o < n_ops; o++)
        {
          double below = 0, v = part (data, o, p);
          double gap = info->bar_pitch >= 6 ? MAX (1, round (info->bar_pitch * 0.18)) : 0;
          double x = plot.x + o * info->bar_pitch + gap / 2;
          double y0, y1;

          for (int q = 0; q < p; q++)
            below += part (data, o, q);
          if (v <= 0)
            continue;
          y0 = plot.y + plot.height * (1 - below / y_max);
          y1 = plot.y + plot.height * (1 - (below + v) / y_max);
          cairo_rectangle (cr, x, y1, MAX (1, info->bar_pitch - gap), MAX (y0 - y1, 1));
          any = TRUE;
          if (below == 0)
            info->n_bars++;   /* counted once, at its lowest part */
        }
      if (any)
        {
          bs_chart_set_color (cr, &style->precision[p]);
          cairo_fill (cr);
        }
    }

  if (data->highlight >= 0 && data->highlight < n_ops)
    {
      double x = plot.x + data->highlight * info->bar_pitch;
      bs_chart_set_color (cr, &style->text);
      cairo_set_line_width (cr, 1.5);
      cairo_rectangle (cr, x + 0.75, plot.y + 0.75, info->bar_pitch - 1.5, plot.height - 1.5);
      cairo_stroke (cr);
    }

  draw_group_labels (cr, data, &plot, info->bar_pitch, style, info);
  draw_totals (cr, data, &info->totals, style, info);

  bs_chart_set_color (cr, &style->axis);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, plot.x - 0.5, plot.y);
  cairo_line_to (cr, plot.x - 0.5, plot.y + plot.height + 0.5);
  cairo_line_to (cr, plot.x + plot.width, plot.y + plot.height + 0.5);
  cairo_stroke (cr);
  cairo_restore (cr);
}

int
bs_breakdown_hit (const BsBreakdownData *data, const BsBreakdownInfo *info, double x, double y)
{
  int op;

  if (data->ops == NULL || info->bar_pitch <= 0 || x < info->plot.x
      || x >= info->plot.x + info->plot.width || y < info->plot.y
      || y > info->plot.y + info->plot.height + 80)
    return -1;
  op = (int) ((x - info->plot.x) / info->bar_pitch);
  return op < data->ops->n_ops ? op : -1;
}
