/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-evaluate.c: iterate labelled images, run them on a backend in chunks, tally. */
#include "bs-evaluate.h"
#include "bs-backend.h"
#include "bs-plan.h"

#include <string.h>

/* Images per bs_backend_run call: few enough that progress and Ctrl-C answer quickly,
 * enough that the per-call cost does not show. */
#define EVAL_CHUNK 64

void
bs_evaluation_free (BsEvaluation *eval)
{
  if (eval == NULL)
    return;
  g_free (eval->dataset);
  g_free (eval->backend);
  g_free (eval->backend_description);
  bs_accuracy_free (eval->accuracy);
  g_free (eval->predictions);
  g_free (eval);
}

static gboolean
check_labels (const BsDataset *set, int n_images, int n_classes, GError **error)
{
  for (int i = 0; i < n_images; i++)
    if (set->labels[i] < 0 || set->labels[i] >= n_classes)
      {
        g_set_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE,
                     "%s: label %d of image %d is outside the model's %d classes",
                     set->name, set->labels[i], i, n_classes);
        return FALSE;
      }
  return TRUE;
}

static gboolean
run_chunks (BsBackend *backend, const BsDataset *set, int n_images, int n_classes,
            BsEvaluation *eval, const BsEvaluateHooks *hooks, GError **error)
{
  g_autofree int32_t *logits = g_new (int32_t, (gsize) EVAL_CHUNK * n_classes);
  int64_t t0 = bs_clock_now_ns ();

  for (int first = 0; first < n_images; first += EVAL_CHUNK)
    {
      int n = MIN (EVAL_CHUNK, n_images - first);

      if (!bs_backend_run (backend, bs_image_batch_image (set->images, first), n, logits,
                           hooks->events, hooks->user_data, error))
        return FALSE;
      for (int k = 0; k < n; k++)
        eval->predictions[first + k] = bs_accuracy_add (eval->accuracy,
                                                        logits + (gsize) k * n_classes,
                                                        set->labels[first + k]);
      if (hooks->progress != NULL && !hooks->progress (first + n, n_images, hooks->user_data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       "evaluation stopped after %d of %d images", first + n, n_images);
          return FALSE;
        }
    }
  eval->wall_ns = bs_clock_now_ns () - t0;
  return TRUE;
}

BsEvaluation *
bs_evaluate (const BsModel *model, const char *spec, const BsDataset *set,
             const BsEvaluateHooks *hooks, GError **error)
{
  static const BsEvaluateHooks no_hooks = { 0 };
  BsShape out = bs_model_output_shape (model);
  int n_classes = out.c * out.h * out.w;
  int n_images;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = NULL;
  g_autoptr (BsEvaluation) eval = NULL;

  if (hooks == NULL)
    hooks = &no_hooks;
  n_images = hooks->limit > 0 ? MIN (hooks->limit, set->images->n_images) : set->images->n_images;

  if (!check_labels (set, n_images, n_classes, error)
      || (plan = bs_plan_compile (model, error)) == NULL
      || (backend = bs_backend_open (spec, error)) == NULL
      || !bs_backend_prepare (backend, plan, error))
    return NULL;
  eval = g_new0 (BsEvaluation, 1);
  eval->dataset = g_strdup (set->name);
  eval->backend = g_strdup (spec);
  eval->backend_description = g_strdup (bs_backend_get_class (backend)->description);
  eval->accuracy = bs_accuracy_new (n_classes);
  eval->predictions = g_new0 (int32_t, MAX (n_images, 1));
  if (hooks->prepared != NULL && !hooks->prepared (plan, hooks->user_data, error))
    return NULL;
  if (!run_chunks (backend, set, n_images, n_classes, eval, hooks, error))
    return NULL;
  return g_steal_pointer (&eval);
}
