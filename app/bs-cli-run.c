/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-run.c: `blendscope-cli run MODEL`: inferences, top classes, per-layer timings. */
#include "bs-backend.h"
#include "bs-cli.h"
#include "bs-image.h"
#include "bs-interp.h"
#include "bs-model.h"
#include "bs-npy.h"
#include "bs-plan.h"

#include <stdio.h>
#include <stdlib.h>

#define N_IMAGES_SHOWN 8

typedef struct
{
  char *input;
  char *logits_out;
  int iterations;
  int top;
  int seed;
  gboolean reference;
  char *backend;
  int batch;
} RunOptions;

/* Options GOptionContext filled; freed on every return path. */
static void
run_options_clear (RunOptions *opts)
{
  g_free (opts->input);
  g_free (opts->logits_out);
  g_free (opts->backend);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunOptions, run_options_clear)

/* Durations of every row (a model layer, or a backend's plan op, which may fuse several
 * layers) in every inference: ns[inference * n_rows + row]. */
typedef struct
{
  int n_rows;
  int n_inferences;
  int64_t *ns;
  const char *clock;                 /* "host", "device", "modelled" */
  int64_t wall_ns;                   /* host clock around all inferences; 0: not measured */
  int batch;                         /* images per run call */
  const char *(*row_name) (gconstpointer source, int row);
  const char *(*row_kind) (gconstpointer source, int row);
  const char *(*row_precision) (gconstpointer source, int row);
  gconstpointer source;
} Timings;

static int
compare_i64 (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return (x > y) - (x < y);
}

static int64_t
median_of_column (const Timings *t, int layer, int64_t *scratch)
{
  for (int i = 0; i < t->n_inferences; i++)
    scratch[i] = t->ns[(gsize) i * t->n_rows + layer];
  qsort (scratch, t->n_inferences, sizeof (int64_t), compare_i64);
  return scratch[t->n_inferences / 2];
}

static void
print_timings (const Timings *t)
{
  g_autofree int64_t *scratch = g_new (int64_t, t->n_inferences);
  g_autofree int64_t *median = g_new0 (int64_t, t->n_rows);
  g_autofree int64_t *totals = g_new0 (int64_t, t->n_inferences);
  int64_t sum_of_medians = 0;

  for (int r = 0; r < t->n_rows; r++)
    {
      median[r] = median_of_column (t, r, scratch);
      sum_of_medians += median[r];
    }
  printf ("\nper-layer time (%s clock), median of %d inferences:\n", t->clock, t->n_inferences);
  printf ("%3s  %-28s %-15s %-7s %12s %7s\n", "#", "layer", "kind", "prec", "median us", "share");
  for (int r = 0; r < t->n_rows; r++)
    printf ("%3d  %-28s %-15s %-7s %12.2f %6.1f%%\n", r, t->row_name (t->source, r),
            t->row_kind (t->source, r), t->row_precision (t->source, r), median[r] / 1e3,
            sum_of_medians ? 100.0 * median[r] / sum_of_medians : 0.0);
  for (int i = 0; i < t->n_inferences; i++)
    for (int r = 0; r < t->n_rows; r++)
      totals[i] += t->ns[(gsize) i * t->n_rows + r];
  qsort (totals, t->n_inferences, sizeof (int64_t), compare_i64);
  printf ("per inference: median %.3f ms, min %.3f ms, max %.3f ms\n",
          totals[t->n_inferences / 2] / 1e6, totals[0] / 1e6, totals[t->n_inferences - 1] / 1e6);
  if (t->wall_ns > 0)
    printf ("throughput: %.1f images/s (host clock around %d inferences, batch %d)\n",
            t->n_inferences / (t->wall_ns / 1e9), t->n_inferences, t->batch);
}

static const char *
layer_name (gconstpointer model, int row)
{
  return bs_model_layer (model, row)->name;
}

static const char *
layer_kind (gconstpointer model, int row)
{
  return bs_layer_kind_to_string (bs_model_layer (model, row)->kind);
}

static const char *
layer_precision (gconstpointer model, int row)
{
  return bs_precision_to_string (bs_model_layer (model, row)->precision);
}

static const char *
op_name (gconstpointer plan, int row)
{
  return bs_plan_op_name (plan, row);
}

static const char *
op_kind (gconstpointer plan, int row)
{
  return bs_plan_op_kind_to_string (((const BsPlan *) plan)->ops[row].kind);
}

static const char *
op_precision (gconstpointer plan, int row)
{
  const BsPlan *p = plan;
  return bs_precision_to_string (bs_model_layer (p->model, p->ops[row].primary)->precision);
}

