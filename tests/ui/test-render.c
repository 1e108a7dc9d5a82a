/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-render.c: the chart renderers with no display. Each test draws onto a cairo image
 * surface and checks the structure the renderer reports and the pixels it drew: the power
 * envelope reaches a single spike among a million samples, axes carry labels, the timeline
 * colours spans by precision at known positions, the breakdown stacks and totals by
 * precision. Colours are compared with the style's, so the palette may change without
 * touching the tests. */
#include <math.h>
#include <string.h>

#include "bs-breakdown-render.h"
#include "bs-chart-axis.h"
#include "bs-power-chart-render.h"
#include "bs-power-series.h"
#include "bs-span-store.h"
#include "bs-timeline-render.h"

#define MS ((int64_t) 1000000)
#define S ((int64_t) 1000000000)
#define T0 ((int64_t) 1000 * S)   /* runs start at an arbitrary monotonic time */

typedef struct
{
  cairo_surface_t *surface;
  cairo_t *cr;
  int width, height;
} Canvas;

static Canvas
canvas_new (int width, int height)
{
  Canvas c = { cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height), NULL, width, height };

  c.cr = cairo_create (c.surface);
  return c;
}

/* BS_TEST_OUTPUT=dir keeps the images for a look; saved before any check. */
static void
canvas_save (Canvas *c, const char *name)
{
  const char *dir = g_getenv ("BS_TEST_OUTPUT");

  if (dir != NULL)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s.png", dir, name);
      cairo_surface_write_to_png (c->surface, path);
    }
}

static void
canvas_free (Canvas *c)
{
  cairo_destroy (c->cr);
  cairo_surface_destroy (c->surface);
}

static void
pixel (Canvas *c, int x, int y, double rgb[3])
{
  const unsigned char *data;
  guint32 p;

  cairo_surface_flush (c->surface);
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, c->width);
  g_assert_cmpint (y, <, c->height);
  data = cairo_image_surface_get_data (c->surface);
  p = *(const guint32 *) (data + y * cairo_image_surface_get_stride (c->surface) + x * 4);
  rgb[0] = (p >> 16 & 0xff) / 255.0;
  rgb[1] = (p >> 8 & 0xff) / 255.0;
  rgb[2] = (p & 0xff) / 255.0;
}

static double
distance (const double rgb[3], const BsColor *color)
{
  return fabs (rgb[0] - color->r) + fabs (rgb[1] - color->g) + fabs (rgb[2] - color->b);
}

static gboolean
is_color (Canvas *c, int x, int y, const BsColor *color)
{
  double rgb[3];

  pixel (c, x, y, rgb);
  return distance (rgb, color) < 0.12;
}

static gboolean
is_color_near (Canvas *c, int x, int y, const BsColor *color)
{
  for (int dy = -1; dy <= 1; dy++)
    if (y + dy >= 0 && y + dy < c->height && is_color (c, x, y + dy, color))
      return TRUE;
  return FALSE;
}

/* Pixels in the rectangle that differ clearly from the background: text, lines. */
static int
count_ink (Canvas *c, int x0, int y0, int x1, int y1, const BsColor *background)
{
  int n = 0;

  for (int y = MAX (y0, 0); y < MIN (y1, c->height); y++)
    for (int x = MAX (x0, 0); x < MIN (x1, c->width); x++)
      {
        double rgb[3];
        pixel (c, x, y, rgb);
        if (distance (rgb, background) > 0.6)
          n++;
      }
  return n;
}

/* ---- axes and formats ---- */

