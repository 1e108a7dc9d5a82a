/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-graph-page.c: the Graph page, a drawing area around bs_graph_render(). */
#include "bs-graph-page.h"
#include "bs-chart-theme.h"

#include "bs-chart-export.h"
#include "bs-compare-page.h"
#include "bs-graph-layout.h"
#include "bs-graph-metrics.h"
#include "bs-graph-render.h"
#include "bs-queries.h"
#include "bs-runs.h"

#include <json-glib/json-glib.h>
#include <math.h>

struct _BsGraphPage
{
  GtkBox parent_instance;

  BsChartStyle style;
  const BsModel *model;
  BsGraphLayout *layout;
  char *metric;
  double *values;
  char *subtitle;
  int selected;
  GArray *stats;
  GArray *modelled;
  int64_t measured_run, modelled_run;
  BsSharedStore *store;       /* the application's, queried off the main thread */
  GCancellable *query;        /* the read in flight, cancelled by a newer one */
  int *primary;               /* by layer, the primary layer of its plan op: fused layers */
  GtkWidget *area;
  BsGraphInfo info;

  /* Fit to page until the user zooms or pans; the layout is chosen for the size it was
   * first fitted to (bs_graph_layout_for_viewport) and kept while the user moves about. */
  BsGraphViewport vp;
  gboolean fit;
  int layout_w, layout_h;
  double pointer_x, pointer_y;
  BsGraphViewport drag_start;

  GtkWidget *panel_title;
  GtkWidget *panel_detail;
  GtkWidget *panel_grid;
  /* win.graph-view: what the page shows, as JSON (scale, fit, the names drawn, the
   * selected layer's figures), for scripts and the e2e tests. */
  GSimpleAction *view_action;
  GSimpleAction *zoom_action;  /* win.graph-zoom: "in", "out", "fit" */
};

enum
{
  SIGNAL_LAYER_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BsGraphPage, bs_graph_page, GTK_TYPE_BOX)

static gboolean
metric_from_string (const char *s, BsGraphMetric *metric)
{
  if (g_strcmp0 (s, "time") == 0)
    *metric = BS_GRAPH_METRIC_TIME_SHARE;
  else if (g_strcmp0 (s, "energy") == 0)
    *metric = BS_GRAPH_METRIC_ENERGY_SHARE;
  else if (g_strcmp0 (s, "efficiency") == 0)
    *metric = BS_GRAPH_METRIC_EFFICIENCY;
  else
    return FALSE;
  return TRUE;
}

static void
update_values (BsGraphPage *self)
{
  BsGraphMetric metric;
  int n;

  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->subtitle, g_free);
  if (self->model == NULL)
    return;
  if (!metric_from_string (self->metric, &metric))
    {
      self->subtitle = g_strdup ("Layers coloured by precision: binary (main path), fixed point (skip path)");
      return;
    }
  n = bs_model_n_layers (self->model);
  self->values = g_new (double, MAX (n, 1));
  for (int i = 0; i < n; i++)
    self->values[i] = NAN;
  if (self->stats == NULL)
    {
      self->subtitle = g_strdup ("No recorded run of this model yet: record one to see where time goes");
      return;
    }
  if (metric == BS_GRAPH_METRIC_EFFICIENCY && self->modelled == NULL)
    {
      self->subtitle = g_strdup ("Efficiency needs a csim run of this model (the modelled cycles) and a measured run");
      return;
    }
  n = bs_graph_metric_compute (self->model, self->primary, metric, self->stats, self->modelled, self->values);
  if (metric == BS_GRAPH_METRIC_EFFICIENCY)
    self->subtitle = g_strdup_printf ("%s: run #%" G_GINT64_FORMAT " measured against csim run #%"
                                      G_GINT64_FORMAT " · %d layers with a figure",
                                      bs_graph_metric_title (metric), self->measured_run,
                                      self->modelled_run, n);
  else
    self->subtitle = g_strdup_printf ("%s in run #%" G_GINT64_FORMAT " · %d layers with a figure",
                                      bs_graph_metric_title (metric), self->measured_run, n);
}

