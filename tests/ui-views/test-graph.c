/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-graph.c: the model graph. Layout of every bundled model: Blend modules as boxes
 * with the main path left of the skip path, side by side, the merge below; no node box
 * overlaps another; edges are axis-parallel, join the right nodes and pass through no
 * other node; hit-testing returns the layer under a point; the same model gives the
 * same coordinates. Render: nodes in their precision's colour, a heat map whose colour
 * darkens monotonically with the metric, the selected layer outlined. */
#include <math.h>
#include <string.h>

#include "bs-clock.h"
#include "bs-graph-layout.h"
#include "bs-graph-metrics.h"
#include "bs-graph-render.h"
#include "views-test-util.h"

static BsModel *
load (const char *name)
{
  g_autofree char *file = g_strdup_printf ("data/models/%s.bsm", name);
  g_autofree char *path = test_source_path (file);
  g_autoptr (GError) error = NULL;
  BsModel *model = bs_model_load (path, &error);

  g_assert_no_error (error);
  return model;
}

static gboolean
overlap (const BsRect *a, const BsRect *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width && a->y < b->y + b->height
         && b->y < a->y + a->height;
}

static gboolean
inside (const BsRect *in, const BsRect *out)
{
  return in->x >= out->x && in->y >= out->y && in->x + in->width <= out->x + out->width
         && in->y + in->height <= out->y + out->height;
}

/* What every layout must satisfy, whatever the model. */
static void
check_layout (const BsModel *model, const BsGraphLayout *layout)
{
  int n_layers = bs_model_n_layers (model);
  int expected_edges = 1;

  g_assert_cmpint (layout->n_layers, ==, n_layers);
  g_assert_cmpint (layout->n_modules, ==, (int) model->modules->len);

  /* Every layer has a node that says which it is. */
  for (int i = 0; i < n_layers; i++)
    {
      const BsGraphNode *n = bs_graph_layout_node_of_layer (layout, i);
      const BsLayer *l = bs_model_layer (model, i);

      g_assert_nonnull (n);
      g_assert_cmpint (n->layer, ==, i);
      g_assert_cmpint (n->precision, ==, l->precision);
      g_assert_cmpint (n->module, ==, l->module);
      g_assert_nonnull (n->label);
      g_assert_nonnull (n->detail);
      for (int k = 0; k < l->n_inputs; k++)
        expected_edges++;
    }

  /* No two boxes overlap; all of them inside the graph. */
  for (int i = 0; i < layout->n_nodes; i++)
    {
      const BsRect *a = &layout->nodes[i].box;

      g_assert_true (inside (a, &(BsRect) { 0, 0, layout->width, layout->height }));
      for (int j = i + 1; j < layout->n_nodes; j++)
        if (overlap (a, &layout->nodes[j].box))
          g_error ("%s overlaps %s", layout->nodes[i].label, layout->nodes[j].label);
    }
  for (int i = 0; i < layout->n_modules; i++)
    for (int j = i + 1; j < layout->n_modules; j++)
      g_assert_false (overlap (&layout->modules[i].box, &layout->modules[j].box));

  /* Stage headers: inside the graph, clear of every node and module box. */
  for (int i = 0; i < layout->n_stages; i++)
    {
      const BsRect *h = &layout->stages[i].box;

      g_assert_true (inside (h, &(BsRect) { 0, 0, layout->width, layout->height }));
      for (int j = 0; j < layout->n_nodes; j++)
        if (overlap (h, &layout->nodes[j].box))
          g_error ("stage header %s overlaps %s", layout->stages[i].name, layout->nodes[j].label);
      for (int j = 0; j < layout->n_modules; j++)
        g_assert_false (overlap (h, &layout->modules[j].box));
    }

  /* Modules: their layers inside their box, main lane left of the skip lane and beside
   * it, merges below both. */
  for (int m = 0; m < layout->n_modules; m++)
    {
      const BsGraphModuleBox *box = &layout->modules[m];
      double main_right = -INFINITY, skip_left = INFINITY;
      double main_top = INFINITY, main_bottom = -INFINITY, skip_top = INFINITY, skip_bottom = -INFINITY;
      double branch_bottom = -INFINITY;
      gboolean branched = FALSE;

      for (int i = 0; i < n_layers; i++)
        {
          const BsLayer *l = bs_model_layer (model, i);
          const BsGraphNode *n = bs_graph_layout_node_of_layer (layout, i);

          if (l->module != box->module)
            continue;
          g_assert_true (inside (&n->box, &box->box));
          if (l->path == BS_PATH_MAIN)
            {
              main_right = MAX (main_right, n->box.x + n->box.width);
              main_top = MIN (main_top, n->box.y);
              main_bottom = MAX (main_bottom, n->box.y + n->box.height);
              g_assert_cmpfloat (fabs (n->box.x + n->box.width / 2 - box->main_x), <, 1e-9);
            }
          else if (l->path == BS_PATH_SKIP)
            {
              skip_left = MIN (skip_left, n->box.x);
              skip_top = MIN (skip_top, n->box.y);
              skip_bottom = MAX (skip_bottom, n->box.y + n->box.height);
              g_assert_cmpfloat (fabs (n->box.x + n->box.width / 2 - box->skip_x), <, 1e-9);
            }
        }
      branch_bottom = MAX (main_bottom, skip_bottom);
      if (isfinite (skip_left))
        {
          g_assert_cmpfloat (main_right, <, skip_left);
          /* Side by side: the lanes start on the same row. */
          g_assert_cmpfloat (main_top, ==, skip_top);
        }
      for (int i = 0; i < n_layers; i++)
        {
          const BsLayer *l = bs_model_layer (model, i);
          const BsGraphNode *n = bs_graph_layout_node_of_layer (layout, i);

          if (l->module != box->module)
            continue;
          if (l->path == BS_PATH_MAIN || l->path == BS_PATH_SKIP)
            branched = TRUE;
          else if (branched)
            g_assert_cmpfloat (n->box.y, >, branch_bottom);
          else
            g_assert_cmpfloat (n->box.y + n->box.height, <, main_top);
        }
    }

  /* Edges: one per layer input and one into the output; from the bottom centre of the
   * source to the top centre of the target; axis-parallel; through no other node. */
  g_assert_cmpint (layout->n_edges, ==, expected_edges);
  for (int i = 0; i < layout->n_edges; i++)
    {
      const BsGraphEdge *e = &layout->edges[i];
      const BsRect *s = &layout->nodes[e->from].box, *d = &layout->nodes[e->to].box;

      g_assert_cmpint (e->n_points, >=, 2);
      g_assert_cmpfloat (e->x[0], ==, s->x + s->width / 2);
      g_assert_cmpfloat (e->y[0], ==, s->y + s->height);
      g_assert_cmpfloat (e->x[e->n_points - 1], ==, d->x + d->width / 2);
      g_assert_cmpfloat (e->y[e->n_points - 1], ==, d->y);
      for (int k = 1; k < e->n_points; k++)
        {
          double x0 = MIN (e->x[k - 1], e->x[k]), x1 = MAX (e->x[k - 1], e->x[k]);
          double y0 = MIN (e->y[k - 1], e->y[k]), y1 = MAX (e->y[k - 1], e->y[k]);

          g_assert_true (x0 == x1 || y0 == y1);
          for (int j = 0; j < layout->n_nodes; j++)
            {
              const BsRect *b = &layout->nodes[j].box;

              if (j == e->from || j == e->to)
                continue;
              if (x1 > b->x && x0 < b->x + b->width && y1 > b->y && y0 < b->y + b->height)
                g_error ("edge %s -> %s crosses %s", layout->nodes[e->from].label,
                         layout->nodes[e->to].label, layout->nodes[j].label);
            }
        }
    }

  /* Hit-testing: the centre of every layer's box, and the gaps between. */
  for (int i = 0; i < n_layers; i++)
    {
      const BsRect *b = &bs_graph_layout_node_of_layer (layout, i)->box;
      g_assert_cmpint (bs_graph_layout_hit (layout, b->x + b->width / 2, b->y + b->height / 2), ==, i);
      g_assert_cmpint (bs_graph_layout_hit (layout, b->x + 1, b->y + 1), ==, i);
      g_assert_cmpint (bs_graph_layout_hit (layout, b->x - 1, b->y + b->height / 2), !=, i);
    }
  g_assert_cmpint (bs_graph_layout_hit (layout, -5, -5), ==, -1);
  g_assert_cmpint (bs_graph_layout_hit (layout, layout->width / 2, layout->height + 10), ==, -1);
}

