/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-demo-view.h: the fullscreen demo page: large type, high contrast, the live power chart
 * and the big numbers, for a conference screen. */
#pragma once

#include <gtk/gtk.h>

#include "bs-run-controller.h"

G_BEGIN_DECLS

#define BS_TYPE_DEMO_VIEW (bs_demo_view_get_type ())
G_DECLARE_FINAL_TYPE (BsDemoView, bs_demo_view, BS, DEMO_VIEW, GtkWidget)

void bs_demo_view_set_controller (BsDemoView *self, BsRunController *controller);

G_END_DECLS
