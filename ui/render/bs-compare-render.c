/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-compare-render.c: totals, layer rows with grouped bars, significance. */
#include "bs-compare-render.h"
#include "bs-run-colors.h"

#include <math.h>
#include <string.h>

/* The data */

BsCompareChart *
bs_compare_chart_new (BsCompareMetric metric, int n_runs, int n_layers)
{
  BsCompareChart *chart = g_new0 (BsCompareChart, 1);

  g_return_val_if_fail (n_runs >= 1 && n_runs <= BS_COMPARE_MAX_RUNS, NULL);
  chart->metric = metric;
  chart->n_runs = n_runs;
  chart->n_layers = MAX (n_layers, 0);
  chart->layers = g_new0 (BsCompareLayer, MAX (n_layers, 1));
  for (int r = 0; r < BS_COMPARE_MAX_RUNS; r++)
    {
      BsCompareRun *run = &chart->runs[r];
      run->total = run->total_lo = run->total_hi = run->ratio = run->p = NAN;
    }
  for (int i = 0; i < chart->n_layers; i++)
    {
      BsCompareLayer *l = &chart->layers[i];
      l->group = -1;
      for (int r = 0; r < BS_COMPARE_MAX_RUNS; r++)
        l->value[r] = l->lo[r] = l->hi[r] = l->delta[r] = l->ratio[r] = l->p[r] = NAN;
    }
  return chart;
}

void
bs_compare_chart_free (BsCompareChart *chart)
{
  if (chart == NULL)
    return;
  for (int r = 0; r < BS_COMPARE_MAX_RUNS; r++)
    {
      g_free (chart->runs[r].label);
      g_free (chart->runs[r].detail);
    }
  for (int i = 0; i < chart->n_layers; i++)
    g_free (chart->layers[i].name);
  g_free (chart->layers);
  g_free (chart->warning);
  g_free (chart);
}

int
bs_compare_chart_find_layer (const BsCompareChart *chart, const char *name)
{
  for (int i = 0; name != NULL && i < chart->n_layers; i++)
    if (g_strcmp0 (chart->layers[i].name, name) == 0)
      return i;
  return -1;
}

char *
bs_compare_group_of (const char *name)
{
  const char *cut;

  if (name == NULL)
    return g_strdup ("");
  /* A path component names the module's branch: what precedes it is the module. */
  if ((cut = strstr (name, ".main.")) != NULL || (cut = strstr (name, ".skip.")) != NULL)
    return g_strndup (name, cut - name);
  cut = strrchr (name, '.');
  return cut != NULL ? g_strndup (name, cut - name) : g_strdup (name);
}

static char *
run_detail (const BsRun *run, const BsRunTotals *totals)
{
  GString *s = g_string_new (run != NULL ? run->model_name : "");

  if (run != NULL && run->started_us > 0)
    {
      g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (run->started_us / G_USEC_PER_SEC);
      g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
      g_autofree char *date = local != NULL ? g_date_time_format (local, "%-d %b %H:%M") : NULL;

      if (date != NULL)
        g_string_append_printf (s, "%s%s", s->len ? " · " : "", date);
    }
  g_string_append_printf (s, "%s%s clock", s->len ? " · " : "",
                          bs_clock_mask_to_string (totals->clocks));
  return g_string_free (s, FALSE);
}

/* The rows as the comparison has them: mean, interval, difference and significance, in
 * seconds or joules. */
static void
fill_layers (BsCompareChart *chart, const BsComparison *cmp, gsize offset, double scale)
{
  for (int i = 0; i < chart->n_layers; i++)
    {
      const BsCompareFigure *f = G_STRUCT_MEMBER_P (&g_array_index (cmp->rows, BsCompareRow, i), offset);
      BsCompareLayer *l = &chart->layers[i];

      for (int r = 0; r < cmp->n_runs; r++)
        {
          double half = f->ci95[r] * scale;

          if (f->value[r].n < 1)
            continue;
          l->value[r] = f->value[r].mean * scale;
          l->lo[r] = l->value[r] - half;
          l->hi[r] = l->value[r] + half;
          if (r > 0)
            {
              l->delta[r] = f->delta[r] * scale;
              l->ratio[r] = f->ratio[r];
              l->p[r] = f->p_holm[r];
              l->significant[r] = f->significant[r];
            }
        }
    }
}

