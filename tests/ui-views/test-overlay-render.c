/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-overlay-render.c: power traces of compared runs on one chart, headless. Averaged
 * profiles at known levels land at the right heights in their runs' colours; the
 * legend's swatches carry those colours (hollow for a run without power); a dense raw
 * trace draws as an envelope within its min and max; traces of another mode are left
 * out; markers show their readout. */
#include <math.h>
#include <string.h>

#include "bs-overlay-render.h"
#include "bs-run-colors.h"
#include "views-test-util.h"

/* A profile over one 1 ms inference: `level` W, and `bump` W more in the middle third. */
static BsPowerTrace *
averaged (double level, double bump, double sd)
{
  BsPowerTrace *tr = g_new0 (BsPowerTrace, 1);
  guint n = 100;

  tr->mode = BS_POWER_TRACE_AVERAGED;
  tr->n_rails = 1;
  tr->meter_period_ns = 37000;
  tr->inference_ns = 900000;
  tr->window_ns = 1000000;
  tr->n_inferences = 812;
  tr->n_samples = 812 * 27;
  tr->n_points = n;
  tr->t_ns = g_new (double, n);
  tr->power_w = g_new (double, n);
  tr->sd_w = g_new (double, n);
  tr->count = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    {
      tr->t_ns[i] = (i + 0.5) * 10000;
      tr->power_w[i] = level + (i >= 33 && i < 66 ? bump : 0);
      tr->sd_w[i] = sd;
      tr->count[i] = 200;
    }
  tr->power_w[80] = NAN;     /* an empty bin: a gap */
  return tr;
}

static BsPowerTrace *
raw (guint n, double period_ns, double (*f) (guint i))
{
  BsPowerTrace *tr = g_new0 (BsPowerTrace, 1);

  tr->mode = BS_POWER_TRACE_RAW;
  tr->n_rails = 1;
  tr->meter_period_ns = period_ns;
  tr->inference_ns = 380000;
  tr->n_inferences = 10000;
  tr->n_samples = n;
  tr->n_points = n;
  tr->window_ns = (n - 1) * period_ns;
  tr->t_ns = g_new (double, n);
  tr->power_w = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      tr->t_ns[i] = i * period_ns;
      tr->power_w[i] = f (i);
    }
  return tr;
}

static double
saw (guint i)
{
  /* 4 .. 5 W, a tooth every 1000 samples. */
  return 4 + (i % 1000) / 1000.0;
}

static double
steps (guint i)
{
  return i < 5 ? 3.0 : 5.0;
}

/* A line of `color` crosses the column x within 2 px of y: the closest pixel there
 * (lines are anti-aliased, so their pixels blend with what is under them). */
static gboolean
line_near (Canvas *c, int x, int y, const BsColor *color)
{
  double best = INFINITY;

  for (int j = y - 2; j <= y + 2; j++)
    {
      double rgb[3];
      canvas_pixel (c, x, j, rgb);
      best = MIN (best, color_distance (rgb, color));
    }
  return best < 0.2;
}

static int
y_at (const BsOverlayInfo *info, double w)
{
  return (int) round (info->plot.y + info->plot.height * (1 - (w - info->y_min) / (info->y_max - info->y_min)));
}

static int
x_at (const BsOverlayInfo *info, double ns)
{
  return (int) round (info->plot.x + (ns - info->x_start_ns) / (info->x_end_ns - info->x_start_ns) * info->plot.width);
}

