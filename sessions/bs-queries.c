/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-queries.c: layer statistics, run totals and comparisons, from stored summaries
 * when they are current and from the raw chunks otherwise. */
#include "bs-queries.h"
#include "bs-group-times.h"
#include "bs-runs.h"
#include "bs-summaries.h"

#include <math.h>
#include <string.h>


const char *
bs_clock_mask_to_string (BsClockMask clocks)
{
  switch (clocks)
    {
    case 0: return "none";
    case 1u << BS_CLOCK_HOST: return "host";
    case 1u << BS_CLOCK_DEVICE: return "device";
    case 1u << BS_CLOCK_MODELLED: return "modelled";
    case (1u << BS_CLOCK_HOST) | (1u << BS_CLOCK_DEVICE): return "host+device (mixed)";
    case (1u << BS_CLOCK_HOST) | (1u << BS_CLOCK_MODELLED): return "host+modelled (mixed)";
    case (1u << BS_CLOCK_DEVICE) | (1u << BS_CLOCK_MODELLED): return "device+modelled (mixed)";
    default: return "host+device+modelled (mixed)";
    }
}

static void
clear_layer_stats (gpointer p)
{
  BsLayerStats *st = p;
  g_free (st->name);
}

static GArray *
layer_stats_array_new (void)
{
  GArray *stats = g_array_new (FALSE, TRUE, sizeof (BsLayerStats));

  g_array_set_clear_func (stats, clear_layer_stats);
  return stats;
}

/* Loads current summaries, or computes them (and stores them unless the run is still
 * being recorded, or `refresh` asks for a recomputation). */
static gboolean
get_summaries (BsStore *store, int64_t run, gboolean refresh, GArray *stats, BsRunTotals *totals,
               GError **error)
{
  g_autoptr (BsRun) r = bs_store_get_run (store, run, error);
  g_autoptr (GArray) layers = NULL;
  gboolean found = FALSE;

  if (r == NULL)
    return FALSE;
  layers = bs_store_get_run_layers (store, run, error);
  if (layers == NULL)
    return FALSE;
  if (!refresh && r->status != BS_RUN_RUNNING
      && !bs_summaries_load (store, run, layers, stats, totals, &found, error))
    return FALSE;
  if (found)
    return TRUE;
  g_array_set_size (stats, 0);
  if (!bs_summaries_compute (store, run, layers, stats, totals, error))
    return FALSE;
  if (r->status == BS_RUN_RUNNING)
    return TRUE;
  /* A read-only or busy file still answers the query. */
  return bs_summaries_save (store, run, stats, totals, refresh ? error : NULL) || !refresh;
}

GArray *
bs_query_layer_stats (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (GArray) stats = layer_stats_array_new ();
  BsRunTotals totals;

  if (!get_summaries (store, run, FALSE, stats, &totals, error))
    return NULL;
  return g_steal_pointer (&stats);
}

gboolean
bs_query_run_totals (BsStore *store, int64_t run, BsRunTotals *totals, GError **error)
{
  g_autoptr (GArray) stats = layer_stats_array_new ();

  return get_summaries (store, run, FALSE, stats, totals, error);
}

gboolean
bs_query_refresh_summaries (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (GArray) stats = layer_stats_array_new ();
  BsRunTotals totals;

  return get_summaries (store, run, TRUE, stats, &totals, error);
}

/* Comparison */

static void
clear_row (gpointer p)
{
  BsCompareRow *row = p;
  g_free (row->name);
}

void
bs_comparison_free (BsComparison *comparison)
{
  if (comparison == NULL)
    return;
  g_clear_pointer (&comparison->rows, g_array_unref);
  g_clear_pointer (&comparison->stages, g_array_unref);
  g_clear_pointer (&comparison->paths, g_array_unref);
  g_free (comparison);
}

static void
init_figure (BsCompareFigure *f)
{
  for (int i = 0; i < BS_COMPARE_MAX_RUNS; i++)
    {
      f->value[i] = (BsSummary) { 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN };
      f->delta[i] = f->ratio[i] = f->p_holm[i] = f->ci95[i] = NAN;
      f->test[i] = (BsWelch) { NAN, NAN, NAN };
    }
}

