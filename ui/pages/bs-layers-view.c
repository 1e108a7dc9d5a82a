/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-layers-view.c: rows are BsLayerRow objects in a GListStore, sorted by the column
 * view's sorter; their times are refreshed in place (2 Hz while a run goes on), so the
 * sort order and selection survive updates. */
#include "bs-layers-view.h"

#include <math.h>

#include "bs-breakdown-chart.h"
#include "bs-chart-axis.h"
#include "bs-chart-style.h"
#include "bs-layer-row.h"

#define REFRESH_MS 500

struct _BsLayersView
{
  GtkWidget parent_instance;

  BsRunController *controller;
  BsMetric metric;
  guint refresh_timer;
  GListStore *rows;
  GtkSingleSelection *selection;
  gboolean selecting;
  double *medians;             /* per op, the last refresh */

  BsBreakdownChart *chart;
  GtkColumnView *table;
  GtkLabel *summary_label;
};

G_DEFINE_FINAL_TYPE (BsLayersView, bs_layers_view, GTK_TYPE_WIDGET)

static const char *const metric_names[] = { "time", "ops", "energy" };

const char *
bs_metric_to_string (BsMetric metric)
{
  return metric < G_N_ELEMENTS (metric_names) ? metric_names[metric] : "time";
}

gboolean
bs_metric_from_string (const char *s, BsMetric *metric)
{
  for (guint i = 0; i < G_N_ELEMENTS (metric_names); i++)
    if (g_strcmp0 (s, metric_names[i]) == 0)
      {
        *metric = (BsMetric) i;
        return TRUE;
      }
  return FALSE;
}

/* ---- the chart ---- */

/* The clock of the run's timings, in the words the subtitle uses. */
static const char *
layers_clock_words (BsRunController *controller)
{
  BsLiveFigures f;

  bs_run_controller_get_figures (controller, &f);
  switch (f.clock)
    {
    case BS_CLOCK_MODELLED:
      return "MODELLED (cycle model, not measured)";
    case BS_CLOCK_DEVICE:
      return "device counters";
    case BS_CLOCK_HOST:
      break;
    }
  return "host clock";
}

static void
update_chart (BsLayersView *self)
{
  const BsOpTable *ops = bs_run_controller_get_op_table (self->controller);
  const BsSweepResult *sweep = bs_run_controller_get_sweep (self->controller);
  g_autofree double *values = NULL;
  g_autofree char *subtitle = NULL;
  const char *title = NULL, *unit = NULL, *empty = NULL;

  if (ops == NULL)
    {
      bs_breakdown_chart_set_data (self->chart, NULL, NULL, "Layers", NULL, "", "Open a model");
      return;
    }
  values = g_new0 (double, (gsize) ops->n_ops * 3);
  switch (self->metric)
    {
    case BS_METRIC_TIME:
      {
        int64_t n = 0;
        for (int o = 0; o < ops->n_ops; o++)
          if (isfinite (self->medians[o]))
            {
              values[o * 3 + ops->ops[o].precision] = self->medians[o] * 1e-9;
              n++;
            }
        title = "Time per inference";
        unit = "s";
        subtitle = g_strdup_printf ("median per op over recent inferences · %s",
                                    layers_clock_words (self->controller));
        empty = "No timings yet: run the model";
        break;
      }
    case BS_METRIC_OPS:
      for (int o = 0; o < ops->n_ops; o++)
        {
          values[o * 3 + BS_PRECISION_BINARY] = (double) ops->ops[o].binary_macs;
          values[o * 3 + BS_PRECISION_FIXED] = (double) ops->ops[o].fixed_macs;
        }
      title = "Multiply-accumulates per inference";
      unit = "";
      subtitle = g_strdup ("binary (XNOR-popcount) and fixed-point MACs · from the model");
      empty = "This model has no multiply-accumulates";
      break;
    case BS_METRIC_ENERGY:
      title = "Energy per invocation";
      unit = "J";
      empty = "No energy figures: run a layer sweep (Sweep mode, with a power meter)";
      if (sweep != NULL)
        {
          for (guint l = 0; l < sweep->layers->len && (int) l < ops->n_ops; l++)
            {
              const BsSweepLayer *layer = &g_array_index (sweep->layers, BsSweepLayer, l);
              if (layer->status == BS_SWEEP_OK && isfinite (layer->energy.e_dynamic_j))
                values[l * 3 + ops->ops[l].precision] = MAX (layer->energy.e_dynamic_j, 0);
            }
          subtitle = g_strdup_printf ("above idle, from the layer sweep · %s%s",
                                      sweep->probe_label != NULL ? sweep->probe_label : "",
                                      sweep->simulated ? " · SIMULATED" : "");
        }
      break;
    }
  bs_breakdown_chart_set_data (self->chart, ops, values, title, subtitle, unit, empty);
}

