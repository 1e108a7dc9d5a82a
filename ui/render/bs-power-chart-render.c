/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-chart-render.c: axes, grid, the trace (envelope or line), inference marks. */
#include "bs-power-chart-render.h"

#include <math.h>
#include <string.h>

#define DEFAULT_GAP_NS ((int64_t) 2000000000)
#define STRIP_HEIGHT 8          /* the inference band above the plot, px at size 11 */
#define RAW_DENSITY 1.0         /* samples per column below which the line is drawn */

typedef struct
{
  BsRect plot;
  double y_min, y_max;
} Map;

static inline double
y_of (const Map *m, double v)
{
  return m->plot.y + m->plot.height * (1 - (v - m->y_min) / (m->y_max - m->y_min));
}

static void
draw_envelope (cairo_t *cr, const Map *m, float *min, float *max, int n_cols,
               const BsChartStyle *style)
{
  double half = style->line_width / 2;
  double bottom = m->plot.y + m->plot.height;

  /* Each column covers [min, max] of its samples. Where the trace jumps between two
   * columns, the later one is stretched to meet the earlier, so the riser is drawn. */
  for (int c = 1; c < n_cols; c++)
    if (!isnan (min[c]) && !isnan (min[c - 1]))
      {
        if (max[c - 1] < min[c])
          min[c] = max[c - 1];
        else if (min[c - 1] > max[c])
          max[c] = min[c - 1];
      }

  /* One pixel-aligned box per column: cairo hands integer boxes straight to pixman, an
   * order of magnitude faster than tessellating a polygon of the same outline. Columns are
   * a pixel wide, so antialiasing would add nothing but cost. First the area under the
   * trace, lightly. */
  cairo_save (cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  for (int c = 0; c < n_cols; c++)
    if (!isnan (min[c]))
      {
        double top = round (y_of (m, max[c]));
        cairo_rectangle (cr, m->plot.x + c, top, 1, bottom - top);
      }
  bs_chart_set_color (cr, &style->power_fill);
  cairo_fill (cr);

  /* Then the trace: min to max, widened by half a line so a flat stretch reads as a line. */
  for (int c = 0; c < n_cols; c++)
    if (!isnan (min[c]))
      {
        double top = round (y_of (m, max[c]) - half);
        double low = round (y_of (m, min[c]) + half);
        cairo_rectangle (cr, m->plot.x + c, top, 1, MAX (low - top, 1));
      }
  bs_chart_set_color (cr, &style->power);
  cairo_fill (cr);
  cairo_restore (cr);
}

static void
draw_line (cairo_t *cr, const Map *m, const BsPowerSeries *s, const BsChartViewport *vp,
           int64_t gap_ns, const BsChartStyle *style)
{
  gsize n = bs_power_series_get_n (s);
  gsize i0 = bs_power_series_lower_bound (s, vp->t_start_ns);
  gsize i1 = bs_power_series_lower_bound (s, vp->t_end_ns);
  double span = (double) (vp->t_end_ns - vp->t_start_ns);
  double bottom = m->plot.y + m->plot.height;
  gboolean dots;

  /* One sample either side so the line runs to the edges. */
  i0 = i0 > 0 ? i0 - 1 : 0;
  i1 = MIN (i1 + 1, n);
  dots = i1 - i0 > 0 && m->plot.width / (double) (i1 - i0) > 10;

  for (int pass = 0; pass < 2; pass++)
    {
      gsize start = i0;

      for (gsize i = i0; i <= i1; i++)
        {
          gboolean brk = i == i1
                         || (i > start && bs_power_series_get_time (s, i) - bs_power_series_get_time (s, i - 1) > gap_ns);
          if (!brk)
            continue;
          /* Samples [start, i) form one stretch. */
          for (gsize k = start; k < i; k++)
            {
              double x = m->plot.x + (bs_power_series_get_time (s, k) - vp->t_start_ns) / span * m->plot.width;
              double y = y_of (m, bs_power_series_get_value (s, k));
              if (k == start)
                {
                  if (pass == 0)
                    cairo_move_to (cr, x, bottom);
                  else
                    cairo_move_to (cr, x, y);
                }
              cairo_line_to (cr, x, y);
              if (pass == 0 && k == i - 1)
                {
                  cairo_line_to (cr, x, bottom);
                  cairo_close_path (cr);
                }
            }
          start = i;
        }
      if (pass == 0)
        {
          bs_chart_set_color (cr, &style->power_fill);
          cairo_fill (cr);
        }
      else
        {
          bs_chart_set_color (cr, &style->power);
          cairo_set_line_width (cr, style->line_width);
          cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
          cairo_stroke (cr);
        }
    }
  if (dots)
    {
      for (gsize k = i0; k < i1; k++)
        {
          double x = m->plot.x + (bs_power_series_get_time (s, k) - vp->t_start_ns) / span * m->plot.width;
          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y_of (m, bs_power_series_get_value (s, k)), style->line_width * 1.4, 0, 2 * G_PI);
        }
      cairo_fill (cr);
    }
}