static void
init_row (BsCompareRow *row, const BsLayerStats *st)
{
  memset (row, 0, sizeof *row);
  row->name = g_strdup (st->name);
  row->precision = st->precision;
  row->path = st->path;
  for (int i = 0; i < BS_COMPARE_MAX_RUNS; i++)
    row->op[i] = -1;
  init_figure (&row->time_ns);
  init_figure (&row->energy_j);
}

/* Layers match by name; a name repeated within a run matches its k-th repetition. */
static char *
match_key (GHashTable *seen, const char *name)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (seen, name)) + 1;

  g_hash_table_replace (seen, g_strdup (name), GUINT_TO_POINTER (count));
  return g_strdup_printf ("%s\x1f%u", name, count);
}

static void
place_run (BsComparison *c, GHashTable *rows_by_key, int i, GArray *stats)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint k = 0; k < stats->len; k++)
    {
      const BsLayerStats *st = &g_array_index (stats, BsLayerStats, k);
      char *key = match_key (seen, st->name);
      gpointer found = g_hash_table_lookup (rows_by_key, key);
      guint index;
      BsCompareRow *row;

      if (found == NULL)
        {
          BsCompareRow fresh;
          init_row (&fresh, st);
          g_array_append_val (c->rows, fresh);
          index = c->rows->len - 1;
          g_hash_table_insert (rows_by_key, key, GUINT_TO_POINTER (index + 1));
        }
      else
        {
          index = GPOINTER_TO_UINT (found) - 1;
          g_free (key);
        }
      row = &g_array_index (c->rows, BsCompareRow, index);
      row->op[i] = st->op;
      row->time_ns.value[i] = st->time_ns;
      row->time_ns.ci95[i] = bs_stats_ci95_half_width (&st->time_ns);
      row->energy_j.value[i] = (BsSummary) { st->energy_n, st->energy_j, st->energy_sd_j,
                                             NAN, NAN, NAN, NAN, NAN };
      row->energy_j.ci95[i] = bs_stats_ci95_half_width (&row->energy_j.value[i]);
    }
}

/* Run i against the baseline: difference, ratio, Welch's test. Its p, NaN without one. */
static double
test_pair (BsCompareFigure *f, int i)
{
  if (f->value[0].n < 1 || f->value[i].n < 1)
    return NAN;
  f->delta[i] = f->value[i].mean - f->value[0].mean;
  f->ratio[i] = f->value[i].mean / f->value[0].mean;
  bs_stats_welch (&f->value[0], &f->value[i], &f->test[i]);
  return f->test[i].p;
}

static void
set_significance (BsCompareFigure *f, int i, double p)
{
  f->p_holm[i] = p;
  f->significant[i] = !isnan (p) && p < BS_COMPARE_SIGNIFICANCE;
}

/* The figure at `offset` in every element of @items (rows or groups; time or energy):
 * differences from the baseline, Welch's test and Holm's correction over the elements of
 * each pair. */
static void
test_figures (BsComparison *c, GArray *items, gsize offset)
{
  guint n = items->len;
  gsize size = g_array_get_element_size (items);
  g_autofree double *p = g_new (double, MAX (n, 1));
  g_autofree double *adjusted = g_new (double, MAX (n, 1));

  for (int i = 1; i < c->n_runs; i++)
    {
      for (guint k = 0; k < n; k++)
        p[k] = test_pair (G_STRUCT_MEMBER_P (items->data + k * size, offset), i);
      bs_stats_holm (p, n, adjusted);
      for (guint k = 0; k < n; k++)
        set_significance (G_STRUCT_MEMBER_P (items->data + k * size, offset), i, adjusted[k]);
    }
}

static void
clear_group (gpointer p)
{
  BsCompareGroup *group = p;
  g_free (group->name);
}

/* Run i's groups into @groups, matched by name (baseline order, then new ones). */
static gboolean
place_groups (BsStore *store, BsComparison *c, int i, BsGroupBy by, GArray *groups,
              GError **error)
{
  g_autoptr (GHashTable) summaries = NULL;
  g_autoptr (GPtrArray) names = bs_run_group_times (store, c->runs[i], by, &summaries, error);

  if (names == NULL)
    return FALSE;
  for (guint k = 0; k < names->len; k++)
    {
      const BsSummary *s = g_hash_table_lookup (summaries, names->pdata[k]);
      BsCompareGroup *g = NULL;

      for (guint j = 0; j < groups->len && g == NULL; j++)
        if (g_str_equal (g_array_index (groups, BsCompareGroup, j).name, names->pdata[k]))
          g = &g_array_index (groups, BsCompareGroup, j);
      if (g == NULL)
        {
          BsCompareGroup fresh = { g_strdup (names->pdata[k]) };
          init_figure (&fresh.time_ns);
          g_array_append_val (groups, fresh);
          g = &g_array_index (groups, BsCompareGroup, groups->len - 1);
        }
      g->time_ns.value[i] = *s;
      g->time_ns.ci95[i] = bs_stats_ci95_half_width (s);
    }
  return TRUE;
}

