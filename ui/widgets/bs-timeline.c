/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-timeline.c: a widget around bs_timeline_render(). */
#include "bs-timeline.h"
#include "bs-chart-theme.h"

#include "bs-chart-axis.h"
#include "bs-timeline-render.h"

#include <string.h>

struct _BsTimeline
{
  GtkWidget parent_instance;

  BsRunController *controller;
  BsTimeView *view;
  BsChartStyle style;
  BsChartViewport vp;
  BsTimelineInfo info;
};

G_DEFINE_FINAL_TYPE (BsTimeline, bs_timeline, GTK_TYPE_WIDGET)

static void
fill_data (BsTimeline *self, BsTimelineData *data)
{
  memset (data, 0, sizeof *data);
  data->title = "Layers";
  data->time_labels = TRUE;
  data->empty_text = "No layer events in this range";
  if (self->controller != NULL)
    {
      data->spans = bs_run_controller_get_spans (self->controller);
      data->ops = bs_run_controller_get_op_table (self->controller);
      data->t0_ns = bs_run_controller_get_t0 (self->controller);
    }
}

static void
bs_timeline_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  BsTimeline *self = BS_TIMELINE (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int64_t start = 0, end = 1;
  BsTimelineData data;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  if (self->view != NULL)
    bs_time_view_get_range (self->view, &start, &end);
  self->vp = bs_chart_viewport_init (width, height, start, end);
  fill_data (self, &data);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  bs_timeline_render (cr, &data, &self->vp, &self->style, &self->info);
  cairo_destroy (cr);
}

static void
bs_timeline_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                     int *natural, int *minimum_baseline, int *natural_baseline)
{
  BsTimeline *self = BS_TIMELINE (widget);
  const BsOpTable *ops = self->controller != NULL ? bs_run_controller_get_op_table (self->controller) : NULL;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 320;
      *natural = 800;
    }
  else
    {
      *natural = bs_timeline_preferred_height (&self->style, ops != NULL ? ops->n_groups : 6, TRUE, TRUE);
      *minimum = MIN (*natural, 160);
    }
}

static gboolean
bs_timeline_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip)
{
  BsTimeline *self = BS_TIMELINE (widget);
  BsTimelineData data;
  const BsSpan *span;
  const BsOpInfo *op;
  g_autofree char *duration = NULL, *when = NULL, *text = NULL;

  if (keyboard)
    return FALSE;
  fill_data (self, &data);
  span = bs_timeline_hit (&data, &self->vp, &self->info, x, y);
  if (span == NULL || span->op >= data.ops->n_ops)
    return FALSE;
  op = &data.ops->ops[span->op];
  duration = bs_format_duration (span->duration_ns);
  when = bs_format_time_tick ((double) (span->t_start_ns - data.t0_ns), 1e3);
  text = g_strdup_printf ("<b>%s</b>\n%s · %s · %s path\n%s, inference %d, at %s",
                          op->name, op->kind, bs_precision_label (op->precision),
                          bs_path_to_string (op->path), duration, span->inference, when);
  gtk_tooltip_set_markup (tooltip, text);
  return TRUE;
}

static void
plot_func (GtkWidget *widget, double *x, double *width)
{
  BsTimeline *self = BS_TIMELINE (widget);

  *x = self->info.plot.x;
  *width = self->info.plot.width;
}

static void
on_changed (gpointer instance, gpointer data)
{
  gtk_widget_queue_draw (GTK_WIDGET (data));
}

static void
on_model_changed (gpointer instance, gpointer data)
{
  gtk_widget_queue_resize (GTK_WIDGET (data));
}

void
bs_timeline_set_source (BsTimeline *self, BsRunController *controller, BsTimeView *view)
{
  g_return_if_fail (self->controller == NULL);

  self->controller = g_object_ref (controller);
  self->view = g_object_ref (view);
  g_signal_connect_object (controller, "updated", G_CALLBACK (on_changed), self, 0);
  g_signal_connect_object (controller, "run-started", G_CALLBACK (on_changed), self, 0);
  g_signal_connect_object (controller, "model-changed", G_CALLBACK (on_model_changed), self, 0);
  g_signal_connect_object (view, "changed", G_CALLBACK (on_changed), self, 0);
  bs_time_view_install_gestures (view, GTK_WIDGET (self), plot_func);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
bs_timeline_dispose (GObject *object)
{
  BsTimeline *self = BS_TIMELINE (object);

  g_clear_object (&self->controller);
  g_clear_object (&self->view);
  G_OBJECT_CLASS (bs_timeline_parent_class)->dispose (object);
}

static void
bs_timeline_class_init (BsTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bs_timeline_dispose;
  widget_class->snapshot = bs_timeline_snapshot;
  widget_class->measure = bs_timeline_measure;
  widget_class->query_tooltip = bs_timeline_query_tooltip;
  gtk_widget_class_set_css_name (widget_class, "timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bs_timeline_init (BsTimeline *self)
{
  bs_chart_theme_follow (GTK_WIDGET (self), &self->style);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
}

GtkWidget *
bs_timeline_new (void)
{
  return g_object_new (BS_TYPE_TIMELINE, NULL);
}
