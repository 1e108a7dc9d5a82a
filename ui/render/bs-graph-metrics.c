/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-graph-metrics.c: per-layer figures by name. */
#include "bs-graph-metrics.h"

#include <math.h>

#include "bs-clock.h"
#include "bs-counts.h"
#include "bs-plan.h"

const char *
bs_graph_metric_title (BsGraphMetric metric)
{
  switch (metric)
    {
    case BS_GRAPH_METRIC_ENERGY_SHARE:
      return "Energy share";
    case BS_GRAPH_METRIC_EFFICIENCY:
      return "Measured / modelled time";
    case BS_GRAPH_METRIC_TIME_SHARE:
    default:
      return "Time share";
    }
}

/* name -> BsLayerStats*; a repeated name keeps its first op (names are unique in the
 * bundled models). */
static GHashTable *
index_by_name (GArray *stats)
{
  GHashTable *index = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; stats != NULL && i < stats->len; i++)
    {
      BsLayerStats *st = &g_array_index (stats, BsLayerStats, i);
      if (st->name != NULL && !g_hash_table_contains (index, st->name))
        g_hash_table_insert (index, st->name, st);
    }
  return index;
}

static double
figure (const BsLayerStats *st, BsGraphMetric metric)
{
  if (st == NULL)
    return NAN;
  if (metric == BS_GRAPH_METRIC_ENERGY_SHARE)
    return st->energy_n > 0 ? st->energy_j : NAN;
  return st->time_ns.n > 0 ? st->time_ns.mean : NAN;
}

int *
bs_graph_primary_layers (const BsModel *model)
{
  g_autoptr (BsPlan) plan = bs_plan_compile (model, NULL);
  int n = bs_model_n_layers (model);
  int *primary;

  if (plan == NULL)
    return NULL;
  primary = g_new (int, MAX (n, 1));
  for (int i = 0; i < n; i++)
    primary[i] = -1;
  for (int k = 0; k < plan->n_ops; k++)
    {
      const BsPlanOp *op = &plan->ops[k];

      for (int j = 0; j < op->n_layers; j++)
        if (op->layers[j] >= 0 && op->layers[j] < n && primary[op->layers[j]] < 0)
          primary[op->layers[j]] = op->primary;
    }
  return primary;
}

static const BsLayerStats *
stats_named (GArray *stats, const char *name)
{
  for (guint i = 0; stats != NULL && name != NULL && i < stats->len; i++)
    {
      const BsLayerStats *st = &g_array_index (stats, BsLayerStats, i);
      if (g_strcmp0 (st->name, name) == 0)
        return st;
    }
  return NULL;
}

const BsLayerStats *
bs_graph_layer_op (const BsModel *model, const int *primary, GArray *stats, int layer,
                   int *fused_into)
{
  const BsLayerStats *st = stats_named (stats, bs_model_layer (model, layer)->name);
  int p = primary != NULL ? primary[layer] : -1;

  *fused_into = -1;
  if (st != NULL || p < 0 || p == layer)
    return st;
  st = stats_named (stats, bs_model_layer (model, p)->name);
  if (st != NULL)
    *fused_into = p;
  return st;
}

const char *
bs_graph_clock_label (BsClockMask clocks)
{
  switch (clocks)
    {
    case 1u << BS_CLOCK_HOST:
      return "host clock";
    case 1u << BS_CLOCK_DEVICE:
      return "device counter";
    case 1u << BS_CLOCK_MODELLED:
      return "modelled";
    case 0:
      return "no clock";
    default:
      return "mixed clocks";
    }
}

static double
total_time (GArray *stats)
{
  double total = 0;

  for (guint i = 0; stats != NULL && i < stats->len; i++)
    {
      double v = figure (&g_array_index (stats, BsLayerStats, i), BS_GRAPH_METRIC_TIME_SHARE);
      if (isfinite (v))
        total += v;
    }
  return total;
}

void
bs_graph_layer_figures (const BsModel *model, const int *primary, GArray *stats,
                        GArray *modelled, int layer, BsGraphLayerFigures *out)
{
  const BsLayerStats *st = bs_graph_layer_op (model, primary, stats, layer, &out->fused_into);
  const BsLayerStats *csim;
  double total = total_time (stats);
  BsCounts counts;

  bs_layer_counts (model, layer, &counts);
  out->binary_macs = counts.binary_macs;
  out->fixed_macs = bs_counts_fixed_macs (&counts);
  out->op_name = st != NULL ? st->name : NULL;
  out->clocks = st != NULL ? st->clocks : 0;
  out->time_s = figure (st, BS_GRAPH_METRIC_TIME_SHARE) / 1e9;
  out->share = total > 0 ? out->time_s * 1e9 / total : NAN;
  out->energy_j = figure (st, BS_GRAPH_METRIC_ENERGY_SHARE);
  /* The same op in the csim run: by the name the figures came from. */
  csim = st != NULL && modelled != stats ? stats_named (modelled, st->name) : NULL;
  out->modelled_s = figure (csim, BS_GRAPH_METRIC_TIME_SHARE) / 1e9;
  out->measured_over_modelled = out->modelled_s > 0 ? out->time_s / out->modelled_s : NAN;
}

int
bs_graph_metric_compute (const BsModel *model, const int *primary, BsGraphMetric metric,
                         GArray *stats, GArray *modelled, double *out)
{
  g_autoptr (GHashTable) measured = index_by_name (stats);
  g_autoptr (GHashTable) model_index = index_by_name (modelled);
  int n = bs_model_n_layers (model), found = 0;
  double total = 0;

  /* The share's denominator: every op of the run, whether or not the model names it. */
  for (guint i = 0; metric != BS_GRAPH_METRIC_EFFICIENCY && stats != NULL && i < stats->len; i++)
    {
      double v = figure (&g_array_index (stats, BsLayerStats, i), metric);
      if (isfinite (v))
        total += v;
    }
  for (int i = 0; i < n; i++)
    {
      int fused_into;
      const BsLayerStats *st = bs_graph_layer_op (model, primary, stats, i, &fused_into);
      const char *name = st != NULL ? st->name : bs_model_layer (model, i)->name;
      double v = figure (g_hash_table_lookup (measured, name), metric);

      if (metric == BS_GRAPH_METRIC_EFFICIENCY)
        {
          double m = figure (g_hash_table_lookup (model_index, name), BS_GRAPH_METRIC_TIME_SHARE);
          v = isfinite (v) && isfinite (m) && m > 0 ? v / m : NAN;
        }
      else
        v = isfinite (v) && total > 0 ? v / total : NAN;
      out[i] = v;
      found += isfinite (v);
    }
  return found;
}