/* The totals line: the runs' figure as the comparison tested it, and the split. */
static void
fill_totals (BsCompareChart *chart, const BsComparison *cmp, const BsCompareFigure *f,
             double scale)
{
  for (int r = 0; r < cmp->n_runs; r++)
    {
      const BsRunTotals *t = &cmp->totals[r];
      BsCompareRun *run = &chart->runs[r];
      double half = f->ci95[r] * scale;

      run->total = f->value[r].n > 0 ? f->value[r].mean * scale : NAN;
      run->total_lo = run->total - half;
      run->total_hi = run->total + half;
      for (int p = 0; p < 3; p++)
        run->split[p] = chart->metric == BS_COMPARE_TIME ? t->split.time_ns[p] * scale
                        : t->has_power ? t->split.energy_j[p] : NAN;
      if (r > 0)
        {
          run->p = f->p_holm[r];
          run->significant = f->significant[r];
        }
    }
}

BsCompareChart *
bs_compare_chart_new_from_comparison (const BsComparison *cmp, BsCompareMetric metric,
                                      BsRun *const *runs)
{
  BsCompareChart *chart = bs_compare_chart_new (metric, cmp->n_runs, (int) cmp->rows->len);
  g_autofree char *group = NULL;
  GString *warning = g_string_new (NULL);
  int g = -1;

  for (int i = 0; i < chart->n_layers; i++)
    {
      const BsCompareRow *row = &g_array_index (cmp->rows, BsCompareRow, i);
      BsCompareLayer *l = &chart->layers[i];
      g_autofree char *this_group = bs_compare_group_of (row->name);

      l->name = g_strdup (row->name);
      l->precision = row->precision;
      l->path = row->path;
      if (group == NULL || strcmp (group, this_group) != 0)
        {
          g++;
          g_free (group);
          group = g_steal_pointer (&this_group);
        }
      l->group = g;
    }
  if (metric == BS_COMPARE_TIME)
    {
      fill_layers (chart, cmp, G_STRUCT_OFFSET (BsCompareRow, time_ns), 1e-9);
      fill_totals (chart, cmp, &cmp->latency_ns, 1e-9);
    }
  else
    {
      fill_layers (chart, cmp, G_STRUCT_OFFSET (BsCompareRow, energy_j), 1);
      fill_totals (chart, cmp, &cmp->energy_j, 1);
    }

  for (int r = 0; r < cmp->n_runs; r++)
    {
      const BsRun *run = runs != NULL ? runs[r] : NULL;
      BsCompareRun *cr = &chart->runs[r];

      cr->label = run != NULL ? g_strdup_printf ("#%" G_GINT64_FORMAT " %s", run->id, run->backend)
                              : g_strdup_printf ("#%" G_GINT64_FORMAT, cmp->runs[r]);
      cr->detail = run_detail (run, &cmp->totals[r]);
      if (r > 0)
        cr->ratio = chart->runs[r].total / chart->runs[0].total;
      else
        cr->ratio = 1;
      if (metric == BS_COMPARE_ENERGY && !cmp->totals[r].has_power)
        g_string_append_printf (warning, "%s%s has no power readings", warning->len ? "; " : "",
                                cr->label);
      else if (metric == BS_COMPARE_ENERGY && (cmp->totals[r].clocks & (1u << BS_CLOCK_MODELLED)))
        g_string_append_printf (warning, "%s%s has modelled timings: the meter measured the host "
                                "simulating it, so no energy per inference or layer is derived",
                                warning->len ? "; " : "", cr->label);
    }
  if (cmp->mixed_origins)
    {
      g_string_append_printf (warning, "%sTimes come from different clocks (", warning->len ? "; " : "");
      for (int r = 0; r < cmp->n_runs; r++)
        g_string_append_printf (warning, "%s%s %s", r ? ", " : "", chart->runs[r].label,
                                bs_clock_mask_to_string (cmp->totals[r].clocks));
      g_string_append (warning, "): modelled and measured figures differ in kind");
    }
  chart->warning = warning->len > 0 ? g_string_free (warning, FALSE) : (g_string_free (warning, TRUE), NULL);
  return chart;
}

/* Layout */

typedef struct
{
  double fs, small;
  double title_h;
  double warning_h;
  double totals_row_h;
  double totals_h;       /* header line and one row per run, or 0 */
  double axis_h;         /* the header above the rows, with tick labels */
  double pitch, bar_h, row_pad, row_h;
  double name_w, numbers_w, value_w, ratio_w, delta_w, mark_w;
} Metrics;

static const char *
unit_of (const BsCompareChart *chart)
{
  return chart->metric == BS_COMPARE_ENERGY ? "J" : "s";
}

