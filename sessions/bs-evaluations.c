/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-evaluations.c: the run_evaluations table (schema version 3; bs_store_open() migrates
 * older files, and refuses to read older files it may not migrate). */
#include "bs-evaluations.h"
#include "bs-store-private.h"

#include <math.h>

void
bs_run_evaluation_free (BsRunEvaluation *eval)
{
  if (eval == NULL)
    return;
  g_free (eval->dataset);
  g_free (eval->engine);
  g_free (eval->float_checkpoint);
  g_free (eval);
}

double
bs_run_evaluation_top1 (const BsRunEvaluation *eval)
{
  return eval->n_images > 0 ? (double) eval->top1_correct / eval->n_images : 0.0;
}

double
bs_run_evaluation_top5 (const BsRunEvaluation *eval)
{
  return eval->n_images > 0 ? (double) eval->top5_correct / eval->n_images : 0.0;
}

static gboolean
check_counts (const BsRunEvaluation *e, GError **error)
{
  if (e->dataset == NULL || e->engine == NULL || e->n_images <= 0 || e->top1_correct < 0
      || e->top5_correct < e->top1_correct || e->top5_correct > e->n_images
      || e->float_agree > e->n_images || (e->float_checkpoint == NULL) != (e->float_agree < 0))
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                   "an evaluation needs a data set, an engine, n_images > 0 and 0 ≤ top-1 ≤ "
                   "top-5 ≤ n_images correct (got %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                   " of %" G_GINT64_FORMAT "), and a float agreement only with a checkpoint",
                   e->top1_correct, e->top5_correct, e->n_images);
      return FALSE;
    }
  return TRUE;
}

gboolean
bs_store_set_run_evaluation (BsStore *store, int64_t run, const BsRunEvaluation *eval,
                             GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (!check_counts (eval, error))
    return FALSE;
  stmt = bs_store_prepare (store,
    "INSERT OR REPLACE INTO run_evaluations (run_id, dataset, n_images, engine, top1_correct,"
    " top5_correct, float_checkpoint, float_agree)"
    " SELECT id, ?, ?, ?, ?, ?, ?, ? FROM runs WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, eval->dataset, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, eval->n_images);
  sqlite3_bind_text (stmt, 3, eval->engine, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, eval->top1_correct);
  sqlite3_bind_int64 (stmt, 5, eval->top5_correct);
  if (eval->float_checkpoint != NULL)
    {
      sqlite3_bind_text (stmt, 6, eval->float_checkpoint, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 7, eval->float_agree);
    }
  sqlite3_bind_int64 (stmt, 8, run);
  if (!bs_store_step_done (store, stmt, error, "storing a run's evaluation"))
    return FALSE;
  if (sqlite3_changes (store->db) == 0)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND,
                   "no run %" G_GINT64_FORMAT " in %s", run, store->path);
      return FALSE;
    }
  return TRUE;
}

static BsRunEvaluation *
evaluation_from_row (sqlite3_stmt *stmt)
{
  BsRunEvaluation *e = g_new0 (BsRunEvaluation, 1);

  e->dataset = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  e->n_images = sqlite3_column_int64 (stmt, 1);
  e->engine = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  e->top1_correct = sqlite3_column_int64 (stmt, 3);
  e->top5_correct = sqlite3_column_int64 (stmt, 4);
  e->float_agree = -1;
  if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
    {
      e->float_checkpoint = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      e->float_agree = sqlite3_column_int64 (stmt, 6);
    }
  return e;
}

BsRunEvaluation *
bs_store_get_run_evaluation (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = bs_store_prepare (store,
    "SELECT dataset, n_images, engine, top1_correct, top5_correct, float_checkpoint,"
    " float_agree FROM run_evaluations WHERE run_id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return evaluation_from_row (stmt);
  if (rc != SQLITE_DONE)
    bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT "'s evaluation", run);
  return NULL;
}

static void
cost_of (const BsComparison *c, int i, BsAccuracyPoint *p)
{
  const BsRunTotals *t = &c->totals[i];

  p->clocks = t->clocks;
  p->latency_ns = t->latency_ns.n > 0 ? t->latency_ns.median : NAN;
  p->energy_j = t->has_power ? t->energy_per_inference_j : NAN;
}

GArray *
bs_query_accuracy_points (BsStore *store, const BsComparison *comparison, GError **error)
{
  g_autoptr (GArray) points = g_array_new (FALSE, TRUE, sizeof (BsAccuracyPoint));

  for (int i = 0; i < comparison->n_runs; i++)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (BsRunEvaluation) e = bs_store_get_run_evaluation (store, comparison->runs[i],
                                                                   &local);
      BsAccuracyPoint p = { .run = comparison->runs[i] };

      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (e != NULL)
        {
          p.has_accuracy = TRUE;
          p.top1 = bs_run_evaluation_top1 (e);
          p.top5 = bs_run_evaluation_top5 (e);
          p.n_images = e->n_images;
        }
      cost_of (comparison, i, &p);
      g_array_append_val (points, p);
    }
  return g_steal_pointer (&points);
}
