/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-layers.h: the per-layer table a run stores (BsRunLayer, bs-runs.h), built in
 * one place so that every recorder of a run (the CLI, the app, an evaluation) writes
 * the same rows: name, kind, precision, path and op counts, fixed-point MACs listed
 * by width, widths without MACs left out. */
#pragma once

#include "bs-plan.h"
#include "bs-runs.h"

G_BEGIN_DECLS

/* One row per plan op (BsLayerEvent.op indexes it): fused layers share one row, tagged
 * by the op's primary layer and counting the ops of every layer it computes. The array
 * owns (and frees) the names. */
GArray *bs_run_layers_from_plan (const BsPlan *plan);

/* One row per model layer, for a run recorded without a plan; zero counts unless the
 * model is validated (as bs_model_load() returns it). The array frees the names. */
GArray *bs_run_layers_from_model (const BsModel *model);

G_END_DECLS
