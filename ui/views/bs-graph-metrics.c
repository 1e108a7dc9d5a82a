/* bs-graph-metrics.c: per-layer figures by name. */
#include "bs-graph-metrics.h"

#include <math.h>

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

int
bs_graph_metric_compute (const BsModel *model, BsGraphMetric metric, GArray *stats,
                         GArray *modelled, double *out)
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
      const char *name = bs_model_layer (model, i)->name;
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
