/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-pareto-render.c: accuracy against cost per image, one panel per cost. The front is
 * computed when the chart is built; drawing only places what the chart holds. */
#include "bs-pareto-render.h"
#include "bs-run-colors.h"

#include <math.h>

#define PAD 10.0
#define DOT_RADIUS 6.0
#define NOTE_LINES 2

void
bs_pareto_chart_free (BsParetoChart *chart)
{
  if (chart == NULL)
    return;
  for (int i = 0; i < chart->n_runs; i++)
    g_free (chart->runs[i].label);
  g_free (chart->latency_origin);
  g_free (chart);
}

static gboolean
plotted (const BsParetoRun *r, BsParetoCost cost)
{
  return isfinite (r->accuracy) && isfinite (r->cost[cost]);
}

/* b dominates a: at least as accurate and as cheap, strictly better in one. */
static gboolean
dominates (const BsParetoRun *b, const BsParetoRun *a, BsParetoCost cost)
{
  return b->accuracy >= a->accuracy && b->cost[cost] <= a->cost[cost]
         && (b->accuracy > a->accuracy || b->cost[cost] < a->cost[cost]);
}

void
bs_pareto_chart_update_front (BsParetoChart *chart)
{
  for (int c = 0; c < BS_PARETO_N_COSTS; c++)
    for (int i = 0; i < chart->n_runs; i++)
      {
        BsParetoRun *a = &chart->runs[i];

        a->on_front[c] = plotted (a, c);
        for (int j = 0; j < chart->n_runs && a->on_front[c]; j++)
          if (j != i && plotted (&chart->runs[j], c) && dominates (&chart->runs[j], a, c))
            a->on_front[c] = FALSE;
      }
}

/* What the latency axis says of its figures: "measured, host clock", "modelled". */
static char *
origin_of (BsClockMask clocks)
{
  if (clocks == (1u << BS_CLOCK_HOST))
    return g_strdup ("measured, host clock");
  if (clocks == (1u << BS_CLOCK_DEVICE))
    return g_strdup ("measured, device counters");
  return g_strdup (bs_clock_mask_to_string (clocks));
}

BsParetoChart *
bs_pareto_chart_new (const BsAccuracyPoint *points, int n_points)
{
  BsParetoChart *chart = g_new0 (BsParetoChart, 1);
  BsClockMask clocks = 0;

  chart->n_runs = MIN (n_points, BS_COMPARE_MAX_RUNS);
  for (int i = 0; i < chart->n_runs; i++)
    {
      const BsAccuracyPoint *p = &points[i];
      BsParetoRun *r = &chart->runs[i];

      /* Short: the page's header names each run's model in the same colour. */
      r->label = g_strdup_printf ("#%" G_GINT64_FORMAT, p->run);
      r->accuracy = p->has_accuracy ? p->top1 : NAN;
      r->cost[BS_PARETO_LATENCY] = p->latency_ns / 1e9;
      r->cost[BS_PARETO_ENERGY] = p->energy_j;
      clocks |= p->clocks;
    }
  chart->latency_origin = origin_of (clocks);
  bs_pareto_chart_update_front (chart);
  return chart;
}

gboolean
bs_pareto_chart_has_points (const BsParetoChart *chart, BsParetoCost cost)
{
  for (int i = 0; i < chart->n_runs; i++)
    if (plotted (&chart->runs[i], cost))
      return TRUE;
  return FALSE;
}

/* Accuracy from a round 10 % below the least accurate plotted run to 100 %. */
static void
accuracy_range (const BsParetoChart *chart, double *lo, double *hi)
{
  double least = 1.0;

  for (int i = 0; i < chart->n_runs; i++)
    if (isfinite (chart->runs[i].accuracy))
      least = MIN (least, chart->runs[i].accuracy);
  *lo = MAX (0.0, floor ((least - 0.05) * 10.0) / 10.0);
  *hi = 1.0;
}

static double
cost_max (const BsParetoChart *chart, BsParetoCost cost)
{
  double most = 0.0;

  for (int i = 0; i < chart->n_runs; i++)
    if (plotted (&chart->runs[i], cost))
      most = MAX (most, chart->runs[i].cost[cost]);
  return most > 0.0 ? most * 1.15 : 1.0;
}

