/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-op-table.c: plan ops as the views see them. */
#include "bs-op-table.h"

#include "bs-run-layers.h"

static int
find_or_add_group (GArray *groups, const char *name, const char *kind, int op)
{
  for (guint g = 0; g < groups->len; g++)
    {
      BsOpGroup *group = &g_array_index (groups, BsOpGroup, g);
      if (g_str_equal (group->name, name))
        {
          group->last_op = op;
          return (int) g;
        }
    }
  {
    BsOpGroup group = { g_strdup (name), g_strdup (kind), op, op };
    g_array_append_val (groups, group);
  }
  return (int) groups->len - 1;
}

BsOpTable *
bs_op_table_new (const BsPlan *plan)
{
  const BsModel *model = plan->model;
  BsOpTable *table = g_new0 (BsOpTable, 1);
  g_autoptr (GArray) groups = g_array_new (FALSE, TRUE, sizeof (BsOpGroup));
  /* The counts are those a recorded run stores: one builder for both. */
  g_autoptr (GArray) rows = bs_run_layers_from_plan (plan);

  table->n_ops = plan->n_ops;
  table->ops = g_new0 (BsOpInfo, plan->n_ops);
  table->model_name = g_strdup (model->name);
  for (int o = 0; o < plan->n_ops; o++)
    {
      const BsPlanOp *op = &plan->ops[o];
      const BsLayer *primary = bs_model_layer (model, op->primary);
      const BsRunLayer *row = &g_array_index (rows, BsRunLayer, o);
      BsOpInfo *info = &table->ops[o];
      GString *kind = g_string_new (NULL);

      info->name = g_strdup (row->name);
      info->layer_kind = row->kind;
      info->precision = row->precision;
      info->path = row->path;
      info->binary_macs = row->binary_macs;
      info->fixed_macs = bs_run_layer_fixed_macs (row);
      info->param_bits = row->param_bits;
      info->activation_bytes = row->activation_bytes;
      for (int i = 0; i < op->n_layers; i++)
        g_string_append_printf (kind, "%s%s", i > 0 ? " + " : "",
                                bs_layer_kind_to_string (bs_model_layer (model, op->layers[i])->kind));
      info->kind = g_string_free (kind, FALSE);

      /* Blend modules are the unit people reason in; outside them, the path (stem, head). */
      if (primary->module != BS_NONE)
        {
          const BsModule *m = &g_array_index (model->modules, BsModule, primary->module);
          info->group = find_or_add_group (groups, m->name, m->kind, o);
        }
      else
        info->group = find_or_add_group (groups, bs_path_to_string (primary->path), NULL, o);
    }
  table->n_groups = (int) groups->len;
  table->groups = (BsOpGroup *) g_array_steal (groups, NULL);
  return table;
}

BsOpTable *
bs_op_table_new_synthetic (int n_ops, const BsPrecision *precisions, const int *groups,
                           int n_groups)
{
  BsOpTable *table = g_new0 (BsOpTable, 1);

  table->n_ops = n_ops;
  table->ops = g_new0 (BsOpInfo, n_ops);
  table->n_groups = n_groups;
  table->groups = g_new0 (BsOpGroup, n_groups);
  table->model_name = g_strdup ("synthetic");
  for (int g = 0; g < n_groups; g++)
    {
      table->groups[g].name = g == 0 ? g_strdup ("stem") : g_strdup_printf ("module%d", g);
      table->groups[g].first_op = n_ops;
      table->groups[g].last_op = -1;
    }
  for (int o = 0; o < n_ops; o++)
    {
      BsOpInfo *info = &table->ops[o];
      BsOpGroup *g = &table->groups[groups[o]];

      info->name = g_strdup_printf ("op%d", o);
      info->kind = g_strdup (precisions[o] == BS_PRECISION_BINARY ? "conv_binary" : "conv_fixed");
      info->layer_kind = precisions[o] == BS_PRECISION_BINARY ? BS_LAYER_CONV_BINARY : BS_LAYER_CONV_FIXED;
      info->precision = precisions[o];
      info->path = precisions[o] == BS_PRECISION_BINARY ? BS_PATH_MAIN : BS_PATH_SKIP;
      info->group = groups[o];
      g->first_op = MIN (g->first_op, o);
      g->last_op = MAX (g->last_op, o);
    }
  return table;
}

void
bs_op_table_free (BsOpTable *table)
{
  if (table == NULL)
    return;
  for (int o = 0; o < table->n_ops; o++)
    {
      g_free (table->ops[o].name);
      g_free (table->ops[o].kind);
    }
  for (int g = 0; g < table->n_groups; g++)
    {
      g_free (table->groups[g].name);
      g_free (table->groups[g].kind);
    }
  g_free (table->ops);
  g_free (table->groups);
  g_free (table->model_name);
  g_free (table);
}
