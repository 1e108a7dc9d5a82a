/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-live-view.h: the Live page: big-number tiles, the image being classified with the
 * model's answer, the power chart and the layer timeline on one shared, zoomable time
 * axis. */
#pragma once

#include <gtk/gtk.h>

#include "bs-prediction-tile.h"
#include "bs-run-controller.h"
#include "bs-time-view.h"

G_BEGIN_DECLS

#define BS_TYPE_LIVE_VIEW (bs_live_view_get_type ())
G_DECLARE_FINAL_TYPE (BsLiveView, bs_live_view, BS, LIVE_VIEW, GtkWidget)

void bs_live_view_set_controller (BsLiveView *self, BsRunController *controller);
/* The power chart (markers are placed on it). */
GtkWidget *bs_live_view_get_power_chart (BsLiveView *self);
BsTimeView *bs_live_view_get_time_view (BsLiveView *self);
/* The image being classified and the prediction (its "summary" is the window's
 * read-only "prediction" action state). */
BsPredictionTile *bs_live_view_get_prediction_tile (BsLiveView *self);

/* Fills the tiles of any view from the controller's figures: shared with the demo. */
typedef struct
{
  GtkWidget *rate, *latency, *watts, *energy, *efficiency;
} BsTileSet;
void bs_tile_set_update (const BsTileSet *tiles, BsRunController *controller);

G_END_DECLS