static void
test_blendnet20 (void)
{
  g_autoptr (BsModel) model = load ("blendnet20");
  g_autoptr (BsGraphLayout) layout = bs_graph_layout_new (model, NULL);
  g_autoptr (BsGraphLayout) again = bs_graph_layout_new (model, NULL);
  int n_blend = 0;

  check_layout (model, layout);
  for (int m = 0; m < layout->n_modules; m++)
    n_blend += g_strcmp0 (layout->modules[m].kind, "blend") == 0;
  g_assert_cmpint (n_blend, ==, 18);
  /* A column per stage. */
  g_assert_cmpint (layout->n_columns, ==, 3);
  g_assert_cmpint (bs_graph_layout_module (layout, 0)->column, ==, 0);
  g_assert_cmpint (bs_graph_layout_module (layout, 6)->column, ==, 1);
  g_assert_cmpint (bs_graph_layout_module (layout, 17)->column, ==, 2);

  /* A header per stage, above its first module. */
  g_assert_cmpint (layout->n_stages, ==, 3);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("stage%d", i + 1);

      g_assert_cmpstr (layout->stages[i].name, ==, name);
      g_assert_false (layout->stages[i].continued);
      g_assert_cmpint (layout->stages[i].column, ==, i);
    }

  /* Every Blend module: a binary main path (sign, conv, BN) left, a fixed-point skip
   * path (conv, BN) right, add and BN below. */
  for (int m = 0; m < layout->n_modules; m++)
    {
      int n_main = 0, n_skip = 0, n_merge = 0;

      for (int i = 0; i < layout->n_nodes; i++)
        {
          const BsGraphNode *n = &layout->nodes[i];
          if (n->kind != BS_GRAPH_NODE_LAYER || n->module != layout->modules[m].module)
            continue;
          n_main += n->path == BS_PATH_MAIN;
          n_skip += n->path == BS_PATH_SKIP;
          n_merge += n->path == BS_PATH_MERGE;
          if (n->path == BS_PATH_SKIP)
            g_assert_cmpint (n->precision, ==, BS_PRECISION_FIXED);
        }
      g_assert_cmpint (n_main, ==, 3);
      g_assert_cmpint (n_skip, ==, 2);
      g_assert_cmpint (n_merge, ==, 2);
    }

  /* Labels drop the module's name; details describe the layer. */
  {
    int conv = bs_model_find_layer (model, "stage2.0.main.conv");
    const BsGraphNode *n = bs_graph_layout_node_of_layer (layout, conv);

    g_assert_cmpstr (n->label, ==, "main.conv");
    g_assert_cmpstr (n->detail, ==, "binary 3×3 /2 · 16→32");
    n = bs_graph_layout_node_of_layer (layout, bs_model_find_layer (model, "stage2.0.skip.conv"));
    g_assert_cmpstr (n->detail, ==, "8-bit 1×1 /2 · 16→32");
    n = bs_graph_layout_node_of_layer (layout, bs_model_find_layer (model, "stem.conv"));
    g_assert_cmpstr (n->label, ==, "stem.conv");
  }

  /* Deterministic. */
  g_assert_cmpint (again->n_nodes, ==, layout->n_nodes);
  for (int i = 0; i < layout->n_nodes; i++)
    g_assert_true (memcmp (&again->nodes[i].box, &layout->nodes[i].box, sizeof (BsRect)) == 0);
  for (int i = 0; i < layout->n_edges; i++)
    g_assert_true (memcmp (again->edges[i].x, layout->edges[i].x, sizeof layout->edges[i].x) == 0
                   && memcmp (again->edges[i].y, layout->edges[i].y, sizeof layout->edges[i].y) == 0);

  /* At most so many modules per column, if asked: a stage of 6 takes two columns of
   * 4 + 2, and no column holds two stages. */
  {
    BsGraphLayoutOptions o;
    g_autoptr (BsGraphLayout) narrow = NULL;

    bs_graph_layout_options_init (&o);
    o.modules_per_column = 4;
    narrow = bs_graph_layout_new (model, &o);
    g_assert_cmpint (narrow->n_columns, ==, 6);
    check_layout (model, narrow);
  }
}

