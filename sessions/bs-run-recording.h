/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-recording.h: one run being written to the store: the recorder, begun with the
 * run's description, and a flag that says once the store refused data (a full disk),
 * after which recording on would only waste the user's time. The run job uses it, and
 * so does an evaluation recorded as a run; nothing above the runner layer sees the
 * recorder. */
#pragma once

#include "bs-run-description.h"
#include "bs-run-links.h"

G_BEGIN_DECLS

typedef struct _BsRunRecording BsRunRecording;

/* Opens settings->db_path and begins the run: NULL with @error when either fails. */
BsRunRecording *bs_run_recording_begin (const BsRunSettings *settings, const BsModel *model,
                                        const BsRunDescription *description, GError **error);
int64_t bs_run_recording_get_id (BsRunRecording *recording);

/* Thread-safe. FALSE (and no more data taken) once the store has failed. */
gboolean bs_run_recording_push_events (BsRunRecording *recording, const BsLayerEvent *events,
                                       gsize n);
gboolean bs_run_recording_push_samples (BsRunRecording *recording, const BsSample *samples,
                                        gsize n);
void bs_run_recording_add_marker (BsRunRecording *recording, int64_t t_ns, const char *label);
gboolean bs_run_recording_has_failed (BsRunRecording *recording);

/* The probe's part of a run, shared by the run job and the evaluation run; @recording
 * may be NULL (a run not recorded). A meter fault is marked in the run at its time;
 * returns the marker's label ("meter stalled: …") for a message. */
char *bs_run_recording_mark_fault (BsRunRecording *recording, const BsProbeFault *fault);
/* Starts @probe into @sink. One that will not start leaves timing only: FALSE, marked in
 * the run, and *message says so. */
gboolean bs_run_recording_start_probe (BsRunRecording *recording, BsProbe *probe,
                                       const BsProbeSink *sink, char **message);

/* Ends the run with @status after the producers stopped; FALSE with @error when the
 * store failed (what was committed before is kept). */
gboolean bs_run_recording_end (BsRunRecording *recording, BsRunStatus status, GError **error);
/* After bs_run_recording_end(): the link of a run recorded on another host. */
gboolean bs_run_recording_set_link (BsRunRecording *recording, const BsRunLink *link,
                                    GError **error);
void bs_run_recording_get_committed (BsRunRecording *recording, int64_t *n_events,
                                     int64_t *n_samples);
/* Ends a run still in progress as 'aborted'. */
void bs_run_recording_free (BsRunRecording *recording);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRunRecording, bs_run_recording_free)

G_END_DECLS
