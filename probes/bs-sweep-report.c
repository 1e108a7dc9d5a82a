/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sweep-report.c: the sweep result as a table for the terminal. */
#include "bs-sweep.h"

#include <math.h>

typedef struct
{
  const char *name;
  double scale;
} EnergyUnit;

/* The unit that shows the largest per-invocation energy with one to three digits. */
static EnergyUnit
energy_unit (const BsSweepResult *result)
{
  static const EnergyUnit units[] = { { "J", 1 }, { "mJ", 1e3 }, { "µJ", 1e6 }, { "nJ", 1e9 } };
  double largest = 0;

  for (guint i = 0; i < result->layers->len; i++)
    {
      double e = g_array_index (result->layers, BsSweepLayer, i).energy.e_total_j;
      if (isfinite (e))
        largest = MAX (largest, fabs (e));
    }
  for (guint u = 0; u < G_N_ELEMENTS (units); u++)
    if (largest * units[u].scale >= 1)
      return units[u];
  return units[G_N_ELEMENTS (units) - 1];
}

/* Appends @text padded to @width characters (not bytes: "±", "µ" and "—" are two). */
static void
cell (GString *out, const char *text, int width)
{
  g_string_append_printf (out, "%s%*s", text, MAX (1, width - (int) g_utf8_strlen (text, -1)), "");
}

static void
value_ci (GString *out, double value, double ci, double scale, int width)
{
  g_autofree char *text = NULL;

  if (!isfinite (value))
    text = g_strdup ("—");
  else if (!isfinite (ci))
    text = g_strdup_printf ("%.4g ± ?", value * scale);
  else
    text = g_strdup_printf ("%.4g ± %.2g", value * scale, ci * scale);
  cell (out, text, width);
}

static void
number (GString *out, double value, int width)
{
  g_autofree char *text = isfinite (value) ? g_strdup_printf ("%.4g", value) : g_strdup ("—");

  cell (out, text, width);
}

#define W_NAME 26
#define W_P 19
#define W_IDLE 10
#define W_T 12
#define W_E 22

static void
header (GString *out, const EnergyUnit *unit)
{
  g_autofree char *dyn = g_strdup_printf ("E_dyn %s ±95%%", unit->name);
  g_autofree char *tot = g_strdup_printf ("E_total %s ±95%%", unit->name);

  g_string_append (out, "  ");
  cell (out, "layer", W_NAME);
  cell (out, "P_layer W ±95%", W_P);
  cell (out, "P_idle W", W_IDLE);
  cell (out, "t_layer µs", W_T);
  cell (out, dyn, W_E);
  cell (out, tot, W_E);
  g_string_append (out, "readings (loop+idle)\n");
}

static void
layer_row (GString *out, const BsSweepLayer *layer, const EnergyUnit *unit)
{
  const BsLayerEnergy *e = &layer->energy;
  g_autofree char *name = g_utf8_strlen (layer->name, -1) > W_NAME - 1
                            ? g_strdup_printf ("%.*s…", W_NAME - 2, layer->name) : g_strdup (layer->name);
  gboolean ok = layer->status == BS_SWEEP_OK;

  g_string_append (out, "  ");
  cell (out, name, W_NAME);
  value_ci (out, ok ? e->busy.mean : NAN, e->busy.half_width, 1, W_P);
  number (out, ok ? e->idle.mean : NAN, W_IDLE);
  number (out, e->t_invocation_s * 1e6, W_T);
  value_ci (out, e->e_dynamic_j, e->e_dynamic_ci_j, unit->scale, W_E);
  value_ci (out, e->e_total_j, e->e_total_ci_j, unit->scale, W_E);
  g_string_append_printf (out, "%u+%u", e->busy.n, e->idle.n);
  if (!ok)
    g_string_append_printf (out, "  [%s]", bs_sweep_status_to_string (layer->status));
  g_string_append_c (out, '\n');
}

typedef struct
{
  double dyn, dyn_ci2, tot, tot_ci2;
  guint missing;
} Sum;

/* Sums of per-invocation energies; half-widths added in quadrature. */
static void
sum_row (GString *out, const char *what, const Sum *sum, const EnergyUnit *unit)
{
  g_string_append (out, "  ");
  cell (out, what, W_NAME + W_P + W_IDLE + W_T);
  value_ci (out, sum->dyn, sqrt (sum->dyn_ci2), unit->scale, W_E);
  value_ci (out, sum->tot, sqrt (sum->tot_ci2), unit->scale, W_E);
  if (sum->missing > 0)
    g_string_append_printf (out, "(%u layer%s without figures left out)", sum->missing,
                            sum->missing > 1 ? "s" : "");
  g_string_append_c (out, '\n');
}