static void
fill_data (BsGraphPage *self, BsGraphData *data)
{
  BsGraphMetric metric;
  gboolean heat = metric_from_string (self->metric, &metric) && self->values != NULL;

  *data = (BsGraphData) {
    .layout = self->layout,
    .subtitle = self->subtitle,
    .coloring = heat ? BS_GRAPH_COLOR_HEAT : BS_GRAPH_COLOR_PRECISION,
    .metric = heat ? self->values : NULL,
    .metric_name = heat ? bs_graph_metric_title (metric) : NULL,
    .format = heat && metric == BS_GRAPH_METRIC_EFFICIENCY ? BS_GRAPH_VALUE_RATIO : BS_GRAPH_VALUE_SHARE,
    .metric_min = NAN,
    .metric_max = NAN,
    .selected_layer = self->selected,
  };
}

/* The export: the whole graph, fit to its size. */
static void
draw (cairo_t *cr, int width, int height, gpointer user_data)
{
  BsGraphPage *self = user_data;
  BsGraphData data;

  if (self->layout == NULL)
    return;
  fill_data (self, &data);
  bs_graph_render (cr, &data, NULL, width, height, &self->style, &self->info);
}

static void
ensure_layout (BsGraphPage *self, int width, int height)
{
  if (self->model == NULL)
    return;
  /* Re-chosen for a new size only while fitting: never under the user's zoom. */
  if (self->layout != NULL && (!self->fit || (self->layout_w == width && self->layout_h == height)))
    return;
  g_clear_pointer (&self->layout, bs_graph_layout_free);
  self->layout = bs_graph_layout_for_viewport (self->model, width, height, &self->style);
  self->layout_w = width;
  self->layout_h = height;
}

static void publish_view (BsGraphPage *self);

static void
area_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  BsGraphPage *self = user_data;
  BsGraphData data;

  ensure_layout (self, width, height);
  if (self->layout == NULL)
    return;
  if (self->fit)
    bs_graph_viewport_fit (self->layout, width, height, &self->style, &self->vp);
  else
    bs_graph_viewport_clamp (&self->vp, self->layout, width, height, &self->style);
  fill_data (self, &data);
  bs_graph_render (cr, &data, &self->vp, width, height, &self->style, &self->info);
  publish_view (self);
}

/* Zoom and pan */

static void
zoom_about (BsGraphPage *self, double factor, double x, double y)
{
  if (self->layout == NULL)
    return;
  bs_graph_viewport_zoom (&self->vp, factor, x, y, &self->style);
  self->fit = FALSE;
  gtk_widget_queue_draw (self->area);
}

static void
zoom_centre (BsGraphPage *self, double factor)
{
  zoom_about (self, factor, gtk_widget_get_width (self->area) / 2.0,
              gtk_widget_get_height (self->area) / 2.0);
}

static void
pan (BsGraphPage *self, double dx, double dy)
{
  if (self->layout == NULL)
    return;
  bs_graph_viewport_pan (&self->vp, dx, dy);
  self->fit = FALSE;
  gtk_widget_queue_draw (self->area);
}

static void
fit_to_page (BsGraphPage *self)
{
  self->fit = TRUE;
  gtk_widget_queue_draw (self->area);
}

#define ZOOM_STEP 1.25
#define PAN_STEP 80.0