/* The runs' totals: one test per pair, no correction. */
static void
test_totals (BsComparison *c)
{
  init_figure (&c->latency_ns);
  init_figure (&c->energy_j);
  for (int i = 0; i < c->n_runs; i++)
    {
      const BsRunTotals *t = &c->totals[i];

      c->latency_ns.value[i] = t->latency_ns;
      c->latency_ns.ci95[i] = bs_stats_ci95_half_width (&t->latency_ns);
      /* No figure (n = 0) when the run has no power, or no energy per inference to
       * derive from it (modelled timings). */
      if (t->has_power && isfinite (t->energy_per_inference_j))
        c->energy_j.value[i] = (BsSummary) { t->n_inferences, t->energy_per_inference_j,
                                             t->energy_per_inference_sd_j, NAN, NAN, NAN, NAN, NAN };
      c->energy_j.ci95[i] = bs_stats_ci95_half_width (&c->energy_j.value[i]);
    }
  for (int i = 1; i < c->n_runs; i++)
    {
      set_significance (&c->latency_ns, i, test_pair (&c->latency_ns, i));
      set_significance (&c->energy_j, i, test_pair (&c->energy_j, i));
    }
}

static gboolean
origins_differ (const BsComparison *c)
{
  for (int i = 0; i < c->n_runs; i++)
    {
      BsClockMask m = c->totals[i].clocks;
      if (m != c->totals[0].clocks || (m & (m - 1)) != 0)
        return TRUE;
    }
  return FALSE;
}

BsComparison *
bs_query_compare (BsStore *store, const int64_t *runs, int n_runs, GError **error)
{
  g_autoptr (BsComparison) c = g_new0 (BsComparison, 1);
  g_autoptr (GHashTable) rows_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                              NULL);

  g_return_val_if_fail (n_runs >= 2 && n_runs <= BS_COMPARE_MAX_RUNS, NULL);
  c->n_runs = n_runs;
  c->rows = g_array_new (FALSE, TRUE, sizeof (BsCompareRow));
  g_array_set_clear_func (c->rows, clear_row);
  for (int i = 0; i < n_runs; i++)
    {
      g_autoptr (GArray) stats = layer_stats_array_new ();

      c->runs[i] = runs[i];
      if (!get_summaries (store, runs[i], FALSE, stats, &c->totals[i], error))
        return NULL;
      place_run (c, rows_by_key, i, stats);
    }
  test_figures (c, c->rows, G_STRUCT_OFFSET (BsCompareRow, time_ns));
  test_figures (c, c->rows, G_STRUCT_OFFSET (BsCompareRow, energy_j));
  test_totals (c);
  c->mixed_origins = origins_differ (c);
  return g_steal_pointer (&c);
}

gboolean
bs_comparison_add_groups (BsStore *store, BsComparison *c, GError **error)
{
  g_autoptr (GArray) stages = g_array_new (FALSE, TRUE, sizeof (BsCompareGroup));
  g_autoptr (GArray) paths = g_array_new (FALSE, TRUE, sizeof (BsCompareGroup));

  g_array_set_clear_func (stages, clear_group);
  g_array_set_clear_func (paths, clear_group);
  for (int i = 0; i < c->n_runs; i++)
    if (!place_groups (store, c, i, BS_GROUP_BY_STAGE, stages, error)
        || !place_groups (store, c, i, BS_GROUP_BY_PATH, paths, error))
      return FALSE;
  test_figures (c, stages, G_STRUCT_OFFSET (BsCompareGroup, time_ns));
  test_figures (c, paths, G_STRUCT_OFFSET (BsCompareGroup, time_ns));
  g_clear_pointer (&c->stages, g_array_unref);
  g_clear_pointer (&c->paths, g_array_unref);
  c->stages = g_steal_pointer (&stages);
  c->paths = g_steal_pointer (&paths);
  return TRUE;
}
