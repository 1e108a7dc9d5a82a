/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-summaries.h: computing, storing and loading a run's summaries (private to
 * sessions/; the public face is bs-queries.h). */
#pragma once

#include "bs-queries.h"
#include "bs-store.h"

G_BEGIN_DECLS

/* Bump when the computation changes: stored summaries of another version are
 * recomputed on their next use. 2: layers store the SD of their per-inference energy
 * (schema version 2), so summaries of version 1 get it from the run's events and samples.
 * 3: modelled timings (csim) get no measured energy per layer or per inference, and their
 * throughput is the model's (1 / mean latency), not the host's simulation rate. */
#define BS_SUMMARY_VERSION 3

/* From the run's events and samples. `layers` is the run's table (BsRunLayer by op);
 * `stats` (BsLayerStats) receives one entry per op. */
gboolean bs_summaries_compute (BsStore *store, int64_t run, GArray *layers, GArray *stats,
                               BsRunTotals *totals, GError **error);
/* Replaces the stored summaries, in its own transaction. */
gboolean bs_summaries_save (BsStore *store, int64_t run, GArray *stats, const BsRunTotals *totals,
                            GError **error);
/* *found is FALSE (and the call succeeds) when nothing current is stored. */
gboolean bs_summaries_load (BsStore *store, int64_t run, GArray *layers, GArray *stats,
                            BsRunTotals *totals, gboolean *found, GError **error);
/* Fills totals->split from the layer figures. */
void bs_summaries_split (GArray *stats, BsRunTotals *totals);

G_END_DECLS
