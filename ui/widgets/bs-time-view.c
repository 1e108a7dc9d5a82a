/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-time-view.c: one range, two modes (following, fixed). */
#include "bs-time-view.h"

#include <math.h>

#define MIN_SPAN_NS ((int64_t) 10000)                   /* 10 µs: a few layers */
#define MAX_SPAN_NS ((int64_t) 7 * 24 * 3600 * 1000000000)

struct _BsTimeView
{
  GObject parent_instance;

  gboolean following;
  int64_t span;              /* following: the width of the window */
  int64_t start, end;        /* fixed */
  int64_t t0, now;
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

enum
{
  PROP_0,
  PROP_FOLLOWING,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BsTimeView, bs_time_view, G_TYPE_OBJECT)

static void
changed (BsTimeView *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
set_following (BsTimeView *self, gboolean following)
{
  if (self->following == following)
    return;
  self->following = following;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOWING]);
}

void
bs_time_view_set_live_edge (BsTimeView *self, int64_t t0_ns, int64_t now_ns)
{
  gboolean new_run = t0_ns != self->t0;

  self->t0 = t0_ns;
  self->now = MAX (now_ns, t0_ns);
  /* A new run brings the view back to it. */
  if (new_run && !self->following)
    {
      self->span = BS_TIME_VIEW_DEFAULT_SPAN_NS;
      set_following (self, TRUE);
    }
  if (self->following || new_run)
    changed (self);
}

void
bs_time_view_get_range (BsTimeView *self, int64_t *start_ns, int64_t *end_ns)
{
  if (self->following)
    {
      /* Until a window's worth has elapsed the run grows from the left edge; then the
       * chart scrolls. */
      *end_ns = MAX (self->now, self->t0 + self->span);
      *start_ns = *end_ns - self->span;
    }
  else
    {
      *start_ns = self->start;
      *end_ns = self->end;
    }
}

gboolean
bs_time_view_get_following (BsTimeView *self)
{
  return self->following;
}

void
bs_time_view_set_range (BsTimeView *self, int64_t start_ns, int64_t end_ns)
{
  int64_t span = CLAMP (end_ns - start_ns, MIN_SPAN_NS, MAX_SPAN_NS);

  self->start = start_ns;
  self->end = start_ns + span;
  set_following (self, FALSE);
  changed (self);
}

void
bs_time_view_zoom (BsTimeView *self, double factor, double anchor)
{
  int64_t start, end, span, new_span, at;

  bs_time_view_get_range (self, &start, &end);
  span = end - start;
  new_span = CLAMP ((int64_t) (span * factor), MIN_SPAN_NS, MAX_SPAN_NS);
  if (self->following && anchor > 0.95)
    {
      self->span = new_span;
      changed (self);
      return;
    }
  anchor = CLAMP (anchor, 0, 1);
  at = start + (int64_t) (span * anchor);
  bs_time_view_set_range (self, at - (int64_t) (new_span * anchor),
                          at - (int64_t) (new_span * anchor) + new_span);
}

void
bs_time_view_pan (BsTimeView *self, double fraction)
{
  int64_t start, end, shift;

  bs_time_view_get_range (self, &start, &end);
  shift = (int64_t) ((end - start) * fraction);
  bs_time_view_set_range (self, start + shift, end + shift);
}

void
bs_time_view_follow (BsTimeView *self)
{
  self->span = BS_TIME_VIEW_DEFAULT_SPAN_NS;
  set_following (self, TRUE);
  changed (self);
}

/* ---- gestures ---- */

typedef struct
{
  BsTimeView *view;
  BsTimeViewPlotFunc plot_func;
  double pointer_x;
  int64_t drag_start, drag_end;
} Gestures;

static double
anchor_at (Gestures *g, GtkWidget *widget, double x)
{
  double px = 0, pw = 1;

  g->plot_func (widget, &px, &pw);
  return pw > 0 ? (x - px) / pw : 0.5;
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, gpointer data)
{
  Gestures *g = data;
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if ((mods & GDK_SHIFT_MASK) || fabs (dx) > fabs (dy))
    bs_time_view_pan (g->view, 0.1 * ((mods & GDK_SHIFT_MASK) ? dy : dx));
  else
    bs_time_view_zoom (g->view, pow (1.25, dy), anchor_at (g, widget, g->pointer_x));
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, gpointer data)
{
  Gestures *g = data;

  g->pointer_x = x;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, gpointer data)
{
  Gestures *g = data;

  bs_time_view_get_range (g->view, &g->drag_start, &g->drag_end);
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, gpointer data)
{
  Gestures *g = data;
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  double px = 0, pw = 1;
  int64_t shift;

  if (fabs (dx) < 3 && bs_time_view_get_following (g->view))
    return;
  g->plot_func (widget, &px, &pw);
  shift = (int64_t) (-dx / MAX (pw, 1) * (double) (g->drag_end - g->drag_start));
  bs_time_view_set_range (g->view, g->drag_start + shift, g->drag_end + shift);
}

static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, gpointer data)
{
  Gestures *g = data;
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  gtk_widget_grab_focus (widget);
  if (n_press == 2)
    bs_time_view_follow (g->view);
}

static gboolean
on_key (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
        gpointer data)
{
  Gestures *g = data;
  /* A view following the run stays at the live edge when zoomed. */
  double anchor = bs_time_view_get_following (g->view) ? 1.0 : 0.5;

  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      bs_time_view_zoom (g->view, 0.5, anchor);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      bs_time_view_zoom (g->view, 2, anchor);
      return TRUE;
    case GDK_KEY_Left:
      bs_time_view_pan (g->view, -0.2);
      return TRUE;
    case GDK_KEY_Right:
      bs_time_view_pan (g->view, 0.2);
      return TRUE;
    case GDK_KEY_Home:
    case GDK_KEY_0:
      bs_time_view_follow (g->view);
      return TRUE;
    default:
      return FALSE;
    }
}

void
bs_time_view_install_gestures (BsTimeView *self, GtkWidget *widget, BsTimeViewPlotFunc plot_func)
{
  Gestures *g = g_new0 (Gestures, 1);
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *key = gtk_event_controller_key_new ();

  g->view = self;
  g->plot_func = plot_func;
  g_object_set_data_full (G_OBJECT (widget), "bs-time-view-gestures", g, g_free);

  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), g);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), g);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), g);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), g);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), g);
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key), g);
  gtk_widget_add_controller (widget, scroll);
  gtk_widget_add_controller (widget, motion);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));
  gtk_widget_add_controller (widget, key);
  gtk_widget_set_focusable (widget, TRUE);
}

/* ---- GObject ---- */

static void
bs_time_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BsTimeView *self = BS_TIME_VIEW (object);

  switch (prop_id)
    {
    case PROP_FOLLOWING:
      g_value_set_boolean (value, self->following);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_time_view_class_init (BsTimeViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = bs_time_view_get_property;
  properties[PROP_FOLLOWING] = g_param_spec_boolean ("following", NULL, NULL, TRUE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bs_time_view_init (BsTimeView *self)
{
  self->following = TRUE;
  self->span = BS_TIME_VIEW_DEFAULT_SPAN_NS;
}

BsTimeView *
bs_time_view_new (void)
{
  return g_object_new (BS_TYPE_TIME_VIEW, NULL);
}