static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, BsGraphPage *self)
{
  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      zoom_centre (self, ZOOM_STEP);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      zoom_centre (self, 1 / ZOOM_STEP);
      return TRUE;
    case GDK_KEY_0:
    case GDK_KEY_KP_0:
      fit_to_page (self);
      return TRUE;
    case GDK_KEY_Left:
      pan (self, -PAN_STEP, 0);
      return TRUE;
    case GDK_KEY_Right:
      pan (self, PAN_STEP, 0);
      return TRUE;
    case GDK_KEY_Up:
      pan (self, 0, -PAN_STEP);
      return TRUE;
    case GDK_KEY_Down:
      pan (self, 0, PAN_STEP);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, BsGraphPage *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

/* Ctrl+wheel zooms about the pointer; the wheel scrolls (Shift: sideways). */
static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, BsGraphPage *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (state & GDK_CONTROL_MASK)
    {
      zoom_about (self, pow (ZOOM_STEP, -dy), self->pointer_x, self->pointer_y);
      return TRUE;
    }
  if (state & GDK_SHIFT_MASK)
    pan (self, (dy + dx) * PAN_STEP / 2, 0);
  else
    pan (self, dx * PAN_STEP / 2, dy * PAN_STEP / 2);
  return TRUE;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, BsGraphPage *self)
{
  self->drag_start = self->vp;
}

/* The graph follows the pointer. */
static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, BsGraphPage *self)
{
  if (self->layout == NULL || (fabs (dx) < 3 && fabs (dy) < 3))
    return;
  self->vp = self->drag_start;
  pan (self, -dx, -dy);
}

static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, BsGraphPage *self)
{
  BsGraphData data;
  int layer;

  gtk_widget_grab_focus (self->area);
  if (self->layout == NULL || self->model == NULL)
    return;
  fill_data (self, &data);
  layer = bs_graph_render_hit (&data, &self->info, x, y);
  if (layer >= 0 && layer < bs_model_n_layers (self->model))
    g_signal_emit (self, signals[SIGNAL_LAYER_ACTIVATED], 0, bs_model_layer (self->model, layer)->name);
}

/* Figures */

static char *
format_or_dash (double v, const char *unit)
{
  return isfinite (v) ? bs_format_si (v, unit) : g_strdup ("—");
}

/* "12.3 % of inference time · 41.2 µs (host clock, run #3)": the value the node is
 * coloured by, its unit and where it comes from. */
static char *
coloured_value (BsGraphPage *self, const BsGraphLayerFigures *f)
{
  BsGraphMetric metric;
  g_autofree char *time = format_or_dash (f->time_s, "s");
  const char *clock = bs_graph_clock_label (f->clocks);

  if (!metric_from_string (self->metric, &metric) || self->stats == NULL)
    return NULL;
  if (f->op_name == NULL)
    return g_strdup_printf ("%s: no figure in run #%" G_GINT64_FORMAT, bs_graph_metric_title (metric),
                            self->measured_run);
  switch (metric)
    {
    case BS_GRAPH_METRIC_ENERGY_SHARE:
      {
        double total_share = NAN;
        int i = bs_model_find_layer (self->model, f->op_name);
        g_autofree char *energy = format_or_dash (f->energy_j, "J");

        if (self->values != NULL && i >= 0)
          total_share = self->values[i];
        if (!isfinite (total_share))
          return g_strdup_printf ("Energy share: no power reading for this op in run #%" G_GINT64_FORMAT,
                                  self->measured_run);
        return g_strdup_printf ("Energy share: %.1f %% of inference energy · %s per inference "
                                "(meter, run #%" G_GINT64_FORMAT ")", 100 * total_share, energy,
                                self->measured_run);
      }
    case BS_GRAPH_METRIC_EFFICIENCY:
      {
        g_autofree char *modelled = format_or_dash (f->modelled_s, "s");
        return g_strdup_printf ("Measured / modelled: ×%.2f · %s (%s, run #%" G_GINT64_FORMAT ") over "
                                "%s (modelled, csim run #%" G_GINT64_FORMAT ")",
                                f->measured_over_modelled, time, clock, self->measured_run, modelled,
                                self->modelled_run);
      }
    case BS_GRAPH_METRIC_TIME_SHARE:
    default:
      return g_strdup_printf ("Time share: %.1f %% of inference time · %s per inference (%s, run #%"
                              G_GINT64_FORMAT ")", 100 * f->share, time, clock, self->measured_run);
    }
}

