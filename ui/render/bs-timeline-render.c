/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-timeline-render.c: rows, spans or heat-map columns, group labels, time axis. */
#include "bs-timeline-render.h"

#include <math.h>
#include <string.h>

#define ROW_HEIGHT 11.0          /* px at font size 11 */
#define ALPHA_LEVELS 8           /* heat-map intensities: one fill per (precision, level) */
#define SPAN_DENSITY 0.5         /* spans per px below which spans are drawn one by one */

static double
row_height_for (const BsChartStyle *style)
{
  return round (ROW_HEIGHT * style->font_size / 11);
}

static double
title_height (const BsChartStyle *style)
{
  return 8 + style->title_size * 1.4 + 6;
}

int
bs_timeline_preferred_height (const BsChartStyle *style, int n_groups, gboolean title,
                              gboolean time_labels)
{
  double h = (title ? title_height (style) : 6) + MAX (n_groups, 1) * row_height_for (style)
             + (time_labels ? style->font_size + 14 : 8);
  return (int) ceil (h);
}

/* "stage1.0.main.conv" in group "stage1.0" → "main.conv". */
static const char *
short_name (const BsOpTable *ops, int op)
{
  const char *name = ops->ops[op].name;
  const char *group = ops->groups[ops->ops[op].group].name;
  gsize n = strlen (group);

  if (strncmp (name, group, n) == 0 && name[n] == '.')
    return name + n + 1;
  return name;
}

static void
draw_spans (cairo_t *cr, const BsTimelineData *data, const BsChartViewport *vp, const BsRect *plot,
            double row_h, gsize i0, gsize i1, const BsChartStyle *style, BsTimelineInfo *info)
{
  const BsSpanStore *spans = data->spans;
  double span = (double) (vp->t_end_ns - vp->t_start_ns);
  double label_size = MIN (style->font_size * 0.85, row_h - 2);

  /* Inference boundaries: faint lines across the rows. */
  {
    gsize a = bs_span_store_find_inference (spans, vp->t_start_ns);
    gsize b = bs_span_store_find_inference (spans, vp->t_end_ns);
    BsColor faint = style->inference;

    faint.a *= 0.5;
    cairo_set_line_width (cr, 1);
    bs_chart_set_color (cr, &faint);
    for (gsize i = a; i < b; i++)
      {
        double x = floor (plot->x + (bs_span_store_get_inference_start (spans, i) - vp->t_start_ns)
                          / span * plot->width) + 0.5;
        cairo_move_to (cr, x, plot->y);
        cairo_line_to (cr, x, plot->y + plot->height);
      }
    cairo_stroke (cr);
  }

  for (int p = 0; p < 3; p++)
    {
      gboolean any = FALSE;

      for (gsize i = i0; i < i1; i++)
        {
          const BsSpan *s = bs_span_store_get (spans, i);
          double x0, x1;
          int row;

          if (s->op >= data->ops->n_ops || (int) data->ops->ops[s->op].precision != p)
            continue;
          row = data->ops->ops[s->op].group;
          x0 = plot->x + (s->t_start_ns - vp->t_start_ns) / span * plot->width;
          x1 = plot->x + (s->t_start_ns + (int64_t) s->duration_ns - vp->t_start_ns) / span * plot->width;
          /* Never thinner than a pixel; a hairline gap between neighbours when wide. */
          if (x1 - x0 > 3)
            x1 -= 1;
          if (x1 - x0 < 1)
            x1 = x0 + 1;
          cairo_rectangle (cr, x0, plot->y + row * row_h + 1, x1 - x0, row_h - 2);
          info->n_spans_drawn++;
          any = TRUE;
        }
      if (any)
        {
          bs_chart_set_color (cr, &style->precision[p]);
          cairo_fill (cr);
        }
    }

  /* Labels inside the boxes that have room. */
  if (label_size >= 7)
    for (gsize i = i0; i < i1; i++)
      {
        const BsSpan *s = bs_span_store_get (spans, i);
        double x0, x1, w;
        const char *name;
        BsColor white = { 1, 1, 1, 1 };

        if (s->op >= data->ops->n_ops)
          continue;
        x0 = plot->x + (s->t_start_ns - vp->t_start_ns) / span * plot->width;
        x1 = plot->x + (s->t_start_ns + (int64_t) s->duration_ns - vp->t_start_ns) / span * plot->width;
        if (x1 - x0 < 30)
          continue;
        name = short_name (data->ops, s->op);
        w = bs_chart_text_width (cr, style, label_size, FALSE, name);
        if (w + 6 > x1 - x0)
          continue;
        cairo_save (cr);
        cairo_rectangle (cr, MAX (x0, plot->x), plot->y, MIN (x1, plot->x + plot->width) - MAX (x0, plot->x), plot->height);
        cairo_clip (cr);
        bs_chart_draw_text (cr, style, label_size, FALSE, &white, name,
                            MAX (x0, plot->x) + 3, plot->y + data->ops->ops[s->op].group * row_h + row_h / 2,
                            BS_ALIGN_START, BS_ALIGN_CENTER);
        cairo_restore (cr);
      }
}