/* ---- the rows ---- */

static void
refresh (BsLayersView *self)
{
  const BsOpTable *ops = bs_run_controller_get_op_table (self->controller);
  const BsSweepResult *sweep = bs_run_controller_get_sweep (self->controller);
  double total = 0;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  g_autofree char *summary = NULL;

  if (ops == NULL)
    return;
  bs_run_controller_get_op_medians (self->controller, self->medians);
  for (int o = 0; o < ops->n_ops; o++)
    if (isfinite (self->medians[o]))
      total += self->medians[o];
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (BsLayerRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);
      int o = bs_layer_row_get_op (row);
      double m = self->medians[o];

      bs_layer_row_set_time (row, m, isfinite (m) && total > 0 ? m / total : NAN);
      if (sweep != NULL && o < (int) sweep->layers->len)
        {
          const BsSweepLayer *layer = &g_array_index (sweep->layers, BsSweepLayer, o);
          if (layer->status == BS_SWEEP_OK)
            bs_layer_row_set_energy (row, layer->energy.e_dynamic_j, layer->energy.e_dynamic_ci_j);
          else
            bs_layer_row_set_energy (row, NAN, NAN);
        }
      else
        bs_layer_row_set_energy (row, NAN, NAN);
    }
  {
    g_autofree char *sum = bs_format_duration (total);
    summary = g_strdup_printf ("%s · %d layers in %d ops · %d groups · sum of medians %s",
                               ops->model_name, bs_model_n_layers (bs_run_controller_get_model (self->controller)),
                               ops->n_ops, ops->n_groups, total > 0 ? sum : "—");
  }
  gtk_label_set_text (self->summary_label, summary);
  update_chart (self);
}

static void
rebuild (BsLayersView *self)
{
  const BsOpTable *ops = bs_run_controller_get_op_table (self->controller);

  g_list_store_remove_all (self->rows);
  g_clear_pointer (&self->medians, g_free);
  if (ops == NULL)
    {
      update_chart (self);
      return;
    }
  self->medians = g_new (double, ops->n_ops);
  for (int o = 0; o < ops->n_ops; o++)
    {
      g_autoptr (BsLayerRow) row = bs_layer_row_new (ops, o);
      self->medians[o] = NAN;
      g_list_store_append (self->rows, row);
    }
  refresh (self);
}

static gboolean
refresh_tick (gpointer data)
{
  BsLayersView *self = data;

  self->refresh_timer = 0;
  if (self->medians != NULL)
    refresh (self);
  return G_SOURCE_REMOVE;
}

static void
on_updated (BsRunController *controller, BsLayersView *self)
{
  /* Medians of every op cost a few sorts: twice a second is plenty, and only when seen. */
  if (self->refresh_timer == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->refresh_timer = g_timeout_add (REFRESH_MS, refresh_tick, self);
}

static void
on_model_changed (BsRunController *controller, BsLayersView *self)
{
  rebuild (self);
}

static void
on_refresh_now (BsRunController *controller, BsLayersView *self)
{
  if (self->medians != NULL)
    refresh (self);
}

static void
on_finished (BsRunController *controller, gint64 run, const char *summary, gboolean failed,
             BsLayersView *self)
{
  on_refresh_now (controller, self);
}

static void
on_selection_changed (GtkSingleSelection *selection, GParamSpec *pspec, BsLayersView *self)
{
  BsLayerRow *row = gtk_single_selection_get_selected_item (selection);

  bs_breakdown_chart_set_highlight (self->chart, row != NULL ? bs_layer_row_get_op (row) : -1);
  /* The window's one layer selection (win.select-layer) follows: the graph and the
   * compare view highlight the same layer. */
  if (row != NULL && !self->selecting && self->controller != NULL)
    {
      const BsOpTable *ops = bs_run_controller_get_op_table (self->controller);
      int op = bs_layer_row_get_op (row);

      if (ops != NULL && op >= 0 && op < ops->n_ops)
        gtk_widget_activate_action (GTK_WIDGET (self), "win.select-layer", "s", ops->ops[op].name);
    }
}

static GtkWidget *
find_list_view (GtkWidget *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (GTK_IS_LIST_VIEW (c))
        return c;
      if ((found = find_list_view (c)) != NULL)
        return found;
    }
  return NULL;
}

