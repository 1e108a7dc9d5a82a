/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-chart-export.c: charts to files other programs read. PNG: the signature, and
 * cairo reads it back at the size asked for, with the chart's pixels. SVG: Python's
 * XML parser (an independent reader) finds an <svg> root of the right size with drawn
 * content. Errors name the file and leave an existing file alone. */
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bs-chart-export.h"
#include "bs-compare-render.h"
#include "bs-graph-layout.h"
#include "bs-graph-render.h"
#include "bs-run-colors.h"
#include "views-test-util.h"

typedef struct
{
  const BsCompareView *view;
  const BsChartStyle *style;
} CompareJob;

static void
draw_compare (cairo_t *cr, int width, int height, gpointer user_data)
{
  CompareJob *job = user_data;
  bs_compare_render (cr, job->view, width, height, job->style, NULL);
}

typedef struct
{
  const BsGraphData *data;
  const BsChartStyle *style;
} GraphJob;

static void
draw_graph (cairo_t *cr, int width, int height, gpointer user_data)
{
  GraphJob *job = user_data;
  bs_graph_render (cr, job->data, NULL, width, height, job->style, NULL);
}

static BsCompareChart *
small_chart (void)
{
  BsCompareChart *chart = bs_compare_chart_new (BS_COMPARE_TIME, 2, 3);

  for (int r = 0; r < 2; r++)
    {
      chart->runs[r].label = g_strdup_printf ("#%d", r + 1);
      chart->runs[r].total = 100e-6 * (r + 1);
      chart->runs[r].split[0] = 40e-6 * (r + 1);
      chart->runs[r].split[1] = 50e-6 * (r + 1);
      chart->runs[r].ratio = r + 1;
    }
  for (int i = 0; i < 3; i++)
    {
      chart->layers[i].name = g_strdup_printf ("layer %d <&> \"x\"", i);
      chart->layers[i].value[0] = 10e-6 * (i + 1);
      chart->layers[i].value[1] = 20e-6 * (i + 1);
      chart->layers[i].ratio[1] = 2;
      chart->layers[i].delta[1] = 10e-6 * (i + 1);
      chart->layers[i].significant[1] = TRUE;
    }
  return chart;
}