static void
test_ticks (void)
{
  BsTicks t;

  bs_ticks_nice (0, 10, 5, &t);
  g_assert_cmpfloat (t.step, ==, 2);
  g_assert_cmpint (t.n, ==, 6);
  g_assert_cmpfloat (t.value[5], ==, 10);

  bs_ticks_nice (4.83, 5.17, 4, &t);
  g_assert_cmpfloat_with_epsilon (t.step, 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (t.value[0], 4.9, 1e-9);

  bs_ticks_time (0, 90 * S, 6, &t);
  g_assert_cmpfloat (t.step, ==, 15e9);   /* not 20 s: minutes divide by 15 */

  bs_ticks_time (3 * S, 3 * S + 2 * MS, 4, &t);
  g_assert_cmpfloat (t.step, ==, 0.5e6);
  g_assert_cmpint (t.n, ==, 5);
}

static void
test_formats (void)
{
  struct { double ns, step; const char *want; } times[] = {
    { 12e9, 2e9, "12 s" }, { 12.5e9, 0.5e9, "12.5 s" }, { 12.345e9, 1e6, "12.345 s" },
    { 3.0005e9, 0.5e6, "3.0005 s" }, { 65e9, 60e9, "1:05" }, { 3900e9, 600e9, "1:05:00" },
  };
  struct { double v; const char *unit, *want; } si[] = {
    { 4.72, "W", "4.72 W" }, { 0.38, "J", "380 mJ" }, { 2359296, "", "2.36 M" },
    { 0.000380, "s", "380 µs" }, { 0, "W", "0 W" }, { NAN, "W", "—" }, { 12.5, "W", "12.5 W" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *s = bs_format_time_tick (times[i].ns, times[i].step);
      g_assert_cmpstr (s, ==, times[i].want);
    }
  for (guint i = 0; i < G_N_ELEMENTS (si); i++)
    {
      g_autofree char *s = bs_format_si (si[i].v, si[i].unit);
      g_assert_cmpstr (s, ==, si[i].want);
    }
  {
    BsTicks t;
    const char *want[] = { "4.90 W", "4.95 W", "5.00 W", "5.05 W", "5.10 W" };
    bs_ticks_nice (4.9, 5.1, 4, &t);
    g_assert_cmpint (t.n, ==, 5);
    for (int i = 0; i < t.n; i++)
      {
        g_autofree char *s = bs_format_tick (t.value[i], &t, "W");
        g_assert_cmpstr (s, ==, want[i]);
      }
    bs_ticks_nice (0, 7e-4, 4, &t);
    {
      g_autofree char *s = bs_format_tick (t.value[1], &t, "s");
      g_assert_cmpstr (s, ==, "200 µs");
    }
  }
  {
    g_autofree char *d = bs_format_duration (380e3);
    g_autofree char *c = bs_format_count (96);
    g_assert_cmpstr (d, ==, "380 µs");
    g_assert_cmpstr (c, ==, "96");
  }
}

/* ---- the power series ---- */

static void
test_series_minmax (void)
{
  g_autoptr (BsPowerSeries) s = bs_power_series_new ();
  GRand *rand = g_rand_new_with_seed (7);
  const gsize n = 100000;
  g_autofree float *v = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    {
      v[i] = (float) g_rand_double_range (rand, 0, 10);
      bs_power_series_append (s, (int64_t) i * MS, v[i]);
    }
  /* Against brute force, over ranges of every size and alignment. */
  for (int k = 0; k < 2000; k++)
    {
      gsize a = g_rand_int_range (rand, 0, n - 1);
      gsize b = a + 1 + g_rand_int_range (rand, 0, k % 3 == 0 ? (int) (n - a - 1) + 1 : MIN (100, (int) (n - a)));
      double lo, hi;
      float want_lo = INFINITY, want_hi = -INFINITY;

      b = MIN (b, n);
      for (gsize i = a; i < b; i++)
        {
          want_lo = MIN (want_lo, v[i]);
          want_hi = MAX (want_hi, v[i]);
        }
      bs_power_series_minmax (s, a, b, &lo, &hi);
      g_assert_cmpfloat (lo, ==, want_lo);
      g_assert_cmpfloat (hi, ==, want_hi);
    }
  g_assert_cmpuint (bs_power_series_lower_bound (s, 5 * MS), ==, 5);
  g_assert_cmpuint (bs_power_series_lower_bound (s, 5 * MS + 1), ==, 6);
  g_assert_cmpfloat_with_epsilon (bs_power_series_mean (s, 0, 3 * MS), (v[0] + v[1] + v[2]) / 3.0, 1e-5);
  g_rand_free (rand);
}

static void
test_series_gaps (void)
{
  g_autoptr (BsPowerSeries) s = bs_power_series_new ();
  float min[100], max[100];

  /* 10 Hz for 10 s, nothing for 5 s, 10 Hz again. */
  for (int i = 0; i < 100; i++)
    bs_power_series_append (s, i * 100 * MS, 5);
  for (int i = 150; i < 200; i++)
    bs_power_series_append (s, i * 100 * MS, 6);
  bs_power_series_decimate (s, 0, 20 * S, 100, 2 * S, min, max);
  g_assert_cmpfloat (min[10], ==, 5);
  g_assert_true (isnan (min[60]));      /* inside the 5 s gap: a break, not a line */
  g_assert_cmpfloat (max[90], ==, 6);
  /* Columns narrower than the spacing are interpolated, not broken. */
  bs_power_series_decimate (s, 0, 1 * S, 100, 2 * S, min, max);
  for (int c = 0; c < 100; c++)
    g_assert_false (isnan (min[c]));
  /* Time going backwards is held at the last time: the search stays valid. */
  bs_power_series_append (s, 0, 7);
  g_assert_cmpint (bs_power_series_get_time (s, bs_power_series_get_n (s) - 1), ==, 199 * 100 * MS);
}

/* ---- the power chart ---- */

static void
test_power_spike (void)
{
  g_autoptr (BsPowerSeries) s = bs_power_series_new ();
  BsChartStyle style;
  BsPowerChartData data = { s, NULL, T0, "Power", "test", "W", 0, NULL };
  BsChartViewport vp = bs_chart_viewport_init (800, 300, T0, T0 + 1000 * S);
  BsPowerChartInfo info;
  Canvas c = canvas_new (800, 300);
  const int64_t spike_t = T0 + 612 * S + 345 * 1000;
  double x, y_spike, y_base;
  int above = 0;

  /* A million samples at 1 kHz around 5 W, one 9 W reading among them. */
  for (int64_t i = 0; i < 1000000; i++)
    {
      int64_t t = T0 + i * MS;
      bs_power_series_append (s, t, 5 + 0.05 * sin (i * 0.01));
      if (t < spike_t && spike_t < t + MS)
        bs_power_series_append (s, spike_t, 9);
    }
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_power_chart_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "power-spike");

  g_assert_true (info.envelope);
  g_assert_cmpuint (info.n_in_view, ==, 1000001);
  g_assert_cmpfloat (info.y_max, >=, 9);
  g_assert_cmpfloat (info.y_min, <=, 4.95);

  x = info.plot.x + (double) (spike_t - vp.t_start_ns) / (vp.t_end_ns - vp.t_start_ns) * info.plot.width;
  y_spike = info.plot.y + info.plot.height * (1 - (9 - info.y_min) / (info.y_max - info.y_min));
  y_base = info.plot.y + info.plot.height * (1 - (5 - info.y_min) / (info.y_max - info.y_min));
  /* The spike's column is drawn in the trace colour from the base up to the spike... */
  for (int y = (int) ceil (y_spike + 2); y < (int) y_base - 2; y++)
    g_assert_true (is_color (&c, (int) x, y, &style.power));
  /* ... and nowhere else that high. */
  for (int px = (int) info.plot.x; px < (int) (info.plot.x + info.plot.width); px++)
    if (abs (px - (int) x) > 2 && is_color (&c, px, (int) (y_spike + 3), &style.power))
      above++;
  g_assert_cmpint (above, ==, 0);
  /* The base line is drawn across the plot. */
  g_assert_true (is_color (&c, (int) (info.plot.x + 20), (int) round (y_base), &style.power));
  g_assert_true (is_color (&c, (int) (info.plot.x + info.plot.width - 20), (int) round (y_base), &style.power));
  canvas_free (&c);
}

/* Rails or a meter's channels: every power channel drawn, each in its own colour at its own
 * level on the one W axis, with a legend naming them. Drawing only the first channel, or
 * all in one colour, or no legend, fails here. */
static int
count_color (Canvas *c, const BsRect *r, const BsColor *color)
{
  int n = 0;

  for (int y = (int) r->y; y < (int) (r->y + r->height); y++)
    for (int x = (int) r->x; x < (int) (r->x + r->width); x++)
      n += is_color (c, x, y, color);
  return n;
}

static void
test_power_channels (void)
{
  g_autoptr (BsPowerSeries) pl = bs_power_series_new ();
  g_autoptr (BsPowerSeries) ps = bs_power_series_new ();
  g_autoptr (BsPowerSeries) ddr = bs_power_series_new ();
  const BsPowerChartChannel channels[] = { { pl, "PL (ina226 u79)" }, { ps, "PS (ina226 u76)" },
                                           { ddr, "DDR (ina226 u93)" } };
  BsPowerChartData data = { NULL, NULL, T0, "Power", "rails", "W", 0, NULL, channels, 3 };
  BsChartViewport vp = bs_chart_viewport_init (800, 300, T0, T0 + 10 * S);
  BsPowerChartInfo info;
  BsChartStyle style;
  Canvas c = canvas_new (800, 300);
  const double level[] = { 5, 2, 8 };
  int at_level[3] = { 0 }, columns = 0;
  double text_x;

  /* The first at 2 kSa/s (an envelope), the others at 10 Hz (lines through the samples). */
  for (int i = 0; i < 20000; i++)
    bs_power_series_append (pl, T0 + i * S / 2000, 5 + 0.01 * sin (i * 0.01));
  for (int i = 0; i < 100; i++)
    {
      bs_power_series_append (ps, T0 + i * 100 * MS, 2);
      bs_power_series_append (ddr, T0 + i * 100 * MS, 8);
    }
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_power_chart_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "power-channels");

  g_assert_cmpuint (info.n_drawn, ==, 3);
  g_assert_true (info.envelope);
  g_assert_cmpfloat (info.y_min, <=, 2);
  g_assert_cmpfloat (info.y_max, >=, 8);
  /* Each channel in its colour at its level, right of the legend. */
  for (int x = (int) (info.legend.x + info.legend.width + 4); x < (int) (info.plot.x + info.plot.width - 4); x++)
    {
      columns++;
      for (int k = 0; k < 3; k++)
        {
          BsColor color = bs_power_chart_channel_color (&style, k);
          double y = info.plot.y + info.plot.height * (1 - (level[k] - info.y_min) / (info.y_max - info.y_min));
          at_level[k] += is_color_near (&c, x, (int) round (y), &color);
        }
    }
  for (int k = 0; k < 3; k++)
    g_assert_cmpint (at_level[k], >=, columns * 9 / 10);
  /* Three distinct colours, none the precisions'. */
  for (int k = 0; k < 3; k++)
    {
      BsColor a = bs_power_chart_channel_color (&style, k);
      for (int j = k + 1; j < 3; j++)
        {
          BsColor b = bs_power_chart_channel_color (&style, j);
          g_assert_cmpfloat (fabs (a.r - b.r) + fabs (a.g - b.g) + fabs (a.b - b.b), >, 0.3);
        }
      for (int p = 0; p < 3; p++)
        g_assert_cmpfloat (fabs (a.r - style.precision[p].r) + fabs (a.g - style.precision[p].g)
                           + fabs (a.b - style.precision[p].b), >, 0.3);
    }
  /* The legend: a swatch of each colour, and the names as text right of the swatches. */
  g_assert_cmpfloat (info.legend.width, >, 40);
  g_assert_cmpfloat (info.legend.x, >=, info.plot.x);
  g_assert_cmpfloat (info.legend.y + info.legend.height, <=, info.plot.y + info.plot.height);
  for (int k = 0; k < 3; k++)
    {
      BsColor color = bs_power_chart_channel_color (&style, k);
      g_assert_cmpint (count_color (&c, &info.legend, &color), >=, 25);
    }
  text_x = info.legend.x + 6 + style.font_size + 6;
  for (int k = 0; k < 3; k++)
    {
      /* One row per channel: ink in each third of the box's text column. */
      int y0 = (int) (info.legend.y + info.legend.height * k / 3);
      int y1 = (int) (info.legend.y + info.legend.height * (k + 1) / 3);
      g_assert_cmpint (count_ink (&c, (int) text_x, y0, (int) (info.legend.x + info.legend.width), y1,
                                  &style.plot_background), >, 20);
    }

  /* The traces in the left half only (a live run's first seconds): the legend moves to
   * the top right, where it hides nothing. */
  vp = bs_chart_viewport_init (800, 300, T0, T0 + 20 * S);
  bs_power_chart_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "power-channels-right");
  g_assert_cmpfloat (info.legend.x, >, info.plot.x + info.plot.width / 2);
  g_assert_cmpfloat (info.legend.x + info.legend.width, <=, info.plot.x + info.plot.width);

  /* One channel: no legend, as before. */
  data.n_channels = 1;
  bs_power_chart_render (c.cr, &data, &vp, &style, &info);
  g_assert_cmpfloat (info.legend.width, ==, 0);
  g_assert_cmpuint (info.n_drawn, ==, 1);
  canvas_free (&c);
}

