/* bs-graph-metrics.h: the measured figures the model graph can be heat-mapped by, one per
 * model layer, from a run's layer statistics (bs_query_layer_stats). Ops are matched to
 * model layers by name: a plan op carries its primary layer's name, so a layer fused
 * into another's op has no figure of its own (NaN, drawn as "no figure"). */
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

/* Fills out[bs_model_n_layers (model)]. `stats` is a BsLayerStats array of the measured
 * run; `modelled` that of a csim run, for EFFICIENCY only (else may be NULL). Returns how
 * many layers got a figure. */
int bs_graph_metric_compute (const BsModel *model, BsGraphMetric metric, GArray *stats,
                             GArray *modelled, double *out);

G_END_DECLS