static void
figures_of (BsGraphPage *self, int layer, BsGraphLayerFigures *f)
{
  bs_graph_layer_figures (self->model, self->primary, self->stats, self->modelled, layer, f);
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                  BsGraphPage *self)
{
  BsGraphData data;
  BsGraphLayerFigures f;
  const BsGraphNode *node;
  g_autofree char *value = NULL;
  g_autofree char *fused = NULL;
  int layer;

  if (self->layout == NULL || self->model == NULL)
    return FALSE;
  fill_data (self, &data);
  layer = bs_graph_render_hit (&data, &self->info, x, y);
  if (layer < 0 || (node = bs_graph_layout_node_of_layer (self->layout, layer)) == NULL)
    return FALSE;
  figures_of (self, layer, &f);
  value = coloured_value (self, &f);
  if (f.fused_into >= 0)
    fused = g_strdup_printf ("fused into %s: the figures are that op's", f.op_name);
  {
    g_autofree char *text = g_strdup_printf ("%s\n%s%s%s%s%s", bs_model_layer (self->model, layer)->name,
                                             node->detail != NULL ? node->detail : "",
                                             fused ? "\n" : "", fused ? fused : "",
                                             value ? "\n" : "", value ? value : "");
    gtk_tooltip_set_text (tooltip, text);
  }
  return TRUE;
}

/* The side panel: the selected layer's figures. */

static void
panel_row (GtkGrid *grid, int row, const char *key, const char *value)
{
  GtkWidget *k = gtk_label_new (key);
  GtkWidget *v = gtk_label_new (value);

  gtk_label_set_xalign (GTK_LABEL (k), 0);
  gtk_widget_add_css_class (k, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (v), 0);
  gtk_label_set_wrap (GTK_LABEL (v), TRUE);
  /* The panel keeps its width: long figures wrap, the graph keeps the room. */
  gtk_label_set_max_width_chars (GTK_LABEL (v), 20);
  gtk_label_set_width_chars (GTK_LABEL (v), 20);
  gtk_label_set_selectable (GTK_LABEL (v), TRUE);
  gtk_grid_attach (grid, k, 0, row, 1, 1);
  gtk_grid_attach (grid, v, 1, row, 1, 1);
}

static void
panel_clear (BsGraphPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->panel_grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->panel_grid), child);
}

static char *
macs_text (uint64_t macs)
{
  return macs > 0 ? bs_format_si ((double) macs, "MAC") : g_strdup ("0");
}

/* Rows of (key, value) for a layer, in the order the panel shows them; also what
 * win.graph-view reports. */
static GPtrArray *
panel_rows (BsGraphPage *self, int layer)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  BsGraphLayerFigures f;
  const char *clock;

  figures_of (self, layer, &f);
  clock = bs_graph_clock_label (f.clocks);