/* A PPK2's milliwatts (3 mW asleep, 40 mW in bursts, 100 kSa/s) fill the plot: the range
 * follows the level instead of a floor in watts that drew them as a flat line at 0 W. */
static void
test_power_milliwatts (void)
{
  g_autoptr (BsPowerSeries) s = bs_power_series_new ();
  BsChartStyle style;
  BsPowerChartData data = { s, NULL, T0, "Power", "ppk2", "W", 0, NULL };
  BsChartViewport vp = bs_chart_viewport_init (640, 240, T0, T0 + 2 * S);
  BsPowerChartInfo info;
  Canvas c = canvas_new (640, 240);
  double y_low, y_high;

  for (int64_t i = 0; i < 200000; i++)
    bs_power_series_append (s, T0 + i * 10000, (i / 10000) % 5 == 0 ? 0.040 : 0.003);
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_power_chart_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "power-milliwatts");
  g_assert_true (info.envelope);
  g_assert_cmpfloat (info.y_min, <=, 0.003);
  g_assert_cmpfloat (info.y_max, >=, 0.040);
  g_assert_cmpfloat (info.y_max - info.y_min, <, 0.1);
  /* The two levels are far apart on the screen. */
  y_low = info.plot.y + info.plot.height * (1 - (0.003 - info.y_min) / (info.y_max - info.y_min));
  y_high = info.plot.y + info.plot.height * (1 - (0.040 - info.y_min) / (info.y_max - info.y_min));
  g_assert_cmpfloat (y_low - y_high, >, info.plot.height * 0.6);
  canvas_free (&c);
}