static const char *
label_of (const BsModel *model, int k, char *buf, gsize len)
{
  if (model->labels != NULL && k < (int) g_strv_length (model->labels))
    return model->labels[k];
  g_snprintf (buf, len, "class %d", k);
  return buf;
}

static void
print_top (const BsModel *model, int image, const int32_t *logits, int n_logits, int top)
{
  g_autofree gboolean *taken = g_new0 (gboolean, n_logits);

  printf ("image %d:", image);
  for (int t = 0; t < MIN (top, n_logits); t++)
    {
      int best = -1;
      char buf[32];

      for (int k = 0; k < n_logits; k++)
        if (!taken[k] && (best < 0 || logits[k] > logits[best]))
          best = k;
      taken[best] = TRUE;
      printf ("%s %s (%d)", t ? "," : "", label_of (model, best, buf, sizeof buf), logits[best]);
    }
  printf ("\n");
}

static gboolean
write_logits (const char *path, const int32_t *logits, int n_images, int n_logits,
              GError **error)
{
  int64_t dims[2] = { n_images, n_logits };
  return bs_npy_write (path, BS_NPY_I32, 2, dims, logits, error);
}

static void
print_results (const BsModel *model, const BsImageBatch *batch, const int32_t *logits,
               int n_logits, const RunOptions *opts, const Timings *t)
{
  for (int i = 0; i < MIN (batch->n_images, N_IMAGES_SHOWN); i++)
    print_top (model, i, logits + (gsize) i * n_logits, n_logits, opts->top);
  if (batch->n_images > N_IMAGES_SHOWN)
    printf ("... and %d more images\n", batch->n_images - N_IMAGES_SHOWN);
  print_timings (t);
}

static void
run_reference (const BsModel *model, const BsImageBatch *batch, int32_t *logits, int n_logits,
               Timings *t)
{
  g_autofree int32_t *scratch_logits = g_new0 (int32_t, n_logits);
  BsInterp *interp = bs_interp_new (model);

  t->n_rows = bs_model_n_layers (model);
  t->ns = g_new0 (int64_t, (gsize) t->n_inferences * t->n_rows);
  t->clock = "host";
  t->row_name = layer_name;
  t->row_kind = layer_kind;
  t->row_precision = layer_precision;
  t->source = model;
  for (int i = 0; i < t->n_inferences; i++)
    {
      int image = i % batch->n_images;
      int32_t *dest = i < batch->n_images ? logits + (gsize) image * n_logits : scratch_logits;
      bs_interp_run (interp, bs_image_batch_image (batch, image), dest,
                     t->ns + (gsize) i * t->n_rows);
    }
  bs_interp_free (interp);
}

typedef struct
{
  Timings *t;
  int inference;
} EventSink;

/* Runs on the backend's thread between inferences: copy durations, nothing more. */
static void
collect_events (const BsLayerEvent *events, int n_events, gpointer user_data)
{
  EventSink *sink = user_data;
  int64_t *row = sink->t->ns + (gsize) sink->inference * sink->t->n_rows;

  for (int e = 0; e < n_events; e++)
    row[events[e].op] = events[e].t_end_ns - events[e].t_start_ns;
  if (n_events > 0)
    sink->t->clock = bs_clock_source_to_string (events[0].clock);
  sink->inference++;
}

/* Copies the images of inferences [first, first + n) (images are cycled) into stage. */
static void
stage_images (const BsImageBatch *batch, int first, int n, uint8_t *stage)
{
  gsize size = (gsize) batch->shape.c * batch->shape.h * batch->shape.w;

  for (int k = 0; k < n; k++)
    memcpy (stage + k * size, bs_image_batch_image (batch, (first + k) % batch->n_images), size);
}

