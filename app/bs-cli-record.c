/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-record.c: `blendscope-cli record MODEL`: run on a backend while a probe samples
 * power, and record both to the session database as they happen. */
#include "bs-backend.h"
#include "remote/bs-ssh-backend.h"
#include "bs-cli.h"
#include "bs-counts.h"
#include "bs-image.h"
#include "bs-model.h"
#include "bs-plan.h"
#include "bs-probe.h"
#include "bs-recorder.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  char *backend;
  char *probe;
  char *session;
  char *db;
  char *input;
  char *notes;
  char **tags;
  int iterations;
  double duration_s;
  int batch;
} RecordOptions;

/* Options GOptionContext filled; freed on every return path. */
static void
record_options_clear (RecordOptions *opts)
{
  g_free (opts->backend);
  g_free (opts->probe);
  g_free (opts->session);
  g_free (opts->db);
  g_free (opts->input);
  g_free (opts->notes);
  g_strfreev (opts->tags);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RecordOptions, record_options_clear)

/* The signal (SIGINT, SIGTERM) that cut the run short; 0 while none has. */
static int stop_signal;
/* Set once the recorder refuses data (disk full, file size limit): recording on would
 * only waste the user's time, nothing more can be saved. */
static gboolean store_failed;

static void
push_samples (const BsSample *samples, guint n, gpointer recorder)
{
  if (!bs_recorder_push_samples (recorder, samples, n))
    g_atomic_int_set (&store_failed, TRUE);
}

/* A meter that goes away mid-run: say so, mark the moment in the run, keep running. */
static void
on_fault (const BsProbeFault *fault, gpointer recorder)
{
  g_autofree char *label = g_strdup_printf ("meter %s: %s",
                                            bs_probe_fault_kind_to_string (fault->kind),
                                            fault->message);
  fprintf (stderr, "blendscope-cli: %s (the run continues)\n", label);
  bs_recorder_add_marker (recorder, fault->t_ns, label);
}

static void
push_events (const BsLayerEvent *events, int n, gpointer recorder)
{
  if (!bs_recorder_push_events (recorder, events, (gsize) n))
    g_atomic_int_set (&store_failed, TRUE);
}

/* Runs inferences, opts->batch per call (images are cycled), until the count or the
 * time is reached, SIGINT/SIGTERM (polled on @signals), a failed store, or an error. */
static BsRunStatus
run_inferences (BsBackend *backend, const BsImageBatch *batch, int n_logits, BsRecorder *recorder,
                const RecordOptions *opts, GMainContext *signals, int *n_done, GError **error)
{
  gsize image_size = (gsize) batch->shape.c * batch->shape.h * batch->shape.w;
  g_autofree int32_t *logits = g_new0 (int32_t, (gsize) opts->batch * n_logits);
  g_autofree uint8_t *stage = g_malloc ((gsize) opts->batch * image_size);
  int64_t deadline = opts->iterations > 0
                       ? G_MAXINT64 : bs_clock_now_ns () + (int64_t) (opts->duration_s * 1e9);

  for (*n_done = 0; opts->iterations == 0 || *n_done < opts->iterations;)
    {
      int n = opts->iterations > 0 ? MIN (opts->batch, opts->iterations - *n_done) : opts->batch;

      while (g_main_context_iteration (signals, FALSE))
        ;
      if (stop_signal != 0)
        return BS_RUN_ABORTED;
      if (g_atomic_int_get (&store_failed))
        return BS_RUN_FAILED;
      if (bs_clock_now_ns () >= deadline)
        break;
      for (int k = 0; k < n; k++)
        memcpy (stage + k * image_size,
                bs_image_batch_image (batch, (*n_done + k) % batch->n_images), image_size);
      if (!bs_backend_run (backend, stage, n, logits, push_events, recorder, error))
        return BS_RUN_FAILED;
      *n_done += n;
    }
  return BS_RUN_COMPLETE;
}

