/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-number-tile.h: a big-number tile: a title, a value with its unit, a caption. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BS_TYPE_NUMBER_TILE (bs_number_tile_get_type ())
G_DECLARE_FINAL_TYPE (BsNumberTile, bs_number_tile, BS, NUMBER_TILE, GtkWidget)

GtkWidget *bs_number_tile_new (const char *title);
/* "4.72 W" splits into the number and the unit at the last space; NULL or "—": no value. */
void bs_number_tile_set_value (BsNumberTile *self, const char *text);
void bs_number_tile_set_caption (BsNumberTile *self, const char *caption);

G_END_DECLS
