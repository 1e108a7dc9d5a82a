/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-recorder.h: writing a run while it happens.
 *
 * Producers (a backend's thread, a probe's thread) push events and samples; a writer
 * thread of the recorder's own encodes them into chunks and commits them at least every
 * BS_RECORDER_COMMIT_INTERVAL_MS, so a crash loses at most the last fraction of a
 * second. The queue between them is bounded: a producer that outruns the disk waits
 * rather than grow memory without limit or drop data.
 *
 *   rec = bs_recorder_new (path, &error);
 *   run = bs_recorder_begin_run (rec, model, &info, &error);
 *   ... bs_recorder_push_events (), bs_recorder_push_samples (), bs_recorder_add_marker () ...
 *   bs_recorder_end_run (rec, BS_RUN_COMPLETE, &error);
 */
#pragma once

#include "bs-events.h"
#include "bs-model.h"
#include "bs-runs.h"

G_BEGIN_DECLS

#define BS_RECORDER_COMMIT_INTERVAL_MS 200

typedef struct _BsRecorder BsRecorder;

/* Opens its own connection to `path` (created if missing), with every commit synced. */
BsRecorder *bs_recorder_new (const char *path, GError **error);
/* Ends a run still in progress as 'aborted'. */
void bs_recorder_free (BsRecorder *recorder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRecorder, bs_recorder_free)

/* How often the writer commits, 1 to 1000 ms (default BS_RECORDER_COMMIT_INTERVAL_MS).
 * A crash loses at most about this much, plus the time one commit takes. */
void bs_recorder_set_commit_interval (BsRecorder *recorder, guint ms);

/* Records the run as 'running' (committed before this returns) and starts the writer.
 * One run at a time per recorder. Returns the run id, or -1. */
int64_t bs_recorder_begin_run (BsRecorder *recorder, const BsModel *model, const BsRunInfo *info,
                               GError **error);

/* Thread-safe; copy the data and return at once unless the queue is full. FALSE once
 * the recorder has failed (bs_recorder_end_run() reports why): what was committed before
 * stays. Events must carry a valid clock source. */
gboolean bs_recorder_push_events (BsRecorder *recorder, const BsLayerEvent *events, gsize n);
gboolean bs_recorder_push_samples (BsRecorder *recorder, const BsSample *samples, gsize n);
gboolean bs_recorder_add_marker (BsRecorder *recorder, int64_t t_ns, const char *label);

/* Flushes everything, records the final status and duration (until now) and computes
 * the run's summaries. Call after the producers have stopped pushing. */
gboolean bs_recorder_end_run (BsRecorder *recorder, BsRunStatus status, GError **error);
/* The same, for a run that ended at t_end_ns (CLOCK_MONOTONIC), e.g. one recorded after
 * the fact. */
gboolean bs_recorder_end_run_at (BsRecorder *recorder, BsRunStatus status, int64_t t_end_ns,
                                 GError **error);

/* How much of the current run is committed (durable). Thread-safe. */
/* The recorder's connection, for rows about the run just ended (bs_run_recording_set_link):
 * only between runs, from the thread that ended it, when no writer thread uses it. */
BsStore *bs_recorder_get_store (BsRecorder *recorder);
void bs_recorder_get_committed (BsRecorder *recorder, int64_t *n_events, int64_t *n_samples);

G_END_DECLS
