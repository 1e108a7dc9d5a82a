/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-lab-run.h: one model on several backends at once — a lab rather than a board: the
 * same model on a KV260 and on an Alveo host, say (ssh:// backends, docs/agent-protocol.md),
 * each a run job (bs-run-job.h) on a thread of its own, recording into the same session
 * file, so that they compare as any runs do. Only the first backend's run opens the
 * probe: a meter measures one device, and the others are recorded without power. */
#pragma once

#include "bs-run-job.h"

G_BEGIN_DECLS

typedef struct
{
  const char *backend;         /* borrowed from the caller's list */
  BsRunJobResult result;
  GError *error;               /* the job's error, NULL when it ran */
} BsLabRun;

/* Runs @settings (its backend replaced) on each of @backends (NULL-terminated, at least
 * one) at once and waits for all. @observer's members are called from the jobs' threads
 * (they must be thread-safe); cancelling @cancellable stops every job. Returns the
 * results in the order of @backends; free with bs_lab_runs_free(). */
GPtrArray *bs_lab_run (const BsModel *model, const BsImageBatch *images,
                       const BsRunSettings *settings, const char *const *backends,
                       const BsRunJobObserver *observer, GCancellable *cancellable);

G_END_DECLS