static void
test_other_models (void)
{
  const char *names[] = { "resnet20-bnn", "resnet20-int8", "blendmixer", "blendnet20-thermo" };

  for (guint k = 0; k < G_N_ELEMENTS (names); k++)
    {
      g_autoptr (BsModel) model = load (names[k]);
      g_autoptr (BsGraphLayout) layout = bs_graph_layout_new (model, NULL);

      g_test_message ("%s", names[k]);
      check_layout (model, layout);
      if (g_str_has_prefix (names[k], "resnet"))
        {
          /* An identity shortcut runs down the empty skip lane into the add. */
          int add = bs_model_find_layer (model, "stage1.1.add");
          int from = bs_model_find_layer (model, "stage1.0.bn");
          const BsGraphModuleBox *box = bs_graph_layout_module (layout, bs_model_layer (model, add)->module);
          gboolean found = FALSE;

          for (int i = 0; i < layout->n_edges; i++)
            {
              const BsGraphEdge *e = &layout->edges[i];
              if (layout->nodes[e->from].layer != from || layout->nodes[e->to].layer != add)
                continue;
              found = TRUE;
              for (int p = 0; p < e->n_points; p++)
                if (e->x[p] == box->skip_x)
                  break;
                else
                  g_assert_cmpint (p, <, e->n_points - 1);
            }
          g_assert_true (found);
        }
      if (g_str_equal (names[k], "blendmixer"))
        {
          /* The transpose that leads into a token mixer's branches sits above them. */
          const BsGraphNode *tr = bs_graph_layout_node_of_layer (layout, bs_model_find_layer (model, "mixer0.token.transpose"));
          const BsGraphNode *sign = bs_graph_layout_node_of_layer (layout, bs_model_find_layer (model, "mixer0.token.sign1"));
          const BsGraphNode *back = bs_graph_layout_node_of_layer (layout, bs_model_find_layer (model, "mixer0.token.transpose_back"));

          g_assert_cmpfloat (tr->box.y, <, sign->box.y);
          g_assert_cmpfloat (back->box.y, >, sign->box.y);
        }
    }
}

/* A point of the node's fill away from its text and stripe. */
static void
fill_point (const BsGraphInfo *info, const BsGraphNode *n, int *x, int *y)
{
  *x = (int) (info->origin_x + (n->box.x + n->box.width - 4) * info->scale);
  *y = (int) (info->origin_y + (n->box.y + n->box.height * 0.5) * info->scale);
}

static BsColor
tint (const BsChartStyle *style, const BsColor *c, double a)
{
  BsColor t = { style->background.r + a * (c->r - style->background.r),
                style->background.g + a * (c->g - style->background.g),
                style->background.b + a * (c->b - style->background.b), 1 };
  return t;
}