static int
record (const BsModel *model, const RecordOptions *opts, const char *command_line)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = NULL;
  g_autoptr (BsImageBatch) batch = NULL;
  g_autoptr (BsRecorder) recorder = NULL;
  g_autoptr (GArray) ops = NULL;
  g_autoptr (GArray) channels = NULL;
  BsProbe *probe;
  BsShape out = bs_model_output_shape (model);
  BsRunInfo info = { 0 };
  BsProbeSink sink = { push_samples, on_fault, NULL };
  BsRunStatus status;
  g_autofree char *device = NULL;
  int64_t run;
  int n_done = 0;
  int64_t n_events, n_samples;
  g_autoptr (GMainContext) signals = NULL;

  batch = opts->input ? bs_image_batch_load (opts->input, model->input_shape, &error)
                      : bs_image_batch_random (model->input_shape, 16, 1);
  if (batch == NULL || (plan = bs_plan_compile (model, &error)) == NULL
      || (backend = bs_backend_open (opts->backend, &error)) == NULL
      || !bs_backend_prepare (backend, plan, &error))
    return bs_cli_fail (error);
  probe = bs_probe_open (opts->probe, &error);
  if (probe == NULL)
    return bs_cli_fail (error);
  /* Past a file size limit (ulimit -f) the kernel kills a writer with SIGXFSZ, silently
   * and mid-commit; ignored, the write fails with EFBIG and is handled like a full disk. */
  signal (SIGXFSZ, SIG_IGN);
  recorder = bs_recorder_new (opts->db, &error);
  if (recorder == NULL)
    {
      bs_probe_close (probe);
      return bs_cli_fail (error);
    }

  ops = bs_cli_op_table (plan);
  channels = bs_cli_channel_table (probe);
  device = g_strdup_printf ("%s; probe %s (%s)%s", bs_backend_get_class (backend)->description,
                            bs_probe_get_spec (probe), bs_probe_get_label (probe),
                            bs_probe_is_simulated (probe) ? ", SIMULATED power" : "");
  info.backend = opts->backend;
  info.device = device;
  info.config = command_line;
  info.session = opts->session;
  info.notes = opts->notes;
  info.tags = (const char *const *) opts->tags;
  info.layers = (const BsRunLayer *) ops->data;
  info.n_layers = ops->len;
  info.channels = (const BsChannelInfo *) channels->data;
  info.n_channels = channels->len;
  /* From the moment the run exists until it is finished, a signal ends it cleanly. */
  signals = bs_cli_watch_stop_signals (&stop_signal);
  run = bs_recorder_begin_run (recorder, model, &info, &error);
  if (run < 0)
    {
      bs_probe_close (probe);
      return bs_cli_fail (error);
    }
  printf ("run %" G_GINT64_FORMAT ": recording %s on %s with %s%s\n", run, model->name,
          opts->backend, bs_probe_get_label (probe),
          bs_probe_is_simulated (probe) ? " (simulated power)" : "");

  sink.user_data = recorder;
  {
    /* A remote backend: the host's facts and the link's clock offset, kept with the run. */
    int64_t offset, rtt;
    const char *software, *cpu, *kernel;

    if (bs_ssh_backend_get_link (backend, &offset, &rtt, &software, &cpu, &kernel))
      {
        g_autofree char *text = g_strdup_printf (
          "remote: %s; agent %s on %s (%s); clock offset %+" G_GINT64_FORMAT " ns (agent minus"
          " host), uncertainty %" G_GINT64_FORMAT " ns (round trip)", opts->backend, software,
          cpu, kernel, offset, rtt);
        bs_recorder_add_marker (recorder, bs_clock_now_ns (), text);
      }
  }
  if (!bs_probe_start (probe, &sink, &error))
    {
      /* No power, but timing is still worth recording; say so in the run. */
      fprintf (stderr, "blendscope-cli: %s; recording timing only\n", error->message);
      bs_recorder_add_marker (recorder, bs_clock_now_ns (), error->message);
      g_clear_error (&error);
    }

  status = run_inferences (backend, batch, out.c * out.h * out.w, recorder, opts, signals,
                           &n_done, &error);
  bs_probe_stop (probe);
  bs_probe_close (probe);
  if (error != NULL)
    fprintf (stderr, "blendscope-cli: run %" G_GINT64_FORMAT " failed after %d inferences: %s\n",
             run, n_done, error->message);

  g_clear_error (&error);
  if (!bs_recorder_end_run (recorder, status, &error))
    {
      bs_recorder_get_committed (recorder, &n_events, &n_samples);
      fprintf (stderr, "blendscope-cli: recording stopped after %d inferences: %s\n"
               "blendscope-cli: run %" G_GINT64_FORMAT " keeps what was committed before: %"
               G_GINT64_FORMAT " layer events, %" G_GINT64_FORMAT " power samples\n",
               n_done, error->message, run, n_events, n_samples);
      return 1;
    }
  bs_recorder_get_committed (recorder, &n_events, &n_samples);
  printf ("run %" G_GINT64_FORMAT " %s: %d inferences, %" G_GINT64_FORMAT " layer events, %"
          G_GINT64_FORMAT " power samples\n\n", run, bs_run_status_to_string (status), n_done,
          n_events, n_samples);
  g_clear_pointer (&recorder, bs_recorder_free);
  if (bs_cli_print_run (opts->db, run) != 0 || status == BS_RUN_FAILED)
    return 1;
  /* A cut run exits as the shell reports a death by that signal (130, 143), so scripts
   * can tell it from a full one, yet its data is saved. */
  return status == BS_RUN_ABORTED ? 128 + stop_signal : 0;
}

