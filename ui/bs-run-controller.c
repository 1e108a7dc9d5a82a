/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-controller.c: one worker thread per run.
 *
 * The worker runs the run job (sessions/bs-run-job.c: backend, probe, recording,
 * inferences and, in sweep mode, the per-layer sweep) with the settings of this
 * controller. What the job observes (backend events on the worker, probe samples on the
 * probe's thread) goes into a pending buffer under a mutex; a timeout on the main
 * context drains that buffer at most every BS_RUN_CONTROLLER_UPDATE_MS into the live
 * stores and emits "updated". State changes and messages are posted with
 * g_main_context_invoke, so every signal is emitted on the main thread. Stop cancels the
 * job's GCancellable. */
#include "bs-run-controller.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bs-bundled.h"
#include "bs-image.h"
#include "bs-input-source.h"
#include "bs-plan.h"
#include "bs-run-job.h"
#include "bs-store.h"

#define SPAN_CAPACITY (1 << 20)        /* layer events kept for the timeline: 24 MB */
#define RUN_BATCH 4                    /* inferences per backend call: stop stays prompt */
#define SWEEP_WARMUP 16                /* inferences before a sweep (layer_loop needs one) */

typedef struct _RunJob RunJob;

struct _BsRunController
{
  GObject parent_instance;

  BsModel *model;
  BsPlan *plan;
  BsOpTable *ops;
  BsInputSource *input;
  double logit_scale;          /* NaN: the model does not record it (bs-predict.h) */
  char *model_path;

  char *backend;
  char *probe;
  BsRunMode mode;
  int inferences;
  gboolean record;
  char *db_path;
  char *session;
  int64_t sweep_busy_ns;
  int64_t sweep_idle_ns;

  BsRunState state;
  char *status;
  double progress;
  RunJob *job;

  /* Live data, main thread only. */
  BsPowerSeries *power;        /* the first power channel: the tiles, markers and tooltip */
  GPtrArray *traces;           /* PowerTrace: every power channel, in the probe's order;
                                  the first one's series is @power */
  BsSpanStore *spans;
  BsLiveStats *stats;
  int64_t t0;
  char *power_label;
  gboolean power_simulated;
  BsSweepResult *sweep;
  int64_t run_id;
  /* What the live view shows of the classification: the last image classified (an
   * index into input->images) and its logits, and the tally of this run. */
  int cls_image;               /* -1: none yet */
  int32_t *cls_logits;         /* n_logits of the model */
  BsClassTally cls_tally;
};

struct _RunJob
{
  BsRunController *self;       /* strong; dropped on the main thread when finished */
  GMainContext *main_context;
  GThread *thread;

  /* Configuration, copied at start; model, plan, ops and images are the controller's
   * and cannot change while a job exists. */
  char *backend_spec;
  char *probe_spec;
  char *input;
  char *db_path;
  char *session;
  BsRunMode mode;
  int n_inferences;
  gboolean record;
  int64_t sweep_busy_ns;
  int64_t sweep_idle_ns;
  const BsModel *model;
  const BsPlan *plan;
  const BsOpTable *ops;
  const BsImageBatch *images;
  const int32_t *labels;       /* NULL: unknown */
  int n_logits;

  GCancellable *cancellable;   /* stop */
  gboolean finished;           /* main thread */
  int64_t t0;                  /* when it was started */
  gboolean live_begun;         /* main thread: the live stores hold this job's data */

  GMutex lock;                 /* guards everything below */
  GArray *events;              /* BsLayerEvent, pending for the UI */
  GArray *inference_sizes;     /* int: events per inference, in order */
  GArray *samples;             /* BsSample, power readings pending for the UI */
  GPtrArray *messages;         /* char*, pending */
  GSource *flush_source;
  int latest_image;            /* the last image classified, -1 before any */
  int32_t *latest_logits;      /* its logits */
  BsClassTally tally;          /* of every inference so far */

  GPtrArray *channels;         /* PowerTrace, announced by the probe, pending for the UI */
};

/* One power channel of the run, as drawn. */
typedef struct
{
  int channel;                 /* the probe's index */
  char *name;
  BsPowerSeries *series;       /* owned unless it is the controller's @power */
} PowerTrace;

enum
{
  PROP_0,
  PROP_STATE,
  PROP_STATUS,
  PROP_MODEL_PATH,
  PROP_BACKEND,
  PROP_PROBE,
  PROP_MODE,
  PROP_INFERENCES,
  PROP_RECORD,
  PROP_PROGRESS,
  N_PROPS
};

enum
{
  SIGNAL_UPDATED,
  SIGNAL_MESSAGE,
  SIGNAL_MODEL_CHANGED,
  SIGNAL_RUN_STARTED,
  SIGNAL_RUN_FINISHED,
  SIGNAL_SWEEP_CHANGED,
  SIGNAL_INPUT_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BsRunController, bs_run_controller, G_TYPE_OBJECT)

static const char *const mode_names[] = { "count", "continuous", "sweep" };

const char *
bs_run_mode_to_string (BsRunMode mode)
{
  return mode < G_N_ELEMENTS (mode_names) ? mode_names[mode] : "count";
}

gboolean
bs_run_mode_from_string (const char *s, BsRunMode *mode)
{
  for (guint i = 0; i < G_N_ELEMENTS (mode_names); i++)
    if (g_strcmp0 (s, mode_names[i]) == 0)
      {
        *mode = (BsRunMode) i;
        return TRUE;
      }
  return FALSE;
}

/* ---- main-thread helpers ---- */

static int
n_logits (const BsModel *model)
{
  BsShape out = bs_model_output_shape (model);
  return out.c * out.h * out.w;
}

static void
clear_classification (BsRunController *self)
{
  self->cls_image = -1;
  memset (&self->cls_tally, 0, sizeof self->cls_tally);
}

static void
set_state (BsRunController *self, BsRunState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_status (BsRunController *self, const char *status)
{
  if (g_strcmp0 (self->status, status) == 0)
    return;
  g_free (self->status);
  self->status = g_strdup (status);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
set_progress (BsRunController *self, double progress)
{
  if (self->progress == progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
emit_message (BsRunController *self, const char *text, gboolean error)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text, error);
}

static void
sweep_free (BsSweepResult *sweep)
{
  if (sweep == NULL)
    return;
  bs_sweep_result_clear (sweep);
  g_free (sweep);
}

static void clear_traces (BsRunController *self);

/* The live stores start over once the job really runs (its backend, and its probe when
 * it has one, opened): a run that cannot start leaves the last good run on screen,
 * with the error in a banner. Main thread; once per job. */
static void
begin_live_data (RunJob *job)
{
  BsRunController *self = job->self;

  if (job->live_begun)
    return;
  job->live_begun = TRUE;
  self->t0 = job->t0;
  clear_traces (self);
  bs_power_series_clear (self->power);
  bs_span_store_clear (self->spans, self->t0, self->ops);
  bs_live_stats_reset (self->stats, self->ops->n_ops, self->t0);
  g_clear_pointer (&self->power_label, g_free);
  self->power_simulated = FALSE;
  clear_classification (self);
  g_signal_emit (self, signals[SIGNAL_RUN_STARTED], 0);
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
}

/* ---- posting from the worker ---- */

typedef enum
{
  POST_STATE,
  POST_STATUS,
  POST_MESSAGE,
  POST_ERROR,
  POST_POWER_LABEL,
  POST_SWEEP,
  POST_PROGRESS,
} PostKind;

typedef struct
{
  RunJob *job;
  PostKind kind;
  int state;
  char *text;
  gboolean flag;
  BsSweepResult *sweep;
} Post;

static void
post_free (gpointer data)
{
  Post *p = data;

  g_free (p->text);
  sweep_free (p->sweep);
  g_free (p);
}

static gboolean
post_dispatch (gpointer data)
{
  Post *p = data;
  BsRunController *self = p->job->self;

  switch (p->kind)
    {
    case POST_STATE:
      if (p->state == BS_RUN_STATE_RUNNING || p->state == BS_RUN_STATE_SWEEPING)
        begin_live_data (p->job);
      set_state (self, (BsRunState) p->state);
      break;
    case POST_STATUS:
      set_status (self, p->text);
      break;
    case POST_MESSAGE:
    case POST_ERROR:
      emit_message (self, p->text, p->kind == POST_ERROR);
      break;
    case POST_POWER_LABEL:
      begin_live_data (p->job);
      g_free (self->power_label);
      self->power_label = g_strdup (p->text);
      self->power_simulated = p->flag;
      break;
    case POST_PROGRESS:
      set_progress (self, p->state / 1000.0);
      break;
    case POST_SWEEP:
      sweep_free (self->sweep);
      self->sweep = g_steal_pointer (&p->sweep);
      g_signal_emit (self, signals[SIGNAL_SWEEP_CHANGED], 0);
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
post (RunJob *job, PostKind kind, int state, const char *text, gboolean flag, BsSweepResult *sweep)
{
  Post *p = g_new0 (Post, 1);

  p->job = job;
  p->kind = kind;
  p->state = state;
  p->text = g_strdup (text);
  p->flag = flag;
  p->sweep = sweep;
  /* Every post is queued (never run inline: the worker is not the main thread), in order
   * with the others at the same priority. */
  g_main_context_invoke_full (job->main_context, G_PRIORITY_DEFAULT, post_dispatch, p, post_free);
}

static void G_GNUC_PRINTF (2, 3)
post_status (RunJob *job, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  post (job, POST_STATUS, 0, text, FALSE, NULL);
}

/* ---- the throttled data path ---- */

static void flush_pending (RunJob *job);

static gboolean
flush_timeout (gpointer data)
{
  RunJob *job = data;

  flush_pending (job);
  return G_SOURCE_REMOVE;
}

/* Called with job->lock held, from any thread. */
static void
schedule_flush_locked (RunJob *job)
{
  if (job->flush_source != NULL)
    return;
  job->flush_source = g_timeout_source_new (BS_RUN_CONTROLLER_UPDATE_MS);
  g_source_set_priority (job->flush_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (job->flush_source, flush_timeout, job, NULL);
  g_source_attach (job->flush_source, job->main_context);
}

/* Main thread: the newest classified image replaces the one shown. Only the last of
 * each flush is kept: the view draws at its own rate, not per inference. */
static void
take_latest_classification (RunJob *job)
{
  BsRunController *self = job->self;

  g_mutex_lock (&job->lock);
  if (job->latest_image >= 0)
    {
      self->cls_image = job->latest_image;
      memcpy (self->cls_logits, job->latest_logits, sizeof (int32_t) * job->n_logits);
    }
  self->cls_tally = job->tally;
  g_mutex_unlock (&job->lock);
}

static void
power_trace_free (gpointer data)
{
  PowerTrace *trace = data;

  g_free (trace->name);
  g_free (trace);
}

static void
power_trace_free_owned (BsRunController *self, PowerTrace *trace)
{
  if (trace->series != self->power)
    bs_power_series_free (trace->series);
}

/* Drops every channel of the last run; @power itself is cleared by the caller. */
static void
clear_traces (BsRunController *self)
{
  for (guint i = 0; i < self->traces->len; i++)
    power_trace_free_owned (self, self->traces->pdata[i]);
  g_ptr_array_set_size (self->traces, 0);
}

/* The trace of probe channel @channel; @name is what the probe called it when known. */
static PowerTrace *
find_trace (BsRunController *self, int channel, const char *name)
{
  PowerTrace *trace;

  for (guint i = 0; i < self->traces->len; i++)
    if (((PowerTrace *) self->traces->pdata[i])->channel == channel)
      return self->traces->pdata[i];
  trace = g_new0 (PowerTrace, 1);
  trace->channel = channel;
  trace->name = name != NULL ? g_strdup (name) : g_strdup_printf ("channel %d", channel);
  trace->series = self->traces->len == 0 ? self->power : bs_power_series_new ();
  g_ptr_array_add (self->traces, trace);
  return trace;
}

/* Main thread: moves what the worker and the probe produced into the live stores. */
static void
flush_pending (RunJob *job)
{
  BsRunController *self = job->self;
  g_autoptr (GArray) events = NULL;
  g_autoptr (GArray) sizes = NULL;
  g_autoptr (GArray) samples = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GPtrArray) channels = NULL;
  PowerTrace *last = NULL;
  gsize at = 0;

  g_mutex_lock (&job->lock);
  channels = g_steal_pointer (&job->channels);
  job->channels = g_ptr_array_new_with_free_func (power_trace_free);
  events = g_steal_pointer (&job->events);
  sizes = g_steal_pointer (&job->inference_sizes);
  samples = g_steal_pointer (&job->samples);
  messages = g_steal_pointer (&job->messages);
  job->events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  job->inference_sizes = g_array_new (FALSE, FALSE, sizeof (int));
  job->samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  job->messages = g_ptr_array_new_with_free_func (g_free);
  if (job->flush_source != NULL)
    {
      g_source_destroy (job->flush_source);
      g_source_unref (job->flush_source);
      job->flush_source = NULL;
    }
  g_mutex_unlock (&job->lock);

  if (sizes->len > 0 || samples->len > 0 || channels->len > 0)
    begin_live_data (job);
  for (guint i = 0; i < sizes->len; i++)
    {
      int n = g_array_index (sizes, int, i);
      const BsLayerEvent *e = &g_array_index (events, BsLayerEvent, at);

      bs_span_store_append_inference (self->spans, e, n);
      bs_live_stats_add_inference (self->stats, e, n);
      at += n;
    }
  for (guint i = 0; i < channels->len; i++)
    {
      const PowerTrace *c = channels->pdata[i];
      find_trace (self, c->channel, c->name);
    }
  for (guint i = 0; i < samples->len; i++)
    {
      const BsSample *s = &g_array_index (samples, BsSample, i);
      if (last == NULL || last->channel != s->channel)
        last = find_trace (self, s->channel, NULL);
      bs_power_series_append (last->series, s->t_ns, s->value);
    }
  for (guint i = 0; i < messages->len; i++)
    emit_message (self, messages->pdata[i], FALSE);
  take_latest_classification (job);

  if (job->mode == BS_RUN_MODE_COUNT && sizes->len > 0)
    set_progress (self, MIN (1.0, (double) bs_live_stats_get_n_inferences (self->stats) / job->n_inferences));
  if (sizes->len > 0 || samples->len > 0)
    g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
}

static void
on_events (const BsLayerEvent *events, int n, gpointer data)
{
  RunJob *job = data;
  int size = n;

  g_mutex_lock (&job->lock);
  g_array_append_vals (job->events, events, n);
  g_array_append_val (job->inference_sizes, size);
  schedule_flush_locked (job);
  g_mutex_unlock (&job->lock);
}

/* The probe's thread. */
static void
on_samples (const BsSample *samples, guint n, gpointer data)
{
  RunJob *job = data;

  g_mutex_lock (&job->lock);
  for (guint i = 0; i < n; i++)
    if (samples[i].quantity == BS_QUANTITY_POWER)
      g_array_append_val (job->samples, samples[i]);
  schedule_flush_locked (job);
  g_mutex_unlock (&job->lock);
}

/* The probe's thread: power channels get a trace, named, before their first samples. */
static void
on_channel (guint index, const char *name, BsQuantity quantity, gpointer data)
{
  RunJob *job = data;
  PowerTrace *trace;

  if (quantity != BS_QUANTITY_POWER)
    return;
  trace = g_new0 (PowerTrace, 1);
  trace->channel = (int) index;
  trace->name = g_strdup (name);
  g_mutex_lock (&job->lock);
  g_ptr_array_add (job->channels, trace);
  g_mutex_unlock (&job->lock);
}

/* The worker or the probe's thread: shown with the next flush. */
static void
on_message (const char *text, gpointer data)
{
  RunJob *job = data;

  g_mutex_lock (&job->lock);
  g_ptr_array_add (job->messages, g_strdup (text));
  schedule_flush_locked (job);
  g_mutex_unlock (&job->lock);
}

/* ---- the worker ---- */

static void
lower_priority (void)
{
  /* The UI must keep its frame rate on a two-core machine: the worker and the backend's
   * pool threads (created by bs_backend_open on this thread, so they inherit its nice
   * value) yield to the main thread. Linux applies nice per thread. */
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 5) != 0)
    g_debug ("could not lower the worker's priority");
}

typedef struct
{
  RunJob *job;
  int64_t run_id;
  char *summary;
  gboolean failed;
} Finish;

static void finish_on_main (RunJob *job, int64_t run_id, const char *summary, gboolean failed);

static gboolean
finish_dispatch (gpointer data)
{
  Finish *f = data;

  finish_on_main (f->job, f->run_id, f->summary, f->failed);
  return G_SOURCE_REMOVE;
}

static void
finish_free (gpointer data)
{
  Finish *f = data;

  g_free (f->summary);
  g_free (f);
}

/* The worker, after each backend call of @k images from @first (cycling through the
 * input): the tally (an argmax per image, cheap next to an inference) and the last image
 * for the view. */
static void
on_inferred (int first, int k, const int32_t *logits, gpointer data)
{
  RunJob *job = data;
  BsClassTally add = { 0, 0, 0 };
  int n_images = job->images->n_images;

  for (int i = 0; i < k; i++)
    {
      BsPrediction p = bs_predict (logits + (gsize) i * job->n_logits, job->n_logits, NAN);

      add.n_classified++;
      if (job->labels != NULL)
        {
          add.n_labelled++;
          add.n_correct += p.cls == job->labels[(first + i) % n_images];
        }
    }
  g_mutex_lock (&job->lock);
  job->tally.n_classified += add.n_classified;
  job->tally.n_labelled += add.n_labelled;
  job->tally.n_correct += add.n_correct;
  if (k > 0)
    {
      job->latest_image = (first + k - 1) % n_images;
      memcpy (job->latest_logits, logits + (gsize) (k - 1) * job->n_logits,
              sizeof (int32_t) * job->n_logits);
    }
  /* Usually scheduled already by the layer events; a backend without them still shows. */
  schedule_flush_locked (job);
  g_mutex_unlock (&job->lock);
}

static void
on_status (const char *text, gpointer data)
{
  post (data, POST_STATUS, 0, text, FALSE, NULL);
}

static void
on_power (const char *label, gboolean simulated, gpointer data)
{
  post (data, POST_POWER_LABEL, 0, label, simulated, NULL);
}

static void
on_phase (BsRunJobPhase phase, int64_t run_id, gpointer data)
{
  post (data, POST_STATE, phase == BS_RUN_JOB_SWEEPING ? BS_RUN_STATE_SWEEPING
                                                       : BS_RUN_STATE_RUNNING,
        NULL, FALSE, NULL);
}

static void
on_sweep_progress (const char *what, gpointer data)
{
  RunJob *job = data;
  const char *layer = strstr (what, "layer ");
  unsigned k, n;

  /* "layer 3/76: ..." says how far the sweep is. */
  if (layer != NULL && sscanf (layer, "layer %u/%u", &k, &n) == 2 && n > 0)
    post (job, POST_PROGRESS, (int) (1000.0 * (k - 1) / n), NULL, FALSE, NULL);
  post_status (job, "Layer sweep: %s", what);
}

/* The run job's settings from this job's copy of the controller's. */
static void
job_settings (RunJob *job, BsRunSettings *s)
{
  static const char *const tags[] = { "workbench", NULL };

  *s = (BsRunSettings) {
    .backend = job->backend_spec,
    .probe = job->probe_spec,
    .input = job->input,
    .db_path = job->record ? job->db_path : NULL,
    .session = job->session,
    .tags = tags,
    .batch = RUN_BATCH,
    .power_optional = TRUE,
  };
  if (job->mode == BS_RUN_MODE_COUNT)
    s->n_inferences = job->n_inferences;
  else if (job->mode == BS_RUN_MODE_SWEEP)
    {
      s->n_inferences = SWEEP_WARMUP;
      s->sweep = TRUE;
      s->sweep_busy_ns = job->sweep_busy_ns;
      s->sweep_idle_ns = job->sweep_idle_ns;
      s->sweep_network_ns = 4 * job->sweep_busy_ns;
    }
}

/* The sentence the status line keeps, and the errors said on the way. */
static char *
summarize (RunJob *job, gboolean ok, const BsRunJobResult *result, const GError *error)
{
  GString *summary = g_string_new (NULL);

  if (!ok)
    {
      post (job, POST_ERROR, 0, error->message, FALSE, NULL);
      g_string_assign (summary, error->message);
    }
  else
    g_string_printf (summary, "%s: %" G_GINT64_FORMAT " inferences%s on %s",
                     result->status == BS_RUN_ABORTED ? "Stopped" : "Finished",
                     result->n_inferences, result->sweep != NULL ? " and a layer sweep" : "",
                     job->backend_spec);
  if (result->store_error != NULL)
    {
      g_autofree char *text = g_strdup_printf ("The run was not fully recorded: %s "
                                               "(what was committed before is kept)",
                                               result->store_error->message);
      post (job, POST_ERROR, 0, text, FALSE, NULL);
    }
  else if (ok && result->run_id >= 0)
    g_string_append_printf (summary, ", recorded as run %" G_GINT64_FORMAT, result->run_id);
  return g_string_free (summary, FALSE);
}

static gpointer
worker (gpointer data)
{
  RunJob *job = data;
  g_autoptr (GError) error = NULL;
  BsRunSettings settings;
  BsRunJobObserver observer = {
    .status = on_status, .message = on_message, .power = on_power, .phase = on_phase,
    .events = on_events, .samples = on_samples, .channel = on_channel, .inferred = on_inferred,
    .sweep_progress = on_sweep_progress, .user_data = job,
  };
  BsRunJobResult result;
  Finish *finish = g_new0 (Finish, 1);
  gboolean ok;

  lower_priority ();
  job_settings (job, &settings);
  ok = bs_run_job_run (job->model, job->plan, job->images, &settings, &observer,
                       job->cancellable, &result, &error);
  if (result.sweep != NULL)
    post (job, POST_SWEEP, 0, NULL, FALSE, g_steal_pointer (&result.sweep));

  finish->job = job;
  finish->run_id = ok ? result.run_id : -1;
  finish->summary = summarize (job, ok, &result, error);
  finish->failed = !ok;
  bs_run_job_result_clear (&result);
  g_main_context_invoke_full (job->main_context, G_PRIORITY_DEFAULT, finish_dispatch, finish,
                              finish_free);
  return NULL;
}

static void
job_free (RunJob *job)
{
  g_free (job->backend_spec);
  g_free (job->probe_spec);
  g_free (job->input);
  g_free (job->db_path);
  g_free (job->session);
  g_array_unref (job->events);
  g_array_unref (job->inference_sizes);
  g_array_unref (job->samples);
  g_ptr_array_unref (job->messages);
  g_ptr_array_unref (job->channels);
  g_free (job->latest_logits);
  g_mutex_clear (&job->lock);
  g_object_unref (job->cancellable);
  g_main_context_unref (job->main_context);
  g_free (job);
}

static void
finish_on_main (RunJob *job, int64_t run_id, const char *summary, gboolean failed)
{
  BsRunController *self = job->self;

  if (job->finished)
    return;
  job->finished = TRUE;
  if (job->thread != NULL)
    g_thread_join (job->thread);
  /* Everything still pending, then the end. */
  flush_pending (job);
  if (run_id >= 0)
    self->run_id = run_id;
  self->job = NULL;
  set_progress (self, -1);
  set_state (self, BS_RUN_STATE_IDLE);
  set_status (self, summary);
  g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, run_id, summary, failed);
  job_free (job);
  g_object_unref (self);
}

/* ---- public ---- */

gboolean
bs_run_controller_start (BsRunController *self, GError **error)
{
  return bs_run_controller_start_with_mode (self, self->mode, error);
}

gboolean
bs_run_controller_start_with_mode (BsRunController *self, BsRunMode mode, GError **error)
{
  RunJob *job;

  if (self->job != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "A run is in progress: stop it first.");
      return FALSE;
    }
  if (self->model == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "Open a model first.");
      return FALSE;
    }

  job = g_new0 (RunJob, 1);
  job->self = g_object_ref (self);
  job->main_context = g_main_context_ref_thread_default ();
  job->backend_spec = g_strdup (self->backend);
  job->probe_spec = g_strdup (self->probe);
  job->input = g_strdup (self->input->path != NULL ? self->input->path
                                                   : self->input->description);
  job->cancellable = g_cancellable_new ();
  job->db_path = self->db_path != NULL ? g_strdup (self->db_path) : bs_store_default_path ();
  job->session = g_strdup (self->session);
  job->mode = mode;
  job->n_inferences = MAX (1, self->inferences);
  job->record = self->record;
  job->sweep_busy_ns = self->sweep_busy_ns;
  job->sweep_idle_ns = self->sweep_idle_ns;
  job->model = self->model;
  job->plan = self->plan;
  job->ops = self->ops;
  job->images = self->input->images;
  job->labels = self->input->labels;
  job->n_logits = n_logits (self->model);
  job->latest_image = -1;
  job->latest_logits = g_new0 (int32_t, job->n_logits);
  job->channels = g_ptr_array_new_with_free_func (power_trace_free);
  job->events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  job->inference_sizes = g_array_new (FALSE, FALSE, sizeof (int));
  job->samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  job->messages = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&job->lock);

  /* The live stores start over when the job runs (begin_live_data), not here. */
  job->t0 = bs_clock_now_ns ();
  self->job = job;
  set_progress (self, mode == BS_RUN_MODE_CONTINUOUS ? -1 : 0);
  set_state (self, BS_RUN_STATE_STARTING);
  set_status (self, "Starting…");
  job->thread = g_thread_new ("bs-run", worker, job);
  return TRUE;
}

