/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-time-view.h: the time range the live charts share (the power chart and the timeline
 * zoom and pan together), following the live edge of a run or fixed where the user put
 * it, and the mouse and keyboard gestures that move it. */
#pragma once

#include <gtk/gtk.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_TIME_VIEW_DEFAULT_SPAN_NS ((int64_t) 30 * 1000000000)

#define BS_TYPE_TIME_VIEW (bs_time_view_get_type ())
G_DECLARE_FINAL_TYPE (BsTimeView, bs_time_view, BS, TIME_VIEW, GObject)

BsTimeView *bs_time_view_new (void);

/* The run's start and its live edge; a following view moves with the edge. */
void bs_time_view_set_live_edge (BsTimeView *self, int64_t t0_ns, int64_t now_ns);
void bs_time_view_get_range (BsTimeView *self, int64_t *start_ns, int64_t *end_ns);
gboolean bs_time_view_get_following (BsTimeView *self);

/* factor < 1 zooms in, around @anchor (0 left edge .. 1 right edge); a following view
 * stays anchored at the live edge. */
void bs_time_view_zoom (BsTimeView *self, double factor, double anchor);
/* Moves by @fraction of the span (negative: earlier); stops following. */
void bs_time_view_pan (BsTimeView *self, double fraction);
/* Back to following the live edge with the default span. */
void bs_time_view_follow (BsTimeView *self);
/* Shows [start, end] and stops following. */
void bs_time_view_set_range (BsTimeView *self, int64_t start_ns, int64_t end_ns);

/* Wheel zooms around the pointer (Shift + wheel, or a horizontal wheel, pans), dragging
 * pans, a double click follows again, and with focus: +/− zoom, ←/→ pan, Home follows.
 * @plot_func gives the plot area's x and width in @widget coordinates. */
typedef void (*BsTimeViewPlotFunc) (GtkWidget *widget, double *x, double *width);
void bs_time_view_install_gestures (BsTimeView *self, GtkWidget *widget,
                                    BsTimeViewPlotFunc plot_func);

G_END_DECLS
