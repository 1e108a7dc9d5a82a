/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-record.c: `blendscope-cli record MODEL`: run on a backend while a probe samples
 * power, and record both to the session database as they happen; with several --backend,
 * on all of them at once (a lab: sessions/bs-lab-run.c). The run itself is
 * sessions/bs-run-job.c; this file parses options and prints. */
#include "bs-cli.h"
#include "bs-image.h"
#include "bs-lab-run.h"
#include "bs-model.h"
#include "bs-plan.h"
#include "bs-probe.h"
#include "bs-run-job.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  char **backends;             /* --backend, repeatable; at least one once parsed */
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
  g_strfreev (opts->backends);
  g_free (opts->probe);
  g_free (opts->session);
  g_free (opts->db);
  g_free (opts->input);
  g_free (opts->notes);
  g_strfreev (opts->tags);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RecordOptions, record_options_clear)

/* Without --input: this many seeded random images, named so in the run's config. */
#define RANDOM_IMAGES 16
#define RANDOM_SEED 1
#define RANDOM_INPUT "16 random images (seed 1)"
G_STATIC_ASSERT (RANDOM_IMAGES == 16 && RANDOM_SEED == 1);

/* The signal (SIGINT, SIGTERM) that cut the run short; 0 while none has. */
static int stop_signal;

typedef struct
{
  GMainContext *signals;
  GCancellable *cancellable;
  const char *model;
  const char *backend;
  char *power;                 /* the probe's label, once open */
} Watch;

/* Between backend calls: a signal ends the run cleanly (the job sees the cancellable). */
static void
on_inferred (int first, int n, const int32_t *logits, gpointer user_data)
{
  Watch *watch = user_data;

  while (g_main_context_iteration (watch->signals, FALSE))
    ;
  if (stop_signal != 0)
    g_cancellable_cancel (watch->cancellable);
}

static void
on_message (const char *text, gpointer user_data)
{
  fprintf (stderr, "blendscope-cli: %s\n", text);
}

static void
on_power (const char *label, gboolean simulated, gpointer user_data)
{
  Watch *watch = user_data;

  watch->power = g_strdup_printf ("%s%s", label, simulated ? " (simulated power)" : "");
}

static void
on_phase (BsRunJobPhase phase, int64_t run, gpointer user_data)
{
  Watch *watch = user_data;

  if (phase == BS_RUN_JOB_RUNNING)
    printf ("run %" G_GINT64_FORMAT ": recording %s on %s with %s\n", run, watch->model,
            watch->backend, watch->power != NULL ? watch->power : "no power probe");
}

static void
settings_from_options (const RecordOptions *opts, BsRunSettings *settings)
{
  *settings = (BsRunSettings) {
    .backend = opts->backends[0],
    .probe = opts->probe,
    .input = opts->input != NULL ? opts->input : RANDOM_INPUT,
    .db_path = opts->db,
    .session = opts->session,
    .notes = opts->notes,
    .tags = (const char *const *) opts->tags,
    .n_inferences = opts->iterations,
    .duration_s = opts->iterations > 0 ? 0 : opts->duration_s,
    .batch = opts->batch,
  };
}

/* What the job left: a failed store (say what is kept), a failed run, or the run. */
static int
report (const RecordOptions *opts, const BsRunJobResult *result, const GError *error)
{
  if (error != NULL && !result->started)
    return bs_cli_fail (error);
  if (error != NULL)
    fprintf (stderr, "blendscope-cli: run %" G_GINT64_FORMAT " failed: %s\n", result->run_id,
             error->message);
  if (result->store_error != NULL)
    {
      fprintf (stderr, "blendscope-cli: recording stopped after %" G_GINT64_FORMAT
               " inferences: %s\nblendscope-cli: run %" G_GINT64_FORMAT " keeps what was "
               "committed before: %" G_GINT64_FORMAT " layer events, %" G_GINT64_FORMAT
               " power samples\n", result->n_inferences, result->store_error->message,
               result->run_id, result->n_events, result->n_samples);
      return 1;
    }
  printf ("run %" G_GINT64_FORMAT " %s: %" G_GINT64_FORMAT " inferences, %" G_GINT64_FORMAT
          " layer events, %" G_GINT64_FORMAT " power samples\n\n", result->run_id,
          bs_run_status_to_string (result->status), result->n_inferences, result->n_events,
          result->n_samples);
  if (bs_cli_print_run (opts->db, result->run_id) != 0 || result->status == BS_RUN_FAILED)
    return 1;
  /* A cut run exits as the shell reports a death by that signal (130, 143), so scripts
   * can tell it from a full one, yet its data is saved. */
  return result->status == BS_RUN_ABORTED ? 128 + stop_signal : 0;
}

