/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-frame-log.c: the frame clock's after-paint, timed while the controller is busy. */
#include "bs-frame-log.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct
{
  char *path;
  BsRunController *controller;   /* weak: the window keeps it */
  GArray *gaps_ms;               /* double */
  int64_t last_us;
  gulong paint_handler;
  gulong finished_handler;
  GdkFrameClock *clock;
} FrameLog;

static void
frame_log_free (gpointer data)
{
  FrameLog *f = data;

  if (f->clock != NULL && f->paint_handler != 0)
    g_signal_handler_disconnect (f->clock, f->paint_handler);
  g_signal_handler_disconnect (f->controller, f->finished_handler);
  g_array_unref (f->gaps_ms);
  g_free (f->path);
  g_free (f);
}

static void
on_after_paint (GdkFrameClock *clock, FrameLog *f)
{
  int64_t now = g_get_monotonic_time ();

  if (!bs_run_controller_is_busy (f->controller))
    {
      f->last_us = 0;
      return;
    }
  if (f->last_us != 0)
    {
      double gap = (now - f->last_us) / 1000.0;
      g_array_append_val (f->gaps_ms, gap);
    }
  f->last_us = now;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
on_run_finished (BsRunController *controller, gint64 run, const char *summary, gboolean failed,
                 FrameLog *f)
{
  FILE *out;
  double total = 0;
  guint n = f->gaps_ms->len;

  if (n == 0)
    return;
  for (guint i = 0; i < n; i++)
    total += g_array_index (f->gaps_ms, double, i);
  g_array_sort (f->gaps_ms, compare_double);
  out = fopen (f->path, "a");
  if (out != NULL)
    {
      fprintf (out, "run: frames=%u mean_fps=%.1f p95_gap_ms=%.1f max_gap_ms=%.1f\n", n + 1,
               total > 0 ? n / (total / 1000) : 0, g_array_index (f->gaps_ms, double, (guint) (n * 0.95)),
               g_array_index (f->gaps_ms, double, n - 1));
      fclose (out);
    }
  g_array_set_size (f->gaps_ms, 0);
  f->last_us = 0;
}

static void
on_realize (GtkWidget *window, FrameLog *f)
{
  f->clock = gtk_widget_get_frame_clock (window);
  if (f->clock != NULL)
    f->paint_handler = g_signal_connect (f->clock, "after-paint", G_CALLBACK (on_after_paint), f);
}

/* The frame clock goes with the surface, before the window is finalized. */
static void
on_unrealize (GtkWidget *window, FrameLog *f)
{
  if (f->clock != NULL && f->paint_handler != 0)
    g_signal_handler_disconnect (f->clock, f->paint_handler);
  f->clock = NULL;
  f->paint_handler = 0;
}

void
bs_frame_log_attach (GtkWidget *window, BsRunController *controller)
{
  const char *path = g_getenv ("BLENDSCOPE_FRAME_LOG");
  FrameLog *f;

  if (path == NULL || *path == '\0')
    return;
  f = g_new0 (FrameLog, 1);
  f->path = g_strdup (path);
  f->controller = controller;
  f->gaps_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_object_set_data_full (G_OBJECT (window), "bs-frame-log", f, frame_log_free);
  g_signal_connect (window, "realize", G_CALLBACK (on_realize), f);
  g_signal_connect (window, "unrealize", G_CALLBACK (on_unrealize), f);
  f->finished_handler = g_signal_connect (controller, "run-finished", G_CALLBACK (on_run_finished), f);
}
