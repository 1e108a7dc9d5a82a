/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-data.h: reading a run's recorded events and samples back, decoded. */
#pragma once

#include "bs-events.h"
#include "bs-store.h"

G_BEGIN_DECLS

/* One stored stream of samples: a probe channel and quantity within a run. */
typedef struct
{
  int64_t id;
  int32_t channel;
  BsQuantity quantity;
  char *name;
  double resolution;     /* the quantisation step requested, in the quantity's unit */
  int64_t n_samples;
  int64_t stored_bytes;  /* encoded size of its chunks */
} BsChannel;

/* BsChannel ordered by channel then quantity; the array frees the names. */
GArray *bs_store_get_channels (BsStore *store, int64_t run, GError **error);

/* Appends the samples of `channel` with t_min_ns <= t <= t_max_ns (whole chunks are
 * skipped by their time range) to `out`, a GArray of BsSample, in recording order. */
gboolean bs_store_read_samples (BsStore *store, const BsChannel *channel, int64_t t_min_ns,
                                int64_t t_max_ns, GArray *out, GError **error);

/* Calls `func` with the events of each stored chunk in recording order (at most
 * BS_CODEC_CHUNK_ITEMS at a time), without holding the whole run in memory. */
typedef void (*BsEventChunkFunc) (const BsLayerEvent *events, guint n, gpointer user_data);
gboolean bs_store_foreach_event_chunk (BsStore *store, int64_t run, BsEventChunkFunc func,
                                       gpointer user_data, GError **error);

/* Appends every layer event of the run to `out` (GArray of BsLayerEvent), in recording
 * order. */
gboolean bs_store_read_events (BsStore *store, int64_t run, GArray *out, GError **error);

G_END_DECLS
