/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-run-job.c: the run job (sessions/bs-run-job.c) on the bundled BlendNet-20 with
 * the CPU backend and the synthetic meter: a counted run is recorded whole, a cancelled
 * one ends 'complete' when it had no end of its own and 'aborted' otherwise, and a
 * backend that cannot open leaves no run behind. */
#include "session-test-util.h"

#include "bs-run-job.h"

typedef struct
{
  char *dir;
  char *db;
  BsModel *model;
  BsPlan *plan;
  BsImageBatch *images;
  GCancellable *cancellable;
  int cancel_after;            /* backend calls; 0: never */
  int n_calls;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (g_getenv ("BS_SOURCE_ROOT"), "data", "models",
                                            "blendnet20.bsm", NULL);
  g_autoptr (GError) error = NULL;

  f->dir = bs_test_tmpdir_new ();
  f->db = g_build_filename (f->dir, "job.db", NULL);
  f->model = bs_model_load (path, &error);
  g_assert_no_error (error);
  f->plan = bs_plan_compile (f->model, &error);
  g_assert_no_error (error);
  f->images = bs_image_batch_random (f->model->input_shape, 3, 7);
  f->cancellable = g_cancellable_new ();
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_object_unref (f->cancellable);
  bs_image_batch_free (f->images);
  bs_plan_free (f->plan);
  bs_model_free (f->model);
  g_free (f->db);
  bs_test_tmpdir_free (f->dir);
}

static void
on_inferred (int first, int n, const int32_t *logits, gpointer data)
{
  Fixture *f = data;

  g_assert_cmpint (first, >=, 0);
  g_assert_cmpint (first, <, f->images->n_images);
  if (++f->n_calls == f->cancel_after)
    g_cancellable_cancel (f->cancellable);
}

static gboolean
run (Fixture *f, const BsRunSettings *settings, BsRunJobResult *result, GError **error)
{
  BsRunJobObserver observer = { .inferred = on_inferred, .user_data = f };

  return bs_run_job_run (f->model, f->plan, f->images, settings, &observer, f->cancellable,
                         result, error);
}

static void
test_count (Fixture *f, gconstpointer data)
{
  /* 5 images, 2 per call: the input (3 images) wraps inside a call. */
  BsRunSettings settings = { .backend = "cpu", .probe = "synthetic", .db_path = f->db,
                             .n_inferences = 5, .batch = 2 };
  BsRunJobResult result;
  g_autoptr (GError) error = NULL;

  g_assert_true (run (f, &settings, &result, &error));
  g_assert_no_error (error);
  g_assert_true (result.started);
  g_assert_cmpint (result.status, ==, BS_RUN_COMPLETE);
  g_assert_cmpint (result.n_inferences, ==, 5);
  g_assert_cmpint (f->n_calls, ==, 3);
  g_assert_cmpint (result.run_id, ==, 1);
  g_assert_null (result.store_error);
  g_assert_cmpint (result.n_events, ==, 5 * f->plan->n_ops);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM runs WHERE status = 'complete'"),
                   ==, 1);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM run_layers"), ==, f->plan->n_ops);
  bs_run_job_result_clear (&result);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  gboolean open_ended = GPOINTER_TO_INT (data);
  BsRunSettings settings = { .backend = "cpu", .db_path = f->db,
                             .n_inferences = open_ended ? 0 : 1000000 };
  BsRunJobResult result;
  g_autoptr (GError) error = NULL;

  f->cancel_after = 4;
  g_assert_true (run (f, &settings, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.status, ==, open_ended ? BS_RUN_COMPLETE : BS_RUN_ABORTED);
  g_assert_cmpint (result.n_inferences, ==, 4);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT n_events FROM runs"), ==, 4 * f->plan->n_ops);
  bs_run_job_result_clear (&result);
}

static void
test_no_backend (Fixture *f, gconstpointer data)
{
  BsRunSettings settings = { .backend = "no-such-backend", .db_path = f->db, .n_inferences = 1 };
  BsRunJobResult result;
  g_autoptr (GError) error = NULL;

  g_assert_false (run (f, &settings, &result, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "no-such-backend"));
  g_assert_false (result.started);
  g_assert_cmpint (result.run_id, ==, -1);
  g_assert_false (g_file_test (f->db, G_FILE_TEST_EXISTS));
  bs_run_job_result_clear (&result);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/run-job/count", Fixture, NULL, fixture_set_up, test_count, fixture_tear_down);
  g_test_add ("/run-job/cancel-open-ended", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_cancel, fixture_tear_down);
  g_test_add ("/run-job/cancel-counted", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_cancel, fixture_tear_down);
  g_test_add ("/run-job/no-backend", Fixture, NULL, fixture_set_up, test_no_backend,
              fixture_tear_down);
  return g_test_run ();
}