static void
test_render_precision (void)
{
  g_autoptr (BsModel) model = load ("blendnet20");
  g_autoptr (BsGraphLayout) layout = bs_graph_layout_new (model, NULL);
  BsChartStyle style;
  int width = 1100, height;
  Canvas c;
  BsGraphInfo info;
  int conv = bs_model_find_layer (model, "stage1.2.main.conv");
  int skip = bs_model_find_layer (model, "stage1.2.skip.conv");
  BsGraphData data = { .layout = layout, .coloring = BS_GRAPH_COLOR_PRECISION, .selected_layer = conv };
  BsColor binary, fixed;
  int x, y;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  height = bs_graph_content_height (layout, width, &style);
  c = canvas_new (width, height);
  bs_graph_render (c.cr, &data, NULL, width, height, &style, &info);
  canvas_save (&c, "graph-blendnet20");
  g_assert_cmpint (info.n_nodes_drawn, ==, layout->n_nodes);
  g_assert_cmpfloat (info.scale, <=, 1.0);
  g_assert_cmpfloat (info.scale, >, 0.9);

  binary = tint (&style, &style.precision[BS_PRECISION_BINARY], 0.17);
  fixed = tint (&style, &style.precision[BS_PRECISION_FIXED], 0.17);
  fill_point (&info, bs_graph_layout_node_of_layer (layout, skip), &x, &y);
  g_assert_true (canvas_is (&c, x, y, &fixed, 0.04));
  fill_point (&info, bs_graph_layout_node_of_layer (layout, bs_model_find_layer (model, "stage3.1.sign")), &x, &y);
  g_assert_true (canvas_is (&c, x, y, &binary, 0.04));
  /* The stripe on the left edge is the full colour. */
  {
    const BsGraphNode *n = bs_graph_layout_node_of_layer (layout, skip);
    g_assert_true (canvas_is (&c, (int) (info.origin_x + (n->box.x + 2) * info.scale),
                              (int) (info.origin_y + (n->box.y + n->box.height / 2) * info.scale),
                              &style.precision[BS_PRECISION_FIXED], 0.05));
  }
  /* The selected layer is outlined (2 px of text colour just outside its box); the
   * others are not. */
  {
    const BsGraphNode *n = bs_graph_layout_node_of_layer (layout, conv);
    const BsGraphNode *o = bs_graph_layout_node_of_layer (layout, skip);
    int sy = (int) (info.origin_y + (n->box.y + n->box.height / 2) * info.scale);

    g_assert_true (canvas_is (&c, (int) floor (info.origin_x + n->box.x * info.scale) - 1, sy, &style.text, 0.2));
    g_assert_false (canvas_is (&c, (int) floor (info.origin_x + o->box.x * info.scale) - 1, sy, &style.text, 0.2));
  }
  /* Device points map back to layers. */
  for (int i = 0; i < bs_model_n_layers (model); i += 7)
    {
      const BsGraphNode *n = bs_graph_layout_node_of_layer (layout, i);
      g_assert_cmpint (bs_graph_render_hit (&data, &info,
                                            info.origin_x + (n->box.x + n->box.width / 2) * info.scale,
                                            info.origin_y + (n->box.y + n->box.height / 2) * info.scale), ==, i);
    }
  g_assert_cmpint (bs_graph_render_hit (&data, &info, 5, 5), ==, -1);
  canvas_free (&c);

  /* A viewport: zoomed in and scrolled so that the selected layer is at the top left. */
  {
    const BsGraphNode *n = bs_graph_layout_node_of_layer (layout, conv);
    BsGraphViewport vp = { 1.5, n->box.x - 10, n->box.y - 10 };
    Canvas z = canvas_new (600, 400);

    bs_graph_render (z.cr, &data, &vp, 600, 400, &style, &info);
    canvas_save (&z, "graph-zoomed");
    g_assert_cmpfloat (info.scale, ==, 1.5);
    g_assert_cmpint (bs_graph_render_hit (&data, &info, 10 * 1.5 + 20, info.header_height + 10 * 1.5 + 20), ==, conv);
    g_assert_cmpint (info.n_nodes_drawn, <, layout->n_nodes / 4);
    canvas_free (&z);
  }
}

