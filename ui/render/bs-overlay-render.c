/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-overlay-render.c: legend, axes, bands, lines, envelopes, markers. */
#include "bs-overlay-render.h"
#include "bs-run-colors.h"

#include <math.h>
#include <string.h>

char *
bs_overlay_describe (const BsPowerTrace *tr)
{
  g_autofree char *meter = NULL;
  g_autofree char *inference = NULL;

  if (tr == NULL || tr->mode == BS_POWER_TRACE_NONE)
    return g_strdup ("no power readings");
  meter = bs_format_duration (tr->meter_period_ns);
  inference = bs_format_duration (tr->inference_ns);
  if (tr->mode == BS_POWER_TRACE_AVERAGED)
    return g_strdup_printf ("mean of %" G_GINT64_FORMAT " inferences · meter every %s",
                            tr->n_inferences, meter);
  if (isnan (tr->inference_ns))
    return g_strdup_printf ("raw · meter every %s", meter);
  return g_strdup_printf ("raw · meter every %s, inferences %s", meter, inference);
}

typedef struct
{
  BsRect plot;
  double x0, x1, y0, y1;
} Map;

static inline double
px (const Map *m, double x)
{
  return m->plot.x + (x - m->x0) / (m->x1 - m->x0) * m->plot.width;
}

static inline double
py (const Map *m, double y)
{
  return m->plot.y + m->plot.height * (1 - (y - m->y0) / (m->y1 - m->y0));
}

static const BsPowerTrace *
trace_of (const BsOverlayData *data, int i)
{
  const BsPowerTrace *tr = data->series[i].trace;
  return tr != NULL && tr->mode != BS_POWER_TRACE_NONE && tr->n_points > 0 ? tr : NULL;
}

/* The mode drawn: the first trace's; traces of another mode (which the overlay query
 * never returns together) are left out, not drawn on a wrong axis. */
static BsPowerTraceMode
chart_mode (const BsOverlayData *data)
{
  for (int i = 0; i < data->n_series; i++)
    if (trace_of (data, i) != NULL)
      return trace_of (data, i)->mode;
  return BS_POWER_TRACE_NONE;
}

static void
draw_averaged (cairo_t *cr, const Map *m, const BsPowerTrace *tr, const BsColor *color,
               gboolean spread, const BsChartStyle *style)
{
  BsColor faint = *color;
  gboolean dots = tr->n_points <= m->plot.width / 9;

  /* The band: mean ± SD, one polygon per stretch of filled bins. */
  if (spread && tr->sd_w != NULL)
    {
      for (guint i = 0; i < tr->n_points;)
        {
          guint end;

          if (!isfinite (tr->power_w[i]) || !isfinite (tr->sd_w[i]))
            {
              i++;
              continue;
            }
          for (end = i; end < tr->n_points && isfinite (tr->power_w[end]) && isfinite (tr->sd_w[end]); end++)
            ;
          cairo_new_sub_path (cr);
          for (guint k = i; k < end; k++)
            cairo_line_to (cr, px (m, tr->t_ns[k]), py (m, tr->power_w[k] + tr->sd_w[k]));
          for (guint k = end; k-- > i;)
            cairo_line_to (cr, px (m, tr->t_ns[k]), py (m, tr->power_w[k] - tr->sd_w[k]));
          cairo_close_path (cr);
          i = end;
        }
      faint.a = 0.14;
      bs_chart_set_color (cr, &faint);
      cairo_fill (cr);
    }

  /* The median inference's end: the profile beyond it comes from longer inferences. */
  if (isfinite (tr->inference_ns))
    {
      static const double dash[] = { 5, 4 };
      double x = floor (px (m, tr->inference_ns)) + 0.5;

      faint.a = 0.6;
      bs_chart_set_color (cr, &faint);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, x, m->plot.y);
      cairo_line_to (cr, x, m->plot.y + m->plot.height);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }

  for (guint i = 0; i < tr->n_points; i++)
    {
      if (!isfinite (tr->power_w[i]))
        {
          cairo_new_sub_path (cr);
          continue;
        }
      cairo_line_to (cr, px (m, tr->t_ns[i]), py (m, tr->power_w[i]));
    }
  bs_chart_set_color (cr, color);
  cairo_set_line_width (cr, style->line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
  if (dots)
    {
      for (guint i = 0; i < tr->n_points; i++)
        if (isfinite (tr->power_w[i]))
          {
            cairo_new_sub_path (cr);
            cairo_arc (cr, px (m, tr->t_ns[i]), py (m, tr->power_w[i]), style->line_width * 1.5, 0,
                       2 * G_PI);
          }
      cairo_fill (cr);
    }
}

