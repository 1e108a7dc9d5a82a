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
  GtkWidget *area;
  BsGraphInfo info;
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
  n = bs_graph_metric_compute (self->model, metric, self->stats, self->modelled, self->values);
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
area_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  draw (cr, width, height, data);
}

static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, BsGraphPage *self)
{
  BsGraphData data;
  int layer;

  if (self->layout == NULL || self->model == NULL)
    return;
  fill_data (self, &data);
  layer = bs_graph_render_hit (&data, &self->info, x, y);
  if (layer >= 0 && layer < bs_model_n_layers (self->model))
    g_signal_emit (self, signals[SIGNAL_LAYER_ACTIVATED], 0, bs_model_layer (self->model, layer)->name);
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                  BsGraphPage *self)
{
  BsGraphData data;
  const BsGraphNode *node;
  int layer;

  if (self->layout == NULL || self->model == NULL)
    return FALSE;
  fill_data (self, &data);
  layer = bs_graph_render_hit (&data, &self->info, x, y);
  if (layer < 0 || (node = bs_graph_layout_node_of_layer (self->layout, layer)) == NULL)
    return FALSE;
  {
    g_autofree char *text = g_strdup_printf ("%s\n%s", bs_model_layer (self->model, layer)->name,
                                             node->detail != NULL ? node->detail : "");
    gtk_tooltip_set_text (tooltip, text);
  }
  return TRUE;
}

void
bs_graph_page_set_model (BsGraphPage *self, const BsModel *model)
{
  g_return_if_fail (BS_IS_GRAPH_PAGE (self));
  self->model = model;
  self->selected = -1;
  g_clear_pointer (&self->layout, bs_graph_layout_free);
  g_clear_pointer (&self->stats, g_array_unref);
  g_clear_pointer (&self->modelled, g_array_unref);
  self->measured_run = self->modelled_run = -1;
  if (model != NULL)
    self->layout = bs_graph_layout_new (model, NULL);
  update_values (self);
  gtk_widget_queue_draw (self->area);
}

void
bs_graph_page_reload (BsGraphPage *self, const char *db_path)
{
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GPtrArray) runs = NULL;
  BsRunFilter filter = { 0 };

  g_clear_pointer (&self->stats, g_array_unref);
  g_clear_pointer (&self->modelled, g_array_unref);
  self->measured_run = self->modelled_run = -1;
  if (self->model != NULL && db_path != NULL && g_file_test (db_path, G_FILE_TEST_EXISTS)
      && (store = bs_store_open (db_path, BS_STORE_OPEN_DEFAULT, NULL)) != NULL)
    {
      filter.model = self->model->name;
      filter.limit = 200;
      runs = bs_store_list_runs (store, &filter, NULL);
    }
  /* Newest first: the latest finished measured run, and the latest csim run (modelled). */
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      const BsRun *run = runs->pdata[i];
      gboolean csim = g_str_has_prefix (run->backend, "csim");

      if (run->status == BS_RUN_RUNNING || run->n_events == 0)
        continue;
      if (csim && self->modelled_run < 0)
        self->modelled_run = run->id;
      if (!csim && self->measured_run < 0)
        self->measured_run = run->id;
    }
  /* Only csim runs: the heat map of time and energy shares is the modelled run's. */
  if (self->measured_run < 0)
    self->measured_run = self->modelled_run;
  if (self->measured_run >= 0)
    self->stats = bs_query_layer_stats (store, self->measured_run, NULL);
  if (self->modelled_run >= 0 && self->modelled_run != self->measured_run)
    self->modelled = bs_query_layer_stats (store, self->modelled_run, NULL);
  update_values (self);
  gtk_widget_queue_draw (self->area);
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
  gtk_widget_queue_draw (self->area);
  return TRUE;
}

void
bs_graph_page_set_selected_layer (BsGraphPage *self, const char *name)
{
  self->selected = self->model != NULL && name != NULL && *name ? bs_model_find_layer (self->model, name) : -1;
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

  g_clear_pointer (&self->layout, bs_graph_layout_free);
  g_clear_pointer (&self->stats, g_array_unref);
  g_clear_pointer (&self->modelled, g_array_unref);
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->subtitle, g_free);
  g_clear_pointer (&self->metric, g_free);
  G_OBJECT_CLASS (bs_graph_page_parent_class)->dispose (object);
}

static void
bs_graph_page_class_init (BsGraphPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bs_graph_page_dispose;
  signals[SIGNAL_LAYER_ACTIVATED] =
    g_signal_new ("layer-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static GtkWidget *
toggle (const char *label, const char *target)
{
  GtkWidget *button = gtk_toggle_button_new_with_label (label);

  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_string (target));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.graph-metric");
  return button;
}

static void
on_export_clicked (GtkButton *button, gpointer data)
{
  bs_export_chart_dialog (GTK_WIDGET (button), "graph", "graph.svg");
}

static void
bs_graph_page_init (BsGraphPage *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkGesture *click = gtk_gesture_click_new ();

  bs_chart_theme_follow (GTK_WIDGET (self), &self->style);
  self->metric = g_strdup ("precision");
  self->selected = -1;
  self->measured_run = self->modelled_run = -1;
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);

  gtk_widget_add_css_class (bar, "linked");
  gtk_widget_set_halign (bar, GTK_ALIGN_START);
  gtk_widget_set_margin_start (bar, 12);
  gtk_widget_set_margin_top (bar, 6);
  gtk_box_append (GTK_BOX (bar), toggle ("Precision", "precision"));
  gtk_box_append (GTK_BOX (bar), toggle ("Time share", "time"));
  gtk_box_append (GTK_BOX (bar), toggle ("Energy share", "energy"));
  gtk_box_append (GTK_BOX (bar), toggle ("Efficiency vs csim", "efficiency"));
  {
    GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *export = gtk_button_new_with_label ("Export Graph…");

    gtk_widget_set_hexpand (bar, TRUE);
    gtk_widget_set_margin_end (export, 12);
    gtk_widget_set_margin_top (export, 6);
    g_signal_connect (export, "clicked", G_CALLBACK (on_export_clicked), NULL);
    gtk_box_append (GTK_BOX (row), bar);
    gtk_box_append (GTK_BOX (row), export);
    gtk_box_append (GTK_BOX (self), row);
  }

  self->area = gtk_drawing_area_new ();
  gtk_widget_set_vexpand (self->area, TRUE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->area), area_draw, self, NULL);
  gtk_widget_add_controller (self->area, GTK_EVENT_CONTROLLER (click));
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_set_has_tooltip (self->area, TRUE);
  g_signal_connect (self->area, "query-tooltip", G_CALLBACK (on_query_tooltip), self);
  gtk_box_append (GTK_BOX (self), self->area);
}

GtkWidget *
bs_graph_page_new (void)
{
  return g_object_new (BS_TYPE_GRAPH_PAGE, NULL);
}