/* Several backends at once: the main thread watches for signals while the jobs run. */
typedef struct
{
  const BsModel *model;
  const BsImageBatch *images;
  const BsRunSettings *settings;
  const char *const *backends;
  GCancellable *cancellable;
  GPtrArray *runs;
  gint done;                   /* atomic */
} Lab;

static gpointer
lab_main (gpointer data)
{
  Lab *lab = data;
  static const BsRunJobObserver observer = { .message = on_message };

  lab->runs = bs_lab_run (lab->model, lab->images, lab->settings, lab->backends, &observer,
                          lab->cancellable);
  g_atomic_int_set (&lab->done, TRUE);
  return NULL;
}

static int
record_lab (const BsModel *model, const BsImageBatch *images, const RecordOptions *opts,
            const BsRunSettings *settings, GMainContext *signals, GCancellable *cancellable)
{
  Lab lab = { model, images, settings, (const char *const *) opts->backends, cancellable };
  GThread *thread;
  int code = 0;

  printf ("recording %s on %u backends at once (power from %s on the first only)\n",
          model->name, g_strv_length (opts->backends),
          settings->probe != NULL ? settings->probe : "no probe");
  thread = g_thread_new ("bs-lab", lab_main, &lab);
  while (!g_atomic_int_get (&lab.done))
    {
      while (g_main_context_iteration (signals, FALSE))
        ;
      if (stop_signal != 0)
        g_cancellable_cancel (cancellable);
      g_usleep (20000);
    }
  g_thread_join (thread);
  for (guint i = 0; i < lab.runs->len; i++)
    {
      const BsLabRun *run = g_ptr_array_index (lab.runs, i);

      int run_code;

      printf ("\n==== %s\n", run->backend);
      run_code = report (opts, &run->result, run->error);
      code = MAX (code, run_code);
    }
  g_ptr_array_unref (lab.runs);
  return code;
}

static int
record (const BsModel *model, const RecordOptions *opts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsImageBatch) batch = NULL;
  g_autoptr (GMainContext) signals = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  BsRunSettings settings;
  Watch watch = { NULL, cancellable, model->name, opts->backends[0], NULL };
  BsRunJobObserver observer = {
    .message = on_message, .power = on_power, .phase = on_phase, .inferred = on_inferred,
    .user_data = &watch,
  };
  BsRunJobResult result;
  int code;

  batch = opts->input ? bs_image_batch_load (opts->input, model->input_shape, &error)
                      : bs_image_batch_random (model->input_shape, RANDOM_IMAGES, RANDOM_SEED);
  if (batch == NULL || (plan = bs_plan_compile (model, &error)) == NULL)
    return bs_cli_fail (error);
  settings_from_options (opts, &settings);
  /* Past a file size limit (ulimit -f) the kernel kills a writer with SIGXFSZ, silently
   * and mid-commit; ignored, the write fails with EFBIG and is handled like a full disk. */
  signal (SIGXFSZ, SIG_IGN);
  /* From the start until the run is finished, a signal ends it cleanly. */
  signals = bs_cli_watch_stop_signals (&stop_signal);
  watch.signals = signals;
  if (opts->backends[1] != NULL)
    return record_lab (model, batch, opts, &settings, signals, cancellable);
  bs_run_job_run (model, plan, batch, &settings, &observer, cancellable, &result, &error);
  code = report (opts, &result, error);
  bs_run_job_result_clear (&result);
  g_free (watch.power);
  return code;
}

int
bs_cli_record (int argc, char **argv)
{
  g_auto (RecordOptions) opts = { .batch = 1 };
  GOptionEntry entries[] = {
    { "backend", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &opts.backends,
      "Backend spec (cpu); repeated: all at once, one run each", "SPEC" },
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
  if (opts.backends == NULL)
    opts.backends = g_strdupv ((char *[]) { "cpu", NULL });
  for (char **b = opts.backends; opts.batch > 1 && *b != NULL; b++)
    {
      char *spec = bs_cli_batch_spec (*b, opts.batch, &error);

      if (spec == NULL)
        return bs_cli_fail (error);
      g_free (*b);
      *b = spec;
    }
  if (opts.probe == NULL)
    opts.probe = bs_probe_pick_default ();
  if (opts.db == NULL)
    opts.db = bs_cli_default_db ();

  model = bs_model_load (argv[1], &error);
  return model == NULL ? bs_cli_fail (error) : record (model, &opts);
}
