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
               const BsChartStyle *style, const BsColor *line, const BsColor *fill)
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
  for (int c = 0; fill != NULL && c < n_cols; c++)
    if (!isnan (min[c]))
      {
        double top = round (y_of (m, max[c]));
        cairo_rectangle (cr, m->plot.x + c, top, 1, bottom - top);
      }
  if (fill != NULL)
    {
      bs_chart_set_color (cr, fill);
      cairo_fill (cr);
    }

  /* Then the trace: min to max, widened by half a line so a flat stretch reads as a line. */
  for (int c = 0; c < n_cols; c++)
    if (!isnan (min[c]))
      {
        double top = round (y_of (m, max[c]) - half);
        double low = round (y_of (m, min[c]) + half);
        cairo_rectangle (cr, m->plot.x + c, top, 1, MAX (low - top, 1));
      }
  bs_chart_set_color (cr, line);
  cairo_fill (cr);
  cairo_restore (cr);
}

static void
draw_line (cairo_t *cr, const Map *m, const BsPowerSeries *s, const BsChartViewport *vp,
           int64_t gap_ns, const BsChartStyle *style, const BsColor *line, const BsColor *fill)
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

  for (int pass = fill != NULL ? 0 : 1; pass < 2; pass++)
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
          bs_chart_set_color (cr, fill);
          cairo_fill (cr);
        }
      else
        {
          bs_chart_set_color (cr, line);
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

BsColor
bs_power_chart_channel_color (const BsChartStyle *style, guint index)
{
  /* Okabe-Ito hues not taken by the precisions (blue, orange) nor the first trace
   * (green): vermillion, reddish purple, sky blue, yellow; then round again. */
  static const guint32 more[] = { 0xd55e00, 0xcc79a7, 0x56b4e9, 0xf0e442 };
  guint32 hex;

  if (index == 0)
    return style->power;
  hex = more[(index - 1) % G_N_ELEMENTS (more)];
  return (BsColor) { (hex >> 16 & 0xff) / 255.0, (hex >> 8 & 0xff) / 255.0, (hex & 0xff) / 255.0, 1.0 };
}

/* Columns under @box where some trace reaches up into it. */
static int
columns_under (const Map *m, const float *max, guint n_channels, int n_cols, const BsRect *box)
{
  int hidden = 0;

  for (int c = (int) (box->x - m->plot.x); c < (int) (box->x - m->plot.x + box->width); c++)
    for (guint k = 0; c >= 0 && c < n_cols && k < n_channels; k++)
      if (!isnan (max[(gsize) k * n_cols + c]) && y_of (m, max[(gsize) k * n_cols + c]) < box->y + box->height)
        {
          hidden++;
          break;
        }
  return hidden;
}

/* Names and colours in a top corner of the plot, over a veil of the plot's background so
 * the traces under it do not hide the names: top left, or top right when that hides less
 * of the traces (a live run fills the plot from the left). */
static void
draw_legend (cairo_t *cr, const BsPowerChartChannel *channels, guint n, const Map *m,
             const float *max, int n_cols, const BsChartStyle *style, BsRect *box)
{
  const BsRect *plot = &m->plot;
  double fs = style->font_size;
  double row = round (fs * 1.5), swatch = round (fs * 0.9), pad = 6, width = 0;
  BsColor veil = style->plot_background;
  BsRect right;

  for (guint i = 0; i < n; i++)
    width = MAX (width, bs_chart_text_width (cr, style, fs, FALSE, channels[i].name != NULL ? channels[i].name : "?"));
  *box = (BsRect) { plot->x + 8, plot->y + 6, round (pad + swatch + 6 + width + pad), row * n + 2 * pad - (row - swatch) };
  right = *box;
  right.x = round (plot->x + plot->width - 8 - box->width);
  if (columns_under (m, max, n, n_cols, &right) < columns_under (m, max, n, n_cols, box))
    *box = right;
  veil.a = 0.85;
  bs_chart_fill_rect (cr, box, &veil);
  for (guint i = 0; i < n; i++)
    {
      BsColor color = bs_power_chart_channel_color (style, i);
      double y = box->y + pad + i * row;

      bs_chart_fill_rect (cr, &(BsRect) { box->x + pad, y, swatch, swatch }, &color);
      bs_chart_draw_text (cr, style, fs, FALSE, &style->text,
                          channels[i].name != NULL ? channels[i].name : "?",
                          box->x + pad + swatch + 6, y + swatch / 2, BS_ALIGN_START, BS_ALIGN_CENTER);
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
  g_autofree gsize *in_view = NULL;
  g_autofree gboolean *empty = NULL;
  BsPowerChartChannel single = { data->series, NULL };
  const BsPowerChartChannel *channels = data->n_channels > 0 ? data->channels : &single;
  guint n_channels = MAX (data->n_channels, 1);
  BsRect strip;
  Map m;
  int n_cols;
  double lo = INFINITY, hi = -INFINITY;
  gboolean all_empty = TRUE;

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
  min = g_new (float, (gsize) n_cols * n_channels);
  max = g_new (float, (gsize) n_cols * n_channels);
  in_view = g_new0 (gsize, n_channels);
  empty = g_new0 (gboolean, n_channels);
  left = 12 + bs_chart_text_width (cr, style, fs, FALSE, "000.0 mW") + 8;
  m.plot = (BsRect) { round (left), round (top + strip_h), 0, 0 };
  m.plot.width = MAX (1, floor (vp->width - left - right));
  m.plot.height = MAX (1, floor (vp->height - m.plot.y - bottom));
  n_cols = (int) m.plot.width;
  strip = (BsRect) { m.plot.x, top, m.plot.width, strip_h };

  /* Every channel decimated into its own row of columns; the range fits them all. */
  for (guint k = 0; k < n_channels; k++)
    {
      const BsPowerSeries *series = channels[k].series;
      float *kmin = min + (gsize) k * n_cols, *kmax = max + (gsize) k * n_cols;

      if (vp->t_end_ns > vp->t_start_ns && series != NULL)
        in_view[k] = bs_power_series_decimate (series, vp->t_start_ns, vp->t_end_ns,
                                               (guint) n_cols, gap_ns, kmin, kmax);
      else
        for (int c = 0; c < n_cols; c++)
          kmin[c] = kmax[c] = NAN;
      for (int c = 0; c < n_cols; c++)
        if (!isnan (kmin[c]))
          {
            lo = MIN (lo, kmin[c]);
            hi = MAX (hi, kmax[c]);
          }
      empty[k] = in_view[k] == 0 && (series == NULL || bs_power_series_get_n (series) == 0
                                     || isnan (kmin[n_cols / 2]));
      all_empty = all_empty && empty[k];
      info->n_in_view += in_view[k];
      info->n_drawn += !empty[k];
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
      /* A floor on the span keeps a steady reading from zooming into its noise; relative
       * to the level, so that a PPK2's milliwatts fill the plot as a board's watts do. */
      bs_range_nice (&m.y_min, &m.y_max, MAX (1e-6, fabs (m.y_max) * 0.1),
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
  if (all_empty)
    {
      bs_chart_draw_text (cr, style, fs * 1.1, FALSE, &style->text_dim,
                          data->empty_text != NULL ? data->empty_text : "No readings",
                          m.plot.x + m.plot.width / 2, m.plot.y + m.plot.height / 2,
                          BS_ALIGN_CENTER, BS_ALIGN_CENTER);
    }
  /* The first channel first, its fill under every trace; only it is filled, since
   * overlaid fills would muddy each other and the colours the legend names. */
  for (guint k = 0; k < n_channels; k++)
    {
      const BsPowerSeries *series = channels[k].series;
      BsColor line = bs_power_chart_channel_color (style, k);
      const BsColor *fill = k == 0 ? &style->power_fill : NULL;
      gboolean envelope = in_view[k] >= (gsize) (n_cols * RAW_DENSITY);

      if (k == 0)
        info->envelope = envelope;
      if (envelope)
        draw_envelope (cr, &m, min + (gsize) k * n_cols, max + (gsize) k * n_cols, n_cols, style,
                       &line, fill);
      else if (series != NULL && bs_power_series_get_n (series) > 0)
        draw_line (cr, &m, series, vp, gap_ns, style, &line, fill);
    }
  if (n_channels >= 2)
    draw_legend (cr, channels, n_channels, &m, max, n_cols, style, &info->legend);
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