void
bs_run_controller_stop (BsRunController *self)
{
  RunJob *job = self->job;

  if (job == NULL || g_cancellable_is_cancelled (job->cancellable))
    return;
  /* The job cancels the backend's call in progress. */
  g_cancellable_cancel (job->cancellable);
  set_state (self, BS_RUN_STATE_STOPPING);
  set_status (self, "Stopping…");
}

void
bs_run_controller_shutdown (BsRunController *self)
{
  RunJob *job = self->job;

  if (job == NULL)
    return;
  bs_run_controller_stop (self);
  /* The worker's last act is to queue finish_dispatch; run it now rather than wait for
   * a main loop that may be ending. Joining first makes sure the queue is complete. */
  g_thread_join (job->thread);
  job->thread = NULL;
  while (g_main_context_iteration (job->main_context, FALSE) && self->job == job)
    ;
}

/* ---- the model ---- */

/* The input the user chose, if it fits @model, else the default one (with a message
 * saying why: a new model must not lose the run, only the choice of images). */
static BsInputSource *
load_input_for (BsRunController *self, const BsModel *model)
{
  g_autoptr (GError) error = NULL;
  BsInputSource *input;

  if (self->input == NULL || self->input->path == NULL)
    return bs_input_source_load_default (model);
  input = bs_input_source_load (self->input->path, model, &error);
  if (input == NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s: the input is back to the default "
                                               "(%s).", error->message, model->name);
      input = bs_input_source_load_default (model);
      emit_message (self, text, FALSE);
    }
  return input;
}

