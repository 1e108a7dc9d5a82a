/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-group-times.h: a run's time per inference summed over groups of its ops — by stage
 * (the layer name up to its first dot: "stem", "stage1", "head") or by path (stem, main,
 * skip, merge, head) — so that runs of two different models, whose layers do not match
 * by name, still compare stage by stage and path by path (bs_query_compare()). */
#pragma once

#include "bs-store.h"

G_BEGIN_DECLS

typedef enum
{
  BS_GROUP_BY_STAGE,
  BS_GROUP_BY_PATH,
} BsGroupBy;

/* The groups of @run in the order of its layer table; each group's summary is over the
 * inferences in which at least one of its ops ran. Returns the group names (owned by
 * the array) and fills @summaries (name → BsSummary*, borrowing the names). */
GPtrArray *bs_run_group_times (BsStore *store, int64_t run, BsGroupBy by, GHashTable **summaries,
                               GError **error);

/* The group a layer name falls in by stage: the part before its first dot. */
char *bs_stage_of_layer (const char *name);

G_END_DECLS
