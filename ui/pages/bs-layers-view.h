/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-layers-view.h: the Layers page: the breakdown chart (time, ops or energy per op, split
 * binary / fixed point, with totals) over a sortable table of the ops. */
#pragma once

#include <gtk/gtk.h>

#include "bs-run-controller.h"

G_BEGIN_DECLS

typedef enum
{
  BS_METRIC_TIME,
  BS_METRIC_OPS,
  BS_METRIC_ENERGY,
} BsMetric;

const char *bs_metric_to_string (BsMetric metric);          /* "time", "ops", "energy" */
gboolean bs_metric_from_string (const char *s, BsMetric *metric);

#define BS_TYPE_LAYERS_VIEW (bs_layers_view_get_type ())
G_DECLARE_FINAL_TYPE (BsLayersView, bs_layers_view, BS, LAYERS_VIEW, GtkWidget)

void bs_layers_view_set_controller (BsLayersView *self, BsRunController *controller);
void bs_layers_view_set_metric (BsLayersView *self, BsMetric metric);
/* Selects (and scrolls to) the op whose primary layer is `name`; NULL or unknown: none. */
void bs_layers_view_select_layer (BsLayersView *self, const char *name);

G_END_DECLS
