/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-explore-report.c: the text explore prints. */
#include "bs-explore-report.h"

static gint
by_latency (gconstpointer a, gconstpointer b)
{
  const BsExplorePoint *pa = *(const BsExplorePoint *const *) a;
  const BsExplorePoint *pb = *(const BsExplorePoint *const *) b;

  if (pa->latency_ns != pb->latency_ns)
    return pa->latency_ns < pb->latency_ns ? -1 : 1;
  return pa->resources.dsp < pb->resources.dsp ? -1 : pa->resources.dsp > pb->resources.dsp;
}

static void
append_header (GString *s, const GArray *points, const BsBoard *board, const char *model_name)
{
  guint n_fit = 0, n_front = 0;

  for (guint i = 0; i < points->len; i++)
    {
      n_fit += g_array_index (points, BsExplorePoint, i).fits;
      n_front += g_array_index (points, BsExplorePoint, i).on_front;
    }
  g_string_append_printf (s, "%s on %s: %u design points, %u fit, %u on the Pareto front\n",
                          model_name, board->title, points->len, n_fit, n_front);
  g_string_append (s, "latency: MODELLED by the bs_blend kernel's cycle model (bs-cycle-model.c), "
                      "not measured\n"
                      "resources: ESTIMATED from yosys synth_xilinx -family xcup counts of the RTL PE "
                      "(accel/kernel/rtl), PE array only: no AXI, control or platform shell\n");
  g_string_append_printf (s, "board totals (%s): DSP %" G_GUINT64_FORMAT ", LUT %" G_GUINT64_FORMAT
                          ", FF %" G_GUINT64_FORMAT ", BRAM36 %" G_GUINT64_FORMAT ", URAM %"
                          G_GUINT64_FORMAT "\n\n", board->source, board->total.dsp, board->total.lut,
                          board->total.ff, board->total.bram36, board->total.uram);
  g_string_append_printf (s, "%4s %5s %4s %4s %5s %9s %11s %6s %8s %8s %5s %4s %5s  %s\n", "pe", "lanes",
                          "macs", "xnor", "MHz", "cycles", "latency ms", "DSP", "LUT", "FF", "BRAM",
                          "URAM", "util", "run with");
}

static void
append_point (GString *s, const BsExplorePoint *p, const BsBoard *board, gboolean all)
{
  g_autofree char *spec = bs_explore_point_spec (p);
  double util = bs_resources_max_utilisation (&p->resources, &board->total);

  g_string_append_printf (s, "%4u %5u %4u %4s %5.0f %9" G_GUINT64_FORMAT " %11.3f %6" G_GUINT64_FORMAT
                          " %8" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT " %5" G_GUINT64_FORMAT " %4"
                          G_GUINT64_FORMAT " %4.0f%%  %s%s\n", p->params.pe, p->params.xnor_lanes,
                          p->params.macs, bs_xnor_unit_to_string (p->xnor), p->clock_khz / 1000.0,
                          p->cycles, p->latency_ns / 1e6, p->resources.dsp, p->resources.lut,
                          p->resources.ff, p->resources.bram36, p->resources.uram, util * 100, spec,
                          !all ? "" : p->on_front ? "  [front]" : p->fits ? "" : "  [does not fit]");
}

char *
bs_explore_report (const GArray *points, const BsBoard *board, const char *model_name, gboolean all)
{
  GString *s = g_string_new (NULL);
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();

  append_header (s, points, board, model_name);
  for (guint i = 0; i < points->len; i++)
    if (all || g_array_index (points, BsExplorePoint, i).on_front)
      g_ptr_array_add (shown, &g_array_index (points, BsExplorePoint, i));
  g_ptr_array_sort (shown, by_latency);
  for (guint i = 0; i < shown->len; i++)
    append_point (s, g_ptr_array_index (shown, i), board, all);
  if (shown->len == 0)
    g_string_append (s, "(no point fits this board)\n");
  return g_string_free (s, FALSE);
}
