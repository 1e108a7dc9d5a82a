/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-eval.c: `blendscope-cli eval MODEL`: accuracy on labelled images (top-1, top-5,
 * per class, confusion matrix). The use case itself is accel/bs-evaluate.c, recorded as
 * a run by sessions/bs-evaluation-run.c; this file parses options and prints. */
#include "bs-cli.h"
#include "bs-clock.h"
#include "bs-dataset.h"
#include "bs-evaluation-run.h"
#include "bs-evaluations.h"
#include "bs-float-model.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Progress is printed once an evaluation has run this long, then this often. */
#define PROGRESS_INTERVAL_NS (G_GINT64_CONSTANT (1000000000))

typedef struct
{
  char *dataset;
  char *images;
  char *labels;
  char *backend;
  char *checkpoint;
  char *session;
  char *db;
  char *probe;
  int limit;
  gboolean json;
} EvalOptions;

/* Options GOptionContext filled; freed on every return path. */
static void
eval_options_clear (EvalOptions *opts)
{
  g_free (opts->dataset);
  g_free (opts->images);
  g_free (opts->labels);
  g_free (opts->backend);
  g_free (opts->checkpoint);
  g_free (opts->session);
  g_free (opts->db);
  g_free (opts->probe);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EvalOptions, eval_options_clear)

typedef struct
{
  GMainContext *signals;
  int stop_signal;
  int64_t started_ns;
  int64_t last_print_ns;
  gboolean printed;
  const EvalOptions *opts;
} Progress;

static void
on_message (const char *text, gpointer user_data)
{
  fprintf (stderr, "blendscope-cli: %s\n", text);
}

static void
on_phase (BsRunJobPhase phase, int64_t run, gpointer user_data)
{
  Progress *p = user_data;

  fprintf (stderr, "eval: recording run %" G_GINT64_FORMAT " in session '%s' (%s)\n", run,
           p->opts->session, p->opts->db);
}

static gboolean
on_progress (int done, int total, gpointer user_data)
{
  Progress *p = user_data;
  int64_t now = bs_clock_now_ns ();

  while (g_main_context_iteration (p->signals, FALSE))
    ;
  if (p->stop_signal != 0)
    return FALSE;
  if (now - p->started_ns >= PROGRESS_INTERVAL_NS && now - p->last_print_ns >= PROGRESS_INTERVAL_NS)
    {
      fprintf (stderr, "eval: %d / %d images%s", done, total, isatty (2) ? "\r" : "\n");
      p->last_print_ns = now;
      p->printed = TRUE;
    }
  return TRUE;
}

/* The float PyTorch model of --checkpoint on the same images. */
typedef struct
{
  const char *checkpoint;    /* NULL: not compared */
  int agree;                 /* images where its class is the integer model's */
  int correct;               /* images where its class is the label */
} FloatComparison;

static gboolean
compare_with_float (const char *checkpoint, const char *model_path, const BsDataset *set,
                    const BsEvaluation *eval, FloatComparison *cmp, GError **error)
{
  int n = eval->accuracy->n_images;
  g_autofree int32_t *predicted = NULL;

  fprintf (stderr, "eval: running the float model of %s in PyTorch on %d images\n", checkpoint, n);
  predicted = bs_float_model_predict (checkpoint, model_path, set->images, n, NULL, error);
  if (predicted == NULL)
    return FALSE;
  cmp->checkpoint = checkpoint;
  for (int i = 0; i < n; i++)
    {
      cmp->agree += predicted[i] == eval->predictions[i];
      cmp->correct += predicted[i] == set->labels[i];
    }
  return TRUE;
}

static const char *
class_name (const BsModel *model, int k, char *buf, gsize len)
{
  if (model->labels != NULL && k < (int) g_strv_length (model->labels))
    return model->labels[k];
  g_snprintf (buf, len, "class %d", k);
  return buf;
}

static double
percent (int part, int whole)
{
  return whole > 0 ? 100.0 * part / whole : 0.0;
}

