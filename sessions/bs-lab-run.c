/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-lab-run.c: several run jobs at once (bs-lab-run.h). */
#include "bs-lab-run.h"

typedef struct
{
  const BsModel *model;
  const BsImageBatch *images;
  BsRunSettings settings;      /* the caller's, with this job's backend and probe */
  const BsRunJobObserver *observer;
  GCancellable *cancellable;
  BsLabRun *out;
} Job;

static void
lab_run_free (BsLabRun *run)
{
  bs_run_job_result_clear (&run->result);
  g_clear_error (&run->error);
  g_free (run);
}

/* Each job compiles its own plan: a backend keeps per-plan state while prepared. */
static gpointer
job_main (gpointer data)
{
  Job *job = data;
  g_autoptr (BsPlan) plan = bs_plan_compile (job->model, &job->out->error);

  if (plan == NULL)
    {
      job->out->result.run_id = -1;
      job->out->result.status = BS_RUN_FAILED;
      return NULL;
    }
  bs_run_job_run (job->model, plan, job->images, &job->settings, job->observer,
                  job->cancellable, &job->out->result, &job->out->error);
  return NULL;
}

GPtrArray *
bs_lab_run (const BsModel *model, const BsImageBatch *images, const BsRunSettings *settings,
            const char *const *backends, const BsRunJobObserver *observer,
            GCancellable *cancellable)
{
  guint n = g_strv_length ((char **) backends);
  g_autofree Job *jobs = g_new0 (Job, n);
  g_autofree GThread **threads = g_new0 (GThread *, n);
  GPtrArray *runs = g_ptr_array_new_with_free_func ((GDestroyNotify) lab_run_free);

  g_assert (n > 0);
  for (guint i = 0; i < n; i++)
    {
      BsLabRun *run = g_new0 (BsLabRun, 1);

      run->backend = backends[i];
      g_ptr_array_add (runs, run);
      jobs[i] = (Job) { model, images, *settings, observer, cancellable, run };
      jobs[i].settings.backend = backends[i];
      if (i > 0)
        jobs[i].settings.probe = NULL;
      threads[i] = g_thread_new ("bs-lab-run", job_main, &jobs[i]);
    }
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
  return runs;
}
