/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-compare-render.c: the compare chart, headless. A crafted comparison of three runs
 * where exactly one layer differs significantly: bar lengths proportional to the values
 * at known rows, the significant bar filled and marked, the others hollow and unmarked,
 * totals split by precision, scrolling and hit-testing. Then a real comparison from the
 * session store: the chart shows what bs_query_compare computed. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "bs-compare-render.h"
#include "bs-record.h"
#include "bs-run-colors.h"
#include "views-test-util.h"

#define N_LAYERS 6

/* Layer i has means (i + 1) × 10 µs in the baseline and ×1.1, ×0.9 in the others;
 * only layer 2 of run 1 is significant. */
static BsCompareChart *
crafted (void)
{
  BsCompareChart *chart = bs_compare_chart_new (BS_COMPARE_TIME, 3, N_LAYERS);
  static const char *const names[N_LAYERS] = {
    "stem.conv", "stage1.0.main.conv", "stage1.0.skip.conv", "stage1.0.add", "stage1.1.main.conv", "head.fc",
  };
  static const double factor[3] = { 1, 1.1, 0.9 };

  for (int r = 0; r < 3; r++)
    {
      chart->runs[r].label = g_strdup_printf ("#%d %s", 10 + r, r == 0 ? "cpu" : r == 1 ? "csim" : "xrt");
      chart->runs[r].detail = g_strdup ("blendnet20 · host clock");
      chart->runs[r].total = 400e-6 * factor[r];
      chart->runs[r].split[BS_PRECISION_BINARY] = 150e-6 * factor[r];
      chart->runs[r].split[BS_PRECISION_FIXED] = 200e-6 * factor[r];
      chart->runs[r].ratio = factor[r];
      chart->runs[r].p = r == 0 ? NAN : 0.3;
    }
  for (int i = 0; i < N_LAYERS; i++)
    {
      BsCompareLayer *l = &chart->layers[i];

      l->name = g_strdup (names[i]);
      l->precision = strstr (names[i], "main") ? BS_PRECISION_BINARY : BS_PRECISION_FIXED;
      l->path = strstr (names[i], "main") ? BS_PATH_MAIN : strstr (names[i], "skip") ? BS_PATH_SKIP
                : BS_PATH_MERGE;
      l->group = i == 0 ? 0 : i < 4 ? 1 : i < 5 ? 2 : 3;
      for (int r = 0; r < 3; r++)
        {
          l->value[r] = (i + 1) * 10e-6 * factor[r];
          l->delta[r] = l->value[r] - l->value[0];
          l->ratio[r] = factor[r];
          l->p[r] = r == 0 ? NAN : 0.5;
        }
    }
  chart->layers[2].significant[1] = TRUE;
  chart->layers[2].p[1] = 0.001;
  /* One interval, to see its whisker. */
  chart->layers[5].lo[0] = 55e-6;
  chart->layers[5].hi[0] = 65e-6;
  return chart;
}