static void
print_per_class (const BsModel *model, const BsAccuracy *acc)
{
  printf ("\nper class:\n%3s  %-20s %8s %8s %9s\n", "#", "class", "images", "correct", "accuracy");
  for (int c = 0; c < acc->n_classes; c++)
    {
      char buf[32];
      int total = bs_accuracy_class_total (acc, c);

      if (total == 0)
        printf ("%3d  %-20s %8d %8s %9s\n", c, class_name (model, c, buf, sizeof buf), 0, "-", "-");
      else
        printf ("%3d  %-20s %8d %8d %8.2f%%\n", c, class_name (model, c, buf, sizeof buf), total,
                bs_accuracy_class_hits (acc, c), percent (bs_accuracy_class_hits (acc, c), total));
    }
}

static void
print_confusion (const BsModel *model, const BsAccuracy *acc)
{
  printf ("\nconfusion matrix (rows: label, columns: predicted class #):\n%-24s", "");
  for (int p = 0; p < acc->n_classes; p++)
    printf (" %6d", p);
  printf ("\n");
  for (int c = 0; c < acc->n_classes; c++)
    {
      char buf[32];

      printf ("%3d  %-19.19s", c, class_name (model, c, buf, sizeof buf));
      for (int p = 0; p < acc->n_classes; p++)
        printf (" %6d", acc->confusion[(gsize) c * acc->n_classes + p]);
      printf ("\n");
    }
}

static void
print_text (const BsModel *model, const BsEvaluation *eval, const FloatComparison *cmp)
{
  const BsAccuracy *acc = eval->accuracy;

  printf ("eval %s on %s (%s)\n", model->name, eval->backend, eval->backend_description);
  printf ("data: %s, %d images\n", eval->dataset, acc->n_images);
  printf ("top-1: %.2f%% (%d / %d)\n", percent (acc->top1_hits, acc->n_images), acc->top1_hits,
          acc->n_images);
  printf ("top-%d: %.2f%% (%d / %d)\n", BS_ACCURACY_TOP_K, percent (acc->top5_hits, acc->n_images),
          acc->top5_hits, acc->n_images);
  printf ("time: %.3f s for %d images (host clock, chunks of images, not a latency figure)\n",
          eval->wall_ns / 1e9, acc->n_images);
  if (cmp->checkpoint != NULL)
    {
      printf ("integer vs float model: %.2f%% agree (%d / %d; float: %s in PyTorch)\n",
              percent (cmp->agree, acc->n_images), cmp->agree, acc->n_images, cmp->checkpoint);
      printf ("float model top-1: %.2f%% (%d / %d)\n", percent (cmp->correct, acc->n_images),
              cmp->correct, acc->n_images);
    }
  print_per_class (model, acc);
  print_confusion (model, acc);
}

static void
add_int (JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
add_double (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_double_value (b, v);
}

static void
add_string (JsonBuilder *b, const char *key, const char *v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, v);
}