static void
draw_axes (cairo_t *cr, const BsChartStyle *style, const BsRect *plot, const BsTicks *xt,
           const BsTicks *yt, double x_max, double y_lo, double y_hi, const char *unit)
{
  bs_chart_fill_rect (cr, plot, &style->plot_background);
  cairo_set_line_width (cr, 1.0);
  for (int t = 0; t < yt->n; t++)
    {
      double y = plot->y + plot->height * (1.0 - (yt->value[t] - y_lo) / (y_hi - y_lo));
      g_autofree char *label = g_strdup_printf ("%.0f %%", 100.0 * yt->value[t]);

      bs_chart_set_color (cr, &style->grid);
      cairo_move_to (cr, plot->x, floor (y) + 0.5);
      cairo_line_to (cr, plot->x + plot->width, floor (y) + 0.5);
      cairo_stroke (cr);
      bs_chart_draw_text (cr, style, style->font_size, FALSE, &style->text_dim, label,
                          plot->x - 4, y, BS_ALIGN_END, BS_ALIGN_CENTER);
    }
  for (int t = 0; t < xt->n; t++)
    {
      double x = plot->x + plot->width * xt->value[t] / x_max;
      g_autofree char *label = bs_format_tick (xt->value[t], xt, unit);

      bs_chart_set_color (cr, &style->grid);
      cairo_move_to (cr, floor (x) + 0.5, plot->y);
      cairo_line_to (cr, floor (x) + 0.5, plot->y + plot->height);
      cairo_stroke (cr);
      bs_chart_draw_text (cr, style, style->font_size, FALSE, &style->text_dim, label, x,
                          plot->y + plot->height + 3, BS_ALIGN_CENTER, BS_ALIGN_START);
    }
  bs_chart_set_color (cr, &style->axis);
  cairo_rectangle (cr, plot->x + 0.5, plot->y + 0.5, plot->width - 1, plot->height - 1);
  cairo_stroke (cr);
}

/* The front as a staircase: sorted by cost, each step up to the next more accurate run. */
static void
draw_front (cairo_t *cr, const BsChartStyle *style, const BsParetoChart *chart, BsParetoCost cost,
            const BsParetoInfo *info)
{
  int order[BS_COMPARE_MAX_RUNS], n = 0;

  for (int i = 0; i < chart->n_runs; i++)
    if (chart->runs[i].on_front[cost])
      order[n++] = i;
  for (int a = 1; a < n; a++)
    for (int b = a; b > 0 && chart->runs[order[b]].cost[cost] < chart->runs[order[b - 1]].cost[cost]; b--)
      {
        int t = order[b];
        order[b] = order[b - 1];
        order[b - 1] = t;
      }
  if (n < 2)
    return;
  bs_chart_set_color (cr, &style->text_dim);
  cairo_set_line_width (cr, 1.5);
  cairo_set_dash (cr, (const double[]) { 4, 3 }, 2, 0);
  cairo_move_to (cr, info->dot_x[cost][order[0]], info->dot_y[cost][order[0]]);
  for (int k = 1; k < n; k++)
    {
      cairo_line_to (cr, info->dot_x[cost][order[k]], info->dot_y[cost][order[k - 1]]);
      cairo_line_to (cr, info->dot_x[cost][order[k]], info->dot_y[cost][order[k]]);
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

static void
draw_dots (cairo_t *cr, const BsChartStyle *style, const BsParetoChart *chart, BsParetoCost cost,
           BsParetoInfo *info)
{
  for (int i = 0; i < chart->n_runs; i++)
    {
      const BsParetoRun *r = &chart->runs[i];
      BsColor color = bs_run_color (style, i);
      double x = info->dot_x[cost][i], y = info->dot_y[cost][i];

      if (!isfinite (x))
        continue;
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, DOT_RADIUS, 0, 2 * G_PI);
      if (r->on_front[cost])
        {
          bs_chart_set_color (cr, &color);
          cairo_fill_preserve (cr);
          info->n_front[cost]++;
        }
      else
        {
          bs_chart_set_color (cr, &style->plot_background);
          cairo_fill_preserve (cr);
        }
      cairo_set_line_width (cr, 2.0);
      bs_chart_set_color (cr, &color);
      cairo_stroke (cr);
      /* Alternately above and below the dot: runs of similar cost stay readable. */
      bs_chart_draw_text (cr, style, style->font_size, FALSE, &style->text, r->label,
                          x + DOT_RADIUS + 2, i % 2 ? y + DOT_RADIUS + 1 : y - DOT_RADIUS - 1,
                          BS_ALIGN_START, i % 2 ? BS_ALIGN_START : BS_ALIGN_END);
      info->n_dots[cost]++;
    }
}

/* Runs not plotted in this panel, and why. */
static void
draw_missing (cairo_t *cr, const BsChartStyle *style, const BsParetoChart *chart,
              BsParetoCost cost, double x, double y)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (int i = 0; i < chart->n_runs; i++)
    {
      const BsParetoRun *r = &chart->runs[i];

      if (plotted (r, cost))
        continue;
      g_string_append_printf (text, "%s%s: %s", text->len ? "; " : "", r->label,
                              !isfinite (r->accuracy) ? "not evaluated"
                              : cost == BS_PARETO_ENERGY ? "no power readings" : "no timing");
    }
  if (text->len > 0)
    bs_chart_draw_text (cr, style, style->font_size, FALSE, &style->text_dim, text->str, x, y,
                        BS_ALIGN_START, BS_ALIGN_START);
}

