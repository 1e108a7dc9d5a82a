/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-job.c: open, run, record, close. Backend events (on the calling thread) and
 * probe samples (on the probe's thread) go to the recording, which is thread-safe, and
 * then to the observer. */
#include "bs-run-job.h"

#include "bs-clock.h"
#include "bs-run-recording.h"
#include "bs-sweep-adapter.h"
#include "remote/bs-ssh-backend.h"

#include <string.h>

typedef struct
{
  const BsModel *model;
  const BsPlan *plan;
  const BsImageBatch *images;
  const BsRunSettings *settings;
  const BsRunJobObserver *obs;
  GCancellable *cancellable;

  BsBackend *backend;
  gulong cancel_handler;
  BsProbe *probe;
  gboolean probe_running;
  guint n_announced;           /* channels told to obs->channel (the probe's thread) */
  BsRunDescription *description;
  BsRunRecording *recording;

  int batch;
  int next_image;
  int n_logits;
  int32_t *logits;             /* batch × n_logits */
  uint8_t *stage;              /* batch images, for a call that wraps around the input */
} Job;

/* ---- reporting ---- */

static void G_GNUC_PRINTF (2, 3)
report_status (Job *job, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (job->obs->status == NULL)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  job->obs->status (text, job->obs->user_data);
}

/* Something the user should know that does not stop the run. */
static void
report_message (Job *job, const char *text)
{
  if (job->obs->message != NULL)
    job->obs->message (text, job->obs->user_data);
}

/* Cancelled, or the store failed (a full disk): running on would record nothing. */
static gboolean
stopping (Job *job)
{
  return g_cancellable_is_cancelled (job->cancellable)
         || (job->recording != NULL && bs_run_recording_has_failed (job->recording));
}

/* ---- data paths ---- */

static void
on_events (const BsLayerEvent *events, int n, gpointer data)
{
  Job *job = data;

  if (job->recording != NULL)
    bs_run_recording_push_events (job->recording, events, (gsize) n);
  if (job->obs->events != NULL)
    job->obs->events (events, n, job->obs->user_data);
}

/* The probe's thread, where channels are appended: each is named before its samples. */
static void
announce_channels (Job *job, const BsSample *samples, guint n)
{
  guint needed = 0, total;

  for (guint i = 0; i < n; i++)
    needed = MAX (needed, (guint) samples[i].channel + 1);
  if (job->obs->channel == NULL || needed <= job->n_announced)
    return;
  total = bs_probe_get_n_channels (job->probe);
  for (; job->n_announced < total; job->n_announced++)
    {
      const BsProbeChannel *c = bs_probe_get_channel (job->probe, job->n_announced);
      job->obs->channel (job->n_announced, c->name, c->quantity, job->obs->user_data);
    }
}

/* The probe's thread. */
static void
on_samples (const BsSample *samples, guint n, gpointer data)
{
  Job *job = data;

  announce_channels (job, samples, n);
  if (job->recording != NULL)
    bs_run_recording_push_samples (job->recording, samples, n);
  if (job->obs->samples != NULL)
    job->obs->samples (samples, n, job->obs->user_data);
}

/* A meter that goes away mid-run: say so, mark the moment in the run, keep running. */
static void
on_fault (const BsProbeFault *fault, gpointer data)
{
  Job *job = data;
  g_autofree char *label = bs_run_recording_mark_fault (job->recording, fault);
  g_autofree char *text = g_strdup_printf ("%s (the run goes on)", label);

  report_message (job, text);
}

/* @k images from the next one, cycling through the input: in place when they are
 * consecutive, else copied into the stage. */
static const uint8_t *
next_images (Job *job, int k)
{
  const BsImageBatch *images = job->images;
  gsize size = (gsize) images->shape.c * images->shape.h * images->shape.w;

  if (job->next_image + k <= images->n_images)
    return bs_image_batch_image (images, job->next_image);
  for (int i = 0; i < k; i++)
    memcpy (job->stage + i * size,
            bs_image_batch_image (images, (job->next_image + i) % images->n_images), size);
  return job->stage;
}

/* Runs inferences, settings->batch per call, until @n are done (n ≤ 0: no count), the
 * clock reaches @until_ns (0: no deadline) or the job is stopping. Adds them to *done.
 * A cancelled backend call is a stop, not an error. */
static gboolean
run_inferences (Job *job, int64_t n, int64_t until_ns, int64_t *done, GError **error)
{
  int64_t start = *done;

  while (!stopping (job) && (n <= 0 || *done - start < n)
         && (until_ns == 0 || bs_clock_now_ns () < until_ns))
    {
      int k = n > 0 ? (int) MIN ((int64_t) job->batch, n - (*done - start)) : job->batch;
      int first = job->next_image;
      g_autoptr (GError) local = NULL;

      if (!bs_backend_run (job->backend, next_images (job, k), k, job->logits, on_events, job,
                           &local))
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            break;
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      *done += k;
      job->next_image = (first + k) % job->images->n_images;
      if (job->obs->inferred != NULL)
        job->obs->inferred (first, k, job->logits, job->obs->user_data);
    }
  return TRUE;
}

static gboolean
sweep_network (int64_t duration_ns, int64_t *inferences, gpointer data, GError **error)
{
  return run_inferences (data, 0, bs_clock_now_ns () + duration_ns, inferences, error);
}

/* ---- opening ---- */

static void
on_cancelled (GCancellable *cancellable, gpointer data)
{
  bs_backend_cancel (data);    /* may be any thread: the one call a backend allows */
}

static gboolean
open_backend (Job *job, GError **error)
{
  const char *spec = job->settings->backend;

  report_status (job, "Opening %s…", spec);
  job->backend = bs_backend_open (spec, error);
  if (job->backend == NULL)
    {
      g_prefix_error (error, "Backend “%s” cannot run: ", spec);
      return FALSE;
    }
  if (job->cancellable != NULL)
    job->cancel_handler = g_cancellable_connect (job->cancellable, G_CALLBACK (on_cancelled),
                                                 job->backend, NULL);
  report_status (job, "Preparing %s on %s…", job->model->name, spec);
  if (!bs_backend_prepare (job->backend, job->plan, error))
    {
      g_prefix_error (error, "Backend “%s” could not prepare the model: ", spec);
      return FALSE;
    }
  return TRUE;
}

static gboolean
open_probe (Job *job, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!bs_run_settings_has_probe (job->settings))
    return TRUE;
  report_status (job, "Opening the power meter…");
  job->probe = bs_probe_open (job->settings->probe, &local);
  if (job->probe == NULL && !job->settings->power_optional)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (job->probe == NULL)
    {
      g_autofree char *text = g_strdup_printf ("No power readings: %s. The run goes on "
                                               "without power.", local->message);
      report_message (job, text);
      return TRUE;
    }
  if (job->obs->power != NULL)
    job->obs->power (bs_probe_get_label (job->probe), bs_probe_is_simulated (job->probe),
                     job->obs->user_data);
  return TRUE;
}