static void
measure (cairo_t *cr, const BsCompareView *view, int width, const BsChartStyle *style, Metrics *m)
{
  const BsCompareChart *chart = view->chart;
  int n_runs = chart != NULL ? chart->n_runs : 2;

  m->fs = style->font_size;
  m->small = round (style->font_size * 0.92);
  m->title_h = 8 + style->title_size * 1.4 + 10;
  m->warning_h = chart != NULL && chart->warning != NULL ? round (m->fs * 1.9) : 0;
  m->totals_row_h = round (m->fs * 2.7);
  m->totals_h = view->hide_totals ? 0 : round (m->fs * 1.9) + n_runs * m->totals_row_h + 12;
  m->axis_h = round (m->fs * 2.2);
  m->bar_h = round (m->fs * 0.95);
  m->pitch = MAX (m->bar_h + 3, m->small + 3);
  m->row_pad = round (m->fs * 0.8);
  m->row_h = MAX (n_runs * m->pitch + m->row_pad, m->fs * 2 + m->small + 6);
  m->name_w = CLAMP (round (width * 0.2), round (150 * m->fs / 11), round (230 * m->fs / 11));
  if (cr != NULL)
    {
      m->value_w = bs_chart_text_width (cr, style, m->small, TRUE, "000.00 mJ") + 10;
      m->ratio_w = bs_chart_text_width (cr, style, m->small, FALSE, "×00.00") + 10;
      m->delta_w = bs_chart_text_width (cr, style, m->small, FALSE, "+000.00 mJ") + 8;
    }
  else
    {
      m->value_w = m->fs * 6;
      m->ratio_w = m->fs * 4;
      m->delta_w = m->fs * 6;
    }
  m->mark_w = round (m->fs * 1.3);
  m->numbers_w = m->value_w + m->ratio_w + m->delta_w + m->mark_w;
}

int
bs_compare_content_height (const BsCompareView *view, const BsChartStyle *style)
{
  Metrics m;
  int n = view->chart != NULL ? view->chart->n_layers - MAX (view->first_layer, 0) : 0;

  measure (NULL, view, 800, style, &m);
  return (int) ceil (m.title_h + m.warning_h + m.totals_h + m.axis_h + MAX (n, 1) * m.row_h + 12);
}

/* Drawing helpers */

static char *
format_ratio (double ratio)
{
  if (!isfinite (ratio))
    return g_strdup ("");
  if (ratio >= 99.5)
    return g_strdup_printf ("×%.0f", ratio);
  if (ratio >= 9.995)
    return g_strdup_printf ("×%.1f", ratio);
  return g_strdup_printf ("×%.2f", ratio);
}

static char *
format_delta (double delta, const char *unit)
{
  g_autofree char *abs_text = NULL;

  if (!isfinite (delta))
    return g_strdup ("");
  if (delta == 0)
    return g_strdup ("±0");
  abs_text = bs_format_si (fabs (delta), unit);
  return g_strdup_printf ("%s%s", delta < 0 ? "−" : "+", abs_text);
}

/* The significance mark: a six-armed asterisk, drawn rather than typeset so it looks
 * the same in every font and in SVG. */
static void
draw_mark (cairo_t *cr, double cx, double cy, double r, const BsColor *color)
{
  cairo_save (cr);
  bs_chart_set_color (cr, color);
  cairo_set_line_width (cr, MAX (1.4, r * 0.42));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int k = 0; k < 3; k++)
    {
      double a = G_PI / 2 + k * G_PI / 3;
      cairo_move_to (cr, cx + r * cos (a), cy - r * sin (a));
      cairo_line_to (cr, cx - r * cos (a), cy + r * sin (a));
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_bar (cairo_t *cr, const BsRect *bar, const BsColor *color, gboolean hollow)
{
  if (bar->width <= 0)
    return;
  if (!hollow)
    {
      bs_chart_fill_rect (cr, bar, color);
      return;
    }
  {
    BsColor faint = *color;
    faint.a *= 0.16;
    bs_chart_fill_rect (cr, bar, &faint);
    bs_chart_set_color (cr, color);
    cairo_set_line_width (cr, 1.25);
    cairo_rectangle (cr, bar->x + 0.625, bar->y + 0.625, MAX (bar->width - 1.25, 0.5),
                     bar->height - 1.25);
    cairo_stroke (cr);
  }
}

static void
draw_whisker (cairo_t *cr, const BsRect *plot, double x_max, double lo, double hi, double cy,
              double cap, const BsChartStyle *style)
{
  double x0, x1;
  BsColor c = style->text;

  if (!isfinite (lo) || !isfinite (hi) || hi <= lo)
    return;
  x0 = plot->x + CLAMP (lo / x_max, 0, 1.02) * plot->width;
  x1 = plot->x + CLAMP (hi / x_max, 0, 1.02) * plot->width;
  if (x1 - x0 < 2)
    return;
  c.a *= 0.7;
  bs_chart_set_color (cr, &c);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, x0, cy);
  cairo_line_to (cr, x1, cy);
  cairo_move_to (cr, round (x0) + 0.5, cy - cap / 2);
  cairo_line_to (cr, round (x0) + 0.5, cy + cap / 2);
  cairo_move_to (cr, round (x1) - 0.5, cy - cap / 2);
  cairo_line_to (cr, round (x1) - 0.5, cy + cap / 2);
  cairo_stroke (cr);
}