/* The visible samples [i0, i1) of a raw trace. */
static void
visible (const BsPowerTrace *tr, const Map *m, guint *i0, guint *i1)
{
  guint lo = 0, hi = tr->n_points;

  /* Times are sorted: binary search both ends, one sample beyond each. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (tr->t_ns[mid] < m->x0)
        lo = mid + 1;
      else
        hi = mid;
    }
  *i0 = lo > 0 ? lo - 1 : 0;
  hi = tr->n_points;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (tr->t_ns[mid] <= m->x1)
        lo = mid + 1;
      else
        hi = mid;
    }
  *i1 = MIN (lo + 1, tr->n_points);
}

static void
draw_raw (cairo_t *cr, const Map *m, const BsPowerTrace *tr, const BsColor *color,
          const BsChartStyle *style)
{
  guint i0, i1;
  int n_cols = MAX (1, (int) m->plot.width);
  BsColor faint = *color;

  visible (tr, m, &i0, &i1);
  if (i1 <= i0)
    return;
  if (i1 - i0 > (guint) (2 * n_cols))
    {
      /* Dense: per pixel column the min, max and mean; the envelope lightly, the means
       * as the line. O(samples in view) once, then O(columns). */
      g_autofree double *lo = g_new (double, n_cols);
      g_autofree double *hi = g_new (double, n_cols);
      g_autofree double *sum = g_new0 (double, n_cols);
      g_autofree guint *n = g_new0 (guint, n_cols);

      for (guint i = i0; i < i1; i++)
        {
          int c = (int) floor ((tr->t_ns[i] - m->x0) / (m->x1 - m->x0) * n_cols);
          double v = tr->power_w[i];

          if (c < 0 || c >= n_cols || !isfinite (v))
            continue;
          if (n[c] == 0)
            lo[c] = hi[c] = v;
          lo[c] = MIN (lo[c], v);
          hi[c] = MAX (hi[c], v);
          sum[c] += v;
          n[c]++;
        }
      /* Where the trace jumps between two columns, the later one is stretched to meet
       * the earlier, so the envelope stays one band. */
      for (int c = 1; c < n_cols; c++)
        if (n[c] > 0 && n[c - 1] > 0)
          {
            if (hi[c - 1] < lo[c])
              lo[c] = hi[c - 1];
            else if (lo[c - 1] > hi[c])
              hi[c] = lo[c - 1];
          }
      for (int c = 0; c < n_cols;)
        {
          int end;

          if (n[c] == 0)
            {
              c++;
              continue;
            }
          for (end = c; end < n_cols && n[end] > 0; end++)
            ;
          cairo_new_sub_path (cr);
          for (int k = c; k < end; k++)
            {
              cairo_line_to (cr, m->plot.x + k, py (m, hi[k]) - 0.5);
              cairo_line_to (cr, m->plot.x + k + 1, py (m, hi[k]) - 0.5);
            }
          for (int k = end - 1; k >= c; k--)
            {
              cairo_line_to (cr, m->plot.x + k + 1, py (m, lo[k]) + 0.5);
              cairo_line_to (cr, m->plot.x + k, py (m, lo[k]) + 0.5);
            }
          cairo_close_path (cr);
          c = end;
        }
      faint.a = 0.3;
      bs_chart_set_color (cr, &faint);
      cairo_fill (cr);
      /* The line: the mean over a few columns either side. Per column alone it would
       * alias against any periodic load (a column holding 1.3 inferences, the next
       * 1.7) and turn into a zigzag as tall as the envelope. */
      for (int c = 0; c < n_cols; c++)
        {
          double s = 0;
          guint count = 0;

          if (n[c] == 0)
            {
              cairo_new_sub_path (cr);
              continue;
            }
          for (int k = MAX (c - 3, 0); k <= MIN (c + 3, n_cols - 1); k++)
            {
              s += sum[k];
              count += n[k];
            }
          cairo_line_to (cr, m->plot.x + c + 0.5, py (m, s / count));
        }
    }
  else
    for (guint i = i0; i < i1; i++)
      cairo_line_to (cr, px (m, tr->t_ns[i]), py (m, tr->power_w[i]));
  bs_chart_set_color (cr, color);
  cairo_set_line_width (cr, style->line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
  if ((double) (i1 - i0) <= m->plot.width / 10)
    {
      for (guint i = i0; i < i1; i++)
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, px (m, tr->t_ns[i]), py (m, tr->power_w[i]), style->line_width * 1.4, 0,
                     2 * G_PI);
        }
      cairo_fill (cr);
    }
}