/* ---- a backend on another host ---- */

/* The run's host for a remote backend, in the shape of the local one
 * (bs-runs-write.c): "lab@kv260 (Linux 5.15.0, Cortex-A53; remote, blendscope 0.1.0
 * agent)". NULL for a local backend: the store describes this machine. */
static char *
describe_remote_host (BsBackend *backend)
{
  BsRemoteLink remote;

  if (!bs_ssh_backend_get_link (backend, &remote))
    return NULL;
  return g_strdup_printf ("%s (%s, %s; remote, %s agent)", remote.host, remote.kernel,
                          remote.cpu, remote.software);
}

/* The link's facts as the run stores them (run_links). */
static void
run_link_from (const BsRemoteLink *remote, BsRunLink *link)
{
  *link = (BsRunLink) {
    .remote = (char *) remote->host, .software = (char *) remote->software,
    .cpu = (char *) remote->cpu, .kernel = (char *) remote->kernel,
    .rtt_ns = remote->clock.best_rtt_ns, .t_ref_ns = remote->clock.t_ref_ns,
    .offset_ns = remote->clock.offset_ns, .drift_fitted = remote->clock.drift_fitted,
    .drift_ppm = remote->clock.drift_ppm, .uncertainty_ns = remote->clock.uncertainty_ns,
    .n_exchanges = remote->clock.n_exchanges,
  };
}

/* The run's host is the remote one, and a marker at the start says how its clock was
 * found then; the link's row at the end holds the estimate from the whole run. */