gboolean
bs_run_controller_set_input (BsRunController *self, const char *path, GError **error)
{
  BsInputSource *input;

  if (self->job != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "A run is in progress: stop it before choosing other images.");
      return FALSE;
    }
  if (self->model == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "Open a model first.");
      return FALSE;
    }
  input = path != NULL && *path ? bs_input_source_load (path, self->model, error)
                                : bs_input_source_load_default (self->model);
  if (input == NULL)
    return FALSE;
  bs_input_source_free (self->input);
  self->input = input;
  clear_classification (self);
  g_signal_emit (self, signals[SIGNAL_INPUT_CHANGED], 0);
  return TRUE;
}

const char *
bs_run_controller_get_input_description (BsRunController *self)
{
  return self->input != NULL ? self->input->description : NULL;
}

const char *
bs_run_controller_get_input_path (BsRunController *self)
{
  return self->input != NULL ? self->input->path : NULL;
}

gboolean
bs_run_controller_get_classification (BsRunController *self, BsLiveClassification *out)
{
  memset (out, 0, sizeof *out);
  out->tally = self->cls_tally;
  out->label = -1;
  if (self->model == NULL || self->input == NULL || self->cls_image < 0
      || self->cls_image >= self->input->images->n_images)
    return FALSE;
  out->image = self->cls_image;
  out->n_images = self->input->images->n_images;
  out->pixels = bs_image_batch_image (self->input->images, self->cls_image);
  out->shape = self->input->images->shape;
  out->prediction = bs_predict (self->cls_logits, n_logits (self->model), self->logit_scale);
  if (self->input->labels != NULL)
    out->label = self->input->labels[self->cls_image];
  return TRUE;
}

