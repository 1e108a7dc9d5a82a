/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-layers.c: the run's layer table from a plan or a model. */
#include "bs-run-layers.h"

#include "bs-counts.h"

G_STATIC_ASSERT (BS_N_MAC_WIDTHS <= BS_RUN_MAX_MAC_WIDTHS);

static void
clear_run_layer (gpointer p)
{
  BsRunLayer *layer = p;
  g_free (layer->name);
}

static GArray *
run_layer_array_new (guint n)
{
  GArray *layers = g_array_sized_new (FALSE, TRUE, sizeof (BsRunLayer), n);

  g_array_set_clear_func (layers, clear_run_layer);
  return layers;
}

/* Adds one layer's counts to a row. The MAC widths are kept in width order, only those
 * with MACs: a row's list ends at the first zero width (bs_run_layer_fixed_macs). */
static void
add_counts (BsRunLayer *row, const BsCounts *c)
{
  static const int width_bits[BS_N_MAC_WIDTHS] = {
    [BS_MAC_W4] = 4, [BS_MAC_W8] = 8, [BS_MAC_W16] = 16, [BS_MAC_W32] = 32,
  };

  row->binary_macs += c->binary_macs;
  row->param_bits += c->param_bits;
  for (int w = 0; w < BS_N_MAC_WIDTHS; w++)
    {
      int k = 0;

      if (c->fixed_macs[w] == 0)
        continue;
      while (k < BS_RUN_MAX_MAC_WIDTHS && row->fixed_macs[k].bits != 0
             && row->fixed_macs[k].bits != width_bits[w])
        k++;
      row->fixed_macs[k].bits = width_bits[w];
      row->fixed_macs[k].macs += c->fixed_macs[w];
    }
}

static BsRunLayer
row_for (const BsLayer *layer)
{
  BsRunLayer row = {
    .name = g_strdup (layer->name), .kind = layer->kind, .precision = layer->precision,
    .path = layer->path,
  };
  return row;
}

GArray *
bs_run_layers_from_plan (const BsPlan *plan)
{
  GArray *rows = run_layer_array_new ((guint) plan->n_ops);

  for (int o = 0; o < plan->n_ops; o++)
    {
      const BsPlanOp *op = &plan->ops[o];
      BsRunLayer row = row_for (bs_model_layer (plan->model, op->primary));

      for (int i = 0; i < op->n_layers; i++)
        {
          BsCounts c;

          bs_layer_counts (plan->model, op->layers[i], &c);
          add_counts (&row, &c);
          row.activation_bytes = c.activation_bytes;  /* the op's output: its last layer's */
        }
      g_array_append_val (rows, row);
    }
  return rows;
}

/* bs_layer_counts() needs the shapes bs_model_validate() derives; a model built in
 * memory and never validated has none. */
static gboolean
has_derived_shapes (const BsModel *model)
{
  for (int i = 0; i < bs_model_n_layers (model); i++)
    {
      const BsShape *s = &bs_model_layer (model, i)->out_shape;
      if (s->c <= 0 || s->h <= 0 || s->w <= 0)
        return FALSE;
    }
  return bs_model_n_layers (model) > 0;
}

GArray *
bs_run_layers_from_model (const BsModel *model)
{
  GArray *rows = run_layer_array_new ((guint) bs_model_n_layers (model));
  gboolean counted = has_derived_shapes (model);

  for (int i = 0; i < bs_model_n_layers (model); i++)
    {
      BsRunLayer row = row_for (bs_model_layer (model, i));

      if (counted)
        {
          BsCounts c;

          bs_layer_counts (model, i, &c);
          add_counts (&row, &c);
          row.activation_bytes = c.activation_bytes;
        }
      g_array_append_val (rows, row);
    }
  return rows;
}