#define ROW(key, value) (g_ptr_array_add (rows, g_strdup (key)), g_ptr_array_add (rows, (value)))
  if (f.fused_into >= 0)
    ROW ("Fused into", g_strdup_printf ("%s (the figures below are that op's)", f.op_name));
  if (self->stats == NULL)
    ROW ("Run", g_strdup ("none recorded for this model"));
  else
    ROW ("Run", g_strdup_printf ("#%" G_GINT64_FORMAT " · %s", self->measured_run, clock));
  if (f.op_name == NULL && self->stats != NULL)
    ROW ("Figures", g_strdup ("no op of this layer in the run"));
  if (f.op_name != NULL)
    {
      g_autofree char *t = format_or_dash (f.time_s, "s");
      g_autofree char *e = format_or_dash (f.energy_j, "J");

      ROW ("Time", g_strdup_printf ("%s per inference (%s)", t, clock));
      ROW ("Share", isfinite (f.share) ? g_strdup_printf ("%.1f %% of inference time", 100 * f.share)
                                       : g_strdup ("—"));
      ROW ("Energy", isfinite (f.energy_j) ? g_strdup_printf ("%s per inference (meter)", e)
                                           : g_strdup ("— (no power readings for this op)"));
    }
  ROW ("MACs binary", macs_text (f.binary_macs));
  ROW ("MACs fixed", macs_text (f.fixed_macs));
  if (f.op_name != NULL && self->modelled != NULL)
    {
      g_autofree char *m = format_or_dash (f.modelled_s, "s");

      ROW ("Modelled", g_strdup_printf ("%s (csim run #%" G_GINT64_FORMAT ")", m, self->modelled_run));
      ROW ("Measured / modelled", isfinite (f.measured_over_modelled)
                                    ? g_strdup_printf ("×%.2f", f.measured_over_modelled)
                                    : g_strdup ("—"));
    }
#undef ROW
  return rows;
}

static void
update_panel (BsGraphPage *self)
{
  const BsGraphNode *node;
  g_autoptr (GPtrArray) rows = NULL;

  panel_clear (self);
  if (self->model == NULL || self->layout == NULL || self->selected < 0
      || (node = bs_graph_layout_node_of_layer (self->layout, self->selected)) == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->panel_title), "No layer selected");
      gtk_label_set_text (GTK_LABEL (self->panel_detail), "Click a node to see its figures.");
      return;
    }
  gtk_label_set_text (GTK_LABEL (self->panel_title), bs_model_layer (self->model, self->selected)->name);
  gtk_label_set_text (GTK_LABEL (self->panel_detail), node->detail);
  rows = panel_rows (self, self->selected);
  for (guint i = 0; i + 1 < rows->len; i += 2)
    panel_row (GTK_GRID (self->panel_grid), (int) i / 2, rows->pdata[i], rows->pdata[i + 1]);
  /* A script reading win.graph-view right after selecting sees the new panel. */
  if (self->info.scale > 0)
    publish_view (self);
}

/* win.graph-view */

static void
add_visible_labels (BsGraphPage *self, JsonBuilder *b)
{
  int width = gtk_widget_get_width (self->area), height = gtk_widget_get_height (self->area);

  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (int i = 0; i < self->layout->n_layers; i++)
    {
      const BsGraphNode *n = bs_graph_layout_node_of_layer (self->layout, i);
      BsRect r;
      double size;

      if (n != NULL && bs_graph_label_rect (&self->info, n, &self->style, &r, &size) && r.x >= 0
          && r.y >= self->info.header_height && r.x + r.width <= width && r.y + r.height <= height)
        json_builder_add_string_value (b, bs_model_layer (self->model, i)->name);
    }
  json_builder_end_array (b);
}

static void
add_panel (BsGraphPage *self, JsonBuilder *b)
{
  g_autoptr (GPtrArray) rows = NULL;

  json_builder_set_member_name (b, "selected");
  if (self->selected < 0)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "Layer");
  json_builder_add_string_value (b, bs_model_layer (self->model, self->selected)->name);
  rows = panel_rows (self, self->selected);
  for (guint i = 0; i + 1 < rows->len; i += 2)
    {
      json_builder_set_member_name (b, rows->pdata[i]);
      json_builder_add_string_value (b, rows->pdata[i + 1]);
    }
  json_builder_end_object (b);
}