gboolean
bs_run_controller_load_model (BsRunController *self, const char *path, GError **error)
{
  g_autoptr (BsModel) model = NULL;
  g_autoptr (BsPlan) plan = NULL;
  BsInputSource *input;

  if (self->job != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "A run is in progress: stop it before opening another model.");
      return FALSE;
    }
  model = bs_model_load (path, error);
  if (model == NULL)
    return FALSE;
  plan = bs_plan_compile (model, error);
  if (plan == NULL)
    return FALSE;

  input = load_input_for (self, model);
  bs_op_table_free (self->ops);
  bs_plan_free (self->plan);
  bs_model_free (self->model);
  bs_input_source_free (self->input);
  self->model = g_steal_pointer (&model);
  self->plan = g_steal_pointer (&plan);
  self->ops = bs_op_table_new (self->plan);
  self->input = input;
  self->logit_scale = bs_model_logit_scale (self->model);
  g_free (self->cls_logits);
  self->cls_logits = g_new0 (int32_t, n_logits (self->model));
  clear_classification (self);
  g_free (self->model_path);
  self->model_path = g_strdup (path);
  g_clear_pointer (&self->sweep, sweep_free);

  /* The live data belonged to the previous model's ops. */
  self->t0 = bs_clock_now_ns ();
  clear_traces (self);
  bs_power_series_clear (self->power);
  bs_span_store_clear (self->spans, self->t0, self->ops);
  bs_live_stats_reset (self->stats, self->ops->n_ops, self->t0);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_PATH]);
  g_signal_emit (self, signals[SIGNAL_MODEL_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_SWEEP_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_INPUT_CHANGED], 0);
  {
    g_autofree char *text = g_strdup_printf ("%s: %d layers in %d ops", self->model->name,
                                             bs_model_n_layers (self->model), self->ops->n_ops);
    set_status (self, text);
  }
  return TRUE;
}

