/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-chart.c: a widget around bs_power_chart_render(). */
#include "bs-power-chart.h"
#include "bs-chart-theme.h"

#include "bs-chart-axis.h"
#include "bs-marker-render.h"
#include "bs-marker-stats.h"
#include "bs-power-chart-render.h"

struct _BsPowerChart
{
  GtkWidget parent_instance;

  BsRunController *controller;
  BsTimeView *view;
  gboolean demo;
  BsChartStyle style;
  BsChartViewport vp;          /* of the last frame */
  BsPowerChartInfo info;
  int n_markers;               /* 0, 1 (A placed) or 2 */
  int64_t marker[2];
};

enum
{
  PROP_0,
  PROP_DEMO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BsPowerChart, bs_power_chart, GTK_TYPE_WIDGET)

static void
bs_power_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  BsPowerChart *self = BS_POWER_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int64_t start = 0, end = 1;
  const char *label;
  g_autofree char *subtitle = NULL;
  BsPowerChartData data = { 0 };
  g_autofree BsPowerChartChannel *channels = NULL;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  if (self->view != NULL)
    bs_time_view_get_range (self->view, &start, &end);
  self->vp = bs_chart_viewport_init (width, height, start, end);

  if (self->controller != NULL)
    {
      label = bs_run_controller_get_power_label (self->controller);
      subtitle = label != NULL ? g_strdup (label) : NULL;
      data.series = bs_run_controller_get_power (self->controller);
      data.spans = bs_run_controller_get_spans (self->controller);
      data.t0_ns = bs_run_controller_get_t0 (self->controller);
      /* Every power channel, overlaid with a legend (one alone is drawn as before). */
      data.n_channels = bs_run_controller_get_n_power_channels (self->controller);
      channels = g_new0 (BsPowerChartChannel, MAX (data.n_channels, 1));
      for (guint i = 0; i < data.n_channels; i++)
        channels[i].series = bs_run_controller_get_power_channel (self->controller, i, &channels[i].name);
      data.channels = channels;
    }
  data.title = "Power";
  data.subtitle = subtitle;
  data.unit = "W";
  if (data.series != NULL && bs_power_series_get_n (data.series) > 0)
    data.empty_text = "No power readings in this range";
  else if (self->controller != NULL && bs_run_controller_is_busy (self->controller))
    data.empty_text = "Waiting for power readings…";
  else
    data.empty_text = "No power readings: choose a power meter and run";

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  bs_power_chart_render (cr, &data, &self->vp, &self->style, &self->info);
  if (self->n_markers > 0 && data.series != NULL)
    {
      BsMarkerStats stats;
      int64_t b = self->marker[self->n_markers - 1];
      gboolean have = self->n_markers == 2
                      && bs_marker_stats_compute_series (data.series, self->marker[0], b, &stats);
      BsMarkerPair pair = { (double) self->marker[0], (double) b, NULL, NULL, have ? &stats : NULL };
      BsRect readout;

      bs_marker_render_pair (cr, &self->info.plot, (double) start, (double) end, &pair, &self->style,
                             &readout);
    }
  cairo_destroy (cr);
}

