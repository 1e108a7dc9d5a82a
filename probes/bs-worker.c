/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-worker.c: a thread with its own main loop, and synchronous calls onto it. */
#include "bs-worker.h"

struct _BsWorker
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GMutex lock;
  GCond cond;
};

typedef struct
{
  BsWorker *worker;
  BsWorkerFunc func;
  gpointer owner;
  gpointer data;
  GError *error;
  gboolean result;
  gboolean done;
} Call;

static gboolean
call_dispatch (gpointer data)
{
  Call *call = data;

  call->result = call->func (call->owner, call->data, &call->error);
  g_mutex_lock (&call->worker->lock);
  call->done = TRUE;
  g_cond_broadcast (&call->worker->cond);
  g_mutex_unlock (&call->worker->lock);
  return G_SOURCE_REMOVE;
}

/* An idle source, not g_main_context_invoke(), which would run @func right here if the
 * context were free. */
gboolean
bs_worker_call (BsWorker *worker, BsWorkerFunc func, gpointer owner, gpointer data,
                GError **error)
{
  Call call = { worker, func, owner, data, NULL, FALSE, FALSE };
  GSource *source = g_idle_source_new ();

  g_assert (g_thread_self () != worker->thread);
  g_source_set_callback (source, call_dispatch, &call, NULL);
  g_source_attach (source, worker->context);
  g_source_unref (source);
  g_mutex_lock (&worker->lock);
  while (!call.done)
    g_cond_wait (&worker->cond, &worker->lock);
  g_mutex_unlock (&worker->lock);
  if (call.error != NULL)
    g_propagate_error (error, call.error);
  return call.result;
}

static gpointer
worker_main (gpointer data)
{
  BsWorker *worker = data;

  g_main_context_push_thread_default (worker->context);
  g_main_loop_run (worker->loop);
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

BsWorker *
bs_worker_new (const char *thread_name)
{
  BsWorker *worker = g_new0 (BsWorker, 1);

  g_mutex_init (&worker->lock);
  g_cond_init (&worker->cond);
  worker->context = g_main_context_new ();
  worker->loop = g_main_loop_new (worker->context, FALSE);
  worker->thread = g_thread_new (thread_name, worker_main, worker);
  return worker;
}

GMainContext *
bs_worker_context (BsWorker *worker)
{
  return worker->context;
}

static gboolean
quit_loop (gpointer owner, gpointer data, GError **error)
{
  g_main_loop_quit (((BsWorker *) owner)->loop);
  return TRUE;
}

void
bs_worker_free (BsWorker *worker)
{
  /* Quit from inside the loop: a quit before the thread reached g_main_loop_run() would be
   * lost. */
  bs_worker_call (worker, quit_loop, worker, NULL, NULL);
  g_thread_join (worker->thread);
  g_main_loop_unref (worker->loop);
  g_main_context_unref (worker->context);
  g_mutex_clear (&worker->lock);
  g_cond_clear (&worker->cond);
  g_free (worker);
}