const BsModel *
bs_run_controller_get_model (BsRunController *self)
{
  return self->model;
}

const char *
bs_run_controller_get_model_path (BsRunController *self)
{
  return self->model_path;
}

const BsOpTable *
bs_run_controller_get_op_table (BsRunController *self)
{
  return self->ops;
}

/* ---- settings ---- */

#define SET_STRING(field, value, prop)                                        \
  G_STMT_START {                                                              \
    if (g_strcmp0 (self->field, value) != 0)                                  \
      {                                                                       \
        g_free (self->field);                                                 \
        self->field = g_strdup (value);                                       \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);         \
      }                                                                       \
  } G_STMT_END

void
bs_run_controller_set_backend (BsRunController *self, const char *spec)
{
  SET_STRING (backend, spec != NULL ? spec : "cpu", PROP_BACKEND);
}

const char *
bs_run_controller_get_backend (BsRunController *self)
{
  return self->backend;
}

void
bs_run_controller_set_probe (BsRunController *self, const char *spec)
{
  SET_STRING (probe, spec != NULL ? spec : "", PROP_PROBE);
}

const char *
bs_run_controller_get_probe (BsRunController *self)
{
  return self->probe;
}

void
bs_run_controller_set_mode (BsRunController *self, BsRunMode mode)
{
  if (self->mode == mode)
    return;
  self->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

BsRunMode
bs_run_controller_get_mode (BsRunController *self)
{
  return self->mode;
}

void
bs_run_controller_set_inferences (BsRunController *self, int n)
{
  n = CLAMP (n, 1, 100000000);
  if (self->inferences == n)
    return;
  self->inferences = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INFERENCES]);
}

