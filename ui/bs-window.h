/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-window.h: the main window: the header bar (model), the run bar (bs-run-bar.h), the
 * pages (Live, Layers, Sessions, Compare, Graph) and the fullscreen demo. Its actions (win.*) are exported
 * on D-Bus under /org/blendscope/Blendscope/window/N. */
#pragma once

#include <gtk/gtk.h>

#include "bs-run-controller.h"
#include "bs-shared-store.h"

G_BEGIN_DECLS

#define BS_TYPE_WINDOW (bs_window_get_type ())
G_DECLARE_FINAL_TYPE (BsWindow, bs_window, BS, WINDOW, GtkApplicationWindow)

/* The pages read the session database through @store, the application's. */
BsWindow *bs_window_new (GtkApplication *app, BsRunController *controller, BsSharedStore *store,
                         GSettings *settings);
/* A banner above the pages; errors stay until closed, other messages go after a while. */
void bs_window_show_message (BsWindow *self, const char *text, gboolean error);

/* The session database the window reads (the controller's, or the default). */
char *bs_window_get_db_path (BsWindow *self);
/* Sessions, compared runs and the graph's heat map read the database again (sessions
 * and graph off the main thread: they fill in when the results are back). */
void bs_window_reload_sessions (BsWindow *self);
/* Shows the comparison of 2-4 runs (the first the baseline) on the Compare page. */
gboolean bs_window_compare (BsWindow *self, const int64_t *runs, int n_runs, GError **error);

G_END_DECLS
