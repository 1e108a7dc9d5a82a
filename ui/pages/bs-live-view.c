/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-live-view.c: tiles refresh at 4 Hz (readable numbers), charts with every update. */
#include "bs-live-view.h"

#include <math.h>
#include <string.h>

#include "bs-chart-axis.h"
#include "bs-number-tile.h"
#include "bs-power-chart.h"
#include "bs-prediction-tile.h"
#include "bs-timeline.h"

#define TILE_REFRESH_MS 250

struct _BsLiveView
{
  GtkWidget parent_instance;

  BsRunController *controller;
  BsTimeView *time_view;
  guint tile_timer;

  BsNumberTile *rate_tile;
  BsNumberTile *latency_tile;
  BsNumberTile *watts_tile;
  BsNumberTile *energy_tile;
  BsNumberTile *efficiency_tile;
  BsPredictionTile *prediction_tile;
  BsPowerChart *power_chart;
  BsTimeline *timeline;
  GtkWidget *follow_button;
  GtkLabel *range_label;
  GtkWidget *sweep_note;
};

G_DEFINE_FINAL_TYPE (BsLiveView, bs_live_view, GTK_TYPE_WIDGET)

static char *
format_rate (double per_s, const char *unit)
{
  if (!isfinite (per_s))
    return NULL;
  if (per_s >= 100)
    return g_strdup_printf ("%.0f %s", per_s, unit);
  if (per_s >= 10)
    return g_strdup_printf ("%.1f %s", per_s, unit);
  return g_strdup_printf ("%.2f %s", per_s, unit);
}

#define MODELLED_RATE_WHY                                                                     \
  "The kernel's rate by its cycle model: one inference after another, 1 ÷ modelled latency. " \
  "The host simulating it runs far slower; that rate is in the caption."
#define MODELLED_ENERGY_WHY                                                                   \
  "The meter measures the host simulating the kernel, not the kernel: a measured power over " \
  "a modelled rate would mix two clocks. No energy is shown until the power is modelled too."

/* Where the timings come from, said on every tile that uses them. */
static const char *
clock_prefix (BsClockSource clock)
{
  switch (clock)
    {
    case BS_CLOCK_MODELLED:
      return "MODELLED";
    case BS_CLOCK_DEVICE:
      return "device counter";
    case BS_CLOCK_HOST:
      break;
    }
  return "host clock";
}

