/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-span-store.h: the layer executions the timeline draws, and the inference boundaries
 * the power chart marks. The most recent spans are kept exactly in a ring (a fixed memory
 * budget however long the run); inference starts are also counted per 100 ms for the
 * whole run, so boundaries can be shown as activity when zoomed out beyond the ring.
 * Per inference, the busy time of each op group by precision is kept too (in a longer
 * ring): a zoomed-out timeline draws from those, at a cost per inference, not per span.
 * GLib only. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "bs-events.h"
#include "bs-op-table.h"

G_BEGIN_DECLS

typedef struct
{
  int64_t t_start_ns;
  uint32_t duration_ns;    /* clamped to 4.29 s */
  uint16_t op;
  uint16_t clock;          /* BsClockSource */
  int32_t inference;
} BsSpan;

#define BS_SPAN_BUCKET_NS 100000000   /* 100 ms */

typedef struct _BsSpanStore BsSpanStore;

/* @capacity spans are kept (rounded up to a power of two). */
BsSpanStore *bs_span_store_new (gsize capacity);
void bs_span_store_free (BsSpanStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsSpanStore, bs_span_store_free)

/* Forgets everything; @t0_ns is the origin of the activity buckets (the run start).
 * @ops (may be NULL) maps ops to groups and precisions for the per-inference sums; it is
 * copied. */
void bs_span_store_clear (BsSpanStore *store, int64_t t0_ns, const BsOpTable *ops);

/* One inference's events (any order). */
void bs_span_store_append_inference (BsSpanStore *store, const BsLayerEvent *events, int n);

/* Spans held now, oldest first; index 0 is the oldest kept. */
gsize bs_span_store_get_n (const BsSpanStore *store);
const BsSpan *bs_span_store_get (const BsSpanStore *store, gsize i);
/* Everything appended since the last clear. */
uint64_t bs_span_store_get_n_total (const BsSpanStore *store);
/* The first index whose span ends after @t_ns (spans run in sequence, so start times
 * are ordered; n when none). */
gsize bs_span_store_find (const BsSpanStore *store, int64_t t_ns);
/* Start of the oldest span kept (INT64_MAX when empty): earlier spans were dropped. */
int64_t bs_span_store_get_kept_from (const BsSpanStore *store);

/* Inference starts kept exactly (a ring as well). */
gsize bs_span_store_get_n_inferences (const BsSpanStore *store);
int64_t bs_span_store_get_inference_start (const BsSpanStore *store, gsize i);
gsize bs_span_store_find_inference (const BsSpanStore *store, int64_t t_ns);
/* INT64_MIN while every inference start since the clear is kept, else the oldest kept. */
int64_t bs_span_store_get_inferences_kept_from (const BsSpanStore *store);
/* The end of kept inference i (its last op's end). */
int64_t bs_span_store_get_inference_end (const BsSpanStore *store, gsize i);
/* Busy ns of kept inference i per group: [group][0] binary, [group][1] fixed point and
 * float; n_groups × 2 floats, or NULL without an op table. */
const float *bs_span_store_get_inference_busy (const BsSpanStore *store, gsize i);
int bs_span_store_get_n_groups (const BsSpanStore *store);

/* Inference starts per BS_SPAN_BUCKET_NS since t0, for the whole run. */
int64_t bs_span_store_get_t0 (const BsSpanStore *store);
guint bs_span_store_get_n_buckets (const BsSpanStore *store);
const guint32 *bs_span_store_get_buckets (const BsSpanStore *store);

G_END_DECLS