static void
mark_remote_link (Job *job)
{
  BsRemoteLink remote;
  BsRunLink link;
  g_autofree char *text = NULL, *described = NULL;

  if (!bs_ssh_backend_get_link (job->backend, &remote))
    return;
  run_link_from (&remote, &link);
  described = bs_run_link_describe (&link);
  text = g_strdup_printf ("remote: %s (at the start)", described);
  bs_run_recording_add_marker (job->recording, bs_clock_now_ns (), text);
}

static void
store_remote_link (Job *job, BsRunJobResult *result)
{
  BsRemoteLink remote;
  BsRunLink link;
  g_autoptr (GError) local = NULL;

  if (!bs_ssh_backend_get_link (job->backend, &remote))
    return;
  run_link_from (&remote, &link);
  if (!bs_run_recording_set_link (job->recording, &link, &local) && result->store_error == NULL)
    result->store_error = g_steal_pointer (&local);
}

static gboolean
begin_recording (Job *job, GError **error)
{
  if (job->settings->db_path == NULL)
    return TRUE;
  job->description = bs_run_description_new (job->settings, job->plan,
                                              bs_backend_get_class (job->backend)->description,
                                              job->probe);
  job->description->host = describe_remote_host (job->backend);
  job->recording = bs_run_recording_begin (job->settings, job->model, job->description, error);
  if (job->recording == NULL)
    {
      g_prefix_error (error, "The run could not be recorded to %s: ", job->settings->db_path);
      return FALSE;
    }
  mark_remote_link (job);
  return TRUE;
}

/* The probe samples from the run's start; one that will not start leaves timing only. */
static void
start_probe (Job *job)
{
  BsProbeSink sink = { on_samples, on_fault, job };
  g_autofree char *message = NULL;

  if (job->probe == NULL)
    return;
  job->probe_running = bs_run_recording_start_probe (job->recording, job->probe, &sink,
                                                     &message);
  if (!job->probe_running)
    report_message (job, message);
}

/* ---- the sweep ---- */

static void
sweep_progress (const char *what, gpointer data)
{
  Job *job = data;

  if (job->recording != NULL)
    bs_run_recording_add_marker (job->recording, bs_clock_now_ns (), what);
  if (job->obs->sweep_progress != NULL)
    job->obs->sweep_progress (what, job->obs->user_data);
}

static void
sweep_config (Job *job, BsSweepConfig *config)
{
  const BsRunSettings *s = job->settings;

  bs_sweep_config_init (config);
  if (s->sweep_busy_ns > 0)
    config->busy_ns = s->sweep_busy_ns;
  if (s->sweep_idle_ns > 0)
    config->idle_ns = s->sweep_idle_ns;
  if (s->sweep_network_ns > 0)
    config->network_ns = s->sweep_network_ns;
  config->progress = sweep_progress;
  config->fault = on_fault;
  config->user_data = job;
}

/* NULL when there is no meter, the sweep could not start (said through the observer)
 * or was stopped: a stopped sweep has failed layers that say nothing about the device. */
static BsSweepResult *
run_sweep (Job *job)
{
  BsSweepAdapter adapter = { job->backend, job->cancellable, sweep_network, job };
  BsSweepTarget target = bs_sweep_adapter_target (&adapter);
  BsSweepConfig config;
  BsSweepResult *result = g_new0 (BsSweepResult, 1);
  g_autoptr (GError) error = NULL;

  if (job->probe == NULL)
    {
      report_message (job, "The layer sweep needs a power meter: none is open.");
      g_free (result);
      return NULL;
    }
  if (job->obs->phase != NULL)
    job->obs->phase (BS_RUN_JOB_SWEEPING, job->recording != NULL
                     ? bs_run_recording_get_id (job->recording) : -1, job->obs->user_data);
  sweep_config (job, &config);
  if (!bs_sweep_run (job->probe, &target, &config, result, &error) || stopping (job))
    {
      if (error != NULL)
        {
          g_autofree char *text = g_strdup_printf ("The layer sweep could not start: %s",
                                                   error->message);
          report_message (job, text);
        }
      bs_sweep_result_clear (result);
      g_free (result);
      return NULL;
    }
  return result;
}

/* ---- the job ---- */