/* The k-th smallest of v[0..n) (reorders v): quickselect, O(n) where a sort of the
 * tens of thousands of cells would dominate the frame. */
static float
select_kth (float *v, gsize n, gsize k)
{
  gsize lo = 0, hi = n - 1;

  while (lo < hi)
    {
      float pivot = v[lo + (hi - lo) / 2];
      gsize i = lo, j = hi;

      while (i <= j)
        {
          while (v[i] < pivot)
            i++;
          while (v[j] > pivot)
            j--;
          if (i <= j)
            {
              float t = v[i];
              v[i] = v[j];
              v[j] = t;
              i++;
              if (j == 0)
                break;
              j--;
            }
        }
      if (k <= j)
        hi = j;
      else if (k >= i)
        lo = i;
      else
        break;
    }
  return v[k];
}

/* Adds @ns of (row, precision) spread evenly over [a_ns, b_ns) to the columns it covers. */
static inline void
spread (float *busy, int n_cols, int row, int p, double a, double b, double ns)
{
  int c0 = (int) floor (MAX (a, 0));
  int c1 = (int) MIN (ceil (b), n_cols);
  double width = MAX (b - a, 1e-9);

  for (int c = c0; c < c1; c++)
    {
      double overlap = MIN (b, c + 1) - MAX (a, c);
      if (overlap > 0)
        busy[((gsize) row * n_cols + c) * 2 + p] += (float) (ns * overlap / width);
    }
}

/* Zoomed out: per (row, column) the busy time by precision, from the per-inference sums
 * (or the spans, without them), smoothed over a few columns so that the inferences a
 * column happens to catch do not flicker, as shares of the column's busy time; intensity
 * relative to the cells' 95th percentile, so one outlier does not wash the rest out. */