static void
test_render_heat (void)
{
  g_autoptr (BsModel) model = load ("blendnet20");
  g_autoptr (BsGraphLayout) layout = bs_graph_layout_new (model, NULL);
  int n = bs_model_n_layers (model);
  g_autofree double *metric = g_new (double, n);
  BsChartStyle style;
  BsGraphData data = { .layout = layout, .coloring = BS_GRAPH_COLOR_HEAT, .metric = metric,
                       .metric_name = "Time share", .format = BS_GRAPH_VALUE_SHARE,
                       .metric_min = NAN, .metric_max = NAN, .selected_layer = -1 };
  BsGraphInfo info;
  int width = 1100, height;
  Canvas c;
  double prev = INFINITY;
  int missing = bs_model_find_layer (model, "stage2.2.add");

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  /* Shares rising with the layer index, one layer without a figure. */
  for (int i = 0; i < n; i++)
    metric[i] = (double) i / (n * (n - 1) / 2.0);
  metric[missing] = NAN;

  /* The ramp itself: lightness falls strictly. */
  for (int k = 0; k <= 100; k++)
    {
      BsColor col = bs_graph_heat_color (&style, k / 100.0);
      double rgb[3] = { col.r, col.g, col.b };
      double lum = color_luminance (rgb);
      g_assert_cmpfloat (lum, <, prev);
      prev = lum;
    }

  height = bs_graph_content_height (layout, width, &style);
  c = canvas_new (width, height);
  bs_graph_render (c.cr, &data, NULL, width, height, &style, &info);
  canvas_save (&c, "graph-heat");
  g_assert_cmpfloat (info.metric_min, ==, 0);
  g_assert_cmpfloat (info.metric_max, ==, metric[n - 1]);
  g_assert_cmpfloat (info.gradient.width, >, 100);

  /* The nodes' fills darken with the metric. */
  prev = INFINITY;
  for (int i = 0; i < n; i++)
    {
      const BsGraphNode *node = bs_graph_layout_node_of_layer (layout, i);
      double rgb[3];
      int x, y;
      BsColor expect = bs_graph_heat_color (&style, metric[i] / info.metric_max);

      if (i == missing)
        continue;
      fill_point (&info, node, &x, &y);
      canvas_pixel (&c, x, y, rgb);
      g_assert_cmpfloat (color_distance (rgb, &expect), <, 0.04);
      g_assert_cmpfloat (color_luminance (rgb), <=, prev + 1e-9);
      prev = color_luminance (rgb);
    }
  /* The layer without a figure is hatched on the plot background, not ramp-coloured. */
  {
    const BsGraphNode *node = bs_graph_layout_node_of_layer (layout, missing);
    int x0 = (int) (info.origin_x + (node->box.x + 20) * info.scale);
    int y0 = (int) (info.origin_y + node->box.y * info.scale) + 2;
    int bg = canvas_count (&c, x0, y0, 80, 28, &style.plot_background, 0.02);
    g_assert_cmpint (bg, >, 80 * 28 / 3);
    g_assert_cmpint (bg, <, 80 * 28);
  }
  /* The legend's bar runs from the lightest to the darkest colour. */
  {
    BsColor first = bs_graph_heat_color (&style, 0), last = bs_graph_heat_color (&style, 1);
    g_assert_true (canvas_is (&c, (int) info.gradient.x + 1, (int) (info.gradient.y + info.gradient.height / 2), &first, 0.05));
    g_assert_true (canvas_is (&c, (int) (info.gradient.x + info.gradient.width) - 2,
                              (int) (info.gradient.y + info.gradient.height / 2), &last, 0.05));
  }
  canvas_free (&c);

  /* The demo theme: black, the ramp brightening. */
  {
    BsChartStyle demo;
    Canvas d = canvas_new (1400, 900);
    BsColor lo, hi;
    double a[3], b[3];

    bs_chart_style_init (&demo, BS_CHART_THEME_DEMO);
    lo = bs_graph_heat_color (&demo, 0);
    hi = bs_graph_heat_color (&demo, 1);
    a[0] = lo.r; a[1] = lo.g; a[2] = lo.b;
    b[0] = hi.r; b[1] = hi.g; b[2] = hi.b;
    g_assert_cmpfloat (color_luminance (a), <, color_luminance (b));
    bs_graph_render (d.cr, &data, NULL, 1400, 900, &demo, &info);
    canvas_save (&d, "graph-heat-demo");
    g_assert_true (canvas_is (&d, 2, 890, &demo.background, 0.01));
    canvas_free (&d);
  }
}

static void
test_render_mixer (void)
{
  g_autoptr (BsModel) model = load ("blendmixer");
  g_autoptr (BsGraphLayout) layout = bs_graph_layout_new (model, NULL);
  g_autoptr (BsModel) resnet = load ("resnet20-bnn");
  g_autoptr (BsGraphLayout) rlayout = bs_graph_layout_new (resnet, NULL);
  BsChartStyle style;
  BsGraphData data = { .layout = layout, .selected_layer = -1 };
  int h;
  Canvas c;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  h = bs_graph_content_height (layout, 1300, &style);
  c = canvas_new (1300, h);
  bs_graph_render (c.cr, &data, NULL, 1300, h, &style, NULL);
  canvas_save (&c, "graph-blendmixer");
  canvas_free (&c);

  data.layout = rlayout;
  h = bs_graph_content_height (rlayout, 1100, &style);
  c = canvas_new (1100, h);
  bs_graph_render (c.cr, &data, NULL, 1100, h, &style, NULL);
  canvas_save (&c, "graph-resnet20-bnn");
  canvas_free (&c);
}

/* Nothing to draw, drawn without fault: a model without layers or modules. */
static void
test_empty_model (void)
{
  g_autoptr (BsModel) model = bs_model_new ("empty", (BsShape) { 3, 8, 8 });
  g_autoptr (BsGraphLayout) layout = bs_graph_layout_new (model, NULL);
  BsChartStyle style;
  BsGraphData data = { .layout = layout, .coloring = BS_GRAPH_COLOR_HEAT, .metric_min = NAN,
                       .metric_max = NAN, .selected_layer = 0 };
  Canvas c = canvas_new (300, 200);

  g_assert_cmpint (layout->n_nodes, ==, 2);
  g_assert_cmpint (layout->n_edges, ==, 1);
  g_assert_cmpint (bs_graph_layout_hit (layout, 10, 10), ==, -1);
  g_assert_null (bs_graph_layout_node_of_layer (layout, 0));
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_graph_render (c.cr, &data, NULL, 300, 200, &style, NULL);
  g_assert_cmpint (cairo_status (c.cr), ==, CAIRO_STATUS_SUCCESS);
  canvas_free (&c);
}

static BsLayerStats
stat (const char *name, int op, double mean_ns, double energy_j)
{
  BsLayerStats st = { .op = op, .name = (char *) name, .kind = BS_LAYER_CONV_BINARY,
                      .energy_n = isfinite (energy_j) ? 10 : 0, .energy_j = energy_j };
  st.time_ns.n = 10;
  st.time_ns.mean = mean_ns;
  return st;
}