static BsRunStatus
final_status (Job *job, gboolean ok)
{
  const BsRunSettings *s = job->settings;
  gboolean open_ended = !s->sweep && s->n_inferences <= 0 && s->duration_s <= 0;

  if (!ok || (job->recording != NULL && bs_run_recording_has_failed (job->recording)))
    return BS_RUN_FAILED;
  if (g_cancellable_is_cancelled (job->cancellable))
    return open_ended ? BS_RUN_COMPLETE : BS_RUN_ABORTED;
  return BS_RUN_COMPLETE;
}

static gboolean
run_phase (Job *job, BsRunJobResult *result, GError **error)
{
  const BsRunSettings *s = job->settings;
  /* A sweep's layer loops replay the inputs of the last inference: at least one first. */
  int64_t count = s->sweep ? MAX (1, s->n_inferences) : s->n_inferences;
  int64_t until = count <= 0 && s->duration_s > 0
                    ? bs_clock_now_ns () + (int64_t) (s->duration_s * 1e9) : 0;
  gboolean ok;

  if (job->obs->phase != NULL)
    job->obs->phase (BS_RUN_JOB_RUNNING, result->run_id, job->obs->user_data);
  report_status (job, s->n_inferences <= 0 && s->duration_s <= 0 ? "Running until stopped…"
                                                                    : "Running…");
  ok = run_inferences (job, count, until, &result->n_inferences, error);
  if (!ok)
    g_prefix_error (error, "The backend failed after %" G_GINT64_FORMAT " inferences: ",
                    result->n_inferences);
  if (job->probe_running)
    bs_probe_stop (job->probe);
  job->probe_running = FALSE;
  if (ok && s->sweep && !stopping (job))
    result->sweep = run_sweep (job);
  return ok;
}

static void
end_recording (Job *job, BsRunJobResult *result)
{
  if (job->recording == NULL)
    return;
  report_status (job, "Saving the run…");
  if (bs_run_recording_end (job->recording, result->status, &result->store_error))
    store_remote_link (job, result);
  bs_run_recording_get_committed (job->recording, &result->n_events, &result->n_samples);
}

static void
job_close (Job *job)
{
  if (job->probe_running)
    bs_probe_stop (job->probe);
  g_clear_pointer (&job->probe, bs_probe_close);
  g_clear_pointer (&job->recording, bs_run_recording_free);
  g_clear_pointer (&job->description, bs_run_description_free);
  /* Waits for a cancel handler in progress: the backend outlives it. */
  g_cancellable_disconnect (job->cancellable, job->cancel_handler);
  g_clear_pointer (&job->backend, bs_backend_close);
  g_free (job->logits);
  g_free (job->stage);
}

gboolean
bs_run_job_run (const BsModel *model, const BsPlan *plan, const BsImageBatch *images,
                const BsRunSettings *settings, const BsRunJobObserver *observer,
                GCancellable *cancellable, BsRunJobResult *result, GError **error)
{
  static const BsRunJobObserver no_observer = { 0 };
  BsShape out = bs_model_output_shape (model);
  Job job = {
    .model = model, .plan = plan, .images = images, .settings = settings,
    .obs = observer != NULL ? observer : &no_observer, .cancellable = cancellable,
    .batch = MAX (1, settings->batch), .n_logits = out.c * out.h * out.w,
  };
  gboolean ok;

  g_assert (images != NULL && images->n_images > 0 && settings->backend != NULL);
  memset (result, 0, sizeof *result);
  result->run_id = -1;
  result->status = BS_RUN_FAILED;
  job.logits = g_new0 (int32_t, (gsize) job.batch * job.n_logits);
  job.stage = g_malloc ((gsize) job.batch * images->shape.c * images->shape.h * images->shape.w);

  ok = open_backend (&job, error) && open_probe (&job, error) && begin_recording (&job, error);
  if (ok)
    {
      result->started = TRUE;
      if (job.recording != NULL)
        result->run_id = bs_run_recording_get_id (job.recording);
      start_probe (&job);
      ok = run_phase (&job, result, error);
      result->status = final_status (&job, ok);
      end_recording (&job, result);
    }
  job_close (&job);
  return ok;
}

void
bs_run_job_result_clear (BsRunJobResult *result)
{
  if (result->sweep != NULL)
    {
      bs_sweep_result_clear (result->sweep);
      g_clear_pointer (&result->sweep, g_free);
    }
  g_clear_error (&result->store_error);
}
