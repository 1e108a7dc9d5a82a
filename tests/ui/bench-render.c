/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-render.c: frame render time of the chart renderers with long histories, on a
 * cairo image surface (what the widgets draw into their cairo node), no display needed.
 *
 * The power chart holds 10 million samples (a 1 kHz meter for 2.8 hours); each frame is
 * rendered at the Live view's size. Side by side in the same run: decimating the same
 * columns by scanning every sample in view (no pyramid), to show what the pyramid buys.
 * Then the timeline (1 M layer spans of a BlendNet-20-shaped model) and the breakdown.
 * Prints ms per frame (CPU time of the rendering thread); `meson test -C BUILD --benchmark
 * --suite ui -v` runs it. Not a timed test. */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "bs-breakdown-render.h"
#include "bs-power-chart-render.h"
#include "bs-power-series.h"
#include "bs-span-store.h"
#include "bs-timeline-render.h"

#define N_SAMPLES 10000000
#define RATE_HZ 1000
#define S ((int64_t) 1000000000)
#define T0 ((int64_t) 5000 * S)
#define WIDTH 1280
#define POWER_HEIGHT 360
#define TIMELINE_HEIGHT 260

typedef struct
{
  double mean_ms, max_ms;
} Timing;

/* CPU time of this thread: what a frame costs the UI thread, and much less disturbed
 * than wall time when other processes share the machine. */
static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static Timing
time_power (cairo_t *cr, const BsPowerChartData *data, int64_t start, int64_t end, int frames,
            const BsChartStyle *style, BsPowerChartInfo *info)
{
  Timing t = { 0, 0 };

  for (int f = 0; f < frames; f++)
    {
      /* Move a little every frame, as a following view does: nothing can be cached. */
      int64_t shift = (int64_t) f * (end - start) / 1000;
      BsChartViewport vp = bs_chart_viewport_init (WIDTH, POWER_HEIGHT, start + shift, end + shift);
      double t0 = now_ms (), dt;

      bs_power_chart_render (cr, data, &vp, style, info);
      cairo_surface_flush (cairo_get_target (cr));
      dt = now_ms () - t0;
      t.mean_ms += dt / frames;
      t.max_ms = MAX (t.max_ms, dt);
    }
  return t;
}

/* The same columns by brute force: every sample in view visited once per frame. */
static double
time_scan_decimate (const BsPowerSeries *s, int64_t start, int64_t end, int n_cols, int frames)
{
  g_autofree float *min = g_new (float, n_cols);
  g_autofree float *max = g_new (float, n_cols);
  double total = 0, sink = 0;

  for (int f = 0; f < frames; f++)
    {
      double t0 = now_ms ();
      gsize i = bs_power_series_lower_bound (s, start);
      gsize n = bs_power_series_get_n (s);
      double span = (double) (end - start);

      for (int c = 0; c < n_cols; c++)
        {
          int64_t c_end = start + (int64_t) (span * (c + 1) / n_cols);
          float lo = INFINITY, hi = -INFINITY;
          for (; i < n && bs_power_series_get_time (s, i) < c_end; i++)
            {
              float v = (float) bs_power_series_get_value (s, i);
              lo = MIN (lo, v);
              hi = MAX (hi, v);
            }
          min[c] = lo;
          max[c] = hi;
        }
      total += now_ms () - t0;
      sink += min[n_cols / 2] + max[n_cols / 2];
    }
  if (sink == 12345.678)
    printf ("#\n");
  return total / frames;
}

static double
time_pyramid_decimate (const BsPowerSeries *s, int64_t start, int64_t end, int n_cols, int frames)
{
  g_autofree float *min = g_new (float, n_cols);
  g_autofree float *max = g_new (float, n_cols);
  double total = 0;

  for (int f = 0; f < frames; f++)
    {
      double t0 = now_ms ();
      bs_power_series_decimate (s, start, end, (guint) n_cols, 2 * S, min, max);
      total += now_ms () - t0;
    }
  return total / frames;
}

