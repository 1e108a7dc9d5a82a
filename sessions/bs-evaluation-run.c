/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-evaluation-run.c: bs_evaluate() with a probe and a recording around it. */
#include "bs-evaluation-run.h"

#include "bs-run-recording.h"

#include <string.h>

typedef struct
{
  const BsModel *model;
  const BsRunSettings *settings;
  const BsRunJobObserver *obs;
  BsEvaluateProgress progress;
  BsProbe *probe;
  gboolean probe_running;
  BsRunDescription *description;
  BsRunRecording *recording;
} Evaluation;

static void
message (Evaluation *e, const char *text)
{
  if (e->obs->message != NULL)
    e->obs->message (text, e->obs->user_data);
}

static void
on_samples (const BsSample *samples, guint n, gpointer data)
{
  Evaluation *e = data;
  bs_run_recording_push_samples (e->recording, samples, n);
}

/* A meter that goes away mid-run: say so, mark the moment in the run, keep running. */
static void
on_fault (const BsProbeFault *fault, gpointer data)
{
  Evaluation *e = data;
  g_autofree char *label = bs_run_recording_mark_fault (e->recording, fault);
  g_autofree char *text = g_strdup_printf ("%s (the evaluation goes on)", label);

  message (e, text);
}

/* The probe samples from the run's start; one that will not start leaves timing only. */
static void
start_probe (Evaluation *e)
{
  BsProbeSink sink = { on_samples, on_fault, e };
  g_autofree char *text = NULL;

  if (e->probe == NULL)
    return;
  e->probe_running = bs_run_recording_start_probe (e->recording, e->probe, &sink, &text);
  if (!e->probe_running)
    message (e, text);
}

/* The backend's one-line description, found by the spec's name. */
static const char *
backend_description (const char *spec)
{
  g_autofree char *name = g_strndup (spec, strcspn (spec, ":"));
  const BsBackendClass *klass = bs_backend_lookup (name);

  return klass != NULL ? klass->description : spec;
}

/* Once the backend has the plan: the probe, the run, then the images. */
static gboolean
on_prepared (const BsPlan *plan, gpointer data, GError **error)
{
  Evaluation *e = data;
  const BsRunSettings *s = e->settings;

  if (bs_run_settings_has_probe (s) && (e->probe = bs_probe_open (s->probe, error)) == NULL)
    return FALSE;
  e->description = bs_run_description_new (s, plan, backend_description (s->backend), e->probe);
  e->recording = bs_run_recording_begin (s, e->model, e->description, error);
  if (e->recording == NULL)
    return FALSE;
  if (e->obs->phase != NULL)
    e->obs->phase (BS_RUN_JOB_RUNNING, bs_run_recording_get_id (e->recording),
                   e->obs->user_data);
  start_probe (e);
  return TRUE;
}

static void
on_events (const BsLayerEvent *events, int n, gpointer data)
{
  Evaluation *e = data;
  bs_run_recording_push_events (e->recording, events, (gsize) n);
}

/* A failed store stops the evaluation: nothing more could be saved. */
static gboolean
on_progress (int done, int total, gpointer data)
{
  Evaluation *e = data;

  if (e->recording != NULL && bs_run_recording_has_failed (e->recording))
    return FALSE;
  return e->progress == NULL || e->progress (done, total, e->obs->user_data);
}

static BsRunStatus
final_status (Evaluation *e, const BsEvaluation *eval, const GError *error)
{
  if (eval != NULL)
    return BS_RUN_COMPLETE;
  if (e->recording != NULL && bs_run_recording_has_failed (e->recording))
    return BS_RUN_FAILED;
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? BS_RUN_ABORTED
                                                                   : BS_RUN_FAILED;
}

/* Before the run ends: nothing may push samples into a finished run. */
static void
finish (Evaluation *e, BsRunStatus status, GError **store_error)
{
  if (e->probe_running)
    bs_probe_stop (e->probe);
  g_clear_pointer (&e->probe, bs_probe_close);
  if (e->recording != NULL)
    bs_run_recording_end (e->recording, status, store_error);
  g_clear_pointer (&e->recording, bs_run_recording_free);
  g_clear_pointer (&e->description, bs_run_description_free);
}

static BsEvaluation *
evaluate_unrecorded (const BsModel *model, const BsDataset *set, const BsRunSettings *settings,
                     int limit, BsEvaluateProgress progress, gpointer user_data, GError **error)
{
  BsEvaluateHooks hooks = { limit, progress, NULL, NULL, user_data };

  return bs_evaluate (model, settings->backend, set, &hooks, error);
}

BsEvaluation *
bs_evaluation_run (const BsModel *model, const BsDataset *set, const BsRunSettings *settings,
                   int limit, BsEvaluateProgress progress, const BsRunJobObserver *observer,
                   int64_t *run_id, GError **store_error, GError **error)
{
  static const BsRunJobObserver no_observer = { 0 };
  Evaluation e = {
    .model = model, .settings = settings, .obs = observer != NULL ? observer : &no_observer,
    .progress = progress,
  };
  BsEvaluateHooks hooks = { limit, on_progress, on_events, on_prepared, &e };
  BsEvaluation *eval;

  *run_id = -1;
  if (settings->db_path == NULL)
    return evaluate_unrecorded (model, set, settings, limit, progress, e.obs->user_data, error);
  eval = bs_evaluate (model, settings->backend, set, &hooks, error);
  if (e.recording != NULL)
    *run_id = bs_run_recording_get_id (e.recording);
  finish (&e, final_status (&e, eval, error != NULL ? *error : NULL), store_error);
  return eval;
}
