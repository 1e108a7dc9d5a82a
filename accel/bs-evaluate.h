/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-evaluate.h: the evaluation use case — run a model on a backend over labelled
 * images and tally its accuracy. Shared by `blendscope-cli eval` and the app. */
#pragma once

#include "bs-accuracy.h"
#include "bs-backend.h"
#include "bs-dataset.h"
#include "bs-model.h"

G_BEGIN_DECLS

/* Called after each chunk of images; return FALSE to stop (the evaluation then fails
 * with G_IO_ERROR_CANCELLED). */
typedef gboolean (*BsEvaluateProgress) (int done, int total, gpointer user_data);

typedef struct
{
  char *dataset;             /* BsDataset.name */
  char *backend;             /* the spec it ran on */
  char *backend_description;
  BsAccuracy *accuracy;
  int32_t *predictions;      /* one per evaluated image */
  int64_t wall_ns;           /* host clock around the backend's runs (incl. staging) */
} BsEvaluation;

typedef struct
{
  int limit;                     /* the first images only; ≤ 0: all */
  BsEvaluateProgress progress;   /* may be NULL */
  /* Each inference's layer events, as bs_backend_run() gives them (a recorder's), and
   * the prepared plan they index, before the first run (FALSE: the evaluation fails with
   * its error). Both may be NULL. */
  BsLayerEventFunc events;
  gboolean (*prepared) (const BsPlan *plan, gpointer user_data, GError **error);
  gpointer user_data;
} BsEvaluateHooks;

/* Runs images of set through the model on the backend `spec`. The model's output size
 * is its class count; a label outside it is BS_INPUT_ERROR_SHAPE before anything runs.
 * hooks may be NULL. */
BsEvaluation *bs_evaluate (const BsModel *model, const char *spec, const BsDataset *set,
                           const BsEvaluateHooks *hooks, GError **error);
void bs_evaluation_free (BsEvaluation *eval);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsEvaluation, bs_evaluation_free)

G_END_DECLS
