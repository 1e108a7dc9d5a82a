/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-info.c: `blendscope-cli info MODEL`, the per-layer table of a model. */
#include "bs-cli.h"
#include "bs-counts.h"
#include "bs-model.h"

#include <stdio.h>

static void
print_header (const BsModel *model)
{
  BsShape out = bs_model_output_shape (model);

  printf ("%s", model->name);
  if (model->description != NULL && *model->description != '\0')
    printf (": %s", model->description);
  printf ("\nsha256 %s\n", model->sha256[0] ? model->sha256 : "(not from a file)");
  printf ("input %dx%dx%d uint8, output %d logits, %d layers, %u modules\n\n",
          model->input_shape.c, model->input_shape.h, model->input_shape.w,
          out.c * out.h * out.w, bs_model_n_layers (model), model->modules->len);
}

static void
print_layer (const BsModel *model, int i)
{
  const BsLayer *layer = bs_model_layer (model, i);
  BsCounts counts;
  g_autofree char *in = bs_cli_format_shape (layer->in_shape[0].c, layer->in_shape[0].h,
                                              layer->in_shape[0].w);
  g_autofree char *out = bs_cli_format_shape (layer->out_shape.c, layer->out_shape.h,
                                               layer->out_shape.w);
  const char *module = layer->module == BS_NONE
                         ? "-" : g_array_index (model->modules, BsModule, layer->module).name;

  bs_layer_counts (model, i, &counts);
  printf ("%3d  %-28s %-15s %-7s %-6s %-14s %-11s %-11s %12" G_GUINT64_FORMAT
          " %12" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT "\n",
          i, layer->name, bs_layer_kind_to_string (layer->kind),
          bs_precision_to_string (layer->precision), bs_path_to_string (layer->path), module,
          in, out, counts.binary_macs, bs_counts_fixed_macs (&counts), counts.param_bits);
}

/* One line per module with the binary/fixed split of its MACs and parameters, then a
 * count per kind ("18 blend"). */
static void
print_modules (const BsModel *model)
{
  guint n = model->modules->len;
  g_autofree BsCounts *binary = g_new0 (BsCounts, n);
  g_autofree BsCounts *fixed = g_new0 (BsCounts, n);
  g_autoptr (GPtrArray) kinds = g_ptr_array_new ();
  g_autoptr (GArray) per_kind = g_array_new (FALSE, TRUE, sizeof (guint));

  for (int i = 0; i < bs_model_n_layers (model); i++)
    {
      const BsLayer *layer = bs_model_layer (model, i);
      BsCounts c;
      BsCounts *dest;

      if (layer->module == BS_NONE)
        continue;
      bs_layer_counts (model, i, &c);
      dest = layer->precision == BS_PRECISION_BINARY ? &binary[layer->module] : &fixed[layer->module];
      dest->binary_macs += c.binary_macs;
      for (int w = 0; w < BS_N_MAC_WIDTHS; w++)
        dest->fixed_macs[w] += c.fixed_macs[w];
      dest->param_bits += c.param_bits;
    }

  printf ("\n%-16s %-9s %14s %14s %8s %14s %14s\n", "module", "kind", "binary MACs", "fixed MACs",
          "binary%", "binary params", "fixed params");
  for (guint m = 0; m < n; m++)
    {
      const BsModule *module = &g_array_index (model->modules, BsModule, m);
      uint64_t b = binary[m].binary_macs + bs_counts_fixed_macs (&binary[m]);
      uint64_t f = fixed[m].binary_macs + bs_counts_fixed_macs (&fixed[m]);
      guint k;

      printf ("%-16s %-9s %14" G_GUINT64_FORMAT " %14" G_GUINT64_FORMAT " %7.1f%% %14"
              G_GUINT64_FORMAT " %14" G_GUINT64_FORMAT "\n", module->name, module->kind, b, f,
              b + f ? 100.0 * b / (b + f) : 0.0, binary[m].param_bits, fixed[m].param_bits);
      if (!g_ptr_array_find_with_equal_func (kinds, module->kind, g_str_equal, &k))
        {
          guint zero = 0;
          g_ptr_array_add (kinds, module->kind);
          g_array_append_val (per_kind, zero);
          k = kinds->len - 1;
        }
      g_array_index (per_kind, guint, k)++;
    }
  printf ("modules:");
  if (kinds->len == 0)
    printf (" none");
  for (guint k = 0; k < kinds->len; k++)
    printf (" %u %s", g_array_index (per_kind, guint, k), (const char *) kinds->pdata[k]);
  printf ("\n\n");
}

static void
print_split_line (const char *what, uint64_t binary, uint64_t fixed)
{
  uint64_t total = binary + fixed;
  g_autofree char *b = bs_cli_format_count (binary);
  g_autofree char *f = bs_cli_format_count (fixed);

  printf ("  %-18s binary %10s (%5.1f %%)   fixed %10s (%5.1f %%)\n", what, b,
          total ? 100.0 * binary / total : 0.0, f, total ? 100.0 * fixed / total : 0.0);
}

static void
print_totals (const BsModel *model)
{
  BsCounts total, binary, fixed;
  uint64_t all_fixed_macs;

  bs_model_counts (model, &total);
  bs_model_counts_by_precision (model, &binary, &fixed);
  all_fixed_macs = bs_counts_fixed_macs (&total);
  printf ("totals:\n");
  print_split_line ("MACs", total.binary_macs, all_fixed_macs);
  printf ("  %-18s", "fixed MACs by width");
  for (int w = 0; w < BS_N_MAC_WIDTHS; w++)
    if (total.fixed_macs[w] > 0)
      {
        g_autofree char *n = bs_cli_format_count (total.fixed_macs[w]);
        printf (" %s %s", bs_mac_width_to_string (w), n);
      }
  printf ("\n");
  print_split_line ("parameter bits", binary.param_bits, fixed.param_bits);
  print_split_line ("activation bytes", binary.activation_bytes, fixed.activation_bytes);
  print_split_line ("other ops", binary.other_ops, fixed.other_ops);
}

int
bs_cli_info (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL");
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = NULL;

  g_option_context_set_summary (context, "Print a model's layers with precision, path, shapes, "
                                         "binary and fixed-point MACs and parameter bits.");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      fprintf (stderr, "blendscope-cli info: expected one MODEL file\n");
      return 2;
    }
  model = bs_model_load (argv[1], &error);
  if (model == NULL)
    return bs_cli_fail (error);

  print_header (model);
  printf ("%3s  %-28s %-15s %-7s %-6s %-14s %-11s %-11s %12s %12s %10s\n", "#", "layer", "kind",
          "prec", "path", "module", "in", "out", "binary MACs", "fixed MACs", "param bits");
  for (int i = 0; i < bs_model_n_layers (model); i++)
    print_layer (model, i);
  print_modules (model);
  print_totals (model);
  return 0;
}