static void
test_power_axes (void)
{
  g_autoptr (BsPowerSeries) s = bs_power_series_new ();
  BsChartStyle style;
  BsPowerChartData data = { s, NULL, T0, "Power", NULL, "W", 0, NULL };
  BsChartViewport vp = bs_chart_viewport_init (640, 240, T0, T0 + 60 * S);
  BsPowerChartInfo info;
  Canvas c = canvas_new (640, 240);

  for (int i = 0; i < 300; i++)
    bs_power_series_append (s, T0 + i * 200 * MS, 3 + 2 * sin (i * 0.1));
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_power_chart_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "power-axes");

  g_assert_cmpint (info.x_ticks.n, >=, 3);
  g_assert_cmpint (info.y_ticks.n, >=, 3);
  g_assert_cmpfloat (info.x_ticks.value[0], ==, 0);    /* labels count from the run start */
  /* Value labels left of the plot, time labels below it: ink in both margins. */
  g_assert_cmpint (count_ink (&c, 0, (int) info.plot.y, (int) info.plot.x - 3,
                              (int) (info.plot.y + info.plot.height), &style.background), >, 60);
  g_assert_cmpint (count_ink (&c, (int) info.plot.x, (int) (info.plot.y + info.plot.height + 3),
                              (int) (info.plot.x + info.plot.width), c.height, &style.background), >, 60);
  /* A title. */
  g_assert_cmpint (count_ink (&c, 0, 0, 120, (int) info.plot.y - 2, &style.background), >, 30);
  /* 300 samples over ~550 columns: drawn as a line through the samples. */
  g_assert_false (info.envelope);
  canvas_free (&c);
}

