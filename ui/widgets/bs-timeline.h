/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-timeline.h: the live timeline widget: layer executions by Blend module, coloured by
 * precision (bs-timeline-render.h), in the range of the shared BsTimeView. */
#pragma once

#include <gtk/gtk.h>

#include "bs-run-controller.h"
#include "bs-time-view.h"

G_BEGIN_DECLS

#define BS_TYPE_TIMELINE (bs_timeline_get_type ())
G_DECLARE_FINAL_TYPE (BsTimeline, bs_timeline, BS, TIMELINE, GtkWidget)

GtkWidget *bs_timeline_new (void);
void bs_timeline_set_source (BsTimeline *self, BsRunController *controller, BsTimeView *view);

G_END_DECLS
