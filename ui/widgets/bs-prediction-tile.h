/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-prediction-tile.h: the image being classified and the model's answer, drawn by
 * bs_prediction_render (ui/render). The owner calls bs_prediction_tile_update at its own
 * refresh rate; the tile copies what it shows, never reads the controller while drawing. */
#pragma once

#include <gtk/gtk.h>

#include "bs-run-controller.h"

G_BEGIN_DECLS

#define BS_TYPE_PREDICTION_TILE (bs_prediction_tile_get_type ())
G_DECLARE_FINAL_TYPE (BsPredictionTile, bs_prediction_tile, BS, PREDICTION_TILE, GtkWidget)

/* Takes the controller's latest classification (bs_run_controller_get_classification). */
void bs_prediction_tile_update (BsPredictionTile *self, BsRunController *controller);
/* The same as a sentence (also the tooltip and the accessible label). */
const char *bs_prediction_tile_get_summary (BsPredictionTile *self);

G_END_DECLS
