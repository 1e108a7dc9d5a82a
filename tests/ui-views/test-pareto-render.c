/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-pareto-render.c: accuracy against cost per image, headless. The Pareto front of
 * hand-made runs is the one worked out by hand; dots land where accuracy and cost put
 * them, in their runs' colours, filled on the front and hollow off it; runs without an
 * evaluation or a cost are left out of that panel; a chart built from accuracy points
 * carries their figures. */
#include <math.h>
#include <string.h>

#include "bs-pareto-render.h"
#include "bs-run-colors.h"
#include "views-test-util.h"

/* Four runs. Latency: A 1 ms 80 %, B 2 ms 90 %, C 3 ms 85 % (beaten by B), D not
 * evaluated. Energy: A 4 mJ, B 1 mJ (so B beats A there), C 2 mJ, D 1 mJ. */
static BsParetoChart *
hand_chart (void)
{
  static const double acc[4] = { 0.80, 0.90, 0.85, NAN };
  static const double lat[4] = { 1e-3, 2e-3, 3e-3, 0.5e-3 };
  static const double joules[4] = { 4e-3, 1e-3, 2e-3, 1e-3 };
  BsParetoChart *chart = g_new0 (BsParetoChart, 1);

  chart->n_runs = 4;
  chart->latency_origin = g_strdup ("host");
  for (int i = 0; i < 4; i++)
    {
      chart->runs[i].label = g_strdup_printf ("run %c", 'A' + i);
      chart->runs[i].accuracy = acc[i];
      chart->runs[i].cost[BS_PARETO_LATENCY] = lat[i];
      chart->runs[i].cost[BS_PARETO_ENERGY] = joules[i];
    }
  bs_pareto_chart_update_front (chart);
  return chart;
}

static void
test_front (void)
{
  g_autoptr (BsParetoChart) chart = hand_chart ();
  const gboolean latency[4] = { TRUE, TRUE, FALSE, FALSE };
  const gboolean energy[4] = { FALSE, TRUE, FALSE, FALSE };

  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpint (chart->runs[i].on_front[BS_PARETO_LATENCY], ==, latency[i]);
      g_assert_cmpint (chart->runs[i].on_front[BS_PARETO_ENERGY], ==, energy[i]);
    }
  g_assert_true (bs_pareto_chart_has_points (chart, BS_PARETO_ENERGY));
}

static void
test_render (void)
{
  g_autoptr (BsParetoChart) chart = hand_chart ();
  Canvas c = canvas_new (900, 380);
  BsChartStyle style;
  BsParetoInfo info;
  const BsRect *plot;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_pareto_render (c.cr, chart, c.width, c.height, &style, &info);
  canvas_save (&c, "pareto");

  g_assert_cmpint (info.n_dots[BS_PARETO_LATENCY], ==, 3);
  g_assert_cmpint (info.n_dots[BS_PARETO_ENERGY], ==, 3);
  g_assert_cmpint (info.n_front[BS_PARETO_LATENCY], ==, 2);
  g_assert_cmpint (info.n_front[BS_PARETO_ENERGY], ==, 1);
  g_assert_true (isnan (info.dot_x[BS_PARETO_LATENCY][3]));   /* D: not evaluated */
  /* Accuracy axis from 70 % (a round 10 % below the least, 80 %) to 100 %. */
  g_assert_cmpfloat_with_epsilon (info.y_min, 0.7, 1e-9);
  g_assert_cmpfloat_with_epsilon (info.y_max, 1.0, 1e-9);
  plot = &info.plot[BS_PARETO_LATENCY];
  for (int i = 0; i < 3; i++)
    {
      const BsParetoRun *r = &chart->runs[i];
      double x = plot->x + plot->width * r->cost[BS_PARETO_LATENCY] / info.x_max[BS_PARETO_LATENCY];
      double y = plot->y + plot->height * (1.0 - (r->accuracy - 0.7) / 0.3);
      BsColor color = bs_run_color (&style, i);

      g_assert_cmpfloat_with_epsilon (info.dot_x[BS_PARETO_LATENCY][i], x, 1e-9);
      g_assert_cmpfloat_with_epsilon (info.dot_y[BS_PARETO_LATENCY][i], y, 1e-9);
      /* The ring is the run's colour; the centre is too on the front, and the plot's
       * background off it (C). */
      g_assert_true (canvas_is (&c, (int) x + 5, (int) y, &color, 0.25));
      if (r->on_front[BS_PARETO_LATENCY])
        g_assert_true (canvas_is (&c, (int) x, (int) y, &color, 0.25));
      else
        g_assert_true (canvas_is (&c, (int) x, (int) y, &style.plot_background, 0.1));
    }
  /* A (1 ms) is left of B (2 ms) and below it (80 % < 90 %). */
  g_assert_cmpfloat (info.dot_x[0][0], <, info.dot_x[0][1]);
  g_assert_cmpfloat (info.dot_y[0][0], >, info.dot_y[0][1]);
  /* The energy panel is to the right of the latency panel. */
  g_assert_cmpfloat (info.plot[BS_PARETO_ENERGY].x, >, plot->x + plot->width);
  canvas_free (&c);
}

static void
test_from_points (void)
{
  BsAccuracyPoint points[2] = {
    { .run = 7, .has_accuracy = TRUE, .top1 = 0.91, .top5 = 0.99, .n_images = 10000,
      .latency_ns = 380000, .energy_j = NAN, .clocks = 1u << BS_CLOCK_HOST },
    { .run = 9, .has_accuracy = FALSE, .latency_ns = 150000, .energy_j = NAN,
      .clocks = 1u << BS_CLOCK_HOST },
  };
  g_autoptr (BsParetoChart) chart = bs_pareto_chart_new (points, 2);

  g_assert_cmpint (chart->n_runs, ==, 2);
  g_assert_cmpstr (chart->runs[0].label, ==, "#7");
  g_assert_cmpfloat (chart->runs[0].accuracy, ==, 0.91);
  g_assert_cmpfloat_with_epsilon (chart->runs[0].cost[BS_PARETO_LATENCY], 380e-6, 1e-15);
  g_assert_true (isnan (chart->runs[1].accuracy));
  g_assert_true (chart->runs[0].on_front[BS_PARETO_LATENCY]);
  g_assert_false (chart->runs[1].on_front[BS_PARETO_LATENCY]);
  g_assert_false (bs_pareto_chart_has_points (chart, BS_PARETO_ENERGY));
  g_assert_cmpstr (chart->latency_origin, ==, "measured, host clock");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pareto/front", test_front);
  g_test_add_func ("/pareto/render", test_render);
  g_test_add_func ("/pareto/from-points", test_from_points);
  return g_test_run ();
}