/* Heat-map figures by layer name from a run's statistics, by hand. */
static void
test_metrics (void)
{
  g_autoptr (BsModel) model = load ("blendnet20");
  int n = bs_model_n_layers (model);
  g_autofree double *out = g_new (double, n);
  g_autoptr (GArray) run = g_array_new (FALSE, TRUE, sizeof (BsLayerStats));
  g_autoptr (GArray) csim = g_array_new (FALSE, TRUE, sizeof (BsLayerStats));
  int conv = bs_model_find_layer (model, "stage1.0.main.conv");
  int skip = bs_model_find_layer (model, "stage1.0.skip.conv");
  int fc = bs_model_find_layer (model, "head.fc");
  BsLayerStats s;

  /* Three ops the model names and one it does not (its time still counts in the
   * whole): 100 + 300 + 500 + 100 ns. */
  s = stat ("stage1.0.main.conv", 0, 100, 1e-6);
  g_array_append_val (run, s);
  s = stat ("stage1.0.skip.conv", 1, 300, 3e-6);
  g_array_append_val (run, s);
  s = stat ("head.fc", 2, 500, NAN);
  g_array_append_val (run, s);
  s = stat ("op 3", 3, 100, 1e-6);
  g_array_append_val (run, s);
  s = stat ("stage1.0.main.conv", 0, 50, NAN);
  g_array_append_val (csim, s);
  s = stat ("head.fc", 2, 1000, NAN);
  g_array_append_val (csim, s);

  g_assert_cmpint (bs_graph_metric_compute (model, NULL, BS_GRAPH_METRIC_TIME_SHARE, run, NULL, out), ==, 3);
  g_assert_cmpfloat_with_epsilon (out[conv], 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[skip], 0.3, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[fc], 0.5, 1e-12);
  g_assert_true (isnan (out[bs_model_find_layer (model, "stage1.0.main.bn")]));

  /* Energy: head.fc has none; shares of 1 + 3 + 1 µJ. */
  g_assert_cmpint (bs_graph_metric_compute (model, NULL, BS_GRAPH_METRIC_ENERGY_SHARE, run, NULL, out), ==, 2);
  g_assert_cmpfloat_with_epsilon (out[skip], 0.6, 1e-12);
  g_assert_true (isnan (out[fc]));

  /* Measured against modelled: 100 / 50 and 500 / 1000. */
  g_assert_cmpint (bs_graph_metric_compute (model, NULL, BS_GRAPH_METRIC_EFFICIENCY, run, csim, out), ==, 2);
  g_assert_cmpfloat_with_epsilon (out[conv], 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[fc], 0.5, 1e-12);
  g_assert_true (isnan (out[skip]));
  g_assert_cmpstr (bs_graph_metric_title (BS_GRAPH_METRIC_EFFICIENCY), ==, "Measured / modelled time");
}

/* A stage split over columns: each column of it starts with its header, "continued"
 * after the first; the layout keeps all its rules. */
static void
test_split_stages (void)
{
  g_autoptr (BsModel) model = load ("blendnet20");
  BsGraphLayoutOptions o;
  g_autoptr (BsGraphLayout) layout = NULL;
  int n_continued = 0;

  bs_graph_layout_options_init (&o);
  o.modules_per_column = 3;
  layout = bs_graph_layout_new (model, &o);
  check_layout (model, layout);
  /* 6 + 6 + 6 Blend modules (the stages' own), 3 a column. */
  g_assert_cmpint (layout->n_columns, >=, 6);
  g_assert_cmpint (layout->n_stages, ==, layout->n_columns);
  for (int i = 0; i < layout->n_stages; i++)
    {
      const BsGraphStageHeader *h = &layout->stages[i];

      g_assert_cmpint (h->column, ==, i);
      if (h->continued)
        {
          n_continued++;
          g_assert_cmpstr (h->name, ==, layout->stages[i - 1].name);
        }
    }
  g_assert_cmpint (n_continued, ==, layout->n_stages - 3);
}

/* At fit to page on the graph area of a 1920x1080 window (the side panel beside it),
 * the layout chosen for the viewport uses the width, and every layer gets a legible
 * name inside the view, no two overlapping, and drawn. */