static void
add_to_sum (Sum *sum, const BsSweepLayer *layer)
{
  if (layer->status != BS_SWEEP_OK)
    {
      sum->missing++;
      return;
    }
  sum->dyn += layer->energy.e_dynamic_j;
  sum->dyn_ci2 += pow (layer->energy.e_dynamic_ci_j, 2);
  sum->tot += layer->energy.e_total_j;
  sum->tot_ci2 += pow (layer->energy.e_total_ci_j, 2);
}

static void
group (GString *out, const BsSweepResult *result, BsPrecision precision, const char *title,
       const EnergyUnit *unit, Sum *all)
{
  g_autofree char *what = g_strdup_printf ("sum of %s layers", title);
  Sum sum = { 0 };
  guint n = 0;

  for (guint i = 0; i < result->layers->len; i++)
    {
      const BsSweepLayer *layer = &g_array_index (result->layers, BsSweepLayer, i);

      if (layer->precision != precision)
        continue;
      if (n++ == 0)
        g_string_append_printf (out, "\n%s layers\n", title);
      layer_row (out, layer, unit);
      add_to_sum (&sum, layer);
      add_to_sum (all, layer);
    }
  if (n > 0)
    sum_row (out, what, &sum, unit);
}

static void
network_line (GString *out, const BsSweepResult *result)
{
  const BsNetworkEnergy *net = &result->network;

  if (!result->has_network)
    return;
  if (net->status != BS_ENERGY_OK)
    {
      g_string_append_printf (out, "\nwhole network: %s\n", bs_energy_status_to_string (net->status));
      return;
    }
  g_string_append_printf (out, "\nwhole network: %" G_GINT64_FORMAT " inferences in %.1f s at %.4g ± %.2g W\n"
                          "  %.4g ± %.2g mJ per inference", net->n_inferences, net->duration_s,
                          net->power.mean, net->power.half_width, net->e_inference_j * 1e3,
                          net->e_inference_ci_j * 1e3);
  if (isfinite (net->e_dynamic_j))
    g_string_append_printf (out, " (%.4g ± %.2g mJ above idle)", net->e_dynamic_j * 1e3,
                            net->e_dynamic_ci_j * 1e3);
  g_string_append_printf (out, ", %.4g inferences per joule (95 %%: %.4g–%.4g)\n",
                          net->inferences_per_j, net->inferences_per_j_low, net->inferences_per_j_high);
}

static void
notes (GString *out, const BsSweepResult *result)
{
  gboolean any = FALSE;

  for (guint i = 0; i < result->layers->len; i++)
    {
      const BsSweepLayer *layer = &g_array_index (result->layers, BsSweepLayer, i);
      if (layer->note == NULL)
        continue;
      if (!any)
        g_string_append (out, "\nnotes\n");
      any = TRUE;
      g_string_append_printf (out, "  %s: %s\n", layer->name, layer->note);
    }
  for (guint i = 0; i < result->messages->len; i++)
    g_string_append_printf (out, "%s%s\n", i == 0 ? "\n" : "", (const char *) result->messages->pdata[i]);
}

char *
bs_sweep_result_format (const BsSweepResult *result)
{
  GString *out = g_string_new (NULL);
  EnergyUnit unit = energy_unit (result);
  Sum all = { 0 };

  g_string_append_printf (out, "power: %s%s, channel %s, readings every %.0f ms, latency %.1f ms (%s)\n",
                          result->probe_label, result->simulated ? " [SIMULATED]" : "",
                          result->channel != NULL ? result->channel : "(none)",
                          result->period_ns * 1e-6, result->latency_ns * 1e-6, result->latency_origin);
  g_string_append_printf (out, "idle baseline %.4g W over the run; %u readings in %.1f s; "
                          "%.0f ms skipped at each phase boundary\n",
                          result->idle_w, result->n_samples,
                          (result->t_end_ns - result->t_start_ns) * 1e-9, result->settle_ns * 1e-6);
  g_string_append (out, "per invocation: E_dyn = (P_layer − P_idle)·t_layer, E_total = P_layer·t_layer; "
                        "95 % intervals by batch means\n\n");
  header (out, &unit);
  group (out, result, BS_PRECISION_BINARY, "binary", &unit, &all);
  group (out, result, BS_PRECISION_FIXED, "fixed-point", &unit, &all);
  group (out, result, BS_PRECISION_FLOAT, "float", &unit, &all);
  g_string_append_c (out, '\n');
  sum_row (out, "all layers, one invocation each", &all, &unit);
  network_line (out, result);
  notes (out, result);
  return g_string_free (out, FALSE);
}