static void
publish_view (BsGraphPage *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GVariant *old = g_action_get_state (G_ACTION (self->view_action));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "scale");
  json_builder_add_double_value (b, self->info.scale);
  json_builder_set_member_name (b, "fit");
  json_builder_add_boolean_value (b, self->fit);
  json_builder_set_member_name (b, "x");
  json_builder_add_double_value (b, self->vp.x);
  json_builder_set_member_name (b, "y");
  json_builder_add_double_value (b, self->vp.y);
  json_builder_set_member_name (b, "columns");
  json_builder_add_int_value (b, self->layout->n_columns);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, gtk_widget_get_width (self->area));
  json_builder_set_member_name (b, "graph_width");
  json_builder_add_double_value (b, self->layout->width * self->info.scale);
  add_visible_labels (self, b);
  add_panel (self, b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  /* Only a change goes out over D-Bus, not every frame. */
  if (g_strcmp0 (g_variant_get_string (old, NULL), text) != 0)
    g_simple_action_set_state (self->view_action, g_variant_new_string (text));
  g_variant_unref (old);
}

static void
activate_zoom (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsGraphPage *self = data;
  const char *how = g_variant_get_string (param, NULL);

  if (g_str_equal (how, "in"))
    zoom_centre (self, ZOOM_STEP);
  else if (g_str_equal (how, "out"))
    zoom_centre (self, 1 / ZOOM_STEP);
  else if (g_str_equal (how, "fit"))
    fit_to_page (self);
  else
    g_warning ("graph-zoom: \"%s\" is none of in, out, fit", how);
}

void
bs_graph_page_set_model (BsGraphPage *self, const BsModel *model)
{
  g_return_if_fail (BS_IS_GRAPH_PAGE (self));
  g_cancellable_cancel (self->query);   /* its figures are another model's */
  self->model = model;
  self->selected = -1;
  g_clear_pointer (&self->layout, bs_graph_layout_free);
  g_clear_pointer (&self->stats, g_array_unref);
  g_clear_pointer (&self->modelled, g_array_unref);
  g_clear_pointer (&self->primary, g_free);
  self->measured_run = self->modelled_run = -1;
  self->fit = TRUE;
  if (model != NULL)
    {
      /* A column per stage until the first draw picks the layout for the page's size. */
      self->layout = bs_graph_layout_new (model, NULL);
      self->layout_w = self->layout_h = 0;
      self->primary = bs_graph_primary_layers (model);
    }
  update_values (self);
  update_panel (self);
  gtk_widget_queue_draw (self->area);
}

/* What the heat map comes from, read on the shared store's worker thread. */
typedef struct
{
  int64_t measured_run, modelled_run;
  GArray *stats, *modelled;
} GraphRuns;

static void
graph_runs_free (GraphRuns *g)
{
  g_clear_pointer (&g->stats, g_array_unref);
  g_clear_pointer (&g->modelled, g_array_unref);
  g_free (g);
}

/* Worker thread: data is the model's name. */
static gpointer
query_graph_runs (BsStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  BsRunFilter filter = { 0 };
  g_autoptr (GPtrArray) runs = NULL;
  GraphRuns *g = g_new0 (GraphRuns, 1);

  g->measured_run = g->modelled_run = -1;
  filter.model = data;
  filter.limit = 200;
  runs = bs_store_list_runs (store, &filter, NULL);
  /* Newest first: the latest finished measured run, and the latest csim run (modelled). */
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      const BsRun *run = runs->pdata[i];
      gboolean csim = g_str_has_prefix (run->backend, "csim");

      if (run->status == BS_RUN_RUNNING || run->n_events == 0)
        continue;
      if (csim && g->modelled_run < 0)
        g->modelled_run = run->id;
      if (!csim && g->measured_run < 0)
        g->measured_run = run->id;
    }
  /* Only csim runs: the heat map of time and energy shares is the modelled run's. */
  if (g->measured_run < 0)
    g->measured_run = g->modelled_run;
  if (g->measured_run >= 0)
    g->stats = bs_query_layer_stats (store, g->measured_run, NULL);
  if (g->modelled_run >= 0 && g->modelled_run != g->measured_run)
    g->modelled = bs_query_layer_stats (store, g->modelled_run, NULL);
  return g;
}