void
bs_layers_view_select_layer (BsLayersView *self, const char *name)
{
  const BsOpTable *ops;
  GListModel *model;
  guint n;

  g_return_if_fail (BS_IS_LAYERS_VIEW (self));
  if (self->controller == NULL || self->selection == NULL)
    return;
  ops = bs_run_controller_get_op_table (self->controller);
  model = gtk_single_selection_get_model (self->selection);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; ops != NULL && name != NULL && i < n; i++)
    {
      g_autoptr (BsLayerRow) row = g_list_model_get_item (model, i);
      int op = bs_layer_row_get_op (row);

      if (op >= 0 && op < ops->n_ops && g_strcmp0 (ops->ops[op].name, name) == 0)
        {
          GtkWidget *list = find_list_view (GTK_WIDGET (self->table));

          self->selecting = TRUE;
          gtk_single_selection_set_selected (self->selection, i);
          self->selecting = FALSE;
          /* GTK 4.8 has no gtk_column_view_scroll_to(): the list's own action. */
          if (list != NULL)
            gtk_widget_activate_action (list, "list.scroll-to-item", "u", i);
          return;
        }
    }
  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->selecting = FALSE;
}

static void
on_op_activated (BsBreakdownChart *chart, int op, BsLayersView *self)
{
  GListModel *model = gtk_single_selection_get_model (self->selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (BsLayerRow) row = g_list_model_get_item (model, i);
      if (bs_layer_row_get_op (row) == op)
        {
          gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }
}

/* ---- columns ---- */

typedef struct
{
  const char *property;
  float xalign;
  gboolean numeric;
  gboolean chip;       /* the precision, as a coloured chip */
} ColumnSpec;

static void
setup_label (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  const ColumnSpec *spec = data;
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), spec->xalign);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (spec->numeric)
    gtk_widget_add_css_class (label, "numeric");
  if (spec->chip)
    {
      gtk_widget_add_css_class (label, "precision-chip");
      gtk_widget_set_halign (label, GTK_ALIGN_START);
    }
  gtk_list_item_set_child (item, label);
}

static void
bind_label (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  const ColumnSpec *spec = data;
  GtkWidget *label = gtk_list_item_get_child (item);
  BsLayerRow *row = gtk_list_item_get_item (item);
  GBinding *binding = g_object_bind_property (row, spec->property, label, "label", G_BINDING_SYNC_CREATE);

  g_object_set_data (G_OBJECT (label), "bs-binding", binding);
  if (spec->chip)
    {
      gtk_widget_remove_css_class (label, "binary");
      gtk_widget_remove_css_class (label, "fixed");
      gtk_widget_remove_css_class (label, "float");
      gtk_widget_add_css_class (label, bs_precision_to_string (bs_layer_row_get_precision (row)));
    }
}

static void
unbind_label (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_list_item_get_child (item);
  GBinding *binding = g_object_steal_data (G_OBJECT (label), "bs-binding");

  if (binding != NULL)
    g_binding_unbind (binding);
}

static void
add_column (BsLayersView *self, const char *title, const ColumnSpec *spec, const char *sort_property,
            gboolean numeric_sort, gboolean expand, int fixed_width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;
  GtkExpression *expression = gtk_property_expression_new (BS_TYPE_LAYER_ROW, NULL, sort_property);
  GtkSorter *sorter = numeric_sort ? GTK_SORTER (gtk_numeric_sorter_new (expression))
                                   : GTK_SORTER (gtk_string_sorter_new (expression));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_label), (gpointer) spec);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_label), (gpointer) spec);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_label), (gpointer) spec);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (column, fixed_width);
  gtk_column_view_append_column (self->table, column);
  g_object_unref (column);
  g_object_unref (sorter);
}