/* A BlendNet-20-shaped op table: stem, 18 modules of 4 ops (binary main conv, fixed skip
 * conv, add, batchnorm), head. */
static BsOpTable *
blendnet_like_ops (void)
{
  BsPrecision precisions[80];
  int groups[80];
  int n = 0;

  for (int i = 0; i < 3; i++, n++)
    {
      precisions[n] = BS_PRECISION_FIXED;
      groups[n] = 0;
    }
  for (int m = 0; m < 18; m++)
    for (int i = 0; i < 4; i++, n++)
      {
        precisions[n] = i == 0 ? BS_PRECISION_BINARY : BS_PRECISION_FIXED;
        groups[n] = 1 + m;
      }
  precisions[n] = BS_PRECISION_FIXED;
  groups[n++] = 19;
  return bs_op_table_new_synthetic (n, precisions, groups, 20);
}

int
main (int argc, char **argv)
{
  g_autoptr (BsPowerSeries) series = bs_power_series_new ();
  g_autoptr (BsSpanStore) spans = bs_span_store_new (1 << 20);
  g_autoptr (BsOpTable) ops = blendnet_like_ops ();
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, POWER_HEIGHT);
  cairo_t *cr = cairo_create (surface);
  BsChartStyle style;
  BsPowerChartData data = { series, spans, T0, "Power", "bench", "W", 0, NULL };
  BsPowerChartInfo info;
  GRand *rand = g_rand_new_with_seed (42);
  double t0;
  int64_t end = T0 + (int64_t) N_SAMPLES * (S / RATE_HZ);
  int n_cols;
  Timing full, follow, middle;
  double scan_full, pyr_full, scan_mid, pyr_mid;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_span_store_clear (spans, T0, ops);

  t0 = now_ms ();
  for (gsize i = 0; i < N_SAMPLES; i++)
    {
      double t = (double) i / RATE_HZ;
      /* Idle 3 W, a busy plateau of 7 W in bursts, meter noise. */
      double w = (fmod (t, 60) < 40 ? 7.0 : 3.0) + 0.2 * sin (t * 0.7) + g_rand_double_range (rand, -0.05, 0.05);
      bs_power_series_append (series, T0 + (int64_t) i * (S / RATE_HZ), w);
    }
  printf ("# power series: %d samples appended in %.0f ms (%.0f ns each), %.0f MB held\n",
          N_SAMPLES, now_ms () - t0, (now_ms () - t0) * 1e6 / N_SAMPLES,
          bs_power_series_get_memory (series) / 1e6);

  /* The end of the run has layer events: 16 k inferences of 76 ops, 400 µs each. */
  {
    BsLayerEvent e[80];
    int64_t t = end - (int64_t) 16384 * 1000000;
    for (int inf = 0; inf < 16384; inf++, t += 1000000)
      {
        int64_t at = t;
        for (int o = 0; o < ops->n_ops; o++)
          {
            int64_t d = ops->ops[o].precision == BS_PRECISION_BINARY ? 9000 : 3500;
            e[o] = (BsLayerEvent) { inf, o, at, at + d, BS_CLOCK_HOST };
            at += d;
          }
        bs_span_store_append_inference (spans, e, ops->n_ops);
      }
  }

  n_cols = WIDTH - 100;
  full = time_power (cr, &data, T0, end, 60, &style, &info);
  printf ("power chart %dx%d, %d samples, whole history (%zu in view, envelope): %.2f ms/frame (max %.2f)\n",
          WIDTH, POWER_HEIGHT, N_SAMPLES, info.n_in_view, full.mean_ms, full.max_ms);
  middle = time_power (cr, &data, T0 + 3000 * S, T0 + 3600 * S, 60, &style, &info);
  printf ("power chart %dx%d, %d samples, 10 min window (%zu in view, envelope): %.2f ms/frame (max %.2f)\n",
          WIDTH, POWER_HEIGHT, N_SAMPLES, info.n_in_view, middle.mean_ms, middle.max_ms);
  follow = time_power (cr, &data, end - 30 * S, end, 60, &style, &info);
  printf ("power chart %dx%d, %d samples, following the last 30 s (%zu in view): %.2f ms/frame (max %.2f)\n",
          WIDTH, POWER_HEIGHT, N_SAMPLES, info.n_in_view, follow.mean_ms, follow.max_ms);

  pyr_full = time_pyramid_decimate (series, T0, end, n_cols, 20);
  scan_full = time_scan_decimate (series, T0, end, n_cols, 5);
  pyr_mid = time_pyramid_decimate (series, T0 + 3000 * S, T0 + 3600 * S, n_cols, 20);
  scan_mid = time_scan_decimate (series, T0 + 3000 * S, T0 + 3600 * S, n_cols, 5);
  printf ("decimation to %d columns, whole history: pyramid %.3f ms, scanning every sample %.1f ms: %.0fx\n",
          n_cols, pyr_full, scan_full, scan_full / pyr_full);
  printf ("decimation to %d columns, 10 min window: pyramid %.3f ms, scanning every sample %.1f ms: %.0fx\n",
          n_cols, pyr_mid, scan_mid, scan_mid / pyr_mid);

  /* Timeline. */
  {
    cairo_surface_t *ts = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, TIMELINE_HEIGHT);
    cairo_t *tcr = cairo_create (ts);
    BsTimelineData td = { spans, ops, T0, "Layers", TRUE, NULL };
    BsTimelineInfo tinfo;
    struct { const char *what; int64_t span_ns; } cases[] = {
      { "following the last 30 s (heat map from per-inference sums)", 30 * S },
      { "last 16 s: every kept inference in view (heat map)", 16 * S },
      { "one inference (spans one by one, labelled)", 1000000 },
    };

    for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
      {
        double total = 0, worst = 0;
        for (int f = 0; f < 30; f++)
          {
            int64_t shift = (int64_t) f * 1000;
            BsChartViewport vp = bs_chart_viewport_init (WIDTH, TIMELINE_HEIGHT, end - cases[k].span_ns - shift,
                                                         end - shift);
            double a = now_ms (), dt;
            bs_timeline_render (tcr, &td, &vp, &style, &tinfo);
            cairo_surface_flush (ts);
            dt = now_ms () - a;
            total += dt;
            worst = MAX (worst, dt);
          }
        printf ("timeline %dx%d, %zu spans kept (%zu inferences), %s: %.2f ms/frame (max %.2f)\n", WIDTH,
                TIMELINE_HEIGHT, bs_span_store_get_n (spans), bs_span_store_get_n_inferences (spans),
                cases[k].what, total / 30, worst);
      }
    cairo_destroy (tcr);
    cairo_surface_destroy (ts);
  }

  /* Breakdown. */
  {
    cairo_surface_t *bsurf = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, 330);
    cairo_t *bcr = cairo_create (bsurf);
    g_autofree double *values = g_new0 (double, ops->n_ops * 3);
    BsBreakdownData bd = { ops, values, "Time per inference", NULL, "s", NULL, -1 };
    double total = 0;

    for (int o = 0; o < ops->n_ops; o++)
      values[o * 3 + ops->ops[o].precision] = (o % 7 + 1) * 1e-5;
    for (int f = 0; f < 30; f++)
      {
        double a = now_ms ();
        bs_breakdown_render (bcr, &bd, WIDTH, 330, &style, NULL);
        cairo_surface_flush (bsurf);
        total += now_ms () - a;
      }
    printf ("breakdown %dx330, %d ops: %.2f ms/frame\n", WIDTH, ops->n_ops, total / 30);
    cairo_destroy (bcr);
    cairo_surface_destroy (bsurf);
  }

  g_rand_free (rand);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return 0;
}
