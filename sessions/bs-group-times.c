/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-group-times.c: time per inference by stage or path (bs-group-times.h). */
#include "bs-group-times.h"

#include "bs-run-data.h"
#include "bs-runs.h"
#include "bs-stats.h"

#include <string.h>

char *
bs_stage_of_layer (const char *name)
{
  const char *dot = strchr (name, '.');

  return dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
}

/* Per op: the index of its group in @names (appended in table order). */
static int *
group_of_ops (GArray *layers, BsGroupBy by, GPtrArray *names)
{
  g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  int *group = g_new (int, MAX (layers->len, 1));

  for (guint op = 0; op < layers->len; op++)
    {
      const BsRunLayer *l = &g_array_index (layers, BsRunLayer, op);
      g_autofree char *name = by == BS_GROUP_BY_STAGE ? bs_stage_of_layer (l->name)
                                                      : g_strdup (bs_path_to_string (l->path));
      gpointer found;

      if (!g_hash_table_lookup_extended (index, name, NULL, &found))
        {
          found = GINT_TO_POINTER (names->len);
          g_ptr_array_add (names, g_steal_pointer (&name));
          g_hash_table_insert (index, names->pdata[names->len - 1], found);
        }
      group[op] = GPOINTER_TO_INT (found);
    }
  return group;
}

/* Streams the run's events: per-inference sums by group, kept while an inference may
 * still get events (batched backends interleave a few inferences), then moved into one
 * array of values per group. Memory: a double per group and inference. */
#define OPEN_INFERENCES 64

typedef struct
{
  const int *group;            /* per op */
  guint n_ops;
  guint n_groups;
  GHashTable *open;            /* inference → double[n_groups + n_groups] (sums, ran) */
  int32_t newest;
  GArray **values;             /* per group: double */
} Accumulator;

static void
close_inference (Accumulator *acc, double *sums)
{
  for (guint g = 0; g < acc->n_groups; g++)
    if (sums[acc->n_groups + g] != 0)
      g_array_append_val (acc->values[g], sums[g]);
}

static void
close_older (Accumulator *acc, int32_t before)
{
  GHashTableIter iter;
  gpointer key, sums;

  g_hash_table_iter_init (&iter, acc->open);
  while (g_hash_table_iter_next (&iter, &key, &sums))
    if (GPOINTER_TO_INT (key) < before)
      {
        close_inference (acc, sums);
        g_hash_table_iter_remove (&iter);
      }
}

static void
on_chunk (const BsLayerEvent *events, guint n, gpointer data)
{
  Accumulator *acc = data;

  for (guint k = 0; k < n; k++)
    {
      const BsLayerEvent *e = &events[k];
      double *sums;

      if (e->op < 0 || (guint) e->op >= acc->n_ops)
        continue;   /* an op missing from the table: counted by the split, not here */
      sums = g_hash_table_lookup (acc->open, GINT_TO_POINTER (e->inference));
      if (sums == NULL)
        {
          sums = g_new0 (double, 2 * acc->n_groups);
          g_hash_table_insert (acc->open, GINT_TO_POINTER (e->inference), sums);
        }
      sums[acc->group[e->op]] += (double) (e->t_end_ns - e->t_start_ns);
      sums[acc->n_groups + acc->group[e->op]] = 1;
      acc->newest = MAX (acc->newest, e->inference);
    }
  close_older (acc, acc->newest - OPEN_INFERENCES);
}

GPtrArray *
bs_run_group_times (BsStore *store, int64_t run, BsGroupBy by, GHashTable **summaries,
                    GError **error)
{
  g_autoptr (GArray) layers = bs_store_get_run_layers (store, run, error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree int *group = NULL;
  Accumulator acc = { 0 };
  gboolean ok;

  if (layers == NULL)
    return NULL;
  group = group_of_ops (layers, by, names);
  acc = (Accumulator) { group, layers->len, names->len,
                        g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free),
                        G_MININT32, g_new0 (GArray *, MAX (names->len, 1)) };
  for (guint g = 0; g < names->len; g++)
    acc.values[g] = g_array_new (FALSE, FALSE, sizeof (double));
  ok = bs_store_foreach_event_chunk (store, run, on_chunk, &acc, error);
  close_older (&acc, G_MAXINT32);
  g_hash_table_unref (acc.open);
  *summaries = ok ? g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free) : NULL;
  for (guint g = 0; g < names->len; g++)
    {
      if (ok)
        {
          BsSummary *s = g_new0 (BsSummary, 1);
          bs_stats_summarize ((double *) (void *) acc.values[g]->data, acc.values[g]->len, s);
          g_hash_table_insert (*summaries, names->pdata[g], s);
        }
      g_array_unref (acc.values[g]);
    }
  g_free (acc.values);
  return ok ? g_steal_pointer (&names) : NULL;
}