/* Boundaries one by one when they are far enough apart and still in memory, otherwise
 * as activity per column from the whole-run counts. */
static void
draw_inferences (cairo_t *cr, const BsPowerChartData *data, const BsChartViewport *vp,
                 const BsRect *strip, const BsRect *plot, const BsChartStyle *style,
                 BsPowerChartInfo *info)
{
  const BsSpanStore *spans = data->spans;
  gsize n_kept = bs_span_store_get_n_inferences (spans);
  gsize i0 = bs_span_store_find_inference (spans, vp->t_start_ns);
  gsize i1 = bs_span_store_find_inference (spans, vp->t_end_ns);
  double span = (double) (vp->t_end_ns - vp->t_start_ns);
  gboolean kept = n_kept > 0 && vp->t_start_ns >= bs_span_store_get_inferences_kept_from (spans);

  if (kept && i1 > i0 && (double) (i1 - i0) <= plot->width / 4)
    {
      gboolean lines = (double) (i1 - i0) <= plot->width / 16;

      cairo_save (cr);
      cairo_set_line_width (cr, 1);
      for (gsize i = i0; i < i1; i++)
        {
          double x = floor (plot->x + (bs_span_store_get_inference_start (spans, i) - vp->t_start_ns)
                            / span * plot->width) + 0.5;
          bs_chart_set_color (cr, &style->inference);
          cairo_move_to (cr, x, strip->y);
          cairo_line_to (cr, x, strip->y + strip->height);
          cairo_stroke (cr);
          if (lines)
            {
              BsColor faint = style->inference;
              faint.a *= 0.35;
              bs_chart_set_color (cr, &faint);
              cairo_move_to (cr, x, plot->y);
              cairo_line_to (cr, x, plot->y + plot->height);
              cairo_stroke (cr);
            }
        }
      cairo_restore (cr);
      info->n_inference_marks = (int) (i1 - i0);
      return;
    }

  {
    const guint32 *buckets = bs_span_store_get_buckets (spans);
    guint n_buckets = bs_span_store_get_n_buckets (spans);
    int64_t t0 = bs_span_store_get_t0 (spans);
    int n_cols = (int) plot->width;
    gboolean any = FALSE;

    for (int c = 0; c < n_cols; c++)
      {
        int64_t a = vp->t_start_ns + (int64_t) (span * c / n_cols);
        int64_t b = vp->t_start_ns + (int64_t) (span * (c + 1) / n_cols);
        int64_t ba = (a - t0) / BS_SPAN_BUCKET_NS, bb = (b - t0 + BS_SPAN_BUCKET_NS - 1) / BS_SPAN_BUCKET_NS;
        guint64 count = 0;

        if (b <= t0)
          continue;
        for (int64_t k = MAX (ba, 0); k < MIN (bb, (int64_t) n_buckets); k++)
          count += buckets[k];
        if (count > 0)
          {
            cairo_rectangle (cr, plot->x + c, strip->y + 1, 1, strip->height - 2);
            any = TRUE;
          }
      }
    bs_chart_set_color (cr, &style->inference);
    cairo_fill (cr);
    info->inference_activity = any;
  }
}

