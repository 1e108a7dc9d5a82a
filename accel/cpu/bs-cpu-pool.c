/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-pool.c: see bs-cpu-pool.h.
 *
 * The caller publishes a Job (on its stack) and bumps a generation counter; workers
 * see the counter move, enter the job, claim tasks from an atomic counter and count
 * them finished. Before returning, the caller withdraws the job and waits until no
 * worker is inside it, so a late worker never touches a dead Job. Condition
 * variables are only signalled when someone sleeps on them. All atomics are GLib's,
 * which are sequentially consistent: the "publish, then check sleepers" and
 * "enter, then read job" pairs rely on that.
 */
#include "bs-cpu-pool.h"

/* Busy polls, then polls that yield the core (when threads outnumber free cores the
 * thread being waited for may need this one), then sleep. */
#define SPIN_BUSY 2000
#define SPIN_LIMIT 4000

typedef struct
{
  BsCpuPoolFunc func;
  gpointer data;
  int n_tasks;
  gint next;                 /* atomic: the next unclaimed task */
  gint finished;             /* atomic: tasks done */
} Job;

struct _BsCpuPool
{
  int n_threads;
  GThread **threads;         /* n_threads - 1 workers */

  GMutex lock;
  GCond wake;                /* generation moved or quit */
  GCond done;                /* the job's last task finished */
  gint generation;           /* atomic */
  gint quit;                 /* atomic */
  gint sleepers;             /* atomic: workers waiting on wake */
  gint caller_sleeping;      /* atomic: the caller waits on done */
  gpointer job;              /* atomic: Job *, or NULL */
  gint inside;               /* atomic: workers that may be reading job */
};

static inline void
relax (int i)
{
  if (i >= SPIN_BUSY)
    g_thread_yield ();
#if defined(__x86_64__) || defined(__i386__)
  else
    __builtin_ia32_pause ();
#endif
}

static void
work_on (BsCpuPool *pool, Job *job)
{
  int n = job->n_tasks;
  int t;

  while ((t = g_atomic_int_add (&job->next, 1)) < n)
    {
      job->func (job->data, t);
      if (g_atomic_int_add (&job->finished, 1) + 1 == n && g_atomic_int_get (&pool->caller_sleeping))
        {
          g_mutex_lock (&pool->lock);
          g_cond_signal (&pool->done);
          g_mutex_unlock (&pool->lock);
        }
    }
}

static gboolean
should_wake (BsCpuPool *pool, int seen)
{
  return g_atomic_int_get (&pool->generation) != seen || g_atomic_int_get (&pool->quit);
}

static void
wait_generation (BsCpuPool *pool, int seen)
{
  for (int i = 0; i < SPIN_LIMIT; i++)
    {
      if (should_wake (pool, seen))
        return;
      relax (i);
    }
  g_mutex_lock (&pool->lock);
  g_atomic_int_inc (&pool->sleepers);
  while (!should_wake (pool, seen))
    g_cond_wait (&pool->wake, &pool->lock);
  g_atomic_int_dec_and_test (&pool->sleepers);
  g_mutex_unlock (&pool->lock);
}

static gpointer
worker_main (gpointer data)
{
  BsCpuPool *pool = data;
  /* 0, not a fresh read: a job may already be announced when this thread starts. */
  int seen = 0;

  for (;;)
    {
      Job *job;

      wait_generation (pool, seen);
      if (g_atomic_int_get (&pool->quit))
        return NULL;
      seen = g_atomic_int_get (&pool->generation);
      g_atomic_int_inc (&pool->inside);
      job = g_atomic_pointer_get (&pool->job);
      if (job != NULL)
        work_on (pool, job);
      g_atomic_int_dec_and_test (&pool->inside);
    }
}

BsCpuPool *
bs_cpu_pool_new (int n_threads)
{
  BsCpuPool *pool = g_new0 (BsCpuPool, 1);

  g_assert (n_threads >= 1);
  pool->n_threads = n_threads;
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->done);
  pool->threads = g_new0 (GThread *, n_threads);
  for (int i = 1; i < n_threads; i++)
    {
      g_autofree char *name = g_strdup_printf ("bs-cpu-%d", i);

      pool->threads[i] = g_thread_new (name, worker_main, pool);
    }
  return pool;
}

void
bs_cpu_pool_free (BsCpuPool *pool)
{
  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  g_atomic_int_set (&pool->quit, 1);
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (int i = 1; i < pool->n_threads; i++)
    g_thread_join (pool->threads[i]);
  g_free (pool->threads);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->done);
  g_free (pool);
}

int
bs_cpu_pool_get_n_threads (BsCpuPool *pool)
{
  return pool->n_threads;
}

static void
wait_finished (BsCpuPool *pool, Job *job)
{
  for (int i = 0; i < SPIN_LIMIT; i++)
    {
      if (g_atomic_int_get (&job->finished) == job->n_tasks)
        return;
      relax (i);
    }
  g_mutex_lock (&pool->lock);
  g_atomic_int_set (&pool->caller_sleeping, 1);
  while (g_atomic_int_get (&job->finished) < job->n_tasks)
    g_cond_wait (&pool->done, &pool->lock);
  g_atomic_int_set (&pool->caller_sleeping, 0);
  g_mutex_unlock (&pool->lock);
}

void
bs_cpu_pool_run (BsCpuPool *pool, BsCpuPoolFunc func, gpointer data, int n_tasks)
{
  Job job = { func, data, n_tasks, 0, 0 };

  if (pool->n_threads == 1 || n_tasks <= 1)
    {
      for (int t = 0; t < n_tasks; t++)
        func (data, t);
      return;
    }
  g_atomic_pointer_set (&pool->job, &job);
  g_atomic_int_inc (&pool->generation);
  if (g_atomic_int_get (&pool->sleepers) > 0)
    {
      g_mutex_lock (&pool->lock);
      g_cond_broadcast (&pool->wake);
      g_mutex_unlock (&pool->lock);
    }
  work_on (pool, &job);
  wait_finished (pool, &job);
  /* Workers still inside have found nothing left to claim; they leave at once. */
  g_atomic_pointer_set (&pool->job, NULL);
  for (int i = 0; g_atomic_int_get (&pool->inside) > 0; i++)
    relax (i);
}