static gboolean
bs_power_chart_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                              GtkTooltip *tooltip)
{
  BsPowerChart *self = BS_POWER_CHART (widget);
  BsPowerSeries *series;
  int64_t t;
  gsize i;
  g_autofree char *when = NULL, *value = NULL, *text = NULL;

  if (self->controller == NULL || keyboard || x < self->info.plot.x
      || x > self->info.plot.x + self->info.plot.width)
    return FALSE;
  series = bs_run_controller_get_power (self->controller);
  if (bs_power_series_get_n (series) == 0)
    return FALSE;
  t = bs_power_chart_time_at (&self->info, &self->vp, x);
  i = bs_power_series_lower_bound (series, t);
  if (i >= bs_power_series_get_n (series))
    i = bs_power_series_get_n (series) - 1;
  /* The reading nearest the pointer. */
  if (i > 0 && t - bs_power_series_get_time (series, i - 1) < bs_power_series_get_time (series, i) - t)
    i--;
  when = bs_format_time_tick ((double) (bs_power_series_get_time (series, i)
                                        - bs_run_controller_get_t0 (self->controller)), 1e6);
  value = bs_format_si (bs_power_series_get_value (series, i), "W");
  text = g_strdup_printf ("%s at %s", value, when);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
plot_func (GtkWidget *widget, double *x, double *width)
{
  BsPowerChart *self = BS_POWER_CHART (widget);

  *x = self->info.plot.x;
  *width = self->info.plot.width;
}

static void
on_changed (gpointer instance, gpointer data)
{
  gtk_widget_queue_draw (GTK_WIDGET (data));
}

void
bs_power_chart_set_source (BsPowerChart *self, BsRunController *controller, BsTimeView *view)
{
  g_return_if_fail (self->controller == NULL);

  self->controller = g_object_ref (controller);
  self->view = g_object_ref (view);
  g_signal_connect_object (controller, "updated", G_CALLBACK (on_changed), self, 0);
  g_signal_connect_object (controller, "run-started", G_CALLBACK (on_changed), self, 0);
  g_signal_connect_object (controller, "model-changed", G_CALLBACK (on_changed), self, 0);
  g_signal_connect_object (view, "changed", G_CALLBACK (on_changed), self, 0);
  bs_time_view_install_gestures (view, GTK_WIDGET (self), plot_func);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
bs_power_chart_set_demo (BsPowerChart *self, gboolean demo)
{
  demo = !!demo;
  if (self->demo == demo)
    return;
  self->demo = demo;
  bs_chart_style_init (&self->style, demo ? BS_CHART_THEME_DEMO : bs_chart_theme_current ());
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO]);
}

static void
bs_power_chart_dispose (GObject *object)
{
  BsPowerChart *self = BS_POWER_CHART (object);

  g_clear_object (&self->controller);
  g_clear_object (&self->view);
  G_OBJECT_CLASS (bs_power_chart_parent_class)->dispose (object);
}

static void
bs_power_chart_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_DEMO:
      g_value_set_boolean (value, BS_POWER_CHART (object)->demo);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_power_chart_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_DEMO:
      bs_power_chart_set_demo (BS_POWER_CHART (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_power_chart_class_init (BsPowerChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bs_power_chart_dispose;
  object_class->get_property = bs_power_chart_get_property;
  object_class->set_property = bs_power_chart_set_property;
  widget_class->snapshot = bs_power_chart_snapshot;
  widget_class->query_tooltip = bs_power_chart_query_tooltip;

  properties[PROP_DEMO] = g_param_spec_boolean ("demo", NULL, NULL, FALSE,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "powerchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

/* A right click places A, the next B (then win.set-markers computes, shows and saves
 * the readout); a third starts again. A drag stays the time view's pan. */
static void
on_secondary_pressed (GtkGestureClick *gesture, int n_press, double x, double y, BsPowerChart *self)
{
  int64_t t = bs_power_chart_time_at (&self->info, &self->vp, x);

  if (self->n_markers != 1)
    {
      self->n_markers = 1;
      self->marker[0] = t;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else if (self->controller != NULL)
    {
      int64_t t0 = bs_run_controller_get_t0 (self->controller);

      gtk_widget_activate_action (GTK_WIDGET (self), "win.set-markers", "(xx)",
                                  (gint64) (self->marker[0] - t0), (gint64) (t - t0));
    }
  else
    bs_power_chart_set_markers (self, self->marker[0], t);
}

static void
bs_power_chart_init (BsPowerChart *self)
{
  bs_chart_theme_follow (GTK_WIDGET (self), &self->style);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self), 320, 140);   /* fits 1024×768 */
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  {
    GtkGesture *click = gtk_gesture_click_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
    g_signal_connect (click, "pressed", G_CALLBACK (on_secondary_pressed), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  }
}

void
bs_power_chart_set_markers (BsPowerChart *self, int64_t a_ns, int64_t b_ns)
{
  g_return_if_fail (BS_IS_POWER_CHART (self));
  self->n_markers = 2;
  self->marker[0] = MIN (a_ns, b_ns);
  self->marker[1] = MAX (a_ns, b_ns);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
bs_power_chart_clear_markers (BsPowerChart *self)
{
  g_return_if_fail (BS_IS_POWER_CHART (self));
  self->n_markers = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GtkWidget *
bs_power_chart_new (void)
{
  return g_object_new (BS_TYPE_POWER_CHART, NULL);
}
