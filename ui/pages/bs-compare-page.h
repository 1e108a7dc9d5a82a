/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-compare-page.h: the Compare page: 2-4 recorded runs side by side — per-layer bars
 * of time or energy with ratios, deltas and significance, the totals with each run's
 * binary / fixed-point split (bs-compare-render.h), and the runs' power traces overlaid
 * (bs-overlay-render.h). A click on a row emits "layer-activated" with the layer's name.
 */
#pragma once

#include "bs-shared-store.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BS_TYPE_COMPARE_PAGE (bs_compare_page_get_type ())
G_DECLARE_FINAL_TYPE (BsComparePage, bs_compare_page, BS, COMPARE_PAGE, GtkBox)

GtkWidget *bs_compare_page_new (void);

/* Compares `runs` (2 to 4, the first the baseline): read off the main thread from the
 * application's store, then shown, and "reloaded" emitted; a run that cannot be read
 * is "failed" (with the reason) and an empty page. FALSE only for a wrong count. */
gboolean bs_compare_page_set_runs (BsComparePage *self, const int64_t *runs, int n_runs,
                                   GError **error);
/* The application's store, which reloads read. */
void bs_compare_page_set_store (BsComparePage *self, BsSharedStore *store);
/* Reads the same runs again (after a run was edited or deleted) off the main thread,
 * then shows them, or clears the page if they are gone, and emits "reloaded". */
void bs_compare_page_reload (BsComparePage *self);
int bs_compare_page_get_runs (BsComparePage *self, int64_t *runs);

/* "time" or "energy". */
gboolean bs_compare_page_set_metric (BsComparePage *self, const char *metric);
void bs_compare_page_set_selected_layer (BsComparePage *self, const char *name);

/* What the page draws, as JSON: {"runs": [...], "metric": "time", "unit": "s",
 * "totals": [...], "split": [[binary, fixed, float], ...], "layers": [{"name": ...,
 * "values": [...], "significant": [...]}, ...]}; values as drawn (NaN: null). */
char *bs_compare_page_get_summary (BsComparePage *self);

/* chart: "compare" (the whole comparison, every row) or "overlay" (the power traces). */
gboolean bs_compare_page_export (BsComparePage *self, const char *chart, const char *path,
                                 GError **error);

/* A save dialog, then win.export-chart (chart, path) activated from `from`. */
void bs_export_chart_dialog (GtkWidget *from, const char *chart, const char *suggested_name);

G_END_DECLS