static void
test_bars_and_marks (void)
{
  g_autoptr (BsCompareChart) chart = crafted ();
  BsCompareView view = { .chart = chart, .selected_layer = 4 };
  BsChartStyle style;
  BsCompareInfo info;
  int width = 1000, height;
  Canvas c;
  double per_unit;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  height = bs_compare_content_height (&view, &style);
  c = canvas_new (width, height);
  bs_compare_render (c.cr, &view, width, height, &style, &info);
  canvas_save (&c, "compare-crafted");

  g_assert_cmpint (info.n_visible, ==, N_LAYERS);
  g_assert_cmpint (info.n_bars, ==, N_LAYERS * 3);
  /* Hollow: every bar of runs 1 and 2 but one. */
  g_assert_cmpint (info.n_hollow, ==, N_LAYERS * 2 - 1);
  g_assert_cmpint (info.n_marks, ==, 1);
  g_assert_cmpfloat (info.x_max, >=, 66e-6);

  for (int i = 0; i < N_LAYERS; i++)
    for (int r = 0; r < 3; r++)
      {
        BsRect bar;
        BsColor color = bs_run_color (&style, r);
        int y, end;

        g_assert_true (bs_compare_bar_rect (&info, chart, i, r, &bar));
        /* Lengths proportional to the values (to the pixel): the same px per second for
         * every bar, the axis's. */
        per_unit = info.plot.width / info.x_max;
        g_assert_cmpfloat (fabs (bar.width - chart->layers[i].value[r] * per_unit), <=, 0.5);
        g_assert_cmpfloat (bar.width, >, 20);
        y = (int) (bar.y + 2);
        end = (int) (bar.x + bar.width);
        /* The bar's end: its colour just inside (the outline of a hollow bar), the
         * band just outside. */
        g_assert_true (canvas_is (&c, end - 1, y, &color, 0.05));
        g_assert_false (canvas_is (&c, end + 3, y, &color, 0.3));
        /* Filled or hollow: the middle of the bar. */
        if (r == 0 || (i == 2 && r == 1))
          g_assert_true (canvas_is (&c, (int) (bar.x + bar.width / 2), (int) (bar.y + bar.height / 2), &color, 0.05));
        else
          g_assert_false (canvas_is (&c, (int) (bar.x + bar.width / 2), (int) (bar.y + bar.height / 2), &color, 0.3));
      }

  /* The significance mark: in the numbers column, on layer 2's run-1 line only. */
  for (int i = 0; i < N_LAYERS; i++)
    for (int r = 1; r < 3; r++)
      {
        BsRect bar;
        BsColor color = bs_run_color (&style, r);
        int n;

        bs_compare_bar_rect (&info, chart, i, r, &bar);
        n = canvas_count (&c, (int) info.values_x, (int) bar.y - 2, width - (int) info.values_x - 12,
                          (int) bar.height + 4, &color, 0.15);
        if (i == 2 && r == 1)
          g_assert_cmpint (n, >, 8);
        else
          g_assert_cmpint (n, ==, 0);
      }

  /* Rows: hit-testing, and a row's band is the selected one. */
  {
    BsRect bar;
    bs_compare_bar_rect (&info, chart, 3, 0, &bar);
    g_assert_cmpint (bs_compare_hit (&info, 50, bar.y), ==, 3);
    g_assert_cmpint (bs_compare_hit (&info, 50, info.plot.y - 5), ==, -1);
    g_assert_cmpint (bs_compare_hit (&info, 50, info.plot.y + N_LAYERS * info.row_height + 3), ==, -1);
    bs_compare_bar_rect (&info, chart, 4, 0, &bar);
    g_assert_true (canvas_is (&c, 13, (int) bar.y, &style.text, 0.05));
    bs_compare_bar_rect (&info, chart, 3, 0, &bar);
    g_assert_false (canvas_is (&c, 13, (int) bar.y, &style.text, 0.3));
  }

  /* Totals: per run a bar split into binary and fixed point, in proportion. */
  {
    int y = (int) (info.totals.y + round (style.font_size * 1.9) + round (style.font_size * 2.7) / 2);
    int bin = canvas_count (&c, (int) info.plot.x, y, (int) info.plot.width, 1,
                            &style.precision[BS_PRECISION_BINARY], 0.05);
    int fix = canvas_count (&c, (int) info.plot.x, y, (int) info.plot.width, 1,
                            &style.precision[BS_PRECISION_FIXED], 0.05);

    g_assert_cmpint (bin, >, 20);
    g_assert_cmpfloat (fabs ((double) fix / bin - 200.0 / 150.0), <, 0.05);
  }
  canvas_free (&c);
}

static void
test_scroll_and_missing (void)
{
  g_autoptr (BsCompareChart) chart = crafted ();
  BsCompareView view = { .chart = chart, .first_layer = 3, .selected_layer = -1, .hide_totals = TRUE };
  BsChartStyle style;
  BsCompareInfo info;
  BsRect bar;
  Canvas c = canvas_new (700, 260);

  chart->layers[4].value[2] = NAN;    /* not in that run */
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_compare_render (c.cr, &view, 700, 260, &style, &info);
  canvas_save (&c, "compare-scrolled");
  g_assert_cmpint (info.first_layer, ==, 3);
  g_assert_false (bs_compare_bar_rect (&info, chart, 2, 0, &bar));
  g_assert_true (bs_compare_bar_rect (&info, chart, 3, 0, &bar));
  g_assert_cmpfloat (bar.y, <, info.plot.y + info.row_height);
  g_assert_cmpfloat (info.totals.height, ==, 0);
  /* Rows 3, 4 and 5 fit; row 4 has one bar fewer. */
  g_assert_cmpint (info.n_visible, ==, 3);
  g_assert_cmpint (info.n_bars, ==, 8);
  canvas_free (&c);

  /* The demo theme. */
  {
    BsChartStyle demo;
    Canvas d = canvas_new (1400, 700);

    bs_chart_style_init (&demo, BS_CHART_THEME_DEMO);
    view.first_layer = 0;
    view.hide_totals = FALSE;
    bs_compare_render (d.cr, &view, 1400, 700, &demo, &info);
    canvas_save (&d, "compare-demo");
    g_assert_true (canvas_is (&d, 1, 699, &demo.background, 0.01));
    canvas_free (&d);
  }
}

