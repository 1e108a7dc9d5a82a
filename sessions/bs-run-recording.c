/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-recording.c: a recorder with its run. */
#include "bs-run-recording.h"

#include "bs-clock.h"
#include "bs-recorder.h"

struct _BsRunRecording
{
  BsRecorder *recorder;
  int64_t run;
  gint failed;                 /* atomic */
};

BsRunRecording *
bs_run_recording_begin (const BsRunSettings *settings, const BsModel *model,
                        const BsRunDescription *description, GError **error)
{
  g_autoptr (BsRecorder) recorder = NULL;
  BsRunRecording *recording;
  BsRunInfo info;
  int64_t run;

  g_assert (settings->db_path != NULL);
  recorder = bs_recorder_new (settings->db_path, error);
  if (recorder == NULL)
    return NULL;
  bs_run_description_fill_info (description, settings, &info);
  run = bs_recorder_begin_run (recorder, model, &info, error);
  if (run < 0)
    return NULL;
  recording = g_new0 (BsRunRecording, 1);
  recording->recorder = g_steal_pointer (&recorder);
  recording->run = run;
  return recording;
}

int64_t
bs_run_recording_get_id (BsRunRecording *recording)
{
  return recording->run;
}

gboolean
bs_run_recording_push_events (BsRunRecording *recording, const BsLayerEvent *events, gsize n)
{
  if (g_atomic_int_get (&recording->failed))
    return FALSE;
  if (bs_recorder_push_events (recording->recorder, events, n))
    return TRUE;
  g_atomic_int_set (&recording->failed, TRUE);   /* end says why */
  return FALSE;
}

gboolean
bs_run_recording_push_samples (BsRunRecording *recording, const BsSample *samples, gsize n)
{
  if (g_atomic_int_get (&recording->failed))
    return FALSE;
  if (bs_recorder_push_samples (recording->recorder, samples, n))
    return TRUE;
  g_atomic_int_set (&recording->failed, TRUE);
  return FALSE;
}

void
bs_run_recording_add_marker (BsRunRecording *recording, int64_t t_ns, const char *label)
{
  if (!g_atomic_int_get (&recording->failed))
    bs_recorder_add_marker (recording->recorder, t_ns, label);
}

gboolean
bs_run_recording_has_failed (BsRunRecording *recording)
{
  return g_atomic_int_get (&recording->failed);
}

char *
bs_run_recording_mark_fault (BsRunRecording *recording, const BsProbeFault *fault)
{
  char *label = g_strdup_printf ("meter %s: %s", bs_probe_fault_kind_to_string (fault->kind),
                                 fault->message);

  if (recording != NULL)
    bs_run_recording_add_marker (recording, fault->t_ns, label);
  return label;
}

gboolean
bs_run_recording_start_probe (BsRunRecording *recording, BsProbe *probe,
                              const BsProbeSink *sink, char **message)
{
  g_autoptr (GError) error = NULL;

  *message = NULL;
  if (bs_probe_start (probe, sink, &error))
    return TRUE;
  if (recording != NULL)
    bs_run_recording_add_marker (recording, bs_clock_now_ns (), error->message);
  *message = g_strdup_printf ("%s; recording timing only", error->message);
  return FALSE;
}

gboolean
bs_run_recording_end (BsRunRecording *recording, BsRunStatus status, GError **error)
{
  return bs_recorder_end_run (recording->recorder, status, error);
}

gboolean
bs_run_recording_set_link (BsRunRecording *recording, const BsRunLink *link, GError **error)
{
  return bs_store_set_run_link (bs_recorder_get_store (recording->recorder), recording->run,
                                link, error);
}

void
bs_run_recording_get_committed (BsRunRecording *recording, int64_t *n_events, int64_t *n_samples)
{
  bs_recorder_get_committed (recording->recorder, n_events, n_samples);
}

void
bs_run_recording_free (BsRunRecording *recording)
{
  if (recording == NULL)
    return;
  bs_recorder_free (recording->recorder);
  g_free (recording);
}