static void
add_per_class (JsonBuilder *b, const BsModel *model, const BsAccuracy *acc)
{
  json_builder_set_member_name (b, "per_class");
  json_builder_begin_array (b);
  for (int c = 0; c < acc->n_classes; c++)
    {
      char buf[32];
      int total = bs_accuracy_class_total (acc, c);

      json_builder_begin_object (b);
      add_string (b, "label", class_name (model, c, buf, sizeof buf));
      add_int (b, "images", total);
      add_int (b, "correct", bs_accuracy_class_hits (acc, c));
      json_builder_set_member_name (b, "accuracy");
      if (total > 0)
        json_builder_add_double_value (b, (double) bs_accuracy_class_hits (acc, c) / total);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_confusion (JsonBuilder *b, const BsAccuracy *acc)
{
  json_builder_set_member_name (b, "confusion");
  json_builder_begin_array (b);
  for (int c = 0; c < acc->n_classes; c++)
    {
      json_builder_begin_array (b);
      for (int p = 0; p < acc->n_classes; p++)
        json_builder_add_int_value (b, acc->confusion[(gsize) c * acc->n_classes + p]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

/* Through json-glib, whose numbers do not follow LC_NUMERIC. */
static void
add_float_comparison (JsonBuilder *b, const FloatComparison *cmp, int n_images)
{
  json_builder_set_member_name (b, "float_model");
  if (cmp->checkpoint == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  add_string (b, "checkpoint", cmp->checkpoint);
  add_int (b, "agree", cmp->agree);
  add_double (b, "agreement", n_images > 0 ? (double) cmp->agree / n_images : 0.0);
  add_int (b, "top1_correct", cmp->correct);
  add_double (b, "top1", n_images > 0 ? (double) cmp->correct / n_images : 0.0);
  json_builder_end_object (b);
}

static void
print_json (const BsModel *model, const BsEvaluation *eval, const FloatComparison *cmp)
{
  const BsAccuracy *acc = eval->accuracy;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  add_string (b, "model", model->name);
  add_string (b, "backend", eval->backend);
  add_string (b, "dataset", eval->dataset);
  add_int (b, "images", acc->n_images);
  add_int (b, "top1_correct", acc->top1_hits);
  add_int (b, "top5_correct", acc->top5_hits);
  add_double (b, "top1", bs_accuracy_top1 (acc));
  add_double (b, "top5", bs_accuracy_top5 (acc));
  add_double (b, "wall_s_host_clock", eval->wall_ns / 1e9);
  add_per_class (b, model, acc);
  add_confusion (b, acc);
  add_float_comparison (b, cmp, acc->n_images);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

static BsDataset *
load_dataset (const EvalOptions *opts, BsShape expected, GError **error)
{
  if (opts->dataset != NULL)
    {
      if (g_strcmp0 (opts->dataset, "fashion-mnist") != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "unknown data set '%s' (known: fashion-mnist)", opts->dataset);
          return NULL;
        }
      /* BS_FASHION_MNIST_DIR: the IDX files elsewhere than Debian puts them (tests). */
      return bs_dataset_load_fashion_mnist (g_getenv ("BS_FASHION_MNIST_DIR"), expected, error);
    }
  return bs_dataset_load_npy (opts->images, opts->labels, expected, error);
}

static BsRunEvaluation *
run_evaluation (const BsEvaluation *eval, const FloatComparison *cmp)
{
  BsRunEvaluation *e = g_new0 (BsRunEvaluation, 1);

  e->dataset = g_strdup (eval->dataset);
  e->engine = g_strdup (eval->backend);
  e->n_images = eval->accuracy->n_images;
  e->top1_correct = eval->accuracy->top1_hits;
  e->top5_correct = eval->accuracy->top5_hits;
  e->float_checkpoint = g_strdup (cmp->checkpoint);
  e->float_agree = cmp->checkpoint != NULL ? cmp->agree : -1;
  return e;
}

/* The accuracy, stored with the recorded run (complete once every image ran, even if
 * the float model then failed: the accuracy stands without it). */
static gboolean
store_accuracy (const EvalOptions *opts, int64_t run, const BsEvaluation *eval,
                const FloatComparison *cmp, GError **error)
{
  g_autoptr (BsStore) store = bs_store_open (opts->db, BS_STORE_OPEN_DURABLE, error);
  g_autoptr (BsRunEvaluation) stored = NULL;

  stored = run_evaluation (eval, cmp);
  return store != NULL && bs_store_set_run_evaluation (store, run, stored, error);
}

static void
settings_from_options (const EvalOptions *opts, const BsDataset *set, BsRunSettings *settings)
{
  *settings = (BsRunSettings) {
    .backend = opts->backend,
    .probe = opts->probe,
    .input = opts->images,
    .dataset = set->name,
    .db_path = opts->session != NULL ? opts->db : NULL,
    .session = opts->session,
    .n_inferences = opts->limit > 0 ? MIN (opts->limit, set->images->n_images)
                                     : set->images->n_images,
  };
}

static int
evaluate_and_report (const BsModel *model, const char *model_path, const EvalOptions *opts,
                     const BsDataset *set, Progress *progress, FloatComparison *cmp)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) store_error = NULL;
  g_autoptr (BsEvaluation) eval = NULL;
  BsRunSettings settings;
  BsRunJobObserver observer = { .message = on_message, .phase = on_phase, .user_data = progress };
  int64_t run;

  settings_from_options (opts, set, &settings);
  eval = bs_evaluation_run (model, set, &settings, opts->limit, on_progress, &observer, &run,
                            &store_error, &error);
  if (progress->printed && isatty (2))
    fprintf (stderr, "\n");
  if (eval != NULL && opts->checkpoint != NULL)
    compare_with_float (opts->checkpoint, model_path, set, eval, cmp, &error);
  if (run >= 0 && eval != NULL && store_error == NULL)
    store_accuracy (opts, run, eval, cmp, &store_error);
  if (store_error != NULL)
    fprintf (stderr, "blendscope-cli: run %" G_GINT64_FORMAT ": %s\n", run,
             store_error->message);
  if (error != NULL)
    {
      bs_cli_fail (error);
      return progress->stop_signal != 0 ? 128 + progress->stop_signal : 1;
    }
  if (opts->json)
    print_json (model, eval, cmp);
  else
    print_text (model, eval, cmp);
  if (run >= 0 && store_error == NULL)
    printf ("\nrecorded as run %" G_GINT64_FORMAT " in session '%s' (%s)\n", run,
            opts->session, opts->db);
  return store_error != NULL ? 1 : 0;
}

static int
evaluate (const BsModel *model, const char *model_path, const EvalOptions *opts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsDataset) set = load_dataset (opts, model->input_shape, &error);
  g_autoptr (GMainContext) signals = NULL;
  Progress progress = { 0 };
  FloatComparison cmp = { 0 };

  if (set == NULL)
    return bs_cli_fail (error);
  /* Before minutes of evaluation, not after. */
  if (opts->checkpoint != NULL && !g_file_test (opts->checkpoint, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *display = g_filename_display_name (opts->checkpoint);
      fprintf (stderr, "blendscope-cli: --checkpoint %s: no such file\n", display);
      return 1;
    }
  signals = bs_cli_watch_stop_signals (&progress.stop_signal);
  progress.signals = signals;
  progress.started_ns = bs_clock_now_ns ();
  progress.opts = opts;
  return evaluate_and_report (model, model_path, opts, set, &progress, &cmp);
}

static gboolean
check_options (int argc, const EvalOptions *opts)
{
  const char *problem = NULL;

  if (argc != 2)
    problem = "expected one MODEL file";
  else if ((opts->dataset != NULL) == (opts->images != NULL || opts->labels != NULL))
    problem = "give either --dataset or --images with --labels";
  else if (opts->dataset == NULL && (opts->images == NULL || opts->labels == NULL))
    problem = "--images and --labels go together";
  else if (opts->limit < 0)
    problem = "--limit must be ≥ 0";
  else if (opts->probe != NULL && opts->session == NULL)
    problem = "--probe records power with the run: give --session too";
  if (problem != NULL)
    fprintf (stderr, "blendscope-cli eval: %s\n", problem);
  return problem == NULL;
}

int
bs_cli_eval (int argc, char **argv)
{
  g_auto (EvalOptions) opts = { 0 };
  GOptionEntry entries[] = {
    { "dataset", 'd', 0, G_OPTION_ARG_STRING, &opts.dataset,
      "A known data set: fashion-mnist (its 10 000 test images, Debian's dataset-fashion-mnist)",
      "NAME" },
    { "images", 'i', 0, G_OPTION_ARG_FILENAME, &opts.images,
      ".npy uint8 images (N,C,H,W), or (N,H,W) for a 1-channel model", "FILE" },
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &opts.labels,
      ".npy labels (N,) of uint8, int32 or int64", "FILE" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &opts.backend,
      "Backend and options, e.g. cpu, cpu:isa=avx2, csim, xrt:device=0,xclbin=F (cpu)", "SPEC" },
    { "checkpoint", 'c', 0, G_OPTION_ARG_FILENAME, &opts.checkpoint,
      "The float PyTorch checkpoint the model was exported from: report how often the two "
      "agree (runs python3 -m blendtorch.predict; needs python3-torch)", "FILE.pt" },
    { "session", 's', 0, G_OPTION_ARG_STRING, &opts.session,
      "Record the evaluation as a run of this session (created if new): its per-layer "
      "timing and the accuracy", "NAME" },
    { "probe", 'p', 0, G_OPTION_ARG_STRING, &opts.probe,
      "With --session: a power probe sampling while the images run (energy per image), "
      "e.g. synthetic, rapl, sigrok:demo", "SPEC" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &opts.db,
      "Session database for --session ($XDG_DATA_HOME/blendscope/blendscope.db)", "FILE" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &opts.limit, "Evaluate the first N images only", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts.json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL");
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Measure a model's accuracy on labelled images: top-1, "
                                         "top-5, per class and the confusion matrix.");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (!check_options (argc, &opts))
    return 2;
  model = bs_model_load (argv[1], &error);
  if (model == NULL)
    return bs_cli_fail (error);
  if (opts.backend == NULL)
    opts.backend = g_strdup ("cpu");
  if (opts.db == NULL)
    opts.db = bs_cli_default_db ();
  return evaluate (model, argv[1], &opts);
}
