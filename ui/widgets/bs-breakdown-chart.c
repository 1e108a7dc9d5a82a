/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-breakdown-chart.c: a widget around bs_breakdown_render(); a click on a bar emits
 * "op-activated" so the table can select that row. */
#include "bs-breakdown-chart.h"
#include "bs-chart-theme.h"

#include "bs-breakdown-render.h"
#include "bs-chart-axis.h"

struct _BsBreakdownChart
{
  GtkWidget parent_instance;

  const BsOpTable *ops;
  double *values;
  char *title, *subtitle, *unit, *empty_text;
  int highlight;
  BsChartStyle style;
  BsBreakdownInfo info;
};

enum
{
  SIGNAL_OP_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BsBreakdownChart, bs_breakdown_chart, GTK_TYPE_WIDGET)

static void
fill_data (BsBreakdownChart *self, BsBreakdownData *data)
{
  *data = (BsBreakdownData) { self->ops, self->values, self->title, self->subtitle, self->unit,
                              self->empty_text, self->highlight };
}

static void
bs_breakdown_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  BsBreakdownChart *self = BS_BREAKDOWN_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  BsBreakdownData data;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  fill_data (self, &data);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  bs_breakdown_render (cr, &data, width, height, &self->style, &self->info);
  cairo_destroy (cr);
}

static gboolean
bs_breakdown_chart_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                                  GtkTooltip *tooltip)
{
  BsBreakdownChart *self = BS_BREAKDOWN_CHART (widget);
  BsBreakdownData data;
  GString *text;
  int op;

  fill_data (self, &data);
  op = keyboard ? -1 : bs_breakdown_hit (&data, &self->info, x, y);
  if (op < 0 || self->values == NULL)
    return FALSE;
  text = g_string_new (NULL);
  g_string_append_printf (text, "<b>%s</b>\n%s · %s", self->ops->ops[op].name,
                          self->ops->ops[op].kind, self->ops->groups[self->ops->ops[op].group].name);
  for (int p = 0; p < 3; p++)
    {
      double v = self->values[op * 3 + p];
      if (v > 0)
        {
          g_autofree char *s = bs_format_si (v, self->unit);
          g_string_append_printf (text, "\n%s: %s", bs_precision_label (p), s);
        }
    }
  gtk_tooltip_set_markup (tooltip, text->str);
  g_string_free (text, TRUE);
  return TRUE;
}

static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, gpointer data)
{
  BsBreakdownChart *self = data;
  BsBreakdownData d;
  int op;

  fill_data (self, &d);
  op = bs_breakdown_hit (&d, &self->info, x, y);
  if (op >= 0)
    g_signal_emit (self, signals[SIGNAL_OP_ACTIVATED], 0, op);
}

void
bs_breakdown_chart_set_data (BsBreakdownChart *self, const BsOpTable *ops, const double *values,
                             const char *title, const char *subtitle, const char *unit,
                             const char *empty_text)
{
  self->ops = ops;
  g_free (self->values);
  self->values = ops != NULL && values != NULL ? g_memdup2 (values, sizeof (double) * 3 * ops->n_ops) : NULL;
  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->unit);
  g_free (self->empty_text);
  self->title = g_strdup (title);
  self->subtitle = g_strdup (subtitle);
  self->unit = g_strdup (unit);
  self->empty_text = g_strdup (empty_text);
  if (ops == NULL || self->highlight >= ops->n_ops)
    self->highlight = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
bs_breakdown_chart_set_highlight (BsBreakdownChart *self, int op)
{
  if (self->highlight == op)
    return;
  self->highlight = op;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
bs_breakdown_chart_finalize (GObject *object)
{
  BsBreakdownChart *self = BS_BREAKDOWN_CHART (object);

  g_free (self->values);
  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->unit);
  g_free (self->empty_text);
  G_OBJECT_CLASS (bs_breakdown_chart_parent_class)->finalize (object);
}

static void
bs_breakdown_chart_class_init (BsBreakdownChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bs_breakdown_chart_finalize;
  widget_class->snapshot = bs_breakdown_chart_snapshot;
  widget_class->query_tooltip = bs_breakdown_chart_query_tooltip;
  /* The op whose bar was clicked. */
  signals[SIGNAL_OP_ACTIVATED] = g_signal_new ("op-activated", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_INT);
  gtk_widget_class_set_css_name (widget_class, "breakdownchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bs_breakdown_chart_init (BsBreakdownChart *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  self->highlight = -1;
  bs_chart_theme_follow (GTK_WIDGET (self), &self->style);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self), 400, 260);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
bs_breakdown_chart_new (void)
{
  return g_object_new (BS_TYPE_BREAKDOWN_CHART, NULL);
}