void
bs_tile_set_update (const BsTileSet *tiles, BsRunController *controller)
{
  BsLiveFigures f;
  const char *label = bs_run_controller_get_power_label (controller);
  gboolean simulated = bs_run_controller_get_power_simulated (controller);
  g_autofree char *rate = NULL, *latency = NULL, *watts = NULL, *energy = NULL, *eff = NULL;
  g_autofree char *power_caption = NULL, *rate_caption = NULL;
  g_autofree char *latency_caption = NULL, *host_rate = NULL;
  gboolean modelled;

  bs_run_controller_get_figures (controller, &f);
  rate = format_rate (f.inferences_per_s, "inf/s");
  latency = isfinite (f.latency_p50_ns) ? bs_format_duration (f.latency_p50_ns) : NULL;
  watts = isfinite (f.watts) ? bs_format_si (f.watts, "W") : NULL;
  energy = isfinite (f.mj_per_inference) ? bs_format_si (f.mj_per_inference / 1e3, "J") : NULL;
  eff = format_rate (f.inferences_per_j, "inf/J");
  modelled = f.clock == BS_CLOCK_MODELLED;
  latency_caption = g_strdup_printf ("%s · median of last 256", clock_prefix (f.clock));
  host_rate = format_rate (f.host_inferences_per_s, "inf/s");
  rate_caption = modelled ? g_strdup_printf ("MODELLED · host sim %s", host_rate != NULL ? host_rate : "—")
                          : g_strdup_printf ("%s · %" G_GINT64_FORMAT " inferences",
                                             clock_prefix (f.clock), f.n_inferences);
  /* Simulated power is never shown without saying so. */
  if (label == NULL)
    power_caption = g_strdup ("no power meter");
  else if (simulated)
    {
      /* "demo meter (simulated)" → "SIMULATED · demo meter": said once, loudly. */
      g_autofree char *plain = g_strdup (label);
      char *paren = strstr (plain, " (simulated)");
      if (paren != NULL)
        *paren = '\0';
      power_caption = g_strdup_printf ("SIMULATED · %s", plain);
    }
  else
    power_caption = g_strdup (label);

  bs_number_tile_set_value (BS_NUMBER_TILE (tiles->rate), rate);
  bs_number_tile_set_caption (BS_NUMBER_TILE (tiles->rate), rate_caption);
  bs_number_tile_set_value (BS_NUMBER_TILE (tiles->latency), latency);
  bs_number_tile_set_caption (BS_NUMBER_TILE (tiles->latency), latency_caption);
  bs_number_tile_set_value (BS_NUMBER_TILE (tiles->watts), watts);
  bs_number_tile_set_caption (BS_NUMBER_TILE (tiles->watts), power_caption);
  bs_number_tile_set_value (BS_NUMBER_TILE (tiles->energy), energy);
  /* The meter measures the host simulating a modelled kernel: no energy per inference. */
  bs_number_tile_set_caption (BS_NUMBER_TILE (tiles->energy),
                              modelled ? "needs modelled power"
                              : simulated ? "SIMULATED · total power ÷ rate" : "total power ÷ rate");
  bs_number_tile_set_value (BS_NUMBER_TILE (tiles->efficiency), eff);
  bs_number_tile_set_caption (BS_NUMBER_TILE (tiles->efficiency),
                              modelled ? "needs modelled power"
                              : simulated ? "SIMULATED · rate ÷ total power" : "rate ÷ total power");
  gtk_widget_set_tooltip_text (tiles->rate, modelled ? MODELLED_RATE_WHY : NULL);
  gtk_widget_set_tooltip_text (tiles->energy, modelled ? MODELLED_ENERGY_WHY : NULL);
  gtk_widget_set_tooltip_text (tiles->efficiency, modelled ? MODELLED_ENERGY_WHY : NULL);
  {
    GtkWidget *timing_tiles[] = { tiles->rate, tiles->latency };
    for (guint i = 0; i < G_N_ELEMENTS (timing_tiles); i++)
      if (modelled)
        gtk_widget_add_css_class (timing_tiles[i], "modelled");
      else
        gtk_widget_remove_css_class (timing_tiles[i], "modelled");
  }
  {
    GtkWidget *power_tiles[] = { tiles->watts, tiles->energy, tiles->efficiency };
    for (guint i = 0; i < G_N_ELEMENTS (power_tiles); i++)
      if (simulated)
        gtk_widget_add_css_class (power_tiles[i], "simulated");
      else
        gtk_widget_remove_css_class (power_tiles[i], "simulated");
  }
}

static void
update_tiles (BsLiveView *self)
{
  BsTileSet tiles = { GTK_WIDGET (self->rate_tile), GTK_WIDGET (self->latency_tile),
                      GTK_WIDGET (self->watts_tile), GTK_WIDGET (self->energy_tile),
                      GTK_WIDGET (self->efficiency_tile) };

  if (self->controller == NULL)
    return;
  bs_tile_set_update (&tiles, self->controller);
  /* At the tiles' rate, not per inference: a person reads the class, and the image the
   * engine ran last is the one shown. */
  bs_prediction_tile_update (self->prediction_tile, self->controller);
}

static void
update_range_label (BsLiveView *self)
{
  int64_t start, end;
  g_autofree char *span = NULL, *text = NULL;
  gboolean following = bs_time_view_get_following (self->time_view);

  bs_time_view_get_range (self->time_view, &start, &end);
  span = bs_format_duration ((double) (end - start));
  text = following ? g_strdup_printf ("Following live · %s window", span)
                   : g_strdup_printf ("%s window · paused on a range", span);
  gtk_label_set_text (self->range_label, text);
  gtk_widget_set_sensitive (self->follow_button, !following);
}