static void
test_averaged (void)
{
  g_autoptr (BsPowerTrace) a = averaged (4.0, 1.0, 0.1);
  g_autoptr (BsPowerTrace) b = averaged (6.0, 0.5, 0.2);
  BsPowerTrace none = { .mode = BS_POWER_TRACE_NONE, .meter_period_ns = NAN, .inference_ns = NAN };
  BsOverlayData data = {
    .n_series = 3,
    .series = { { a, "#12 cpu" }, { b, "#14 csim" }, { &none, "#15 xrt" } },
    .x_start_ns = NAN, .x_end_ns = NAN, .y_min = NAN, .y_max = NAN,
  };
  BsChartStyle style;
  BsOverlayInfo info;
  Canvas c = canvas_new (900, 420);
  BsColor c0, c1, c2;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  c0 = bs_run_color (&style, 0);
  c1 = bs_run_color (&style, 1);
  c2 = bs_run_color (&style, 2);
  bs_overlay_render (c.cr, &data, 900, 420, &style, &info);
  canvas_save (&c, "overlay-averaged");

  g_assert_cmpint (info.mode, ==, BS_POWER_TRACE_AVERAGED);
  g_assert_cmpint (info.n_drawn, ==, 2);
  g_assert_cmpfloat (info.x_start_ns, ==, 0);
  g_assert_cmpfloat (info.x_end_ns, ==, 1000000);
  /* The range holds both traces with their bands: 3.9 W .. 6.7 W, rounded out. */
  g_assert_cmpfloat (info.y_min, <=, 3.9);
  g_assert_cmpfloat (info.y_max, >=, 6.7);
  g_assert_cmpfloat (info.y_max - info.y_min, <, 5);

  /* Legend: swatches filled with the runs' colours; hollow for the run without power. */
  for (int i = 0; i < 2; i++)
    {
      BsColor col = bs_run_color (&style, i);
      BsRect *s = &info.swatch[i];
      g_assert_cmpfloat (s->width, >, 4);
      g_assert_true (canvas_is (&c, (int) (s->x + s->width / 2), (int) (s->y + s->height / 2), &col, 0.03));
    }
  g_assert_false (canvas_is (&c, (int) (info.swatch[2].x + info.swatch[2].width / 2),
                             (int) (info.swatch[2].y + info.swatch[2].height / 2), &c2, 0.3));
  g_assert_true (canvas_count (&c, (int) info.swatch[2].x - 1, (int) info.swatch[2].y - 1,
                               (int) info.swatch[2].width + 2, (int) info.swatch[2].height + 2, &c2, 0.3) > 8);
  /* No trace in the third run's colour. */
  g_assert_cmpint (canvas_count (&c, (int) info.plot.x, (int) info.plot.y, (int) info.plot.width,
                                 (int) info.plot.height, &c2, 0.15), ==, 0);

  /* The lines at their levels: run 0 at 4 W early, 5 W in the middle; run 1 at 6 W. */
  g_assert_true (line_near (&c, x_at (&info, 150000), y_at (&info, 4.0), &c0));
  g_assert_true (line_near (&c, x_at (&info, 500000), y_at (&info, 5.0), &c0));
  g_assert_true (line_near (&c, x_at (&info, 150000), y_at (&info, 6.0), &c1));
  g_assert_false (line_near (&c, x_at (&info, 150000), y_at (&info, 5.0), &c0));
  g_assert_false (line_near (&c, x_at (&info, 500000), y_at (&info, 4.0), &c0));
  /* The empty bin breaks the line: nothing in run 0's colour at its centre (between
   * neighbours' dots, the band is gone too). */
  g_assert_false (line_near (&c, x_at (&info, 805000), y_at (&info, 4.0), &c0));
  canvas_free (&c);

  /* A viewport: the middle of the inference only, a fixed value range. */
  data.x_start_ns = 300000;
  data.x_end_ns = 700000;
  data.y_min = 0;
  data.y_max = 10;
  c = canvas_new (600, 300);
  bs_overlay_render (c.cr, &data, 600, 300, &style, &info);
  canvas_save (&c, "overlay-zoomed");
  g_assert_cmpfloat (info.y_min, ==, 0);
  g_assert_cmpfloat (info.y_max, ==, 10);
  g_assert_cmpfloat (bs_overlay_x_at (&info, info.plot.x + info.plot.width / 2), ==, 500000);
  canvas_free (&c);
}

