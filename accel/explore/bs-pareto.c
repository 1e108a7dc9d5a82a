/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-pareto.c: the Pareto front by pairwise dominance: O(n² · costs), plenty for the
 * few hundred design points explore sweeps. */
#include "bs-pareto.h"

/* Does a dominate b: no cost higher, at least one lower. */
static gboolean
dominates (const double *a, const double *b, gsize n_costs)
{
  gboolean lower = FALSE;

  for (gsize k = 0; k < n_costs; k++)
    {
      if (a[k] > b[k])
        return FALSE;
      if (a[k] < b[k])
        lower = TRUE;
    }
  return lower;
}

void
bs_pareto_front (const double *costs, gsize n_points, gsize n_costs, gboolean *on_front)
{
  for (gsize i = 0; i < n_points; i++)
    {
      on_front[i] = TRUE;
      for (gsize j = 0; j < n_points && on_front[i]; j++)
        if (j != i && dominates (costs + j * n_costs, costs + i * n_costs, n_costs))
          on_front[i] = FALSE;
    }
}