static gboolean
tile_tick (gpointer data)
{
  BsLiveView *self = data;

  update_tiles (self);
  if (self->controller == NULL || !bs_run_controller_is_busy (self->controller))
    {
      self->tile_timer = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
on_updated (BsRunController *controller, BsLiveView *self)
{
  bs_time_view_set_live_edge (self->time_view, bs_run_controller_get_t0 (controller),
                              bs_run_controller_get_now (controller));
  if (self->tile_timer == 0)
    {
      update_tiles (self);
      self->tile_timer = g_timeout_add (TILE_REFRESH_MS, tile_tick, self);
    }
}

static void
on_run_started (BsRunController *controller, BsLiveView *self)
{
  bs_time_view_set_live_edge (self->time_view, bs_run_controller_get_t0 (controller),
                              bs_run_controller_get_t0 (controller));
  update_tiles (self);
}

static void
on_input_changed (BsRunController *controller, BsLiveView *self)
{
  update_tiles (self);
}

static void
on_run_finished (BsRunController *controller, gint64 run, const char *summary, gboolean failed,
                 BsLiveView *self)
{
  update_tiles (self);
}

static void
on_state (BsRunController *controller, GParamSpec *pspec, BsLiveView *self)
{
  gtk_widget_set_visible (self->sweep_note,
                          bs_run_controller_get_state (controller) == BS_RUN_STATE_SWEEPING);
}

static void
on_view_changed (BsTimeView *view, BsLiveView *self)
{
  update_range_label (self);
}

static void
on_following (BsTimeView *view, GParamSpec *pspec, BsLiveView *self)
{
  update_range_label (self);
}

static void
on_follow_clicked (GtkButton *button, BsLiveView *self)
{
  bs_time_view_follow (self->time_view);
}

void
bs_live_view_set_controller (BsLiveView *self, BsRunController *controller)
{
  g_return_if_fail (self->controller == NULL);

  self->controller = g_object_ref (controller);
  bs_power_chart_set_source (self->power_chart, controller, self->time_view);
  bs_timeline_set_source (self->timeline, controller, self->time_view);
  g_signal_connect_object (controller, "updated", G_CALLBACK (on_updated), self, 0);
  g_signal_connect_object (controller, "run-started", G_CALLBACK (on_run_started), self, 0);
  g_signal_connect_object (controller, "model-changed", G_CALLBACK (on_run_started), self, 0);
  g_signal_connect_object (controller, "input-changed", G_CALLBACK (on_input_changed), self, 0);
  g_signal_connect_object (controller, "run-finished", G_CALLBACK (on_run_finished), self, 0);
  g_signal_connect_object (controller, "notify::state", G_CALLBACK (on_state), self, 0);
  bs_time_view_set_live_edge (self->time_view, bs_run_controller_get_t0 (controller),
                              bs_run_controller_get_now (controller));
  update_tiles (self);
}

BsTimeView *
bs_live_view_get_time_view (BsLiveView *self)
{
  return self->time_view;
}

static void
bs_live_view_dispose (GObject *object)
{
  BsLiveView *self = BS_LIVE_VIEW (object);

  g_clear_handle_id (&self->tile_timer, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), BS_TYPE_LIVE_VIEW);
  /* The template's root box has no id: dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->controller);
  g_clear_object (&self->time_view);
  G_OBJECT_CLASS (bs_live_view_parent_class)->dispose (object);
}

static void
bs_live_view_class_init (BsLiveViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bs_live_view_dispose;
  g_type_ensure (BS_TYPE_NUMBER_TILE);
  g_type_ensure (BS_TYPE_POWER_CHART);
  g_type_ensure (BS_TYPE_PREDICTION_TILE);
  g_type_ensure (BS_TYPE_TIMELINE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/blendscope/Blendscope/ui/bs-live-view.ui");
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, rate_tile);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, latency_tile);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, watts_tile);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, energy_tile);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, efficiency_tile);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, prediction_tile);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, power_chart);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, timeline);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, follow_button);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, range_label);
  gtk_widget_class_bind_template_child (widget_class, BsLiveView, sweep_note);
  gtk_widget_class_bind_template_callback (widget_class, on_follow_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "liveview");
}

static void
bs_live_view_init (BsLiveView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->time_view = bs_time_view_new ();
  g_signal_connect_object (self->time_view, "changed", G_CALLBACK (on_view_changed), self, 0);
  g_signal_connect_object (self->time_view, "notify::following", G_CALLBACK (on_following), self, 0);
  update_range_label (self);
}

GtkWidget *
bs_live_view_get_power_chart (BsLiveView *self)
{
  g_return_val_if_fail (BS_IS_LIVE_VIEW (self), NULL);
  return GTK_WIDGET (self->power_chart);
}

BsPredictionTile *
bs_live_view_get_prediction_tile (BsLiveView *self)
{
  g_return_val_if_fail (BS_IS_LIVE_VIEW (self), NULL);
  return self->prediction_tile;
}