static void
test_power_line_gap (void)
{
  g_autoptr (BsPowerSeries) s = bs_power_series_new ();
  BsChartStyle style;
  BsPowerChartData data = { s, NULL, T0, NULL, NULL, "W", 2 * S, NULL };
  BsChartViewport vp = bs_chart_viewport_init (600, 200, T0, T0 + 20 * S);
  BsPowerChartInfo info;
  Canvas c = canvas_new (600, 200);
  int in_gap = 0, outside = 0;

  vp.y_min = 0;
  vp.y_max = 10;
  for (int i = 0; i <= 80; i++)
    bs_power_series_append (s, T0 + i * 100 * MS, 5);
  for (int i = 150; i <= 200; i++)
    bs_power_series_append (s, T0 + i * 100 * MS, 5);
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_power_chart_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "power-gap");
  g_assert_cmpfloat (info.y_min, ==, 0);
  g_assert_cmpfloat (info.y_max, ==, 10);
  {
    int y = (int) round (info.plot.y + info.plot.height / 2);
    for (int px = (int) info.plot.x; px < (int) (info.plot.x + info.plot.width); px++)
      {
        double t = (px - info.plot.x) / info.plot.width * 20;
        if (t > 8.5 && t < 14.5)
          in_gap += is_color_near (&c, px, y, &style.power);
        else if (t > 0.5 && t < 7.5)
          outside += is_color_near (&c, px, y, &style.power);
      }
  }
  g_assert_cmpint (in_gap, ==, 0);
  g_assert_cmpint (outside, >, 100);
  canvas_free (&c);
}

static void
append_inference (BsSpanStore *store, int inference, int64_t t, const int64_t *durations, int n_ops)
{
  BsLayerEvent e[16];

  for (int o = 0; o < n_ops; o++)
    {
      e[o] = (BsLayerEvent) { inference, o, t, t + durations[o], BS_CLOCK_HOST };
      t += durations[o];
    }
  bs_span_store_append_inference (store, e, n_ops);
}