static void
check_svg (const char *path, int width, int height)
{
  const char *python = g_getenv ("BS_PYTHON3");
  g_autofree char *contents = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status;
  const char *script =
    "import sys, xml.etree.ElementTree as ET\n"
    "root = ET.parse(sys.argv[1]).getroot()\n"
    "assert root.tag.endswith('svg'), root.tag\n"
    "n = sum(1 for _ in root.iter())\n"
    "print(root.get('width'), root.get('height'), n)\n";

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_nonnull (strstr (contents, "<svg"));
  if (python == NULL || !g_file_test (python, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("no python3: the SVG was only checked for <svg");
      return;
    }
  {
    const char *argv[] = { python, "-c", script, path, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 &err, &status, &error));
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("python's XML parser refused %s: %s", path, err);
  {
    g_auto (GStrv) fields = g_strsplit (g_strstrip (out), " ", -1);
    g_autofree char *w = g_strdup_printf ("%dpx", width);
    g_autofree char *h = g_strdup_printf ("%dpx", height);

    g_assert_cmpuint (g_strv_length (fields), ==, 3);
    g_assert_true (g_str_equal (fields[0], w) || atoi (fields[0]) == width);
    g_assert_true (g_str_equal (fields[1], h) || atoi (fields[1]) == height);
    /* Bars, text as glyph outlines: many elements. */
    g_assert_cmpint (atoi (fields[2]), >, 50);
  }
}

static void
test_compare_png_svg (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bs-export-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "compare.PNG", NULL);
  g_autofree char *svg = g_build_filename (dir, "compare.svg", NULL);
  g_autoptr (BsCompareChart) chart = small_chart ();
  BsCompareView view = { .chart = chart, .selected_layer = -1 };
  BsChartStyle style;
  CompareJob job = { &view, &style };
  g_autoptr (GError) error = NULL;
  BsChartFormat format;
  int height;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  height = bs_compare_content_height (&view, &style);

  g_assert_true (bs_chart_format_from_path (png, &format));
  g_assert_cmpint (format, ==, BS_CHART_FORMAT_PNG);
  g_assert_true (bs_chart_export (png, format, 800, height, 2, draw_compare, &job, &error));
  g_assert_no_error (error);
  {
    g_autofree char *bytes = NULL;
    gsize len;
    cairo_surface_t *back;

    g_assert_true (g_file_get_contents (png, &bytes, &len, NULL));
    g_assert_cmpuint (len, >, 8);
    g_assert_true (memcmp (bytes, "\x89PNG\r\n\x1a\n", 8) == 0);
    back = cairo_image_surface_create_from_png (png);
    g_assert_cmpint (cairo_surface_status (back), ==, CAIRO_STATUS_SUCCESS);
    /* Scale 2: twice the size, the same drawing. */
    g_assert_cmpint (cairo_image_surface_get_width (back), ==, 1600);
    g_assert_cmpint (cairo_image_surface_get_height (back), ==, 2 * height);
    {
      Canvas c = { back, cairo_create (back), 1600, 2 * height };
      BsColor baseline = bs_run_color (&style, 0);
      g_assert_cmpint (canvas_count (&c, 0, 0, 1600, 2 * height, &baseline, 0.02), >, 500);
      canvas_free (&c);
    }
  }

  g_assert_true (bs_chart_format_from_path (svg, &format));
  g_assert_cmpint (format, ==, BS_CHART_FORMAT_SVG);
  g_assert_true (bs_chart_export (svg, format, 800, height, 2, draw_compare, &job, &error));
  g_assert_no_error (error);
  check_svg (svg, 800, height);

  g_assert_false (bs_chart_format_from_path ("chart.pdf", &format));
  g_assert_cmpstr (bs_chart_format_extension (BS_CHART_FORMAT_SVG), ==, "svg");

  /* A folder that does not exist: the error names the file. */
  {
    g_autofree char *bad = g_build_filename (dir, "missing", "chart.png", NULL);
    g_assert_false (bs_chart_export (bad, BS_CHART_FORMAT_PNG, 100, 100, 1, draw_compare, &job, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, bad));
    g_clear_error (&error);
  }

  g_remove (png);
  g_remove (svg);
  g_rmdir (dir);
}

static void
test_graph_svg_and_stream (void)
{
  g_autofree char *model_path = test_source_path ("data/models/blendnet20.bsm");
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = bs_model_load (model_path, &error);
  g_autoptr (BsGraphLayout) layout = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bs-export-XXXXXX", NULL);
  g_autofree char *svg = g_build_filename (dir, "graph.svg", NULL);
  BsChartStyle style;
  BsGraphData data = { .selected_layer = 3 };
  GraphJob job = { &data, &style };
  int height;

  g_assert_no_error (error);
  layout = bs_graph_layout_new (model, NULL);
  data.layout = layout;
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  height = bs_graph_content_height (layout, 1100, &style);
  g_assert_true (bs_chart_export (svg, BS_CHART_FORMAT_SVG, 1100, height, 1, draw_graph, &job, &error));
  g_assert_no_error (error);
  check_svg (svg, 1100, height);

  /* To a stream: the same bytes a file would get. */
  {
    g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
    g_autofree char *file_bytes = NULL;
    gsize file_len;

    g_assert_true (bs_chart_export_to_stream (mem, BS_CHART_FORMAT_PNG, 300, 200, 1, draw_graph,
                                              &job, &error));
    g_assert_no_error (error);
    g_output_stream_close (mem, NULL, NULL);
    g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem)), >, 100);
    g_assert_true (memcmp (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem)),
                           "\x89PNG", 4) == 0);
    g_assert_true (g_file_get_contents (svg, &file_bytes, &file_len, NULL));
    g_assert_cmpuint (file_len, >, 10000);
  }
  g_remove (svg);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chart-export/compare-png-svg", test_compare_png_svg);
  g_test_add_func ("/chart-export/graph-svg-and-stream", test_graph_svg_and_stream);
  return g_test_run ();
}
