/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-pareto.h: the Pareto front of points with several costs, all minimised. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* costs: n_points rows of n_costs. Sets on_front[i] when no other point is at most
 * as costly in every cost and cheaper in one (equal points are all on the front). */
void bs_pareto_front (const double *costs, gsize n_points, gsize n_costs, gboolean *on_front);

G_END_DECLS