static void
check_labels_at_fit (const BsModel *model, int width, int height)
{
  BsChartStyle style;
  g_autoptr (BsGraphLayout) per_stage = bs_graph_layout_new (model, NULL);
  g_autoptr (BsGraphLayout) layout = NULL;
  BsGraphViewport vp, per_stage_vp;
  BsGraphData data = { 0 };
  BsGraphInfo info;
  g_autofree BsRect *rects = NULL;
  Canvas c = canvas_new (width, height);
  int n = 0;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  layout = bs_graph_layout_for_viewport (model, width, height, &style);
  check_layout (model, layout);
  bs_graph_viewport_fit (layout, width, height, &style, &vp);
  bs_graph_viewport_fit (per_stage, width, height, &style, &per_stage_vp);
  g_assert_cmpfloat (vp.scale, >=, per_stage_vp.scale);
  /* Fills the width or the height: one of them to within 10 %. */
  g_assert_true (layout->width * vp.scale >= 0.9 * (width - 8)
                 || layout->height * vp.scale >= 0.9 * (height - 100));

  data.layout = layout;
  data.selected_layer = -1;
  bs_graph_render (c.cr, &data, &vp, width, height, &style, &info);
  canvas_save (&c, "graph-fit");
  g_assert_cmpfloat_with_epsilon (info.scale, vp.scale, 1e-12);
  rects = g_new (BsRect, layout->n_nodes);
  for (int i = 0; i < layout->n_layers; i++)
    {
      const BsGraphNode *node = bs_graph_layout_node_of_layer (layout, i);
      double size = 0;

      if (!bs_graph_label_rect (&info, node, &style, &rects[n], &size))
        g_error ("%s has no label at scale %.3f", node->label, info.scale);
      g_assert_cmpfloat (size, >=, 8.5);
      g_assert_true (inside (&rects[n], &(BsRect) { 0, info.header_height, width, height - info.header_height }));
      for (int j = 0; j < n; j++)
        g_assert_false (overlap (&rects[n], &rects[j]));
      n++;
    }
  g_assert_cmpint (info.n_labels_drawn, ==, layout->n_layers);
  canvas_free (&c);
}

static void
test_labels_at_fit (void)
{
  g_autoptr (BsModel) model = load ("blendnet20");
  g_autoptr (BsModel) resnet = load ("resnet20-bnn");

  /* 1920x1080 less the header bar, run bar, page bar, status line and side panel. */
  check_labels_at_fit (model, 1620, 850);
  check_labels_at_fit (resnet, 1620, 850);
}

/* Zoom keeps the point under the pointer; pan moves by device px; clamp keeps the
 * graph in view; the render follows the viewport. */
static void
test_viewport (void)
{
  g_autoptr (BsModel) model = load ("blendnet20");
  g_autoptr (BsGraphLayout) layout = bs_graph_layout_new (model, NULL);
  BsChartStyle style;
  BsGraphViewport vp, before;
  BsGraphData data = { .layout = layout, .selected_layer = -1 };
  BsGraphInfo info;
  Canvas c = canvas_new (800, 600);
  const BsGraphNode *node = bs_graph_layout_node_of_layer (layout, bs_model_find_layer (model, "stage2.0.main.conv"));
  double cx = node->box.x + node->box.width / 2, cy = node->box.y + node->box.height / 2;
  double dx, dy;

  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_graph_viewport_fit (layout, 800, 600, &style, &vp);
  bs_graph_render (c.cr, &data, &vp, 800, 600, &style, &info);
  g_assert_cmpfloat (vp.scale, <, 1);
  /* Fit is what no viewport draws. */
  {
    BsGraphInfo fit;
    bs_graph_render (c.cr, &data, NULL, 800, 600, &style, &fit);
    g_assert_cmpfloat_with_epsilon (fit.scale, info.scale, 1e-12);
    g_assert_cmpfloat_with_epsilon (fit.origin_x, info.origin_x, 1e-9);
    g_assert_cmpfloat_with_epsilon (fit.origin_y, info.origin_y, 1e-9);
  }

  /* Zoom in about the node's centre: it stays where it was on screen, twice as big. */
  dx = info.origin_x + cx * info.scale;
  dy = info.origin_y + cy * info.scale;
  before = vp;
  bs_graph_viewport_zoom (&vp, 2, dx, dy, &style);
  g_assert_cmpfloat_with_epsilon (vp.scale, 2 * before.scale, 1e-12);
  bs_graph_render (c.cr, &data, &vp, 800, 600, &style, &info);
  g_assert_cmpfloat_with_epsilon (info.origin_x + cx * info.scale, dx, 1e-6);
  g_assert_cmpfloat_with_epsilon (info.origin_y + cy * info.scale, dy, 1e-6);
  g_assert_cmpint (bs_graph_render_hit (&data, &info, dx, dy), ==, node->layer);

  /* Pan 100 px right and 50 down: the node moves 100 px left and 50 up. */
  bs_graph_viewport_pan (&vp, 100, 50);
  bs_graph_render (c.cr, &data, &vp, 800, 600, &style, &info);
  g_assert_cmpfloat_with_epsilon (info.origin_x + cx * info.scale, dx - 100, 1e-6);
  g_assert_cmpfloat_with_epsilon (info.origin_y + cy * info.scale, dy - 50, 1e-6);

  /* Zoom is bounded. */
  bs_graph_viewport_zoom (&vp, 1000, 10, 300, &style);
  g_assert_cmpfloat (vp.scale, ==, BS_GRAPH_SCALE_MAX);
  bs_graph_viewport_zoom (&vp, 1e-6, 10, 300, &style);
  g_assert_cmpfloat (vp.scale, ==, BS_GRAPH_SCALE_MIN);

  /* Scrolled far off: clamped back. At scale 1 the graph is taller than 600 px, so the
   * view stays within it; at the smallest scale it is narrower, so it stays wholly in
   * view. */
  vp.scale = 1;
  vp.x = vp.y = -5000;
  bs_graph_viewport_clamp (&vp, layout, 800, 600, &style);
  g_assert_cmpfloat (vp.y, ==, 0);
  vp.y = 1e6;
  bs_graph_viewport_clamp (&vp, layout, 800, 600, &style);
  g_assert_cmpfloat_with_epsilon (vp.y + (600 - info.header_height), layout->height, 1e-9);
  vp.scale = BS_GRAPH_SCALE_MIN;
  vp.x = 1e6;
  bs_graph_viewport_clamp (&vp, layout, 800, 600, &style);
  g_assert_cmpfloat (vp.x, ==, 0);
  vp.x = -1e6;
  bs_graph_viewport_clamp (&vp, layout, 800, 600, &style);
  g_assert_cmpfloat_with_epsilon (vp.x + 800 / vp.scale, layout->width, 1e-6);
  canvas_free (&c);
}