static void
test_power_inferences (void)
{
  g_autoptr (BsPowerSeries) s = bs_power_series_new ();
  g_autoptr (BsSpanStore) spans = bs_span_store_new (4096);
  int64_t d[2] = { 10 * MS, 10 * MS };
  BsChartStyle style;
  BsPowerChartData data = { s, spans, T0, "Power", NULL, "W", 0, NULL };
  BsChartViewport vp = bs_chart_viewport_init (600, 200, T0, T0 + 10 * S);
  BsPowerChartInfo info;
  Canvas c = canvas_new (600, 200);

  bs_span_store_clear (spans, T0, NULL);
  for (int i = 0; i < 100; i++)
    bs_power_series_append (s, T0 + i * 100 * MS, 5);
  /* 20 inferences, one every 250 ms, from 2 s on. */
  for (int i = 0; i < 20; i++)
    append_inference (spans, i, T0 + 2 * S + i * 250 * MS, d, 2);
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_power_chart_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "power-marks");
  g_assert_cmpint (info.n_inference_marks, ==, 20);
  canvas_free (&c);

  /* 4000 more, back to back: too dense to mark one by one, shown as activity. */
  for (int i = 20; i < 4020; i++)
    append_inference (spans, i, T0 + 7 * S + (i - 20) * 20 * MS / 10, d, 0 + 1);
  c = canvas_new (600, 200);
  bs_power_chart_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "power-activity");
  g_assert_cmpint (info.n_inference_marks, ==, 0);
  g_assert_true (info.inference_activity);
  canvas_free (&c);
}

/* ---- the timeline ---- */

static const BsPrecision tl_precisions[] = { BS_PRECISION_FIXED, BS_PRECISION_BINARY,
                                             BS_PRECISION_FIXED, BS_PRECISION_BINARY };
static const int tl_groups[] = { 0, 1, 1, 2 };

static void
test_timeline_spans (void)
{
  g_autoptr (BsOpTable) ops = bs_op_table_new_synthetic (4, tl_precisions, tl_groups, 3);
  g_autoptr (BsSpanStore) spans = bs_span_store_new (1024);
  int64_t us = 1000;
  int64_t d[4] = { 100 * us, 200 * us, 100 * us, 200 * us };
  BsChartStyle style;
  BsTimelineData data = { spans, ops, T0, "Layers", TRUE, NULL };
  BsChartViewport vp = bs_chart_viewport_init (1000, 200, T0, T0 + 600 * us);
  BsTimelineInfo info;
  Canvas c = canvas_new (1000, 200);

  bs_span_store_clear (spans, T0, ops);
  append_inference (spans, 0, T0, d, 4);
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_timeline_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "timeline-spans");
  g_assert_true (info.per_span);
  g_assert_cmpint (info.n_spans_drawn, ==, 4);
  g_assert_cmpint (info.n_rows, ==, 3);

#define X_AT(t_us) ((int) (info.plot.x + (t_us) / 600.0 * info.plot.width))
#define Y_ROW(r) ((int) (info.plot.y + ((r) + 0.5) * info.row_height))
  g_assert_true (is_color (&c, X_AT (50), Y_ROW (0), &style.precision[BS_PRECISION_FIXED]));
  g_assert_true (is_color (&c, X_AT (150), Y_ROW (1) - 3, &style.precision[BS_PRECISION_BINARY]));
  g_assert_true (is_color (&c, X_AT (350), Y_ROW (1) - 3, &style.precision[BS_PRECISION_FIXED]));
  g_assert_true (is_color (&c, X_AT (550), Y_ROW (2) - 3, &style.precision[BS_PRECISION_BINARY]));
  /* Nothing where an op did not run: row 0 while op 1 ran, row 2 at the start. */
  g_assert_false (is_color (&c, X_AT (150), Y_ROW (0), &style.precision[BS_PRECISION_FIXED]));
  g_assert_false (is_color (&c, X_AT (150), Y_ROW (0), &style.precision[BS_PRECISION_BINARY]));
  g_assert_false (is_color (&c, X_AT (50), Y_ROW (2), &style.precision[BS_PRECISION_BINARY]));
  /* Group labels in the left margin. */
  g_assert_cmpint (count_ink (&c, 0, (int) info.plot.y, (int) info.plot.x - 4,
                              (int) (info.plot.y + info.plot.height), &style.background), >, 30);

  /* The hit test finds op 1 in row 1. */
  {
    const BsSpan *hit = bs_timeline_hit (&data, &vp, &info, X_AT (150), Y_ROW (1));
    g_assert_nonnull (hit);
    g_assert_cmpint (hit->op, ==, 1);
    g_assert_null (bs_timeline_hit (&data, &vp, &info, X_AT (150), Y_ROW (0)));
  }
  canvas_free (&c);
}

