/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-explore-report.h: explore's result as text: the labels that say what is
 * modelled and what estimated, the board's totals and their source, and the points. */
#pragma once

#include "bs-explore.h"

G_BEGIN_DECLS

/* The Pareto front (all points with `all`), fastest first. Free with g_free. */
char *bs_explore_report (const GArray *points, const BsBoard *board, const char *model_name,
                         gboolean all);

G_END_DECLS