/* The legend: one item per run, wrapped onto more lines when the chart is narrow.
 * Returns its height. A trace of the other mode is listed with a hollow swatch and the
 * reason it is not drawn, rather than silently left out. */
static double
draw_legend (cairo_t *cr, const BsOverlayData *data, int width, double top,
             const BsChartStyle *style, BsOverlayInfo *info)
{
  double fs = style->font_size;
  double x = 12, y = top, line_h = fs * 1.7;
  double box = fs * 0.9;

  for (int i = 0; i < data->n_series; i++)
    {
      BsColor color = bs_run_color (style, i);
      const BsPowerTrace *tr = data->series[i].trace;
      BsPowerTraceMode mode = chart_mode (data);
      g_autofree char *described = bs_overlay_describe (tr);
      g_autofree char *how = tr != NULL && tr->mode != BS_POWER_TRACE_NONE && tr->mode != mode
                               ? g_strdup_printf ("%s · not shown: %s", described,
                                                  mode == BS_POWER_TRACE_RAW ? "the others are raw"
                                                                             : "the others are per inference")
                               : g_strdup (described);
      const char *label = data->series[i].label != NULL ? data->series[i].label : "";
      double wl = bs_chart_text_width (cr, style, fs, TRUE, label);
      double wh = bs_chart_text_width (cr, style, fs, FALSE, how);
      double w = box + 6 + wl + 6 + wh;
      BsRect sw;

      if (x > 12 && x + w > width - 16)
        {
          x = 12;
          y += line_h;
        }
      sw = (BsRect) { round (x), round (y + line_h / 2 - box / 2), box, box };
      if (trace_of (data, i) != NULL && tr->mode == mode)
        bs_chart_fill_rect (cr, &sw, &color);
      else
        {
          bs_chart_set_color (cr, &color);
          cairo_set_line_width (cr, 1);
          cairo_rectangle (cr, sw.x + 0.5, sw.y + 0.5, sw.width - 1, sw.height - 1);
          cairo_stroke (cr);
        }
      info->swatch[i] = sw;
      bs_chart_draw_text (cr, style, fs, TRUE, &style->text, label, x + box + 6, y + line_h / 2,
                          BS_ALIGN_START, BS_ALIGN_CENTER);
      bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, how, x + box + 6 + wl + 6,
                          y + line_h / 2, BS_ALIGN_START, BS_ALIGN_CENTER);
      x += w + 22;
    }
  return y + line_h - top;
}