/* A layer fused into another's op (the batch norm after a conv) shows that op's
 * figures and says which op it lives in. */
static void
test_fused (void)
{
  g_autoptr (BsModel) model = load ("blendnet20");
  int n = bs_model_n_layers (model);
  g_autofree int *primary = bs_graph_primary_layers (model);
  g_autofree double *out = g_new (double, n);
  g_autoptr (GArray) run = g_array_new (FALSE, TRUE, sizeof (BsLayerStats));
  g_autoptr (GArray) csim = g_array_new (FALSE, TRUE, sizeof (BsLayerStats));
  int conv = bs_model_find_layer (model, "stage1.0.main.conv");
  int bn = bs_model_find_layer (model, "stage1.0.main.bn");
  int skip = bs_model_find_layer (model, "stage1.0.skip.conv");
  int n_fused = 0;
  BsGraphLayerFigures f;
  BsLayerStats s;

  g_assert_nonnull (primary);
  for (int i = 0; i < n; i++)
    n_fused += primary[i] >= 0 && primary[i] != i;
  g_assert_cmpint (n_fused, >, 0);
  g_assert_cmpint (primary[conv], ==, conv);
  g_assert_cmpint (primary[bn], ==, conv);

  s = stat ("stage1.0.main.conv", 0, 300, 2e-6);
  s.clocks = 1u << BS_CLOCK_HOST;
  s.binary_macs = 1000;
  g_array_append_val (run, s);
  s = stat ("stage1.0.skip.conv", 1, 700, NAN);
  g_array_append_val (run, s);
  s = stat ("stage1.0.main.conv", 0, 150, NAN);
  g_array_append_val (csim, s);

  /* By name only the batch norm has no figure; with the plan, its conv's. */
  bs_graph_metric_compute (model, NULL, BS_GRAPH_METRIC_TIME_SHARE, run, NULL, out);
  g_assert_true (isnan (out[bn]));
  bs_graph_metric_compute (model, primary, BS_GRAPH_METRIC_TIME_SHARE, run, NULL, out);
  g_assert_cmpfloat_with_epsilon (out[bn], 0.3, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[conv], 0.3, 1e-12);

  bs_graph_layer_figures (model, primary, run, csim, bn, &f);
  g_assert_cmpint (f.fused_into, ==, conv);
  g_assert_cmpstr (f.op_name, ==, "stage1.0.main.conv");
  g_assert_cmpfloat_with_epsilon (f.time_s, 300e-9, 1e-18);
  g_assert_cmpfloat_with_epsilon (f.share, 0.3, 1e-12);
  g_assert_cmpfloat_with_epsilon (f.energy_j, 2e-6, 1e-18);
  g_assert_cmpfloat_with_epsilon (f.modelled_s, 150e-9, 1e-18);
  g_assert_cmpfloat_with_epsilon (f.measured_over_modelled, 2.0, 1e-12);
  g_assert_cmpstr (bs_graph_clock_label (f.clocks), ==, "host clock");
  /* A batch norm does no MACs of its own. */
  g_assert_cmpuint (f.binary_macs + f.fixed_macs, ==, 0);

  /* The conv itself: its own op, binary MACs from the layer table of the model. */
  bs_graph_layer_figures (model, primary, run, csim, conv, &f);
  g_assert_cmpint (f.fused_into, ==, -1);
  g_assert_cmpuint (f.binary_macs, >, 0);
  g_assert_cmpuint (f.fixed_macs, ==, 0);
  bs_graph_layer_figures (model, primary, run, NULL, skip, &f);
  g_assert_cmpuint (f.fixed_macs, >, 0);
  g_assert_cmpuint (f.binary_macs, ==, 0);
  g_assert_true (isnan (f.energy_j));
  g_assert_true (isnan (f.modelled_s));
  g_assert_cmpstr (bs_graph_clock_label (0), ==, "no clock");
  g_assert_cmpstr (bs_graph_clock_label (1u << BS_CLOCK_MODELLED), ==, "modelled");
  g_assert_cmpstr (bs_graph_clock_label (1u << BS_CLOCK_DEVICE), ==, "device counter");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/graph/layout/blendnet20", test_blendnet20);
  g_test_add_func ("/graph/layout/other-models", test_other_models);
  g_test_add_func ("/graph/render/precision", test_render_precision);
  g_test_add_func ("/graph/render/heat", test_render_heat);
  g_test_add_func ("/graph/render/mixer-and-resnet", test_render_mixer);
  g_test_add_func ("/graph/metrics", test_metrics);
  g_test_add_func ("/graph/empty-model", test_empty_model);
  g_test_add_func ("/graph/layout/split-stages", test_split_stages);
  g_test_add_func ("/graph/render/labels-at-fit", test_labels_at_fit);
  g_test_add_func ("/graph/render/viewport", test_viewport);
  g_test_add_func ("/graph/metrics/fused", test_fused);
  return g_test_run ();
}
