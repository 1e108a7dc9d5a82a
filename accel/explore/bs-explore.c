/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-explore.c: the sweep, then the Pareto front of latency against DSP, LUT and FF
 * among the points that fit the board. Cycles come from the descriptor table the
 * image compiler writes for each parameter set, so they are the cycles the csim
 * kernel built with those parameters tallies (tests/accel/test-explore.c runs front
 * points to check that). */
#include "bs-explore.h"
#include "bs-accel-image.h"
#include "bs-pareto.h"
#include "csim/bs-csim-variants.h"

enum { COST_LATENCY, COST_DSP, COST_LUT, COST_FF, COST_BRAM, COST_URAM, N_COSTS };

/* Cycles of one inference for a kernel build, from the table tiled for it. */
static gboolean
model_cycles (const BsPlan *plan, const BsKernelParams *params, uint64_t *cycles, GError **error)
{
  g_autoptr (BsAccelImage) image = bs_accel_image_build_for (plan, params, error);

  if (image == NULL)
    return FALSE;
  *cycles = bs_cycle_model_range (image->desc, 0, (uint32_t) image->n_layers);
  return TRUE;
}

static void
add_points (GArray *points, const BsKernelParams *params, uint64_t cycles, const BsBoard *board,
            const uint32_t *clocks_khz, gsize n_clocks)
{
  for (int unit = BS_XNOR_DSP; unit <= BS_XNOR_LUT; unit++)
    for (gsize c = 0; c < n_clocks; c++)
      {
        BsExplorePoint p = { *params, (BsXnorUnit) unit, clocks_khz[c], cycles, 0 };

        p.latency_ns = bs_cycles_to_ns (cycles, clocks_khz[c]);
        p.resources = bs_resource_model (params, p.xnor);
        p.fits = bs_resources_fit (&p.resources, &board->total);
        g_array_append_val (points, p);
      }
}

/* The front among fitting points; the others are never on it. */
static void
mark_front (GArray *points)
{
  g_autoptr (GArray) fit = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree double *costs = NULL;
  g_autofree gboolean *front = NULL;

  for (guint i = 0; i < points->len; i++)
    if (g_array_index (points, BsExplorePoint, i).fits)
      g_array_append_val (fit, i);
  costs = g_new (double, (gsize) fit->len * N_COSTS);
  front = g_new (gboolean, MAX (fit->len, 1));
  for (guint k = 0; k < fit->len; k++)
    {
      const BsExplorePoint *p = &g_array_index (points, BsExplorePoint, g_array_index (fit, guint, k));
      double *c = costs + (gsize) k * N_COSTS;

      c[COST_LATENCY] = (double) p->latency_ns;
      c[COST_DSP] = (double) p->resources.dsp;
      c[COST_LUT] = (double) p->resources.lut;
      c[COST_FF] = (double) p->resources.ff;
      c[COST_BRAM] = (double) p->resources.bram36;
      c[COST_URAM] = (double) p->resources.uram;
    }
  bs_pareto_front (costs, fit->len, N_COSTS, front);
  for (guint k = 0; k < fit->len; k++)
    g_array_index (points, BsExplorePoint, g_array_index (fit, guint, k)).on_front = front[k];
}

GArray *
bs_explore (const BsPlan *plan, const BsBoard *board, const uint32_t *clocks_khz, gsize n_clocks,
            GError **error)
{
  g_autoptr (GArray) points = g_array_new (FALSE, TRUE, sizeof (BsExplorePoint));
  gsize n_variants;
  const BsCsimVariant *variants = bs_csim_variants (&n_variants);

  for (gsize v = 0; v < n_variants; v++)
    {
      uint64_t cycles;

      if (!model_cycles (plan, &variants[v].params, &cycles, error))
        return NULL;
      add_points (points, &variants[v].params, cycles, board, clocks_khz, n_clocks);
    }
  mark_front (points);
  return g_steal_pointer (&points);
}

char *
bs_explore_point_spec (const BsExplorePoint *point)
{
  /* MHz with a dot whatever the locale: "200" or "187.500". */
  g_autofree char *mhz = point->clock_khz % 1000 == 0
                           ? g_strdup_printf ("%u", point->clock_khz / 1000)
                           : g_strdup_printf ("%u.%03u", point->clock_khz / 1000, point->clock_khz % 1000);

  return g_strdup_printf ("csim:pe=%u,lanes=%u,macs=%u,clock=%s", point->params.pe,
                          point->params.xnor_lanes, point->params.macs, mhz);
}