void
bs_overlay_render (cairo_t *cr, const BsOverlayData *data, int width, int height,
                   const BsChartStyle *style, BsOverlayInfo *info)
{
  BsOverlayInfo scratch;
  double fs = style->font_size;
  double top, left, bottom = fs * 2.6 + 10, right = 18;
  BsPowerTraceMode mode = chart_mode (data);
  const char *title;
  const char *subtitle;
  Map m;
  double lo = INFINITY, hi = -INFINITY, x_lo = INFINITY, x_hi = -INFINITY;

  if (info == NULL)
    info = &scratch;
  memset (info, 0, sizeof *info);
  info->mode = mode;

  cairo_save (cr);
  bs_chart_fill_rect (cr, &(BsRect) { 0, 0, width, height }, &style->background);

  title = data->title != NULL ? data->title
          : mode == BS_POWER_TRACE_RAW ? "Power over the run" : "Power through one inference";
  subtitle = mode == BS_POWER_TRACE_AVERAGED ? "aligned at inference start · mean over inferences ± SD"
             : mode == BS_POWER_TRACE_RAW
               ? "aligned at run start · a meter is too slow to resolve one inference"
             : NULL;
  {
    double w = bs_chart_draw_text (cr, style, style->title_size, TRUE, &style->text, title, 12, 8,
                                   BS_ALIGN_START, BS_ALIGN_START);
    if (subtitle != NULL)
      bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, subtitle, 12 + w + 10,
                          8 + style->title_size - fs, BS_ALIGN_START, BS_ALIGN_START);
  }
  top = 8 + style->title_size * 1.4 + 6;
  top += draw_legend (cr, data, width, top, style, info) + 8;

  /* Ranges: x from the traces (or the viewport), y fitted to what is in that x range. */
  for (int i = 0; i < data->n_series; i++)
    {
      const BsPowerTrace *tr = trace_of (data, i);

      if (tr == NULL || tr->mode != mode)
        continue;
      x_lo = MIN (x_lo, mode == BS_POWER_TRACE_AVERAGED ? 0 : tr->t_ns[0]);
      x_hi = MAX (x_hi, mode == BS_POWER_TRACE_AVERAGED ? tr->window_ns : tr->t_ns[tr->n_points - 1]);
    }
  m.x0 = isfinite (data->x_start_ns) ? data->x_start_ns : x_lo;
  m.x1 = isfinite (data->x_end_ns) ? data->x_end_ns : x_hi;
  if (!isfinite (m.x0) || !isfinite (m.x1) || m.x1 <= m.x0)
    {
      /* Nothing to show: an empty millisecond. */
      m.x0 = 0;
      m.x1 = 1e6;
    }
  for (int i = 0; i < data->n_series; i++)
    {
      const BsPowerTrace *tr = trace_of (data, i);

      if (tr == NULL || tr->mode != mode)
        continue;
      for (guint k = 0; k < tr->n_points; k++)
        {
          double v = tr->power_w[k];
          double s = !data->hide_spread && tr->sd_w != NULL && isfinite (tr->sd_w[k]) ? tr->sd_w[k] : 0;

          if (tr->t_ns[k] < m.x0 || tr->t_ns[k] > m.x1 || !isfinite (v))
            continue;
          lo = MIN (lo, v - s);
          hi = MAX (hi, v + s);
        }
    }
  /* A little room above and below, so no trace runs along the frame. */
  m.y0 = isnan (data->y_min) ? lo - 0.04 * (hi - lo) : data->y_min;
  m.y1 = isnan (data->y_max) ? hi + 0.04 * (hi - lo) : data->y_max;
  if (!isfinite (m.y0) || !isfinite (m.y1))
    {
      m.y0 = 0;
      m.y1 = 1;
    }

  left = 12 + bs_chart_text_width (cr, style, fs, FALSE, "000.0 mW") + 10;
  m.plot = (BsRect) { round (left), round (top), 0, 0 };
  m.plot.width = MAX (1, floor (width - left - right));
  m.plot.height = MAX (1, floor (height - top - bottom));
  if (isnan (data->y_min) || isnan (data->y_max))
    bs_range_nice (&m.y0, &m.y1, MAX (0.05, fabs (m.y1) * 0.02),
                   MAX (2, (int) (m.plot.height / (fs * 3.5))));
  bs_ticks_nice (m.y0, m.y1, MAX (2, (int) (m.plot.height / (fs * 3.5))), &info->y_ticks);
  bs_ticks_nice (m.x0 * 1e-9, m.x1 * 1e-9, MAX (2, (int) (m.plot.width / (fs * 9))), &info->x_ticks);

  bs_chart_fill_rect (cr, &m.plot, &style->plot_background);
  cairo_set_line_width (cr, 1);
  for (int i = 0; i < info->y_ticks.n; i++)
    {
      double y = floor (py (&m, info->y_ticks.value[i])) + 0.5;
      g_autofree char *label = bs_format_tick (info->y_ticks.value[i], &info->y_ticks, "W");

      bs_chart_set_color (cr, &style->grid);
      cairo_move_to (cr, m.plot.x, y);
      cairo_line_to (cr, m.plot.x + m.plot.width, y);
      cairo_stroke (cr);
      bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, label, m.plot.x - 8, y,
                          BS_ALIGN_END, BS_ALIGN_CENTER);
    }
  for (int i = 0; i < info->x_ticks.n; i++)
    {
      double x = floor (px (&m, info->x_ticks.value[i] * 1e9)) + 0.5;
      g_autofree char *label = bs_format_tick (info->x_ticks.value[i], &info->x_ticks, "s");
      double half = bs_chart_text_width (cr, style, fs, FALSE, label) / 2;

      bs_chart_set_color (cr, &style->grid);
      cairo_move_to (cr, x, m.plot.y);
      cairo_line_to (cr, x, m.plot.y + m.plot.height);
      cairo_stroke (cr);
      bs_chart_set_color (cr, &style->axis);
      cairo_move_to (cr, x, m.plot.y + m.plot.height);
      cairo_line_to (cr, x, m.plot.y + m.plot.height + 4);
      cairo_stroke (cr);
      bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, label,
                          MIN (x, m.plot.x + m.plot.width + 12 - half),
                          m.plot.y + m.plot.height + 6, BS_ALIGN_CENTER, BS_ALIGN_START);
    }
  bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim,
                      mode == BS_POWER_TRACE_RAW ? "time since run start" : "time since inference start",
                      m.plot.x + m.plot.width, m.plot.y + m.plot.height + 8 + fs * 1.4, BS_ALIGN_END,
                      BS_ALIGN_START);

  cairo_save (cr);
  cairo_rectangle (cr, m.plot.x, m.plot.y - style->line_width, m.plot.width,
                   m.plot.height + 2 * style->line_width);
  cairo_clip (cr);
  if (mode == BS_POWER_TRACE_NONE)
    bs_chart_draw_text (cr, style, fs * 1.1, FALSE, &style->text_dim,
                        "None of these runs has power readings", m.plot.x + m.plot.width / 2,
                        m.plot.y + m.plot.height / 2, BS_ALIGN_CENTER, BS_ALIGN_CENTER);
  /* The baseline last, on top. */
  for (int k = 0; k < data->n_series; k++)
    {
      int i = (k + 1) % data->n_series;
      const BsPowerTrace *tr = trace_of (data, i);
      BsColor color = bs_run_color (style, i);

      if (tr == NULL || tr->mode != mode)
        continue;
      if (mode == BS_POWER_TRACE_AVERAGED)
        draw_averaged (cr, &m, tr, &color, !data->hide_spread, style);
      else
        draw_raw (cr, &m, tr, &color, style);
      info->n_drawn++;
    }
  cairo_restore (cr);

  bs_chart_set_color (cr, &style->axis);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, m.plot.x - 0.5, m.plot.y);
  cairo_line_to (cr, m.plot.x - 0.5, m.plot.y + m.plot.height + 0.5);
  cairo_line_to (cr, m.plot.x + m.plot.width, m.plot.y + m.plot.height + 0.5);
  cairo_stroke (cr);

  if (data->markers != NULL)
    bs_marker_render_pair (cr, &m.plot, m.x0, m.x1, data->markers, style, &info->readout);

  info->plot = m.plot;
  info->x_start_ns = m.x0;
  info->x_end_ns = m.x1;
  info->y_min = m.y0;
  info->y_max = m.y1;
  cairo_restore (cr);
}

double
bs_overlay_x_at (const BsOverlayInfo *info, double x)
{
  double f = info->plot.width > 0 ? (x - info->plot.x) / info->plot.width : 0;

  return info->x_start_ns + f * (info->x_end_ns - info->x_start_ns);
}
