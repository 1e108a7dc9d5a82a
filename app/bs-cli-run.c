/* bs-cli-run.c: `blendscope-cli run MODEL`: inferences, top classes, per-layer timings. */
#include "bs-cli.h"
#include "bs-image.h"
#include "bs-interp.h"
#include "bs-model.h"
#include "bs-npy.h"

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
} RunOptions;

/* Per-layer durations of every inference, [inference][layer]. */
typedef struct
{
  int n_layers;
  int n_inferences;
  int64_t *ns;
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
    scratch[i] = t->ns[(gsize) i * t->n_layers + layer];
  qsort (scratch, t->n_inferences, sizeof (int64_t), compare_i64);
  return scratch[t->n_inferences / 2];
}

static void
print_timings (const BsModel *model, const Timings *t)
{
  g_autofree int64_t *scratch = g_new (int64_t, t->n_inferences);
  g_autofree int64_t *median = g_new0 (int64_t, t->n_layers);
  g_autofree int64_t *totals = g_new0 (int64_t, t->n_inferences);
  int64_t sum_of_medians = 0;

  for (int l = 0; l < t->n_layers; l++)
    {
      median[l] = median_of_column (t, l, scratch);
      sum_of_medians += median[l];
    }
  printf ("\nper-layer time, host clock (CLOCK_MONOTONIC), median of %d inferences:\n",
          t->n_inferences);
  printf ("%3s  %-28s %-15s %-7s %12s %7s\n", "#", "layer", "kind", "prec", "median us", "share");
  for (int l = 0; l < t->n_layers; l++)
    {
      const BsLayer *layer = bs_model_layer (model, l);
      printf ("%3d  %-28s %-15s %-7s %12.2f %6.1f%%\n", l, layer->name,
              bs_layer_kind_to_string (layer->kind), bs_precision_to_string (layer->precision),
              median[l] / 1e3, sum_of_medians ? 100.0 * median[l] / sum_of_medians : 0.0);
    }
  for (int i = 0; i < t->n_inferences; i++)
    for (int l = 0; l < t->n_layers; l++)
      totals[i] += t->ns[(gsize) i * t->n_layers + l];
  qsort (totals, t->n_inferences, sizeof (int64_t), compare_i64);
  printf ("per inference: median %.3f ms, min %.3f ms, max %.3f ms\n",
          totals[t->n_inferences / 2] / 1e6, totals[0] / 1e6, totals[t->n_inferences - 1] / 1e6);
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

static int
run_reference (const BsModel *model, const BsImageBatch *batch, const RunOptions *opts)
{
  g_autoptr (GError) error = NULL;
  BsShape out = bs_model_output_shape (model);
  int n_logits = out.c * out.h * out.w;
  int n_layers = bs_model_n_layers (model);
  int n_inferences = MAX (opts->iterations, batch->n_images);
  g_autofree int32_t *logits = g_new0 (int32_t, (gsize) batch->n_images * n_logits);
  g_autofree int32_t *scratch_logits = g_new0 (int32_t, n_logits);
  Timings t = { n_layers, n_inferences, g_new0 (int64_t, (gsize) n_inferences * n_layers) };
  BsInterp *interp = bs_interp_new (model);

  for (int i = 0; i < n_inferences; i++)
    {
      int image = i % batch->n_images;
      int32_t *dest = i < batch->n_images ? logits + (gsize) image * n_logits : scratch_logits;
      bs_interp_run (interp, bs_image_batch_image (batch, image), dest,
                     t.ns + (gsize) i * n_layers);
    }
  bs_interp_free (interp);

  printf ("engine: reference interpreter (scalar, the oracle)\n");
  for (int i = 0; i < MIN (batch->n_images, N_IMAGES_SHOWN); i++)
    print_top (model, i, logits + (gsize) i * n_logits, n_logits, opts->top);
  if (batch->n_images > N_IMAGES_SHOWN)
    printf ("... and %d more images\n", batch->n_images - N_IMAGES_SHOWN);
  print_timings (model, &t);
  g_free (t.ns);

  if (opts->logits_out != NULL
      && !write_logits (opts->logits_out, logits, batch->n_images, n_logits, &error))
    return bs_cli_fail (error);
  return 0;
}

int
bs_cli_run (int argc, char **argv)
{
  RunOptions opts = { .iterations = 1, .top = 3, .seed = 1 };
  GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &opts.input,
      "PNG image or .npy uint8 array (C,H,W) or (N,C,H,W); random images if absent", "FILE" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &opts.iterations,
      "Inferences to run (at least one per input image; images are cycled)", "N" },
    { "reference", 0, 0, G_OPTION_ARG_NONE, &opts.reference,
      "Run on the reference interpreter (the oracle)", NULL },
    { "logits-out", 0, 0, G_OPTION_ARG_FILENAME, &opts.logits_out,
      "Write the logits of every input image as int32 .npy (N, K)", "FILE" },
    { "top", 0, 0, G_OPTION_ARG_INT, &opts.top, "Classes to show per image (3)", "K" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &opts.seed, "Seed for random input (1)", "S" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL");
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = NULL;
  g_autoptr (BsImageBatch) batch = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Run inferences and print the top classes and "
                                         "per-layer host-clock timings.");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 || opts.iterations < 1 || opts.top < 1)
    {
      fprintf (stderr, "blendscope-cli run: expected one MODEL file, --iterations ≥ 1, --top ≥ 1\n");
      return 2;
    }
  model = bs_model_load (argv[1], &error);
  if (model == NULL)
    return bs_cli_fail (error);
  batch = opts.input != NULL ? bs_image_batch_load (opts.input, model->input_shape, &error)
                             : bs_image_batch_random (model->input_shape, 1, (guint32) opts.seed);
  if (batch == NULL)
    return bs_cli_fail (error);

  status = run_reference (model, batch, &opts);
  g_free (opts.input);
  g_free (opts.logits_out);
  return status;
}
