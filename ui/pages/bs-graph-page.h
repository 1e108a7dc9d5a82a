/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-graph-page.h: the Graph page: the loaded model drawn as a graph (bs-graph-layout.h,
 * bs-graph-render.h) — Blend modules with their main (binary) and skip (fixed-point)
 * paths side by side — coloured by precision or heat-mapped by a figure of the latest
 * recorded run of the model (bs-graph-metrics.h). Fit to page by default, with the
 * layout picked for the page's size; zoom and pan by keys (+, -, 0, arrows), wheel
 * (Ctrl: zoom) and drag. A side panel shows the selected layer's figures. A click on a
 * node emits "layer-activated" with the layer's name. Once in a window it adds
 * win.graph-view (what it shows, JSON) and win.graph-zoom ("in", "out", "fit").
 */
#pragma once

#include <gtk/gtk.h>

#include "bs-model.h"
#include "bs-shared-store.h"

G_BEGIN_DECLS

#define BS_TYPE_GRAPH_PAGE (bs_graph_page_get_type ())
G_DECLARE_FINAL_TYPE (BsGraphPage, bs_graph_page, BS, GRAPH_PAGE, GtkBox)

GtkWidget *bs_graph_page_new (void);

/* The model is borrowed: set it again (or NULL) before it goes. */
void bs_graph_page_set_model (BsGraphPage *self, const BsModel *model);
/* The application's store, which the page reads. */
void bs_graph_page_set_store (BsGraphPage *self, BsSharedStore *store);
/* Reads the latest runs of the model from the store (whose file may not exist yet), off
 * the main thread; the heat map follows when they are back. */
void bs_graph_page_reload (BsGraphPage *self);
/* "precision", "time", "energy" or "efficiency". */
gboolean bs_graph_page_set_metric (BsGraphPage *self, const char *metric);
void bs_graph_page_set_selected_layer (BsGraphPage *self, const char *name);
/* The whole graph, fit to a width of 1400. */
gboolean bs_graph_page_export (BsGraphPage *self, const char *path, GError **error);
/* The runs the heat map comes from (-1: none). */
void bs_graph_page_get_runs (BsGraphPage *self, int64_t *measured, int64_t *modelled);

G_END_DECLS