static const ColumnSpec col_op = { "op", 1, TRUE, FALSE };
static const ColumnSpec col_name = { "name", 0, FALSE, FALSE };
static const ColumnSpec col_group = { "group", 0, FALSE, FALSE };
static const ColumnSpec col_kind = { "kind", 0, FALSE, FALSE };
static const ColumnSpec col_precision = { "precision", 0, FALSE, TRUE };
static const ColumnSpec col_path = { "path", 0, FALSE, FALSE };
static const ColumnSpec col_ops = { "ops-text", 1, TRUE, FALSE };
static const ColumnSpec col_time = { "time-text", 1, TRUE, FALSE };
static const ColumnSpec col_share = { "share-text", 1, TRUE, FALSE };
static const ColumnSpec col_energy = { "energy-text", 1, TRUE, FALSE };

static void
build_table (BsLayersView *self)
{
  GtkSortListModel *sorted;

  add_column (self, "#", &col_op, "op", TRUE, FALSE, 48);
  add_column (self, "Layer", &col_name, "name", FALSE, TRUE, -1);
  add_column (self, "Group", &col_group, "group", FALSE, FALSE, 90);
  add_column (self, "Kind", &col_kind, "kind", FALSE, TRUE, -1);
  add_column (self, "Precision", &col_precision, "precision", FALSE, FALSE, 100);
  add_column (self, "Path", &col_path, "path", FALSE, FALSE, 64);
  add_column (self, "Ops (MACs)", &col_ops, "ops", TRUE, FALSE, 170);
  add_column (self, "Median time", &col_time, "time-ns", TRUE, FALSE, 110);
  add_column (self, "Share", &col_share, "share", TRUE, FALSE, 72);
  add_column (self, "Energy (sweep)", &col_energy, "energy-j", TRUE, FALSE, 160);

  sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->rows)),
                                    g_object_ref (gtk_column_view_get_sorter (self->table)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (sorted));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->table, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selection_changed), self);
}

void
bs_layers_view_set_controller (BsLayersView *self, BsRunController *controller)
{
  g_return_if_fail (self->controller == NULL);

  self->controller = g_object_ref (controller);
  g_signal_connect_object (controller, "updated", G_CALLBACK (on_updated), self, 0);
  g_signal_connect_object (controller, "model-changed", G_CALLBACK (on_model_changed), self, 0);
  g_signal_connect_object (controller, "sweep-changed", G_CALLBACK (on_refresh_now), self, 0);
  g_signal_connect_object (controller, "run-finished", G_CALLBACK (on_finished), self, 0);
  rebuild (self);
}

void
bs_layers_view_set_metric (BsLayersView *self, BsMetric metric)
{
  self->metric = metric;
  if (self->controller != NULL)
    update_chart (self);
}

static void
bs_layers_view_map (GtkWidget *widget)
{
  BsLayersView *self = BS_LAYERS_VIEW (widget);

  GTK_WIDGET_CLASS (bs_layers_view_parent_class)->map (widget);
  if (self->controller != NULL && self->medians != NULL)
    refresh (self);
}

static void
bs_layers_view_dispose (GObject *object)
{
  BsLayersView *self = BS_LAYERS_VIEW (object);

  g_clear_handle_id (&self->refresh_timer, g_source_remove);
  if (self->table != NULL)
    gtk_column_view_set_model (self->table, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), BS_TYPE_LAYERS_VIEW);
  /* The template's root box has no id: dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->rows);
  g_clear_object (&self->controller);
  g_clear_pointer (&self->medians, g_free);
  G_OBJECT_CLASS (bs_layers_view_parent_class)->dispose (object);
}

static void
bs_layers_view_class_init (BsLayersViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bs_layers_view_dispose;
  widget_class->map = bs_layers_view_map;
  g_type_ensure (BS_TYPE_BREAKDOWN_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/blendscope/Blendscope/ui/bs-layers-view.ui");
  gtk_widget_class_bind_template_child (widget_class, BsLayersView, chart);
  gtk_widget_class_bind_template_child (widget_class, BsLayersView, table);
  gtk_widget_class_bind_template_child (widget_class, BsLayersView, summary_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "layersview");
}

static void
bs_layers_view_init (BsLayersView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_list_store_new (BS_TYPE_LAYER_ROW);
  build_table (self);
  g_signal_connect (self->chart, "op-activated", G_CALLBACK (on_op_activated), self);
}