static void
show_graph_runs (BsGraphPage *self, GraphRuns *g)
{
  g_clear_pointer (&self->stats, g_array_unref);
  g_clear_pointer (&self->modelled, g_array_unref);
  self->measured_run = self->modelled_run = -1;
  if (g != NULL)
    {
      self->measured_run = g->measured_run;
      self->modelled_run = g->modelled_run;
      self->stats = g_steal_pointer (&g->stats);
      self->modelled = g_steal_pointer (&g->modelled);
    }
  update_values (self);
  update_panel (self);
  gtk_widget_queue_draw (self->area);
}

static void
on_graph_runs (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (BsGraphPage) self = data;   /* the reference the query held */
  g_autoptr (GError) error = NULL;
  GraphRuns *g = bs_shared_store_query_finish (BS_SHARED_STORE (source), result, &error);

  /* Cancelled: a newer reload or another model took over, or the page went. Other
   * errors (no database yet) leave the graph coloured by precision, as before. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  show_graph_runs (self, g);
  g_clear_pointer (&g, graph_runs_free);
}

void
bs_graph_page_set_store (BsGraphPage *self, BsSharedStore *store)
{
  g_return_if_fail (BS_IS_GRAPH_PAGE (self));
  g_set_object (&self->store, store);
}

void
bs_graph_page_reload (BsGraphPage *self)
{
  g_return_if_fail (BS_IS_GRAPH_PAGE (self));
  g_cancellable_cancel (self->query);
  g_clear_object (&self->query);
  if (self->model == NULL || self->store == NULL)
    {
      show_graph_runs (self, NULL);
      return;
    }
  self->query = g_cancellable_new ();
  bs_shared_store_query_async (self->store, query_graph_runs, g_strdup (self->model->name), g_free,
                               (GDestroyNotify) graph_runs_free, self->query, on_graph_runs,
                               g_object_ref (self));
}

void
bs_graph_page_get_runs (BsGraphPage *self, int64_t *measured, int64_t *modelled)
{
  *measured = self->measured_run;
  *modelled = self->modelled_run;
}

gboolean
bs_graph_page_set_metric (BsGraphPage *self, const char *metric)
{
  BsGraphMetric m;

  if (g_strcmp0 (metric, "precision") != 0 && !metric_from_string (metric, &m))
    return FALSE;
  g_free (self->metric);
  self->metric = g_strdup (metric);
  update_values (self);
  update_panel (self);
  gtk_widget_queue_draw (self->area);
  return TRUE;
}

void
bs_graph_page_set_selected_layer (BsGraphPage *self, const char *name)
{
  self->selected = self->model != NULL && name != NULL && *name ? bs_model_find_layer (self->model, name) : -1;
  update_panel (self);
  gtk_widget_queue_draw (self->area);
}

gboolean
bs_graph_page_export (BsGraphPage *self, const char *path, GError **error)
{
  BsChartFormat format;
  BsGraphInfo saved = self->info;
  gboolean ok;
  int width = 1400;

  if (self->layout == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Nothing to export: no model");
      return FALSE;
    }
  if (!bs_chart_format_from_path (path, &format))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s: the name must end in .png or .svg", path);
      return FALSE;
    }
  ok = bs_chart_export (path, format, width, bs_graph_content_height (self->layout, width, &self->style),
                        2, draw, self, error);
  self->info = saved;
  return ok;
}

static void
bs_graph_page_dispose (GObject *object)
{
  BsGraphPage *self = BS_GRAPH_PAGE (object);

  g_cancellable_cancel (self->query);
  g_clear_object (&self->query);
  g_clear_object (&self->store);
  g_clear_pointer (&self->layout, bs_graph_layout_free);
  g_clear_pointer (&self->stats, g_array_unref);
  g_clear_pointer (&self->modelled, g_array_unref);
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->subtitle, g_free);
  g_clear_pointer (&self->metric, g_free);
  g_clear_pointer (&self->primary, g_free);
  g_clear_object (&self->view_action);
  g_clear_object (&self->zoom_action);
  G_OBJECT_CLASS (bs_graph_page_parent_class)->dispose (object);
}

/* The page's actions join the window's (win.graph-view, win.graph-zoom), so D-Bus and
 * the window's shortcuts reach them; the window need not know them. */
static void
bs_graph_page_root (GtkWidget *widget)
{
  BsGraphPage *self = BS_GRAPH_PAGE (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (bs_graph_page_parent_class)->root (widget);
  root = gtk_widget_get_root (widget);
  if (G_IS_ACTION_MAP (root))
    {
      g_action_map_add_action (G_ACTION_MAP (root), G_ACTION (self->view_action));
      g_action_map_add_action (G_ACTION_MAP (root), G_ACTION (self->zoom_action));
    }
}

static void
bs_graph_page_unroot (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (G_IS_ACTION_MAP (root))
    {
      g_action_map_remove_action (G_ACTION_MAP (root), "graph-view");
      g_action_map_remove_action (G_ACTION_MAP (root), "graph-zoom");
    }
  GTK_WIDGET_CLASS (bs_graph_page_parent_class)->unroot (widget);
}

static void on_export_clicked (GtkButton *button, BsGraphPage *self);

static void
bs_graph_page_class_init (BsGraphPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = bs_graph_page_dispose;
  GTK_WIDGET_CLASS (klass)->root = bs_graph_page_root;
  GTK_WIDGET_CLASS (klass)->unroot = bs_graph_page_unroot;
  signals[SIGNAL_LAYER_ACTIVATED] =
    g_signal_new ("layer-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/blendscope/Blendscope/ui/bs-graph-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BsGraphPage, area);
  gtk_widget_class_bind_template_child (widget_class, BsGraphPage, panel_title);
  gtk_widget_class_bind_template_child (widget_class, BsGraphPage, panel_detail);
  gtk_widget_class_bind_template_child (widget_class, BsGraphPage, panel_grid);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked);
}

static void
on_export_clicked (GtkButton *button, BsGraphPage *self)
{
  bs_export_chart_dialog (GTK_WIDGET (button), "graph", "graph.svg");
}

/* Keys (+, -, 0, arrows), wheel (Ctrl: zoom), drag. */
static void
add_navigation (BsGraphPage *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  GtkGesture *drag = gtk_gesture_drag_new ();

  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (self->area, key);
  gtk_widget_add_controller (self->area, motion);
  gtk_widget_add_controller (self->area, scroll);
  gtk_widget_add_controller (self->area, GTK_EVENT_CONTROLLER (drag));
}

/* The widget tree is bs-graph-page.ui; the drawing, the gestures and the page's actions
 * are set up here. */
static void
bs_graph_page_init (BsGraphPage *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  bs_chart_theme_follow (GTK_WIDGET (self), &self->style);
  self->metric = g_strdup ("precision");
  self->selected = -1;
  self->measured_run = self->modelled_run = -1;

  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->area), area_draw, self, NULL);
  gtk_widget_add_controller (self->area, GTK_EVENT_CONTROLLER (click));
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  g_signal_connect (self->area, "query-tooltip", G_CALLBACK (on_query_tooltip), self);
  add_navigation (self);
  self->fit = TRUE;
  self->view_action = g_simple_action_new_stateful ("graph-view", NULL, g_variant_new_string ("{}"));
  g_simple_action_set_enabled (self->view_action, FALSE);
  self->zoom_action = g_simple_action_new ("graph-zoom", G_VARIANT_TYPE_STRING);
  g_signal_connect (self->zoom_action, "activate", G_CALLBACK (activate_zoom), self);
  update_panel (self);
}

GtkWidget *
bs_graph_page_new (void)
{
  return g_object_new (BS_TYPE_GRAPH_PAGE, NULL);
}