static void
test_empty (void)
{
  g_autoptr (BsCompareChart) chart = bs_compare_chart_new (BS_COMPARE_ENERGY, 2, 0);
  BsCompareView view = { .chart = chart, .selected_layer = -1 };
  BsCompareView nothing = { .chart = NULL, .selected_layer = -1 };
  BsChartStyle style;
  BsCompareInfo info;
  Canvas c = canvas_new (500, 300);

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_compare_render (c.cr, &view, 500, 300, &style, &info);
  g_assert_cmpint (info.n_bars, ==, 0);
  g_assert_cmpint (info.n_marks, ==, 0);
  g_assert_cmpint (bs_compare_hit (&info, 100, 200), ==, -1);
  bs_compare_render (c.cr, &nothing, 500, 300, &style, &info);
  g_assert_cmpint (cairo_status (c.cr), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (bs_compare_content_height (&view, &style), >, 100);
  canvas_free (&c);
}

static void
test_palette (void)
{
  BsChartStyle style;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  /* Run colours are neither precision colour, nor each other. */
  for (int r = 0; r < BS_RUN_COLORS; r++)
    {
      BsColor a = bs_run_color (&style, r);
      double rgb[3] = { a.r, a.g, a.b };

      for (int p = 0; p < 3; p++)
        g_assert_cmpfloat (color_distance (rgb, &style.precision[p]), >, 0.3);
      for (int q = r + 1; q < BS_RUN_COLORS; q++)
        {
          BsColor b = bs_run_color (&style, q);
          g_assert_cmpfloat (color_distance (rgb, &b), >, 0.3);
        }
    }
  {
    const char *cases[][2] = {
      { "stage1.0.main.conv", "stage1.0" }, { "mixer0.token.skip.fc", "mixer0.token" },
      { "stage1.0.add", "stage1.0" }, { "stem.conv", "stem" }, { "fc", "fc" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *group = bs_compare_group_of (cases[i][0]);
        g_assert_cmpstr (group, ==, cases[i][1]);
      }
  }
}

/* From the store */

static void
remove_db (const char *dir, const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_remove (path);
  g_remove (wal);
  g_remove (shm);
  g_rmdir (dir);
}

static const BsRunLayer layers[] = {
  { "stem.conv", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_STEM, 0, { { 8, 1000 } }, 0, 0 },
  { "stage1.0.main.conv", BS_LAYER_CONV_BINARY, BS_PRECISION_BINARY, BS_PATH_MAIN, 5000, { { 0, 0 } }, 0, 0 },
  { "stage1.0.skip.conv", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_SKIP, 0, { { 8, 300 } }, 0, 0 },
};

/* 40 inferences; layer 1 lasts `slow` ns more in this run; durations jitter ±(i % 5). */
static int64_t
record (const char *path, const char *backend, int64_t slow)
{
  g_autoptr (BsModel) model = bs_model_new ("tiny", (BsShape) { 3, 8, 8 });
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  const int64_t t0 = 1000000000;
  int64_t t = t0;
  BsRunInfo info = { .backend = backend, .layers = layers, .n_layers = 3, .t0_ns = t0 };
  BsRecordData data = { 0 };
  g_autoptr (GError) error = NULL;
  int64_t run;

  for (int i = 0; i < 40; i++)
    for (int k = 0; k < 3; k++)
      {
        int64_t d = (k + 1) * 1000 + (i % 5) * 20 + (k == 1 ? slow : 0);
        BsLayerEvent e = { i, k, t, t + d, BS_CLOCK_HOST };
        g_array_append_val (events, e);
        t += d + 100;
      }
  for (int64_t s = t0 - 1000; s < t + 1000; s += 777)
    {
      BsSample p = { s, 0, BS_QUANTITY_POWER, BS_UNIT_WATT, 3.0 + 0.01 * ((s / 777) % 3) };
      g_array_append_val (samples, p);
    }
  data = (BsRecordData) { (const BsLayerEvent *) (void *) events->data, events->len,
                          (const BsSample *) (void *) samples->data, samples->len, NULL, 0 };
  run = bs_record_run (path, model, &info, &data, BS_RUN_COMPLETE, &error);
  g_assert_no_error (error);
  return run;
}

static void
test_from_comparison (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bs-views-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "runs.db", NULL);
  g_autoptr (GError) error = NULL;
  int64_t runs[2];
  g_autoptr (BsStore) store = NULL;
  g_autoptr (BsComparison) cmp = NULL;
  g_autoptr (BsCompareChart) chart = NULL;
  g_autoptr (BsCompareChart) energy = NULL;
  BsRun *run_records[2];
  BsChartStyle style;
  BsCompareView view = { .selected_layer = -1 };
  BsCompareInfo info;
  Canvas c;
  int h;

  runs[0] = record (path, "cpu", 0);
  runs[1] = record (path, "csim", 300);
  store = bs_store_open (path, BS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  cmp = bs_query_compare (store, runs, 2, &error);
  g_assert_no_error (error);
  for (int r = 0; r < 2; r++)
    {
      run_records[r] = bs_store_get_run (store, runs[r], &error);
      g_assert_no_error (error);
    }

  chart = bs_compare_chart_new_from_comparison (cmp, BS_COMPARE_TIME, run_records);
  g_assert_cmpint (chart->n_runs, ==, 2);
  g_assert_cmpint (chart->n_layers, ==, 3);
  g_assert_cmpstr (chart->runs[1].label, ==, "#2 csim");
  g_assert_cmpint (bs_compare_chart_find_layer (chart, "stage1.0.skip.conv"), ==, 2);
  g_assert_cmpint (bs_compare_chart_find_layer (chart, "nope"), ==, -1);
  g_assert_null (chart->warning);
  for (int i = 0; i < 3; i++)
    {
      const BsCompareRow *row = &g_array_index (cmp->rows, BsCompareRow, i);
      g_assert_cmpstr (chart->layers[i].name, ==, row->name);
      g_assert_cmpfloat (chart->layers[i].value[1], ==, row->time_ns.value[1].mean * 1e-9);
      g_assert_cmpint (chart->layers[i].significant[1], ==, row->time_ns.significant[1]);
      g_assert_cmpfloat (chart->layers[i].lo[0], <, chart->layers[i].value[0]);
    }
  /* Only the slowed layer differs: 300 ns on 2 µs with a spread of some 30 ns. */
  g_assert_true (chart->layers[1].significant[1]);
  g_assert_false (chart->layers[0].significant[1]);
  g_assert_cmpfloat (fabs (chart->layers[1].delta[1] - 300e-9), <, 1e-12);
  g_assert_cmpint (chart->layers[1].group, ==, chart->layers[2].group);
  g_assert_cmpint (chart->layers[0].group, !=, chart->layers[1].group);
  g_assert_cmpfloat (chart->runs[1].total, >, chart->runs[0].total);
  g_assert_cmpfloat (chart->runs[0].split[BS_PRECISION_BINARY], ==, cmp->totals[0].split.time_ns[BS_PRECISION_BINARY] * 1e-9);

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  view.chart = chart;
  h = bs_compare_content_height (&view, &style);
  c = canvas_new (900, h);
  bs_compare_render (c.cr, &view, 900, h, &style, &info);
  canvas_save (&c, "compare-from-store");
  g_assert_cmpint (info.n_marks, ==, 1 + (chart->runs[1].significant ? 1 : 0));
  canvas_free (&c);

  /* Energy: per layer as the comparison computed it, with the stored figures. */
  energy = bs_compare_chart_new_from_comparison (cmp, BS_COMPARE_ENERGY, run_records);
  {
    g_autoptr (GArray) stats = bs_query_layer_stats (store, runs[0], &error);
    const BsLayerStats *st = &g_array_index (stats, BsLayerStats, 1);

    g_assert_no_error (error);
    g_assert_cmpfloat (energy->layers[1].value[0], ==, st->energy_j);
    g_assert_cmpfloat_with_epsilon (energy->layers[1].lo[0], st->energy_lo_j, 1e-12 * st->energy_j);
    g_assert_cmpfloat_with_epsilon (energy->layers[1].hi[0], st->energy_hi_j, 1e-12 * st->energy_j);
  }
  g_assert_true (energy->layers[1].significant[1]);
  g_assert_false (energy->layers[0].significant[1]);
  g_assert_cmpfloat (energy->runs[0].total, ==, cmp->totals[0].energy_per_inference_j);
  view.chart = energy;
  c = canvas_new (900, h);
  bs_compare_render (c.cr, &view, 900, h, &style, &info);
  canvas_save (&c, "compare-energy");
  canvas_free (&c);

  for (int r = 0; r < 2; r++)
    bs_run_free (run_records[r]);
  remove_db (dir, path);
}

/* The significance marks `blendscope-cli compare` prints for each layer, in the table
 * that follows the line starting with `section` (up to the next blank line after the
 * rows): '*' after the p cell of the compared run. */
static GHashTable *
cli_marks (const char *output, const char *section)
{
  g_autoptr (GHashTable) marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = g_strsplit (output, "\n", -1);
  int i = 0;

  while (lines[i] != NULL && !g_str_has_prefix (lines[i], section))
    i++;
  g_assert_nonnull (lines[i]);
  /* The blank line, the header, then one line per layer. */
  for (i += 3; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_auto (GStrv) cells = g_strsplit_set (g_strstrip (lines[i]), " ", 2);
      g_hash_table_insert (marks, g_strdup (cells[0]),
                           GINT_TO_POINTER (strchr (lines[i], '*') != NULL));
    }
  return g_steal_pointer (&marks);
}

/* The mark on the CLI's line for a run total ("latency per inference"). */
static gboolean
cli_total_mark (const char *output, const char *label)
{
  const char *line = strstr (output, label);
  const char *end;

  g_assert_nonnull (line);
  end = strchr (line, '\n');
  return memchr (line, '*', end != NULL ? (gsize) (end - line) : strlen (line)) != NULL;
}

static void
assert_same_marks (const BsCompareChart *chart, GHashTable *marks)
{
  g_assert_cmpuint (g_hash_table_size (marks), ==, chart->n_layers);
  for (int i = 0; i < chart->n_layers; i++)
    {
      gpointer mark;

      g_assert_true (g_hash_table_lookup_extended (marks, chart->layers[i].name, NULL, &mark));
      g_test_message ("%s: chart %d, cli %d", chart->layers[i].name, chart->layers[i].significant[1],
                      GPOINTER_TO_INT (mark));
      g_assert_cmpint (chart->layers[i].significant[1], ==, GPOINTER_TO_INT (mark));
    }
}

/* The command line and the Compare view's data say the same, for time and for energy:
 * both come from bs_query_compare, and neither tests anything itself. */
static void
test_same_marks_as_cli (void)
{
  const char *cli = g_getenv ("BS_CLI");
  g_autofree char *dir = g_dir_make_tmp ("bs-views-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "runs.db", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (BsComparison) cmp = NULL;
  g_autoptr (BsCompareChart) time = NULL, energy = NULL;
  g_autoptr (GHashTable) time_marks = NULL, energy_marks = NULL;
  int64_t runs[2];
  int status;

  if (cli == NULL)
    {
      g_test_skip ("BS_CLI is not set (meson test sets it)");
      return;
    }
  runs[0] = record (path, "cpu", 0);
  runs[1] = record (path, "csim", 300);
  {
    g_autofree char *a = g_strdup_printf ("%" G_GINT64_FORMAT, runs[0]);
    g_autofree char *b = g_strdup_printf ("%" G_GINT64_FORMAT, runs[1]);
    const char *argv[] = { cli, "compare", "--db", path, a, b, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
  }
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  store = bs_store_open (path, BS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  cmp = bs_query_compare (store, runs, 2, &error);
  g_assert_no_error (error);
  time = bs_compare_chart_new_from_comparison (cmp, BS_COMPARE_TIME, NULL);
  energy = bs_compare_chart_new_from_comparison (cmp, BS_COMPARE_ENERGY, NULL);
  time_marks = cli_marks (out, "per-layer mean time");
  energy_marks = cli_marks (out, "per-layer mean energy");
  assert_same_marks (time, time_marks);
  assert_same_marks (energy, energy_marks);
  g_assert_cmpint (time->runs[1].significant, ==, cli_total_mark (out, "latency per inference"));
  g_assert_cmpint (energy->runs[1].significant, ==, cli_total_mark (out, "energy per inference"));
  /* Not vacuous: the slowed layer is marked, the others are not. */
  g_assert_true (time->layers[1].significant[1] && energy->layers[1].significant[1]);
  g_assert_false (time->layers[0].significant[1] || energy->layers[0].significant[1]);
  remove_db (dir, path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/compare-render/bars-and-marks", test_bars_and_marks);
  g_test_add_func ("/compare-render/scroll-and-missing", test_scroll_and_missing);
  g_test_add_func ("/compare-render/palette", test_palette);
  g_test_add_func ("/compare-render/empty", test_empty);
  g_test_add_func ("/compare-render/from-comparison", test_from_comparison);
  g_test_add_func ("/compare-render/same-marks-as-cli", test_same_marks_as_cli);
  return g_test_run ();
}
