/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-graph-metrics.h: the measured figures the model graph can be heat-mapped by, one per
 * model layer, from a run's layer statistics (bs_query_layer_stats). Ops are matched to
 * model layers by name: a plan op carries its primary layer's name. A layer fused into
 * another's op (a batch norm and sign into the conv before them) has no op of its own:
 * given the plan's primary layers (bs_graph_primary_layers) it shows the figures of the
 * op it lives in, and says so. */
#pragma once

#include "bs-model.h"
#include "bs-queries.h"

G_BEGIN_DECLS

typedef enum
{
  BS_GRAPH_METRIC_TIME_SHARE,     /* the op's mean time / the sum over all ops (0..1) */
  BS_GRAPH_METRIC_ENERGY_SHARE,   /* the same for energy; NaN without power readings */
  BS_GRAPH_METRIC_EFFICIENCY,     /* measured mean time / modelled mean time (a csim run) */
} BsGraphMetric;

const char *bs_graph_metric_title (BsGraphMetric metric);

/* By model layer, the primary layer of the plan op that computes it (itself for an op's
 * primary; -1 for a layer no op computes). NULL when the model compiles to no plan. */
int *bs_graph_primary_layers (const BsModel *model);

/* The op a layer's figures come from: its own (by name), else that of the op it is fused
 * into (primary may be NULL: by name only). *fused_into: the model layer naming that op,
 * or -1 when the layer has an op of its own or none is found. NULL: no figures. */
const BsLayerStats *bs_graph_layer_op (const BsModel *model, const int *primary, GArray *stats,
                                       int layer, int *fused_into);

/* "host clock", "device counter", "modelled" or "mixed clocks": where a time came from. */
const char *bs_graph_clock_label (BsClockMask clocks);

/* A selected layer's figures, for the side panel and the tooltip. NaN: none. */
typedef struct
{
  int fused_into;            /* model layer whose op this one lives in, or -1 */
  const char *op_name;       /* the op the figures are of; NULL: no figures */
  BsClockMask clocks;        /* of the measured time */
  double time_s;             /* the op's mean time per inference */
  double share;              /* of the sum over all ops (0..1) */
  double energy_j;           /* the op's mean energy per inference */
  double modelled_s;         /* the same op's mean in the csim run */
  double measured_over_modelled;
  uint64_t binary_macs;      /* the layer's own, per inference (bs-counts) */
  uint64_t fixed_macs;
} BsGraphLayerFigures;

/* stats, modelled, primary may be NULL. Borrows names from stats and modelled. */
void bs_graph_layer_figures (const BsModel *model, const int *primary, GArray *stats,
                             GArray *modelled, int layer, BsGraphLayerFigures *out);

/* Fills out[bs_model_n_layers (model)]. `stats` is a BsLayerStats array of the measured
 * run; `modelled` that of a csim run, for EFFICIENCY only (else may be NULL). A fused
 * layer gets its op's figure when `primary` (bs_graph_primary_layers) is given. Returns
 * how many layers got a figure. */
int bs_graph_metric_compute (const BsModel *model, const int *primary, BsGraphMetric metric,
                             GArray *stats, GArray *modelled, double *out);

G_END_DECLS
