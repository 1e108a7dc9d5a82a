/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-evaluations.h: accuracy as a stored figure of a run — which data, how many images,
 * which engine, top-1 and top-5 (schema version 3, table run_evaluations). */
#pragma once

#include "bs-queries.h"
#include "bs-store.h"

G_BEGIN_DECLS

typedef struct
{
  char *dataset;             /* "fashion-mnist (t10k)" */
  int64_t n_images;          /* > 0 */
  char *engine;              /* the backend spec */
  int64_t top1_correct;
  int64_t top5_correct;
  char *float_checkpoint;    /* NULL: not compared with the float model */
  int64_t float_agree;       /* images where the float model agreed; -1 without one */
} BsRunEvaluation;

void bs_run_evaluation_free (BsRunEvaluation *eval);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRunEvaluation, bs_run_evaluation_free)

/* Shares in [0, 1]. */
double bs_run_evaluation_top1 (const BsRunEvaluation *eval);
double bs_run_evaluation_top5 (const BsRunEvaluation *eval);

/* Stores (or replaces) run's evaluation. Counts that cannot be (top-5 below top-1, more
 * than n_images) are BS_STORE_ERROR_INVALID. */
gboolean bs_store_set_run_evaluation (BsStore *store, int64_t run, const BsRunEvaluation *eval,
                                      GError **error);
/* run's evaluation; NULL with no error when it has none. */
BsRunEvaluation *bs_store_get_run_evaluation (BsStore *store, int64_t run, GError **error);

/* One compared run as a point of the accuracy/cost trade-off (BlendNet's argument:
 * accuracy near fixed point at near binary cost). The costs are the comparison's. */
typedef struct
{
  int64_t run;
  gboolean has_accuracy;     /* FALSE: the run has no stored evaluation */
  double top1;               /* share, [0, 1] */
  double top5;
  int64_t n_images;
  double latency_ns;         /* median per inference; NaN without inferences */
  double energy_j;           /* mean per inference; NaN without power readings */
  BsClockMask clocks;        /* the origin of latency_ns: measured (host, device) or modelled */
} BsAccuracyPoint;

/* BsAccuracyPoint for each run of comparison, in its order. */
GArray *bs_query_accuracy_points (BsStore *store, const BsComparison *comparison,
                                  GError **error);

G_END_DECLS