static void
test_timeline_heat (void)
{
  g_autoptr (BsOpTable) ops = bs_op_table_new_synthetic (4, tl_precisions, tl_groups, 3);
  g_autoptr (BsSpanStore) spans = bs_span_store_new (1 << 17);
  int64_t us = 1000;
  int64_t d[4] = { 100 * us, 200 * us, 100 * us, 200 * us };
  BsChartStyle style;
  BsTimelineData data = { spans, ops, T0, NULL, TRUE, NULL };
  BsChartViewport vp = bs_chart_viewport_init (600, 160, T0, T0 + 6 * S);
  BsTimelineInfo info;
  Canvas c = canvas_new (600, 160);
  int binary_in_row1 = 0, fixed_in_row1 = 0, binary_in_row0 = 0;

  bs_span_store_clear (spans, T0, ops);
  for (int i = 0; i < 10000; i++)
    append_inference (spans, i, T0 + i * 600 * us, d, 4);
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_timeline_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "timeline-heat");
  g_assert_false (info.per_span);
  g_assert_false (info.missing);

  /* Row 1 holds a binary op (200 µs) and a fixed one (100 µs): its columns are two-thirds
   * binary (top) and one third fixed (bottom), at full intensity (the busiest row). */
  for (int px = (int) info.plot.x + 2; px < (int) (info.plot.x + info.plot.width) - 2; px++)
    {
      int top = (int) (info.plot.y + info.row_height + 2);
      int bottom = (int) (info.plot.y + 2 * info.row_height - 2);
      binary_in_row1 += is_color (&c, px, top, &style.precision[BS_PRECISION_BINARY]);
      fixed_in_row1 += is_color (&c, px, bottom, &style.precision[BS_PRECISION_FIXED]);
      binary_in_row0 += is_color (&c, px, Y_ROW (0), &style.precision[BS_PRECISION_BINARY]);
    }
  g_assert_cmpint (binary_in_row1, >, (int) info.plot.width * 9 / 10);
  g_assert_cmpint (fixed_in_row1, >, (int) info.plot.width * 9 / 10);
  g_assert_cmpint (binary_in_row0, ==, 0);
  canvas_free (&c);
}

static void
test_timeline_missing (void)
{
  g_autoptr (BsOpTable) ops = bs_op_table_new_synthetic (4, tl_precisions, tl_groups, 3);
  g_autoptr (BsSpanStore) spans = bs_span_store_new (64);
  int64_t d[4] = { MS, MS, MS, MS };
  BsChartStyle style;
  BsTimelineData data = { spans, ops, T0, NULL, TRUE, NULL };
  BsChartViewport vp = bs_chart_viewport_init (600, 160, T0, T0 + 1 * S);
  BsTimelineInfo info;
  Canvas c = canvas_new (600, 160);

  bs_span_store_clear (spans, T0, ops);
  for (int i = 0; i < 200; i++)
    append_inference (spans, i, T0 + i * 4 * MS, d, 4);
  g_assert_cmpuint (bs_span_store_get_n (spans), ==, 64);
  g_assert_cmpuint (bs_span_store_get_n_total (spans), ==, 800);
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_timeline_render (c.cr, &data, &vp, &style, &info);
  canvas_save (&c, "timeline-missing");
  g_assert_true (info.missing);
  canvas_free (&c);
}

/* ---- the breakdown ---- */