int
bs_run_controller_get_inferences (BsRunController *self)
{
  return self->inferences;
}

void
bs_run_controller_set_record (BsRunController *self, gboolean record)
{
  record = !!record;
  if (self->record == record)
    return;
  self->record = record;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORD]);
}

gboolean
bs_run_controller_get_record (BsRunController *self)
{
  return self->record;
}

void
bs_run_controller_set_db_path (BsRunController *self, const char *path)
{
  g_free (self->db_path);
  self->db_path = path != NULL && *path ? g_strdup (path) : NULL;
}

const char *
bs_run_controller_get_db_path (BsRunController *self)
{
  return self->db_path;
}

void
bs_run_controller_set_session (BsRunController *self, const char *session)
{
  g_free (self->session);
  self->session = session != NULL && *session ? g_strdup (session) : NULL;
}

const char *
bs_run_controller_get_session (BsRunController *self)
{
  return self->session;
}

void
bs_run_controller_set_sweep_times (BsRunController *self, int64_t busy_ns, int64_t idle_ns)
{
  self->sweep_busy_ns = MAX (busy_ns, 100000000);
  self->sweep_idle_ns = MAX (idle_ns, 100000000);
}

/* ---- state and live data ---- */

BsRunState
bs_run_controller_get_state (BsRunController *self)
{
  return self->state;
}