static gboolean
run_backend (const BsModel *model, const BsImageBatch *batch, const RunOptions *opts,
             int32_t *logits, int n_logits, Timings *t, BsPlan **plan_out, GError **error)
{
  g_autoptr (BsBackend) backend = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autofree char *spec = bs_cli_batch_spec (opts->backend, opts->batch, error);
  gsize image_size = (gsize) batch->shape.c * batch->shape.h * batch->shape.w;
  g_autofree uint8_t *stage = g_malloc ((gsize) opts->batch * image_size);
  g_autofree int32_t *stage_logits = g_new0 (int32_t, (gsize) opts->batch * n_logits);
  EventSink sink = { t, 0 };
  int64_t t0;

  if (spec == NULL || (plan = bs_plan_compile (model, error)) == NULL)
    return FALSE;
  backend = bs_backend_open (spec, error);
  if (backend == NULL || !bs_backend_prepare (backend, plan, error))
    return FALSE;

  t->n_rows = plan->n_ops;
  t->ns = g_new0 (int64_t, (gsize) t->n_inferences * t->n_rows);
  t->clock = "host";
  t->row_name = op_name;
  t->row_kind = op_kind;
  t->row_precision = op_precision;
  t->source = plan;
  /* Batch 1 is a latency measurement: one image per run call. A batch of N hands the
   * backend N images per call, for throughput. */
  t0 = bs_clock_now_ns ();
  for (int i = 0; i < t->n_inferences; i += opts->batch)
    {
      int n = MIN (opts->batch, t->n_inferences - i);

      stage_images (batch, i, n, stage);
      if (!bs_backend_run (backend, stage, n, stage_logits, collect_events, &sink, error))
        return FALSE;
      for (int k = 0; k < n && i + k < batch->n_images; k++)
        memcpy (logits + (gsize) (i + k) * n_logits, stage_logits + (gsize) k * n_logits,
                n_logits * sizeof (int32_t));
    }
  t->wall_ns = bs_clock_now_ns () - t0;
  t->batch = opts->batch;
  printf ("backend: %s (%s)\n", spec, bs_backend_get_class (backend)->description);
  *plan_out = g_steal_pointer (&plan);
  return TRUE;
}

static int
run_model (const BsModel *model, const BsImageBatch *batch, const RunOptions *opts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsPlan) plan = NULL;
  BsShape out = bs_model_output_shape (model);
  int n_logits = out.c * out.h * out.w;
  g_autofree int32_t *logits = g_new0 (int32_t, (gsize) batch->n_images * n_logits);
  Timings t = { .n_inferences = MAX (opts->iterations, batch->n_images) };

  if (opts->reference)
    {
      printf ("engine: reference interpreter (scalar, the oracle)\n");
      run_reference (model, batch, logits, n_logits, &t);
    }
  else if (!run_backend (model, batch, opts, logits, n_logits, &t, &plan, &error))
    {
      g_free (t.ns);
      return bs_cli_fail (error);
    }
  print_results (model, batch, logits, n_logits, opts, &t);
  g_free (t.ns);

  if (opts->logits_out != NULL
      && !write_logits (opts->logits_out, logits, batch->n_images, n_logits, &error))
    return bs_cli_fail (error);
  return 0;
}

int
bs_cli_run (int argc, char **argv)
{
  g_auto (RunOptions) opts = { .iterations = 1, .top = 3, .seed = 1, .batch = 1 };
  GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &opts.input,
      "PNG image or .npy uint8 array (C,H,W) or (N,C,H,W); random images if absent", "FILE" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &opts.iterations,
      "Inferences to run (at least one per input image; images are cycled)", "N" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &opts.backend,
      "Backend and options, e.g. cpu, cpu:threads=2,isa=avx2, csim, xrt:device=0,xclbin=F (cpu)",
      "SPEC" },
    { "reference", 0, 0, G_OPTION_ARG_NONE, &opts.reference,
      "Run on the reference interpreter (the oracle) instead of a backend", NULL },
    { "logits-out", 0, 0, G_OPTION_ARG_FILENAME, &opts.logits_out,
      "Write the logits of every input image as int32 .npy (N, K)", "FILE" },
    { "top", 0, 0, G_OPTION_ARG_INT, &opts.top, "Classes to show per image (3)", "K" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &opts.seed, "Seed for random input (1)", "S" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &opts.batch,
      "Images in flight, one per thread (cpu backend; for throughput) (1)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL");
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = NULL;
  g_autoptr (BsImageBatch) batch = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Run inferences and print the top classes and "
                                         "per-layer host-clock timings.");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 || opts.iterations < 1 || opts.top < 1 || opts.batch < 1 || opts.batch > 256)
    {
      fprintf (stderr, "blendscope-cli run: expected one MODEL file, --iterations ≥ 1, --top ≥ 1, "
                       "--batch 1 to 256\n");
      return 2;
    }
  model = bs_model_load (argv[1], &error);
  if (model == NULL)
    return bs_cli_fail (error);
  batch = opts.input != NULL ? bs_image_batch_load (opts.input, model->input_shape, &error)
                             : bs_image_batch_random (model->input_shape, 1, (guint32) opts.seed);
  if (batch == NULL)
    return bs_cli_fail (error);

  if (opts.backend == NULL)
    opts.backend = g_strdup ("cpu");
  return run_model (model, batch, &opts);
}