static void
test_breakdown (void)
{
  static const BsPrecision precisions[] = { BS_PRECISION_FIXED, BS_PRECISION_BINARY, BS_PRECISION_FIXED,
                                            BS_PRECISION_BINARY, BS_PRECISION_FIXED, BS_PRECISION_FIXED };
  static const int groups[] = { 0, 1, 1, 2, 2, 3 };
  g_autoptr (BsOpTable) ops = bs_op_table_new_synthetic (6, precisions, groups, 4);
  double values[6 * 3] = { 0 };
  BsChartStyle style;
  BsBreakdownData data = { ops, values, "Time per inference", "median", "s", NULL, -1 };
  BsBreakdownInfo info;
  Canvas c = canvas_new (900, 360);
  double want[2] = { 0, 0 };

  for (int o = 0; o < 6; o++)
    {
      double v = (o + 1) * 1e-4;
      values[o * 3 + precisions[o]] = v;
      want[precisions[o]] += v;
    }
  /* One op with a part of each precision: a stacked bar. */
  values[4 * 3 + BS_PRECISION_BINARY] = 2e-4;
  want[BS_PRECISION_BINARY] += 2e-4;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_breakdown_render (c.cr, &data, 900, 360, &style, &info);
  canvas_save (&c, "breakdown");
  g_assert_cmpfloat_with_epsilon (info.total[BS_PRECISION_BINARY], want[0], 1e-12);
  g_assert_cmpfloat_with_epsilon (info.total[BS_PRECISION_FIXED], want[1], 1e-12);
  g_assert_cmpint (info.n_bars, ==, 6);
  g_assert_cmpfloat (info.y_max, >=, 7e-4);

  {
    int bottom = (int) (info.plot.y + info.plot.height - 3);
#define BAR_X(o) ((int) (info.plot.x + ((o) + 0.5) * info.bar_pitch))
    g_assert_true (is_color (&c, BAR_X (0), bottom, &style.precision[BS_PRECISION_FIXED]));
    g_assert_true (is_color (&c, BAR_X (1), bottom, &style.precision[BS_PRECISION_BINARY]));
    g_assert_true (is_color (&c, BAR_X (3), bottom, &style.precision[BS_PRECISION_BINARY]));
    /* Op 4: binary at the bottom, fixed point stacked on it. */
    g_assert_true (is_color (&c, BAR_X (4), bottom, &style.precision[BS_PRECISION_BINARY]));
    {
      double y_top_of_binary = info.plot.y + info.plot.height * (1 - 2e-4 / info.y_max);
      g_assert_true (is_color (&c, BAR_X (4), (int) y_top_of_binary - 4, &style.precision[BS_PRECISION_FIXED]));
    }
    /* Bar heights are proportional: op 5 (6e-4) reaches higher than op 0 (1e-4). */
    {
      int y5 = (int) (info.plot.y + info.plot.height * (1 - 5.5e-4 / info.y_max));
      g_assert_true (is_color (&c, BAR_X (5), y5, &style.precision[BS_PRECISION_FIXED]));
      g_assert_false (is_color (&c, BAR_X (0), y5, &style.precision[BS_PRECISION_FIXED]));
    }
    /* The totals bar: binary at its bottom, fixed at its top. */
    g_assert_true (is_color (&c, (int) info.totals.x + 5, (int) (info.totals.y + info.totals.height - 3),
                             &style.precision[BS_PRECISION_BINARY]));
    g_assert_true (is_color (&c, (int) info.totals.x + 5, (int) info.totals.y + 3,
                             &style.precision[BS_PRECISION_FIXED]));
  }
  g_assert_cmpint (bs_breakdown_hit (&data, &info, BAR_X (3), info.plot.y + 10), ==, 3);
  g_assert_cmpint (bs_breakdown_hit (&data, &info, 2, info.plot.y + 10), ==, -1);
  canvas_free (&c);
}

static void
test_breakdown_empty (void)
{
  static const BsPrecision precisions[] = { BS_PRECISION_FIXED, BS_PRECISION_BINARY };
  static const int groups[] = { 0, 1 };
  g_autoptr (BsOpTable) ops = bs_op_table_new_synthetic (2, precisions, groups, 2);
  double values[6] = { NAN, NAN, NAN, NAN, NAN, NAN };
  BsChartStyle style;
  BsBreakdownData data = { ops, values, "Energy", NULL, "J", "Run a layer sweep", -1 };
  BsBreakdownInfo info;
  Canvas c = canvas_new (600, 300);

  bs_chart_style_init (&style, BS_CHART_THEME_DEMO);
  bs_breakdown_render (c.cr, &data, 600, 300, &style, &info);
  canvas_save (&c, "breakdown-empty");
  g_assert_cmpint (info.n_bars, ==, 0);
  /* The message is drawn (light text on the demo's black). */
  g_assert_cmpint (count_ink (&c, (int) info.plot.x, (int) info.plot.y, (int) (info.plot.x + info.plot.width),
                              (int) (info.plot.y + info.plot.height), &style.background), >, 20);
  canvas_free (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/ticks", test_ticks);
  g_test_add_func ("/render/formats", test_formats);
  g_test_add_func ("/render/series/minmax", test_series_minmax);
  g_test_add_func ("/render/series/gaps", test_series_gaps);
  g_test_add_func ("/render/power/spike", test_power_spike);
  g_test_add_func ("/render/power/axes", test_power_axes);
  g_test_add_func ("/render/power/channels", test_power_channels);
  g_test_add_func ("/render/power/milliwatts", test_power_milliwatts);
  g_test_add_func ("/render/power/line-gap", test_power_line_gap);
  g_test_add_func ("/render/power/inferences", test_power_inferences);
  g_test_add_func ("/render/timeline/spans", test_timeline_spans);
  g_test_add_func ("/render/timeline/heat", test_timeline_heat);
  g_test_add_func ("/render/timeline/missing", test_timeline_missing);
  g_test_add_func ("/render/breakdown/stacked", test_breakdown);
  g_test_add_func ("/render/breakdown/empty", test_breakdown_empty);
  return g_test_run ();
}