gboolean
bs_run_controller_is_busy (BsRunController *self)
{
  return self->job != NULL;
}

const char *
bs_run_controller_get_status (BsRunController *self)
{
  return self->status != NULL ? self->status : "";
}

double
bs_run_controller_get_progress (BsRunController *self)
{
  return self->progress;
}

BsPowerSeries *
bs_run_controller_get_power (BsRunController *self)
{
  return self->power;
}

guint
bs_run_controller_get_n_power_channels (BsRunController *self)
{
  return self->traces->len;
}

const BsPowerSeries *
bs_run_controller_get_power_channel (BsRunController *self, guint index, const char **name)
{
  const PowerTrace *trace;

  g_return_val_if_fail (index < self->traces->len, NULL);
  trace = self->traces->pdata[index];
  if (name != NULL)
    *name = trace->name;
  return trace->series;
}

BsSpanStore *
bs_run_controller_get_spans (BsRunController *self)
{
  return self->spans;
}

int64_t
bs_run_controller_get_t0 (BsRunController *self)
{
  return self->t0;
}

int64_t
bs_run_controller_get_now (BsRunController *self)
{
  int64_t now = bs_live_stats_get_last_ns (self->stats);
  int64_t first, last;

  if (bs_power_series_get_span (self->power, &first, &last))
    now = MAX (now, last);
  return MAX (now, self->t0);
}