static void
draw_heat (cairo_t *cr, const BsTimelineData *data, const BsChartViewport *vp, const BsRect *plot,
           double row_h, gsize i0, gsize i1, const BsChartStyle *style)
{
  const BsSpanStore *spans = data->spans;
  int n_cols = (int) plot->width;
  int n_rows = data->ops->n_groups;
  double col_ns = (double) (vp->t_end_ns - vp->t_start_ns) / n_cols;
  gsize cells = (gsize) n_rows * n_cols;
  g_autofree float *busy = g_new0 (float, cells * 2);
  g_autofree float *smooth = g_new0 (float, cells * 2);
  g_autofree float *totals = NULL;
  gsize n_totals = 0;
  float peak;
  int radius = 3;

  if (bs_span_store_get_n_groups (spans) == n_rows)
    {
      gsize a = bs_span_store_find_inference (spans, vp->t_start_ns);
      gsize b = bs_span_store_find_inference (spans, vp->t_end_ns);

      if (a > 0)
        a--;   /* it may still be running at the left edge */
      /* Smooth over about eight inferences, so a column's share does not depend on
       * which inferences it happens to catch. */
      if (b > a + 1)
        {
          double interval = (double) (bs_span_store_get_inference_start (spans, b - 1)
                                      - bs_span_store_get_inference_start (spans, a)) / (b - a - 1);
          radius = CLAMP ((int) ceil (4 * interval / col_ns), 2, 12);
        }
      for (gsize i = a; i < b; i++)
        {
          const float *sums = bs_span_store_get_inference_busy (spans, i);
          double x0 = (bs_span_store_get_inference_start (spans, i) - vp->t_start_ns) / col_ns;
          double x1 = (bs_span_store_get_inference_end (spans, i) - vp->t_start_ns) / col_ns;
          int c0 = (int) floor (x0);

          /* Most inferences fall in one column: add their sums at once. */
          if (c0 >= 0 && c0 < n_cols && x1 <= c0 + 1)
            {
              for (int row = 0; row < n_rows; row++)
                {
                  float *cell = &busy[((gsize) row * n_cols + c0) * 2];
                  cell[0] += sums[row * 2];
                  cell[1] += sums[row * 2 + 1];
                }
              continue;
            }
          for (int row = 0; row < n_rows; row++)
            for (int p = 0; p < 2; p++)
              if (sums[row * 2 + p] > 0)
                spread (busy, n_cols, row, p, x0, x1, sums[row * 2 + p]);
        }
    }
  else
    for (gsize i = i0; i < i1; i++)
      {
        const BsSpan *s = bs_span_store_get (spans, i);
        double a;

        if (s->op >= data->ops->n_ops)
          continue;
        a = (s->t_start_ns - vp->t_start_ns) / col_ns;
        spread (busy, n_cols, data->ops->ops[s->op].group,
                data->ops->ops[s->op].precision == BS_PRECISION_BINARY ? 0 : 1,
                a, a + s->duration_ns / col_ns, s->duration_ns);
      }

  /* Box filter along time, only where there is data: no smearing into idle stretches. */
  for (int row = 0; row < n_rows; row++)
    for (int c = 0; c < n_cols; c++)
      {
        gsize k = (gsize) row * n_cols + c;
        float sum[2] = { 0, 0 };
        int n = 0;

        if (busy[k * 2] + busy[k * 2 + 1] <= 0)
          continue;
        for (int d = -radius; d <= radius; d++)
          if (c + d >= 0 && c + d < n_cols)
            {
              gsize j = (gsize) row * n_cols + c + d;
              sum[0] += busy[j * 2];
              sum[1] += busy[j * 2 + 1];
              n++;
            }
        smooth[k * 2] = sum[0] / n;
        smooth[k * 2 + 1] = sum[1] / n;
      }

  /* Each column as shares of its busy time: what a module costs relative to the others,
   * steady even when the device was idle or the host preempted the run for a while. */
  for (int c = 0; c < n_cols; c++)
    {
      float column = 0;
      for (int row = 0; row < n_rows; row++)
        {
          gsize k = (gsize) row * n_cols + c;
          column += smooth[k * 2] + smooth[k * 2 + 1];
        }
      if (column > 0)
        for (int row = 0; row < n_rows; row++)
          {
            gsize k = (gsize) row * n_cols + c;
            smooth[k * 2] /= column;
            smooth[k * 2 + 1] /= column;
          }
    }

  totals = g_new (float, cells);
  for (gsize k = 0; k < cells; k++)
    if (smooth[k * 2] + smooth[k * 2 + 1] > 0)
      totals[n_totals++] = smooth[k * 2] + smooth[k * 2 + 1];
  if (n_totals == 0)
    return;
  peak = select_kth (totals, n_totals, (gsize) ((n_totals - 1) * 0.95));

  /* Cells are batched by (precision, intensity level): 2 × ALPHA_LEVELS fills a frame,
   * of pixel-aligned rectangles (cairo's fast path). Neighbouring cells of one level
   * merge into one rectangle. */
  cairo_save (cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  for (int p = 0; p < 2; p++)
    for (int level = 1; level <= ALPHA_LEVELS; level++)
      {
        gboolean any = FALSE;
        BsColor color = style->precision[p == 0 ? BS_PRECISION_BINARY : BS_PRECISION_FIXED];

        for (int row = 0; row < n_rows; row++)
          {
            double top = round (plot->y + row * row_h + 1);
            double bottom = round (plot->y + (row + 1) * row_h - 1);
            int run_start = -1;
            double run_y0 = 0, run_y1 = 0;

            for (int c = 0; c <= n_cols; c++)
              {
                double y0 = 0, y1 = 0;
                gboolean in = FALSE;

                if (c < n_cols)
                  {
                    gsize k = (gsize) row * n_cols + c;
                    float bin = smooth[k * 2], fix = smooth[k * 2 + 1];
                    float total = bin + fix;

                    if (total > 0
                        && 1 + (int) floor (MIN (1.0, sqrt (total / peak)) * (ALPHA_LEVELS - 1) + 0.5) == level)
                      {
                        /* Binary share on top, fixed-point share below. */
                        double split = round (top + (bottom - top) * bin / total);
                        y0 = p == 0 ? top : split;
                        y1 = p == 0 ? split : bottom;
                        in = y1 > y0;
                      }
                  }
                if (run_start >= 0 && (!in || y0 != run_y0 || y1 != run_y1))
                  {
                    cairo_rectangle (cr, plot->x + run_start, run_y0, c - run_start, run_y1 - run_y0);
                    any = TRUE;
                    run_start = -1;
                  }
                if (in && run_start < 0)
                  {
                    run_start = c;
                    run_y0 = y0;
                    run_y1 = y1;
                  }
              }
          }
        if (any)
          {
            color.a = 0.3 + 0.7 * (level - 1) / (ALPHA_LEVELS - 1);
            bs_chart_set_color (cr, &color);
            cairo_fill (cr);
          }
      }
  cairo_restore (cr);
}

void
bs_timeline_render (cairo_t *cr, const BsTimelineData *data, const BsChartViewport *vp,
                    const BsChartStyle *style, BsTimelineInfo *info)
{
  BsTimelineInfo scratch;
  double fs = style->font_size;
  double label_size = fs * 0.9;
  double top = data->title != NULL ? title_height (style) : 6;
  double bottom = data->time_labels ? fs + 14 : 8;
  double right = 16;
  double left = 12 + bs_chart_text_width (cr, style, fs, FALSE, "000.0 mW") + 8;
  int n_rows = data->ops != NULL ? MAX (data->ops->n_groups, 1) : 1;
  double row_h;
  BsRect plot;
  gsize i0 = 0, i1 = 0;
  double span = (double) (vp->t_end_ns - vp->t_start_ns);

  if (info == NULL)
    info = &scratch;
  memset (info, 0, sizeof *info);

  cairo_save (cr);
  bs_chart_fill_rect (cr, &(BsRect) { 0, 0, vp->width, vp->height }, &style->background);

  /* The row labels share the left margin with the power chart's value labels, so both
   * plots line up when stacked; long group names are shortened to fit. */
  plot = (BsRect) { round (left), round (top), 0, 0 };
  plot.width = MAX (1, floor (vp->width - left - right));
  plot.height = MAX (1, floor (vp->height - top - bottom));
  row_h = plot.height / n_rows;
  info->plot = plot;
  info->n_rows = n_rows;
  info->row_height = row_h;

  if (data->title != NULL)
    {
      double x = vp->width - right;
      const BsPrecision order[] = { BS_PRECISION_FIXED, BS_PRECISION_BINARY };

      bs_chart_draw_text (cr, style, style->title_size, TRUE, &style->text, data->title, 12, 8,
                          BS_ALIGN_START, BS_ALIGN_START);
      /* Legend, right-aligned: the same swatches as every other view. */
      for (guint k = 0; k < G_N_ELEMENTS (order); k++)
        {
          const char *label = bs_precision_label (order[k]);
          double w = fs * 0.9 + 5 + bs_chart_text_width (cr, style, fs, FALSE, label);
          x -= w;
          bs_chart_draw_legend_item (cr, style, &style->precision[order[k]], label, x,
                                     8 + style->title_size * 0.7);
          x -= 16;
        }
    }

  bs_chart_fill_rect (cr, &plot, &style->plot_background);

  /* Alternating bands and labels per group. */
  for (int r = 0; data->ops != NULL && r < data->ops->n_groups; r++)
    {
      const char *name = data->ops->groups[r].name;
      double y = plot.y + r * row_h;
      double size = MIN (label_size, row_h - 1);

      bs_chart_fill_rect (cr, &(BsRect) { plot.x, y, plot.width, row_h }, &style->band[r % 2]);
      if (size >= 6)
        {
          PangoLayout *layout = bs_chart_layout_new (cr, style, size, FALSE, name);
          PangoRectangle logical;

          pango_layout_set_width (layout, (int) ((plot.x - 18) * PANGO_SCALE));
          pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_START);
          pango_layout_get_pixel_extents (layout, NULL, &logical);
          bs_chart_set_color (cr, &style->text_dim);
          cairo_move_to (cr, round (plot.x - 8 - logical.width), round (y + row_h / 2 - logical.height / 2.0));
          pango_cairo_show_layout (cr, layout);
          g_object_unref (layout);
        }
    }

  bs_chart_draw_time_axis (cr, style, &plot, vp->t_start_ns, vp->t_end_ns, data->t0_ns, TRUE,
                           data->time_labels, &info->x_ticks);

  if (data->spans != NULL && data->ops != NULL && span > 0)
    {
      gsize a = bs_span_store_find_inference (data->spans, vp->t_start_ns);
      gsize b = bs_span_store_find_inference (data->spans, vp->t_end_ns);
      gboolean per_span = (double) (b - a) * data->ops->n_ops <= plot.width * SPAN_DENSITY;
      /* What the chosen mode draws from, and since when it is kept. */
      int64_t kept_from = INT64_MIN;

      i0 = bs_span_store_find (data->spans, vp->t_start_ns);
      i1 = bs_span_store_find (data->spans, vp->t_end_ns);
      if (per_span || bs_span_store_get_n_groups (data->spans) != data->ops->n_groups)
        {
          if (bs_span_store_get_n_total (data->spans) > bs_span_store_get_n (data->spans))
            kept_from = bs_span_store_get_kept_from (data->spans);
        }
      else
        kept_from = bs_span_store_get_inferences_kept_from (data->spans);

      cairo_save (cr);
      cairo_rectangle (cr, plot.x, plot.y, plot.width, plot.height);
      cairo_clip (cr);
      if (per_span)
        {
          info->per_span = TRUE;
          draw_spans (cr, data, vp, &plot, row_h, i0, i1, style, info);
        }
      else
        draw_heat (cr, data, vp, &plot, row_h, i0, i1, style);

      /* Older than what is kept: say so rather than show an idle device. */
      if (kept_from > vp->t_start_ns)
        {
          double x1 = plot.x + MIN (plot.width, (kept_from - vp->t_start_ns) / span * plot.width);
          BsRect r = { plot.x, plot.y, x1 - plot.x, plot.height };

          bs_chart_hatch (cr, &r, &style->missing);
          if (r.width > 260)
            bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim,
                                "older layer events: in the session database",
                                r.x + r.width / 2, r.y + r.height / 2, BS_ALIGN_CENTER,
                                BS_ALIGN_CENTER);
          info->missing = TRUE;
        }
      cairo_restore (cr);
      if (b > a)
        i1 = MAX (i1, i0 + 1);   /* something is drawn: no "empty" message */
    }
  if (i1 == i0)
    bs_chart_draw_text (cr, style, fs * 1.1, FALSE, &style->text_dim,
                        data->empty_text != NULL ? data->empty_text : "No layer events",
                        plot.x + plot.width / 2, plot.y + plot.height / 2, BS_ALIGN_CENTER,
                        BS_ALIGN_CENTER);

  bs_chart_set_color (cr, &style->axis);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, plot.x - 0.5, plot.y);
  cairo_line_to (cr, plot.x - 0.5, plot.y + plot.height + 0.5);
  cairo_line_to (cr, plot.x + plot.width, plot.y + plot.height + 0.5);
  cairo_stroke (cr);
  cairo_restore (cr);
}

const BsSpan *
bs_timeline_hit (const BsTimelineData *data, const BsChartViewport *vp,
                 const BsTimelineInfo *info, double x, double y)
{
  double span = (double) (vp->t_end_ns - vp->t_start_ns);
  int64_t t;
  int row;
  gsize i;

  if (data->spans == NULL || data->ops == NULL || info->row_height <= 0 || span <= 0
      || x < info->plot.x || x >= info->plot.x + info->plot.width || y < info->plot.y)
    return NULL;
  row = (int) ((y - info->plot.y) / info->row_height);
  if (row >= info->n_rows)
    return NULL;
  t = vp->t_start_ns + (int64_t) ((x - info->plot.x) / info->plot.width * span);
  /* A pixel's worth of slack so that thin spans can be pointed at. */
  for (i = bs_span_store_find (data->spans, t - (int64_t) (span / info->plot.width));
       i < bs_span_store_get_n (data->spans); i++)
    {
      const BsSpan *s = bs_span_store_get (data->spans, i);
      if (s->t_start_ns > t + (int64_t) (span / info->plot.width))
        break;
      if (s->op < data->ops->n_ops && data->ops->ops[s->op].group == row)
        return s;
    }
  return NULL;
}
