/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-worker.h: a thread running its own GMainContext, on which a caller runs functions and
 * waits for them. For libraries that must only ever be called from one thread and that attach
 * their sources to the thread-default context (libsigrok): they then never run on the
 * caller's (the UI's) main context. */
#pragma once

#include <glib.h>

typedef struct _BsWorker BsWorker;

typedef gboolean (*BsWorkerFunc) (gpointer owner, gpointer data, GError **error);

BsWorker *bs_worker_new (const char *thread_name);
/* Runs @func (@owner, @data, error) on the worker thread and waits for its result. */
gboolean bs_worker_call (BsWorker *worker, BsWorkerFunc func, gpointer owner, gpointer data,
                         GError **error);
/* The worker's context, for sources that must run on the worker thread. */
GMainContext *bs_worker_context (BsWorker *worker);
/* Stops the worker's loop and joins the thread. */
void bs_worker_free (BsWorker *worker);
