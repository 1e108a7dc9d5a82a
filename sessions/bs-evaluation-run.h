/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-evaluation-run.h: an accuracy evaluation (accel/bs-evaluate.h) recorded as a run:
 * the images' layer events, and power when settings->probe names a meter, described
 * like any run (bs-run-description.h). Runner layer, beside the run job. */
#pragma once

#include "bs-evaluate.h"
#include "bs-run-job.h"

G_BEGIN_DECLS

/* Evaluates the first @limit images of @set (≤ 0: all) on settings->backend, recording
 * when settings->db_path is set (settings->dataset should name @set). @progress may stop
 * it (the run is then 'aborted'). @observer's message and phase (RUNNING, with the run
 * id) are called; may be NULL. *run_id: the run, -1 when none was begun. A store that
 * fails (the run is kept as far as committed) is *store_error; the evaluation stands. */
BsEvaluation *bs_evaluation_run (const BsModel *model, const BsDataset *set,
                                 const BsRunSettings *settings, int limit,
                                 BsEvaluateProgress progress, const BsRunJobObserver *observer,
                                 int64_t *run_id, GError **store_error, GError **error);

G_END_DECLS