static void
test_raw_and_modes (void)
{
  g_autoptr (BsPowerTrace) dense = raw (200000, 1000, saw);
  g_autoptr (BsPowerTrace) sparse = raw (10, 20000000, steps);
  g_autoptr (BsPowerTrace) avg = averaged (4.0, 1.0, 0.1);
  BsOverlayData data = {
    .n_series = 3,
    .series = { { dense, "#1 cpu" }, { sparse, "#2 xrt" }, { avg, "#3 csim" } },
    .x_start_ns = NAN, .x_end_ns = NAN, .y_min = NAN, .y_max = NAN,
  };
  BsChartStyle style;
  BsOverlayInfo info;
  Canvas c = canvas_new (900, 420);
  BsColor c0, c1;
  int top, bottom;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  c0 = bs_run_color (&style, 0);
  c1 = bs_run_color (&style, 1);
  bs_overlay_render (c.cr, &data, 900, 420, &style, &info);
  canvas_save (&c, "overlay-raw");
  g_assert_cmpint (info.mode, ==, BS_POWER_TRACE_RAW);
  /* The averaged trace cannot share a run-long axis: left out. */
  g_assert_cmpint (info.n_drawn, ==, 2);
  g_assert_cmpfloat (info.x_end_ns, ==, 199999000.0);

  /* The dense trace: an envelope from 4 W to 5 W in every column, nothing outside. */
  top = y_at (&info, 5.0);
  bottom = y_at (&info, 4.0);
  for (int x = (int) info.plot.x + 5; x < (int) (info.plot.x + info.plot.width) - 5; x += 37)
    {
      g_assert_cmpint (canvas_count (&c, x, top - 3, 1, bottom - top + 6, &c0, 0.9), >, 0);
      g_assert_cmpint (canvas_count (&c, x, (int) info.plot.y, 1, top - 4 - (int) info.plot.y, &c0, 0.1), ==, 0);
    }
  /* The sparse trace: its step from 3 W to 5 W, with dots. */
  g_assert_true (line_near (&c, x_at (&info, 40000000), y_at (&info, 3.0), &c1));
  g_assert_false (line_near (&c, x_at (&info, 40000000), y_at (&info, 5.0), &c1));
  /* At 5 W it runs under the baseline's envelope, drawn last; above it, nothing. */
  g_assert_false (line_near (&c, x_at (&info, 150000000), y_at (&info, 3.0), &c1));
  g_assert_true (info.y_max > 5.0 && info.y_min < 3.0);
  /* The averaged run's swatch is hollow: not drawn. */
  {
    BsColor c2 = bs_run_color (&style, 2);
    g_assert_false (canvas_is (&c, (int) (info.swatch[2].x + info.swatch[2].width / 2),
                               (int) (info.swatch[2].y + info.swatch[2].height / 2), &c2, 0.3));
  }
  canvas_free (&c);
}

static void
test_markers_and_empty (void)
{
  g_autoptr (BsPowerTrace) a = averaged (4.0, 1.0, 0.1);
  BsMarkerStats stats;
  BsMarkerPair pair = { 200000, 600000, NULL, NULL, &stats };
  BsOverlayData data = {
    .n_series = 1, .series = { { a, "#12 cpu" } },
    .x_start_ns = NAN, .x_end_ns = NAN, .y_min = NAN, .y_max = NAN, .markers = &pair,
  };
  BsPowerTrace none = { .mode = BS_POWER_TRACE_NONE, .meter_period_ns = NAN, .inference_ns = NAN };
  BsChartStyle style;
  BsOverlayInfo info;
  Canvas c = canvas_new (900, 400);
  g_autofree char *text = NULL;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  g_assert_true (bs_marker_stats_compute_relative (a->t_ns, a->power_w, 80, 200000, 600000, &stats));
  text = bs_marker_stats_format (&stats);
  g_assert_nonnull (strstr (text, "Δt 400 µs"));
  bs_overlay_render (c.cr, &data, 900, 400, &style, &info);
  canvas_save (&c, "overlay-markers");
  g_assert_cmpfloat (info.readout.width, >, 100);
  g_assert_true (info.readout.x >= info.plot.x && info.readout.x + info.readout.width <= info.plot.x + info.plot.width);
  /* Both marker lines, in text colour, at their times. */
  for (int k = 0; k < 2; k++)
    {
      int x = x_at (&info, k == 0 ? 200000 : 600000), y = (int) (info.plot.y + info.plot.height - 5);
      g_assert_true (canvas_is (&c, x - 1, y, &style.text, 0.35) || canvas_is (&c, x, y, &style.text, 0.35));
      g_assert_false (canvas_is (&c, x - 12, y, &style.text, 0.6));
    }
  canvas_free (&c);

  /* Nothing to draw: says so, and does not fail. */
  data.series[0].trace = &none;
  data.markers = NULL;
  c = canvas_new (500, 300);
  bs_overlay_render (c.cr, &data, 500, 300, &style, &info);
  canvas_save (&c, "overlay-empty");
  g_assert_cmpint (info.mode, ==, BS_POWER_TRACE_NONE);
  g_assert_cmpint (info.n_drawn, ==, 0);
  canvas_free (&c);

  {
    g_autofree char *d = bs_overlay_describe (a);
    g_assert_cmpstr (d, ==, "mean of 812 inferences · meter every 37 µs");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/overlay-render/averaged", test_averaged);
  g_test_add_func ("/overlay-render/raw-and-modes", test_raw_and_modes);
  g_test_add_func ("/overlay-render/markers-and-empty", test_markers_and_empty);
  return g_test_run ();
}