/* Text cut with an ellipsis to fit max_w. */
static void
draw_text_fit (cairo_t *cr, const BsChartStyle *style, double size, gboolean bold,
               const BsColor *color, const char *text, double x, double y, double max_w,
               BsAlign valign)
{
  PangoLayout *layout = bs_chart_layout_new (cr, style, size, bold, text);
  PangoRectangle logical;

  pango_layout_set_width (layout, (int) (MAX (max_w, 1) * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  bs_chart_set_color (cr, color);
  cairo_move_to (cr, round (x), round (valign == BS_ALIGN_CENTER ? y - logical.height / 2.0
                                       : valign == BS_ALIGN_END ? y - logical.height : y));
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static double
global_max (const BsCompareChart *chart)
{
  double hi = 0;

  for (int i = 0; i < chart->n_layers; i++)
    for (int r = 0; r < chart->n_runs; r++)
      {
        const BsCompareLayer *l = &chart->layers[i];
        if (isfinite (l->value[r]))
          hi = MAX (hi, l->value[r]);
        if (isfinite (l->hi[r]))
          hi = MAX (hi, l->hi[r]);
      }
  return hi;
}

/* The legend on the title row: how bars encode significance. Returns where it starts
 * (measure_only: draws nothing). */
static double
draw_legend (cairo_t *cr, const BsCompareView *view, int width, const BsChartStyle *style,
             const Metrics *m, gboolean measure_only)
{
  BsColor c = bs_run_color (style, 1);
  double y = 8 + style->title_size * 0.7;
  double x = width - 16;
  double sw = m->fs * 1.4, sh = m->bar_h;
  const char *labels[] = { "95 % interval", "no significant difference", "significant (p < 0.05)" };

  for (int k = 0; k < 3; k++)
    {
      double w = bs_chart_text_width (cr, style, m->small, FALSE, labels[k]);

      x -= w;
      if (!measure_only)
        bs_chart_draw_text (cr, style, m->small, FALSE, &style->text_dim, labels[k], x, y,
                            BS_ALIGN_START, BS_ALIGN_CENTER);
      x -= sw + 6;
      if (measure_only)
        x -= k == 2 ? 12 : 0;
      else if (k == 0)
        {
          BsRect plot = { x, 0, sw, 1 };
          draw_whisker (cr, &plot, 1, 0.05, 0.95, y, sh * 0.8, style);
        }
      else
        {
          BsRect bar = { x, round (y - sh / 2), sw, sh };
          draw_bar (cr, &bar, &c, k == 1);
          if (k == 2)
            draw_mark (cr, x - 8, y, m->fs * 0.36, &c);
          if (k == 2)
            x -= 12;
        }
      x -= 18;
    }
  return x + 18;
}

static void
draw_numbers (cairo_t *cr, const BsCompareChart *chart, const BsChartStyle *style,
              const Metrics *m, double x, double cy, double value, double ratio, double delta,
              gboolean baseline, gboolean significant, const BsColor *color, BsCompareInfo *info)
{
  const char *unit = unit_of (chart);
  g_autofree char *v = isfinite (value) ? bs_format_si (value, unit) : g_strdup ("—");

  bs_chart_draw_text (cr, style, m->small, !baseline, &style->text, v, x + m->value_w - 8, cy,
                      BS_ALIGN_END, BS_ALIGN_CENTER);
  if (baseline)
    {
      /* Left-aligned after the value: it is wider than a ratio. */
      bs_chart_draw_text (cr, style, m->small, FALSE, &style->text_dim, "baseline",
                          x + m->value_w + 4, cy, BS_ALIGN_START, BS_ALIGN_CENTER);
      return;
    }
  if (isfinite (value))
    {
      g_autofree char *r = format_ratio (ratio);
      g_autofree char *d = format_delta (delta, unit);

      bs_chart_draw_text (cr, style, m->small, significant, significant ? &style->text : &style->text_dim,
                          r, x + m->value_w + m->ratio_w - 8, cy, BS_ALIGN_END, BS_ALIGN_CENTER);
      bs_chart_draw_text (cr, style, m->small, FALSE, &style->text_dim, d,
                          x + m->value_w + m->ratio_w + m->delta_w - 6, cy, BS_ALIGN_END,
                          BS_ALIGN_CENTER);
    }
  if (significant)
    {
      draw_mark (cr, x + m->numbers_w - m->mark_w / 2, cy, m->fs * 0.36, color);
      info->n_marks++;
    }
}

static void
draw_totals (cairo_t *cr, const BsCompareView *view, int width, const BsChartStyle *style,
             const Metrics *m, double top, const BsRect *plot, BsCompareInfo *info)
{
  const BsCompareChart *chart = view->chart;
  double y = top;
  double x_max = 0;
  BsColor other = style->text;
  static const char *const legend[] = { "between layers", "float", "fixed point", "binary" };
  double lx = width - 16;

  other.a = 0.16;
  bs_chart_draw_text (cr, style, m->fs, TRUE, &style->text,
                      chart->metric == BS_COMPARE_ENERGY ? "Energy per inference"
                                                         : "Latency per inference",
                      12, y + m->fs * 0.9, BS_ALIGN_START, BS_ALIGN_CENTER);
  /* Legend of the split. */
  for (int k = 0; k < 4; k++)
    {
      const BsColor *c = k == 0 ? &other : &style->precision[k == 1 ? BS_PRECISION_FLOAT
                                                             : k == 2 ? BS_PRECISION_FIXED
                                                                      : BS_PRECISION_BINARY];
      double w = bs_chart_text_width (cr, style, m->small, FALSE, legend[k]);

      lx -= w + m->fs * 0.9 + 5;
      bs_chart_set_color (cr, c);
      cairo_rectangle (cr, round (lx), round (y + m->fs * 0.9 - m->fs * 0.45), m->fs * 0.9, m->fs * 0.9);
      cairo_fill (cr);
      bs_chart_draw_text (cr, style, m->small, FALSE, &style->text_dim, legend[k],
                          lx + m->fs * 0.9 + 5, y + m->fs * 0.9, BS_ALIGN_START, BS_ALIGN_CENTER);
      lx -= 14;
    }
  y += round (m->fs * 1.9);

  for (int r = 0; r < chart->n_runs; r++)
    {
      const BsCompareRun *run = &chart->runs[r];
      double sum = run->split[0] + run->split[1] + run->split[2];
      double length = isfinite (run->total) ? run->total : sum;
      x_max = MAX (x_max, isfinite (length) ? length : 0);
      if (isfinite (run->total_hi))
        x_max = MAX (x_max, run->total_hi);
    }
  if (x_max <= 0)
    x_max = 1;
  x_max *= 1.04;

  for (int r = 0; r < chart->n_runs; r++)
    {
      const BsCompareRun *run = &chart->runs[r];
      BsColor color = bs_run_color (style, r);
      double cy = y + m->totals_row_h / 2;
      double sum = 0, length, x;
      g_autofree char *shares = NULL;
      GString *share_text = g_string_new (NULL);

      /* Name column: swatch, label, detail; shares underneath. */
      bs_chart_set_color (cr, &color);
      cairo_rectangle (cr, 12, round (cy - m->fs * 0.95), 4, round (m->fs * 1.9));
      cairo_fill (cr);
      draw_text_fit (cr, style, m->fs, TRUE, &style->text, run->label ? run->label : "", 22,
                     cy - 1, m->name_w - 16, BS_ALIGN_END);

      for (int p = 0; p < 3; p++)
        if (isfinite (run->split[p]))
          sum += run->split[p];
      for (int p = 0; p < 3; p++)
        if (isfinite (run->split[p]) && run->split[p] > 0 && sum > 0)
          g_string_append_printf (share_text, "%s%s %.0f %%", share_text->len ? " · " : "",
                                  bs_precision_label (p), 100 * run->split[p] / sum);
      shares = g_string_free (share_text, FALSE);
      draw_text_fit (cr, style, m->small, FALSE, &style->text_dim,
                     *shares ? shares : (run->detail ? run->detail : ""), 22, cy + 1,
                     m->name_w - 16, BS_ALIGN_START);

      /* The bar: the total, split by precision; what the layers do not account for
       * (gaps between ops, host overhead) in grey. */
      length = isfinite (run->total) ? run->total : sum;
      x = plot->x;
      if (isfinite (length) && length > 0)
        {
          double scale = plot->width / x_max;
          double h = round (m->bar_h * 1.3);
          BsRect back = { plot->x, round (cy - h / 2), length * scale, h };

          bs_chart_fill_rect (cr, &back, &other);
          for (int p = 0; p < 3; p++)
            {
              double part = isfinite (run->split[p]) ? run->split[p] : 0;
              /* Ops that overlap can sum to more than the latency: scale to fit. */
              double w = sum > length ? part / sum * length : part;
              BsRect seg = { x, back.y, w * scale, h };

              if (part <= 0)
                continue;
              bs_chart_fill_rect (cr, &seg, &style->precision[p]);
              x += w * scale;
            }
          draw_whisker (cr, plot, x_max, run->total_lo, run->total_hi, cy, h + 4, style);
        }
      else
        bs_chart_draw_text (cr, style, m->small, FALSE, &style->text_dim,
                            chart->metric == BS_COMPARE_ENERGY ? "no power readings" : "no data",
                            plot->x + 4, cy, BS_ALIGN_START, BS_ALIGN_CENTER);
      draw_numbers (cr, chart, style, m, info->values_x, cy, run->total, run->ratio,
                    isfinite (run->total) && r > 0 ? run->total - chart->runs[0].total : NAN,
                    r == 0, r > 0 && run->significant, &color, info);
      y += m->totals_row_h;
    }
}

void
bs_compare_render (cairo_t *cr, const BsCompareView *view, int width, int height,
                   const BsChartStyle *style, BsCompareInfo *info)
{
  BsCompareInfo scratch;
  const BsCompareChart *chart = view->chart;
  Metrics m;
  double y;
  BsRect plot;
  double x_max;
  int first;
  const char *title;

  if (info == NULL)
    info = &scratch;
  memset (info, 0, sizeof *info);
  measure (cr, view, width, style, &m);

  cairo_save (cr);
  bs_chart_fill_rect (cr, &(BsRect) { 0, 0, width, height }, &style->background);

  title = view->title != NULL ? view->title
          : chart != NULL && chart->metric == BS_COMPARE_ENERGY ? "Energy per inference, by layer"
                                                                : "Time per inference, by layer";
  {
    double w = bs_chart_draw_text (cr, style, style->title_size, TRUE, &style->text, title, 12, 8,
                                   BS_ALIGN_START, BS_ALIGN_START);
    double legend_x = draw_legend (cr, view, width, style, &m, TRUE);

    if (chart != NULL && chart->n_runs > 1)
      {
        const char *base = chart->runs[0].label ? chart->runs[0].label : "the baseline";
        const char *other = chart->runs[1].label ? chart->runs[1].label : "a run";
        g_autofree char *sub = chart->n_runs == 2
                                 ? g_strdup_printf ("%s against %s · mean per inference", other, base)
                                 : g_strdup_printf ("%d runs against %s · mean per inference",
                                                    chart->n_runs - 1, base);
        /* Only where it does not run into the legend. */
        if (12 + w + 10 + bs_chart_text_width (cr, style, m.fs, FALSE, sub) + 16 < legend_x)
          bs_chart_draw_text (cr, style, m.fs, FALSE, &style->text_dim, sub, 12 + w + 10,
                              8 + style->title_size - m.fs, BS_ALIGN_START, BS_ALIGN_START);
      }
    if (12 + w + 16 < legend_x)
      draw_legend (cr, view, width, style, &m, FALSE);
  }
  y = m.title_h;

  plot.x = round (12 + m.name_w + 12);
  plot.width = MAX (40, floor (width - plot.x - 16 - m.numbers_w - 12));
  info->names_x = 12;
  info->values_x = plot.x + plot.width + 12;

  if (chart == NULL || chart->n_runs < 1)
    {
      bs_chart_draw_text (cr, style, m.fs * 1.1, FALSE, &style->text_dim, "No runs to compare",
                          width / 2.0, height / 2.0, BS_ALIGN_CENTER, BS_ALIGN_CENTER);
      cairo_restore (cr);
      return;
    }

  if (chart->warning != NULL)
    {
      /* A warning triangle and the text, on a faint amber band. */
      BsColor amber = style->precision[BS_PRECISION_FIXED];
      double cy = y + m.warning_h / 2 - 2;
      amber.a = 0.14;
      bs_chart_fill_rect (cr, &(BsRect) { 12, y - 2, width - 28, m.warning_h - 4 }, &amber);
      amber.a = 1;
      bs_chart_set_color (cr, &amber);
      cairo_move_to (cr, 22, cy - m.fs * 0.5);
      cairo_line_to (cr, 22 + m.fs * 0.6, cy + m.fs * 0.5);
      cairo_line_to (cr, 22 - m.fs * 0.6, cy + m.fs * 0.5);
      cairo_close_path (cr);
      cairo_fill (cr);
      draw_text_fit (cr, style, m.small, FALSE, &style->text, chart->warning, 34, cy, width - 60,
                     BS_ALIGN_CENTER);
      y += m.warning_h;
    }

  if (!view->hide_totals)
    {
      info->totals = (BsRect) { 12, y, width - 28, m.totals_h };
      draw_totals (cr, view, width, style, &m, y, &plot, info);
      y += m.totals_h;
      bs_chart_set_color (cr, &style->grid);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, 12, floor (y - 6) + 0.5);
      cairo_line_to (cr, width - 16, floor (y - 6) + 0.5);
      cairo_stroke (cr);
    }

  /* The rows' header: what they show, and the value axis. */
  x_max = global_max (chart);
  {
    double lo = 0;
    int target = MAX (2, (int) (plot.width / (m.fs * 9)));

    if (x_max <= 0)
      x_max = 1;
    bs_range_nice (&lo, &x_max, 0, target);
    bs_ticks_nice (0, x_max, target, &info->ticks);
  }
  info->x_max = x_max;
  bs_chart_draw_text (cr, style, m.fs, TRUE, &style->text, "Layer", 12, y + m.axis_h / 2,
                      BS_ALIGN_START, BS_ALIGN_CENTER);
  {
    const char *headers[] = { "mean", "ratio", "difference" };
    double xs[] = { info->values_x + m.value_w - 8, info->values_x + m.value_w + m.ratio_w - 8,
                    info->values_x + m.value_w + m.ratio_w + m.delta_w - 6 };
    for (int k = 0; k < 3; k++)
      bs_chart_draw_text (cr, style, m.small, FALSE, &style->text_dim, headers[k], xs[k],
                          y + m.axis_h / 2, BS_ALIGN_END, BS_ALIGN_CENTER);
  }
  for (int i = 0; i < info->ticks.n; i++)
    {
      double x = plot.x + info->ticks.value[i] / x_max * plot.width;
      g_autofree char *label = bs_format_tick (info->ticks.value[i], &info->ticks, unit_of (chart));

      /* The last label right-aligned so it stays inside the plot. */
      bs_chart_draw_text (cr, style, m.small, FALSE, &style->text_dim, label,
                          i == info->ticks.n - 1 && x > plot.x + plot.width - 30 ? plot.x + plot.width : x,
                          y + m.axis_h / 2, i == info->ticks.n - 1 && x > plot.x + plot.width - 30
                          ? BS_ALIGN_END : i == 0 ? BS_ALIGN_START : BS_ALIGN_CENTER, BS_ALIGN_CENTER);
    }
  y += m.axis_h;

  plot.y = y;
  plot.height = MAX (0, height - y);
  info->plot = plot;
  info->row_height = m.row_h;
  info->bar_height = m.bar_h;
  info->bar_pitch = m.pitch;
  first = CLAMP (view->first_layer, 0, MAX (chart->n_layers - 1, 0));
  info->first_layer = first;

  cairo_save (cr);
  cairo_rectangle (cr, 0, plot.y, width, plot.height);
  cairo_clip (cr);

  /* Bands and grid, behind the bars. */
  {
    int parity = 0, prev_group = G_MININT;

    for (int i = 0; i < first && i < chart->n_layers; i++)
      if (chart->layers[i].group != prev_group)
        {
          parity ^= 1;
          prev_group = chart->layers[i].group;
        }
    for (int i = first; i < chart->n_layers; i++)
      {
        double ry = plot.y + (i - first) * m.row_h;
        const BsCompareLayer *l = &chart->layers[i];

        if (ry > plot.y + plot.height)
          break;
        if (l->group != prev_group)
          {
            parity ^= 1;
            prev_group = l->group;
          }
        bs_chart_fill_rect (cr, &(BsRect) { 12, ry, width - 28, m.row_h }, &style->band[parity]);
        if (i == view->selected_layer)
          {
            BsColor sel = style->text;
            sel.a = 0.08;
            bs_chart_fill_rect (cr, &(BsRect) { 12, ry, width - 28, m.row_h }, &sel);
            bs_chart_fill_rect (cr, &(BsRect) { 12, ry, 3, m.row_h }, &style->text);
          }
      }
  }
  cairo_set_line_width (cr, 1);
  for (int i = 0; i < info->ticks.n; i++)
    {
      double x = floor (plot.x + info->ticks.value[i] / x_max * plot.width) + 0.5;
      bs_chart_set_color (cr, i == 0 ? &style->axis : &style->grid);
      cairo_move_to (cr, x, plot.y);
      cairo_line_to (cr, x, MIN (plot.y + plot.height,
                                 plot.y + (chart->n_layers - first) * m.row_h));
      cairo_stroke (cr);
    }

  for (int i = first; i < chart->n_layers; i++)
    {
      const BsCompareLayer *l = &chart->layers[i];
      double ry = plot.y + (i - first) * m.row_h;
      double bars_top = ry + (m.row_h - chart->n_runs * m.pitch) / 2;
      g_autofree char *sub = NULL;

      if (ry > plot.y + plot.height)
        break;
      info->n_visible++;

      /* Name, with a chip of its precision's colour, and what it is. */
      bs_chart_fill_rect (cr, &(BsRect) { 20, round (ry + m.row_h / 2 - m.fs - 1) + 3, 8, 8 },
                          &style->precision[l->precision]);
      draw_text_fit (cr, style, m.fs, FALSE, &style->text, l->name ? l->name : "", 34,
                     ry + m.row_h / 2, m.name_w - 24, BS_ALIGN_END);
      sub = g_strdup_printf ("%s · %s", bs_path_to_string (l->path), bs_precision_label (l->precision));
      draw_text_fit (cr, style, m.small, FALSE, &style->text_dim, sub, 34, ry + m.row_h / 2 + 1,
                     m.name_w - 24, BS_ALIGN_START);

      for (int r = 0; r < chart->n_runs; r++)
        {
          BsColor color = bs_run_color (style, r);
          double by = round (bars_top + r * m.pitch + (m.pitch - m.bar_h) / 2);
          double cy = by + m.bar_h / 2;
          double v = l->value[r];

          if (isfinite (v))
            {
              /* Whole pixels: crisp ends, and a hollow bar's outline in one column. */
              BsRect bar = { plot.x, by, MAX (round (CLAMP (v / x_max, 0, 1) * plot.width), v > 0 ? 1 : 0),
                             m.bar_h };
              gboolean hollow = r > 0 && !l->significant[r];

              draw_bar (cr, &bar, &color, hollow);
              draw_whisker (cr, &plot, x_max, l->lo[r], l->hi[r], cy, m.bar_h + 2, style);
              info->n_bars++;
              info->n_hollow += hollow;
            }
          else
            bs_chart_draw_text (cr, style, m.small, FALSE, &style->text_dim, "not in this run",
                                plot.x + 4, cy, BS_ALIGN_START, BS_ALIGN_CENTER);
          draw_numbers (cr, chart, style, &m, info->values_x, cy, v, l->ratio[r], l->delta[r],
                        r == 0, r > 0 && l->significant[r], &color, info);
        }
    }
  cairo_restore (cr);

  if (chart->n_layers == 0)
    bs_chart_draw_text (cr, style, m.fs * 1.1, FALSE, &style->text_dim, "No layers in common",
                        plot.x + plot.width / 2, plot.y + m.row_h, BS_ALIGN_CENTER, BS_ALIGN_CENTER);
  cairo_restore (cr);
}

int
bs_compare_hit (const BsCompareInfo *info, double x, double y)
{
  int row;

  if (info->row_height <= 0 || y < info->plot.y || y >= info->plot.y + info->plot.height || x < 0)
    return -1;
  row = (int) ((y - info->plot.y) / info->row_height);
  if (row >= info->n_visible)
    return -1;
  return info->first_layer + row;
}

gboolean
bs_compare_bar_rect (const BsCompareInfo *info, const BsCompareChart *chart, int layer, int run,
                     BsRect *rect)
{
  double v, ry, pad;

  if (layer < info->first_layer || layer >= info->first_layer + info->n_visible
      || run < 0 || run >= chart->n_runs)
    return FALSE;
  v = chart->layers[layer].value[run];
  ry = info->plot.y + (layer - info->first_layer) * info->row_height;
  pad = (info->row_height - chart->n_runs * info->bar_pitch) / 2;
  /* As drawn: the run's bars centred in the row. */
  rect->x = info->plot.x;
  rect->y = round (ry + pad + run * info->bar_pitch + (info->bar_pitch - info->bar_height) / 2);
  rect->height = info->bar_height;
  rect->width = !isfinite (v) ? 0
                : MAX (round (CLAMP (v / info->x_max, 0, 1) * info->plot.width), v > 0 ? 1 : 0);
  return TRUE;
}