void
bs_run_controller_get_figures (BsRunController *self, BsLiveFigures *figures)
{
  bs_live_stats_compute (self->stats, self->power, figures);
}

void
bs_run_controller_get_op_medians (BsRunController *self, double *median_ns)
{
  if (self->ops != NULL)
    bs_live_stats_op_medians (self->stats, median_ns, self->ops->n_ops);
}

const char *
bs_run_controller_get_power_label (BsRunController *self)
{
  return self->power_label;
}

gboolean
bs_run_controller_get_power_simulated (BsRunController *self)
{
  return self->power_simulated;
}

const BsSweepResult *
bs_run_controller_get_sweep (BsRunController *self)
{
  return self->sweep;
}

int64_t
bs_run_controller_get_run_id (BsRunController *self)
{
  return self->run_id;
}

/* ---- GObject ---- */

static void
bs_run_controller_dispose (GObject *object)
{
  BsRunController *self = BS_RUN_CONTROLLER (object);

  bs_run_controller_shutdown (self);
  G_OBJECT_CLASS (bs_run_controller_parent_class)->dispose (object);
}

static void
bs_run_controller_finalize (GObject *object)
{
  BsRunController *self = BS_RUN_CONTROLLER (object);

  bs_op_table_free (self->ops);
  bs_plan_free (self->plan);
  bs_model_free (self->model);
  bs_input_source_free (self->input);
  g_free (self->cls_logits);
  g_free (self->model_path);
  g_free (self->backend);
  g_free (self->probe);
  g_free (self->db_path);
  g_free (self->session);
  g_free (self->status);
  g_free (self->power_label);
  clear_traces (self);
  g_ptr_array_unref (self->traces);
  bs_power_series_free (self->power);
  bs_span_store_free (self->spans);
  bs_live_stats_free (self->stats);
  sweep_free (self->sweep);
  G_OBJECT_CLASS (bs_run_controller_parent_class)->finalize (object);
}

static void
bs_run_controller_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BsRunController *self = BS_RUN_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_STATUS:
      g_value_set_string (value, bs_run_controller_get_status (self));
      break;
    case PROP_MODEL_PATH:
      g_value_set_string (value, self->model_path);
      break;
    case PROP_BACKEND:
      g_value_set_string (value, self->backend);
      break;
    case PROP_PROBE:
      g_value_set_string (value, self->probe);
      break;
    case PROP_MODE:
      g_value_set_string (value, bs_run_mode_to_string (self->mode));
      break;
    case PROP_INFERENCES:
      g_value_set_int (value, self->inferences);
      break;
    case PROP_RECORD:
      g_value_set_boolean (value, self->record);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_run_controller_class_init (BsRunControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bs_run_controller_dispose;
  object_class->finalize = bs_run_controller_finalize;
  object_class->get_property = bs_run_controller_get_property;

  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, BS_RUN_STATE_STOPPING, 0,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_MODEL_PATH] = g_param_spec_string ("model-path", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BACKEND] = g_param_spec_string ("backend", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PROBE] = g_param_spec_string ("probe", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_MODE] = g_param_spec_string ("mode", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_INFERENCES] = g_param_spec_int ("inferences", NULL, NULL, 1, G_MAXINT, 100,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RECORD] = g_param_spec_boolean ("record", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, -1, 1, -1,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* New data in the live stores (at most every BS_RUN_CONTROLLER_UPDATE_MS). */
  signals[SIGNAL_UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A sentence for the user; error: TRUE when something did not happen. */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                          G_TYPE_BOOLEAN);
  signals[SIGNAL_MODEL_CHANGED] = g_signal_new ("model-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);
  /* The job runs (backend and probe open): the live stores have started over. A run
   * that cannot start never emits it. */
  signals[SIGNAL_RUN_STARTED] = g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
  /* run id (-1 when not recorded), summary, failed */
  signals[SIGNAL_RUN_FINISHED] = g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_STRING,
                                               G_TYPE_BOOLEAN);
  signals[SIGNAL_SWEEP_CHANGED] = g_signal_new ("sweep-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);
  /* Other images to classify (bs_run_controller_set_input, or a new model). */
  signals[SIGNAL_INPUT_CHANGED] = g_signal_new ("input-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);
}

static void
bs_run_controller_init (BsRunController *self)
{
  self->backend = g_strdup ("cpu");
  self->probe = g_strdup ("");
  self->inferences = 100;
  self->sweep_busy_ns = 1000000000;
  self->sweep_idle_ns = 500000000;
  self->power = bs_power_series_new ();
  self->traces = g_ptr_array_new_with_free_func (power_trace_free);
  self->spans = bs_span_store_new (SPAN_CAPACITY);
  self->stats = bs_live_stats_new ();
  self->run_id = -1;
  self->progress = -1;
  self->cls_image = -1;
  self->logit_scale = NAN;
}

BsRunController *
bs_run_controller_new (void)
{
  return g_object_new (BS_TYPE_RUN_CONTROLLER, NULL);
}
