/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-pool.h: a fixed set of worker threads that help run the tiles of one op at a
 * time. Tasks are claimed, not assigned: the calling thread runs whatever no worker
 * has taken, so an op never waits for a worker that the OS has not scheduled yet.
 * Workers poll briefly before sleeping, since ops last microseconds. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BsCpuPool BsCpuPool;

/* Called with task in [0, n_tasks); each task runs exactly once, on any thread. */
typedef void (*BsCpuPoolFunc) (gpointer data, int task);

/* n_threads counts the calling thread: 1 starts no thread. */
BsCpuPool *bs_cpu_pool_new (int n_threads);
void bs_cpu_pool_free (BsCpuPool *pool);
int bs_cpu_pool_get_n_threads (BsCpuPool *pool);

/* Runs every task and returns when all are done. One caller at a time. */
void bs_cpu_pool_run (BsCpuPool *pool, BsCpuPoolFunc func, gpointer data, int n_tasks);

G_END_DECLS