void
bs_power_chart_render (cairo_t *cr, const BsPowerChartData *data, const BsChartViewport *vp,
                       const BsChartStyle *style, BsPowerChartInfo *info)
{
  BsPowerChartInfo scratch;
  const char *unit = data->unit != NULL ? data->unit : "W";
  int64_t gap_ns = data->gap_ns > 0 ? data->gap_ns : DEFAULT_GAP_NS;
  double fs = style->font_size;
  double top = 8, left, bottom = fs + 14, right = 16;
  double strip_h = data->spans != NULL ? round (STRIP_HEIGHT * fs / 11) : 0;
  g_autofree float *min = NULL;
  g_autofree float *max = NULL;
  BsRect strip;
  Map m;
  int n_cols;
  double lo = INFINITY, hi = -INFINITY;

  if (info == NULL)
    info = &scratch;
  memset (info, 0, sizeof *info);

  cairo_save (cr);
  bs_chart_fill_rect (cr, &(BsRect) { 0, 0, vp->width, vp->height }, &style->background);

  if (data->title != NULL)
    {
      double w = bs_chart_draw_text (cr, style, style->title_size, TRUE, &style->text, data->title,
                                     12, 8, BS_ALIGN_START, BS_ALIGN_START);
      if (data->subtitle != NULL)
        bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, data->subtitle,
                            12 + w + 10, 8 + style->title_size - fs, BS_ALIGN_START,
                            BS_ALIGN_START);
      top = 8 + style->title_size * 1.4 + 8;
    }

  /* The value range: fitted to what is visible unless the viewport fixes it. */
  n_cols = MAX (1, vp->width);
  min = g_new (float, n_cols);
  max = g_new (float, n_cols);
  left = 12 + bs_chart_text_width (cr, style, fs, FALSE, "000.0 mW") + 8;
  m.plot = (BsRect) { round (left), round (top + strip_h), 0, 0 };
  m.plot.width = MAX (1, floor (vp->width - left - right));
  m.plot.height = MAX (1, floor (vp->height - m.plot.y - bottom));
  n_cols = (int) m.plot.width;
  strip = (BsRect) { m.plot.x, top, m.plot.width, strip_h };

  if (vp->t_end_ns > vp->t_start_ns && data->series != NULL)
    info->n_in_view = bs_power_series_decimate (data->series, vp->t_start_ns, vp->t_end_ns,
                                                (guint) n_cols, gap_ns, min, max);
  else
    for (int c = 0; c < n_cols; c++)
      min[c] = max[c] = NAN;
  for (int c = 0; c < n_cols; c++)
    if (!isnan (min[c]))
      {
        lo = MIN (lo, min[c]);
        hi = MAX (hi, max[c]);
      }
  m.y_min = isnan (vp->y_min) ? lo : vp->y_min;
  m.y_max = isnan (vp->y_max) ? hi : vp->y_max;
  if (!isfinite (m.y_min) || !isfinite (m.y_max))
    {
      m.y_min = 0;
      m.y_max = 1;
    }
  if (isnan (vp->y_min) || isnan (vp->y_max))
    {
      /* Headroom, so a peak never sits on the frame. */
      double pad = (m.y_max - m.y_min) * 0.06;
      m.y_min -= pad;
      m.y_max += pad;
      bs_range_nice (&m.y_min, &m.y_max, MAX (0.5, fabs (m.y_max) * 0.05),
                     MAX (2, (int) (m.plot.height / (fs * 3.5))));
    }
  bs_ticks_nice (m.y_min, m.y_max, MAX (2, (int) (m.plot.height / (fs * 3.5))), &info->y_ticks);

  bs_chart_fill_rect (cr, &m.plot, &style->plot_background);

  /* Horizontal grid and value labels. */
  cairo_set_line_width (cr, 1);
  for (int i = 0; i < info->y_ticks.n; i++)
    {
      double y = floor (y_of (&m, info->y_ticks.value[i])) + 0.5;
      g_autofree char *label = bs_format_tick (info->y_ticks.value[i], &info->y_ticks, unit);

      bs_chart_set_color (cr, &style->grid);
      cairo_move_to (cr, m.plot.x, y);
      cairo_line_to (cr, m.plot.x + m.plot.width, y);
      cairo_stroke (cr);
      bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, label, m.plot.x - 8, y,
                          BS_ALIGN_END, BS_ALIGN_CENTER);
    }
  bs_chart_draw_time_axis (cr, style, &m.plot, vp->t_start_ns, vp->t_end_ns, data->t0_ns, TRUE,
                           TRUE, &info->x_ticks);

  cairo_save (cr);
  cairo_rectangle (cr, m.plot.x, m.plot.y - style->line_width, m.plot.width,
                   m.plot.height + 2 * style->line_width);
  cairo_clip (cr);
  if (info->n_in_view == 0 && (data->series == NULL || bs_power_series_get_n (data->series) == 0
                               || isnan (min[n_cols / 2])))
    {
      bs_chart_draw_text (cr, style, fs * 1.1, FALSE, &style->text_dim,
                          data->empty_text != NULL ? data->empty_text : "No readings",
                          m.plot.x + m.plot.width / 2, m.plot.y + m.plot.height / 2,
                          BS_ALIGN_CENTER, BS_ALIGN_CENTER);
    }
  if (info->n_in_view >= (gsize) (n_cols * RAW_DENSITY))
    {
      info->envelope = TRUE;
      draw_envelope (cr, &m, min, max, n_cols, style);
    }
  else if (data->series != NULL && bs_power_series_get_n (data->series) > 0)
    draw_line (cr, &m, data->series, vp, gap_ns, style);
  cairo_restore (cr);

  if (data->spans != NULL && vp->t_end_ns > vp->t_start_ns)
    draw_inferences (cr, data, vp, &strip, &m.plot, style, info);

  /* Axis lines last, over the fills. */
  bs_chart_set_color (cr, &style->axis);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, m.plot.x - 0.5, m.plot.y);
  cairo_line_to (cr, m.plot.x - 0.5, m.plot.y + m.plot.height + 0.5);
  cairo_line_to (cr, m.plot.x + m.plot.width, m.plot.y + m.plot.height + 0.5);
  cairo_stroke (cr);

  if (data->title != NULL && data->spans != NULL)
    {
      /* The legend for the band, right-aligned on the title row. */
      const char *label = "inference starts";
      double w = bs_chart_text_width (cr, style, fs, FALSE, label);
      double x = vp->width - right - w;
      double y = 8 + style->title_size * 0.7;

      bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, label, x, y, BS_ALIGN_START,
                          BS_ALIGN_CENTER);
      bs_chart_set_color (cr, &style->inference);
      cairo_rectangle (cr, x - 14, y - strip_h / 2, 8, strip_h);
      cairo_fill (cr);
    }

  info->plot = m.plot;
  info->y_min = m.y_min;
  info->y_max = m.y_max;
  cairo_restore (cr);
}

int64_t
bs_power_chart_time_at (const BsPowerChartInfo *info, const BsChartViewport *vp, double x)
{
  double f = info->plot.width > 0 ? (x - info->plot.x) / info->plot.width : 0;

  return vp->t_start_ns + (int64_t) (f * (double) (vp->t_end_ns - vp->t_start_ns));
}