int
bs_cli_record (int argc, char **argv)
{
  g_auto (RecordOptions) opts = { .batch = 1 };
  GOptionEntry entries[] = {
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &opts.backend, "Backend spec (cpu)", "SPEC" },
    { "probe", 'p', 0, G_OPTION_ARG_STRING, &opts.probe,
      "Power probe spec (an attached meter, else sigrok:demo)", "SPEC" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &opts.iterations, "Inferences to run", "N" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &opts.duration_s,
      "Seconds to run (3 unless --iterations)", "S" },
    { "session", 's', 0, G_OPTION_ARG_STRING, &opts.session, "Session to add the run to", "NAME" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &opts.db, "Session database (the XDG data folder)", "FILE" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &opts.input, "PNG or .npy input images", "FILE" },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &opts.notes, "Notes stored with the run", "TEXT" },
    { "tag", 't', 0, G_OPTION_ARG_STRING_ARRAY, &opts.tags, "A tag (repeatable)", "TAG" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &opts.batch,
      "Images in flight, one per thread (cpu backend; for throughput) (1)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL");
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = NULL;
  g_autofree char *command_line = g_strjoinv (" ", argv);

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Run a model and record per-layer timing and power.");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 || opts.iterations < 0 || opts.duration_s < 0
      || (opts.iterations > 0 && opts.duration_s > 0) || opts.batch < 1 || opts.batch > 256)
    {
      fprintf (stderr, "blendscope-cli record: expected one MODEL, at most one of "
                       "--iterations N or --duration S, and --batch 1 to 256\n");
      return 2;
    }
  if (opts.iterations == 0 && opts.duration_s == 0)
    opts.duration_s = 3.0;
  if (opts.backend == NULL)
    opts.backend = g_strdup ("cpu");
  if (opts.batch > 1)
    {
      char *spec = bs_cli_batch_spec (opts.backend, opts.batch, &error);

      if (spec == NULL)
        return bs_cli_fail (error);
      g_free (opts.backend);
      opts.backend = spec;
    }
  if (opts.probe == NULL)
    opts.probe = bs_probe_pick_default ();
  if (opts.db == NULL)
    opts.db = bs_cli_default_db ();

  model = bs_model_load (argv[1], &error);
  return model == NULL ? bs_cli_fail (error) : record (model, &opts, command_line);
}
