/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-layer-row.h: one plan op as a row of the layer table, with properties the column
 * view sorts on. Times and energies are updated in place while a run goes on. */
#pragma once

#include <glib-object.h>

#include "bs-op-table.h"

G_BEGIN_DECLS

#define BS_TYPE_LAYER_ROW (bs_layer_row_get_type ())
G_DECLARE_FINAL_TYPE (BsLayerRow, bs_layer_row, BS, LAYER_ROW, GObject)

BsLayerRow *bs_layer_row_new (const BsOpTable *table, int op);

int bs_layer_row_get_op (BsLayerRow *self);
BsPrecision bs_layer_row_get_precision (BsLayerRow *self);
/* NaN: none. Notifies "time-ns", "share" and the text properties when they change. */
void bs_layer_row_set_time (BsLayerRow *self, double median_ns, double share);
void bs_layer_row_set_energy (BsLayerRow *self, double energy_j, double ci_j);

G_END_DECLS