static void
render_panel (cairo_t *cr, const BsParetoChart *chart, BsParetoCost cost, const BsRect *area,
              const BsChartStyle *style, BsParetoInfo *info)
{
  double line = style->font_size * 1.4;
  double left = bs_chart_text_width (cr, style, style->font_size, FALSE, "100 %") + 8;
  BsRect plot = { area->x + left, area->y + style->title_size * 1.6,
                  area->width - left - PAD,
                  area->height - style->title_size * 1.6 - line * (1 + NOTE_LINES) };
  g_autofree char *title = cost == BS_PARETO_LATENCY
    ? g_strdup_printf ("Top-1 vs latency per image (%s)", chart->latency_origin)
    : g_strdup ("Top-1 vs energy per image (power meter)");
  BsTicks xt, yt;

  info->plot[cost] = plot;
  info->x_max[cost] = cost_max (chart, cost);
  bs_chart_draw_text (cr, style, style->title_size, TRUE, &style->text, title, area->x,
                      area->y, BS_ALIGN_START, BS_ALIGN_START);
  if (plot.width < 40 || plot.height < 40)
    return;
  bs_ticks_nice (info->y_min, info->y_max, 5, &yt);
  bs_ticks_nice (0.0, info->x_max[cost], 5, &xt);
  draw_axes (cr, style, &plot, &xt, &yt, info->x_max[cost], info->y_min, info->y_max,
             cost == BS_PARETO_LATENCY ? "s" : "J");
  for (int i = 0; i < chart->n_runs; i++)
    {
      const BsParetoRun *r = &chart->runs[i];

      info->dot_x[cost][i] = info->dot_y[cost][i] = NAN;
      if (!plotted (r, cost))
        continue;
      info->dot_x[cost][i] = plot.x + plot.width * r->cost[cost] / info->x_max[cost];
      info->dot_y[cost][i] = plot.y + plot.height * (1.0 - (r->accuracy - info->y_min)
                                                           / (info->y_max - info->y_min));
    }
  draw_front (cr, style, chart, cost, info);
  draw_dots (cr, style, chart, cost, info);
  draw_missing (cr, style, chart, cost, area->x, plot.y + plot.height + line * 1.2);
}

void
bs_pareto_render (cairo_t *cr, const BsParetoChart *chart, int width, int height,
                  const BsChartStyle *style, BsParetoInfo *info)
{
  BsParetoInfo local;
  double half = (width - 3 * PAD) / 2.0;

  if (info == NULL)
    info = &local;
  *info = (BsParetoInfo) { 0 };
  for (int c = 0; c < BS_PARETO_N_COSTS; c++)
    for (int i = 0; i < BS_COMPARE_MAX_RUNS; i++)
      info->dot_x[c][i] = info->dot_y[c][i] = NAN;
  bs_chart_fill_rect (cr, &(BsRect) { 0, 0, width, height }, &style->background);
  accuracy_range (chart, &info->y_min, &info->y_max);
  for (int c = 0; c < BS_PARETO_N_COSTS; c++)
    {
      BsRect area = { PAD + c * (half + PAD), PAD, half, height - 2 * PAD };

      render_panel (cr, chart, c, &area, style, info);
    }
}
