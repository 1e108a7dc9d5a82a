/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sessions-page.h: the Sessions page: the sessions of the database (and "All runs"),
 * and the runs of the chosen one in a table (run, session, model, backend, date, status,
 * tags, notes). Its buttons ask what they need (a name, a tag, a file, a confirmation)
 * and then activate the application's actions (app.compare, app.tag-run,
 * app.annotate-run, app.delete-run, app.rename-session, app.import-run,
 * app.export-run), so a click and a D-Bus call take the same path.
 */
#pragma once

#include "bs-shared-store.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BS_TYPE_SESSIONS_PAGE (bs_sessions_page_get_type ())
G_DECLARE_FINAL_TYPE (BsSessionsPage, bs_sessions_page, BS, SESSIONS_PAGE, GtkBox)

GtkWidget *bs_sessions_page_new (void);

/* The application's store, which the page reads. */
void bs_sessions_page_set_store (BsSessionsPage *self, BsSharedStore *store);
/* Reads sessions and runs again, off the main thread; the page fills in when they are
 * back (the selection is kept where the runs still exist). */
void bs_sessions_page_reload (BsSessionsPage *self);
/* The selected runs, in table order; returns how many (at most max). */
int bs_sessions_page_get_selected (BsSessionsPage *self, int64_t *runs, int max);
guint bs_sessions_page_get_n_runs (BsSessionsPage *self);

G_END_DECLS
