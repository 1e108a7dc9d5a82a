/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-demo-view.c: its own time view (following the run whenever shown), its own tiles. */
#include "bs-demo-view.h"

#include "bs-live-view.h"
#include "bs-number-tile.h"
#include "bs-power-chart.h"
#include "bs-prediction-tile.h"
#include "bs-time-view.h"

#define TILE_REFRESH_MS 500   /* slower than the workbench: numbers on a big screen must be read */

struct _BsDemoView
{
  GtkWidget parent_instance;

  BsRunController *controller;
  BsTimeView *time_view;
  guint tile_timer;

  GtkLabel *model_label;
  GtkLabel *backend_label;
  GtkLabel *simulated_label;
  GtkLabel *state_label;
  BsNumberTile *rate_tile;
  BsNumberTile *latency_tile;
  BsNumberTile *watts_tile;
  BsNumberTile *energy_tile;
  BsNumberTile *efficiency_tile;
  BsPredictionTile *prediction_tile;
  BsPowerChart *power_chart;
};

G_DEFINE_FINAL_TYPE (BsDemoView, bs_demo_view, GTK_TYPE_WIDGET)

static void
update (BsDemoView *self)
{
  BsTileSet tiles = { GTK_WIDGET (self->rate_tile), GTK_WIDGET (self->latency_tile),
                      GTK_WIDGET (self->watts_tile), GTK_WIDGET (self->energy_tile),
                      GTK_WIDGET (self->efficiency_tile) };
  const BsModel *model = bs_run_controller_get_model (self->controller);
  const char *label = bs_run_controller_get_power_label (self->controller);
  g_autofree char *backend = NULL;

  bs_tile_set_update (&tiles, self->controller);
  bs_prediction_tile_update (self->prediction_tile, self->controller);
  gtk_label_set_text (self->model_label, model != NULL ? model->name : "no model");
  backend = g_strdup_printf ("on %s · power: %s", bs_run_controller_get_backend (self->controller),
                             label != NULL ? label : "none");
  gtk_label_set_text (self->backend_label, backend);
  gtk_widget_set_visible (GTK_WIDGET (self->simulated_label),
                          bs_run_controller_get_power_simulated (self->controller));
  gtk_label_set_text (self->state_label, bs_run_controller_is_busy (self->controller)
                                           ? "● LIVE" : "stopped");
  if (bs_run_controller_is_busy (self->controller))
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "live");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "live");
}

static gboolean
tick (gpointer data)
{
  BsDemoView *self = data;

  update (self);
  if (!bs_run_controller_is_busy (self->controller))
    {
      self->tile_timer = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
on_updated (BsRunController *controller, BsDemoView *self)
{
  bs_time_view_set_live_edge (self->time_view, bs_run_controller_get_t0 (controller),
                              bs_run_controller_get_now (controller));
  if (self->tile_timer == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      update (self);
      self->tile_timer = g_timeout_add (TILE_REFRESH_MS, tick, self);
    }
}

static void
on_state (BsRunController *controller, GParamSpec *pspec, BsDemoView *self)
{
  update (self);
}

static void
on_model_changed (BsRunController *controller, BsDemoView *self)
{
  update (self);
}

void
bs_demo_view_set_controller (BsDemoView *self, BsRunController *controller)
{
  g_return_if_fail (self->controller == NULL);

  self->controller = g_object_ref (controller);
  bs_power_chart_set_source (self->power_chart, controller, self->time_view);
  g_signal_connect_object (controller, "updated", G_CALLBACK (on_updated), self, 0);
  g_signal_connect_object (controller, "notify::state", G_CALLBACK (on_state), self, 0);
  g_signal_connect_object (controller, "model-changed", G_CALLBACK (on_model_changed), self, 0);
  g_signal_connect_object (controller, "input-changed", G_CALLBACK (on_model_changed), self, 0);
  update (self);
}

static void
bs_demo_view_map (GtkWidget *widget)
{
  BsDemoView *self = BS_DEMO_VIEW (widget);

  GTK_WIDGET_CLASS (bs_demo_view_parent_class)->map (widget);
  bs_time_view_follow (self->time_view);
  if (self->controller != NULL)
    update (self);
}

static void
bs_demo_view_dispose (GObject *object)
{
  BsDemoView *self = BS_DEMO_VIEW (object);

  g_clear_handle_id (&self->tile_timer, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), BS_TYPE_DEMO_VIEW);
  /* The template's root box has no id: dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->controller);
  g_clear_object (&self->time_view);
  G_OBJECT_CLASS (bs_demo_view_parent_class)->dispose (object);
}

static void
bs_demo_view_class_init (BsDemoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bs_demo_view_dispose;
  widget_class->map = bs_demo_view_map;
  g_type_ensure (BS_TYPE_NUMBER_TILE);
  g_type_ensure (BS_TYPE_POWER_CHART);
  g_type_ensure (BS_TYPE_PREDICTION_TILE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/blendscope/Blendscope/ui/bs-demo-view.ui");
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, model_label);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, backend_label);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, simulated_label);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, state_label);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, rate_tile);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, latency_tile);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, watts_tile);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, energy_tile);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, efficiency_tile);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, prediction_tile);
  gtk_widget_class_bind_template_child (widget_class, BsDemoView, power_chart);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "demoview");
}

static void
bs_demo_view_init (BsDemoView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->time_view = bs_time_view_new ();
  bs_power_chart_set_demo (self->power_chart, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self), "demo");
}
