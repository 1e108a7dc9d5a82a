/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-job.h: the run job, the one way blendscope runs and records a model.
 *
 * It opens the backend and prepares the plan, opens the probe, begins the run in the
 * store (when settings->db_path is set), starts the probe, runs inferences (a count, for
 * a duration, or until cancelled), optionally the per-layer power sweep, and ends and
 * closes everything. `blendscope-cli record` and `sweep` call it on their main thread;
 * the app's run controller calls it on a worker thread and turns the observer's calls
 * into live views. Both describe the run with bs-run-description.h, so the same settings
 * store the same rows.
 *
 *   BsRunJobResult result;
 *   ok = bs_run_job_run (model, plan, images, &settings, &observer, cancellable, &result, &error);
 *   ...
 *   bs_run_job_result_clear (&result);
 */
#pragma once

#include <gio/gio.h>

#include "bs-image.h"
#include "bs-run-description.h"
#include "bs-sweep.h"

G_BEGIN_DECLS

typedef enum
{
  BS_RUN_JOB_RUNNING,          /* inferences */
  BS_RUN_JOB_SWEEPING,         /* the per-layer sweep */
} BsRunJobPhase;

/* What the job reports as it goes. Every member may be NULL. They are called on the
 * thread that called bs_run_job_run(), except samples and the messages of a failing
 * meter, which come from the probe's thread. */
typedef struct
{
  void (*status) (const char *text, gpointer user_data);      /* "Opening cpu…" */
  /* Something the user should know that does not stop the run (a meter that fails). */
  void (*message) (const char *text, gpointer user_data);
  void (*power) (const char *label, gboolean simulated, gpointer user_data);  /* probe open */
  void (*phase) (BsRunJobPhase phase, int64_t run_id, gpointer user_data);
  void (*events) (const BsLayerEvent *events, int n, gpointer user_data);     /* one inference */
  void (*samples) (const BsSample *samples, guint n, gpointer user_data);
  /* A probe channel, announced (from the probe's thread) before its first samples reach
   * samples(): @index as in BsSample.channel. Probes may add channels once data flows. */
  void (*channel) (guint index, const char *name, BsQuantity quantity, gpointer user_data);
  /* After each backend call: @n images from @first (cyclic in the batch) and their logits. */
  void (*inferred) (int first, int n, const int32_t *logits, gpointer user_data);
  void (*sweep_progress) (const char *what, gpointer user_data);  /* "layer 3/76: …" */
  gpointer user_data;
} BsRunJobObserver;

typedef struct
{
  int64_t run_id;              /* -1: not recorded (or not begun) */
  BsRunStatus status;
  gboolean started;            /* inferences began: the backend, probe and store opened */
  int64_t n_inferences;
  int64_t n_events;            /* committed to the store */
  int64_t n_samples;
  BsSweepResult *sweep;        /* NULL: none (not asked, no probe, stopped) */
  GError *store_error;         /* the store failed: what was committed before is kept */
} BsRunJobResult;

void bs_run_job_result_clear (BsRunJobResult *result);

/* Runs @images (cycled) through @plan of @model with @settings. Cancelling @cancellable
 * ends the run: 'complete' when it had no other end, else 'aborted'. FALSE with @error
 * when it could not start or the backend failed (status 'failed'); a failed store
 * stops the run at once (status 'failed') and is result->store_error. */
gboolean bs_run_job_run (const BsModel *model, const BsPlan *plan, const BsImageBatch *images,
                         const BsRunSettings *settings, const BsRunJobObserver *observer,
                         GCancellable *cancellable, BsRunJobResult *result, GError **error);

G_END_DECLS
