/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-bar.h: the bar above the pages that says how the next run goes: backend and
 * power meter, mode (count, continuous, sweep), inferences, recording and its session,
 * Run and Stop. It follows a run controller and acts through the application's actions,
 * so a click, a shortcut and a D-Bus call take the same path. */
#pragma once

#include "bs-run-controller.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BS_TYPE_RUN_BAR (bs_run_bar_get_type ())
G_DECLARE_FINAL_TYPE (BsRunBar, bs_run_bar, BS, RUN_BAR, GtkBox)

/* Shows the controller's settings from now on and starts the (slow, threaded) scan for
 * power meters. Call once. */
void bs_run_bar_set_controller (BsRunBar *self, BsRunController *controller);

/* Opens the backend's (or the power meter's) list, as Ctrl+B and Ctrl+M do. */
void bs_run_bar_popup_choice (BsRunBar *self, gboolean backend);

G_END_DECLS
