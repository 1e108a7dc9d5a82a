/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-record.h: recording a run whose events and samples are already in memory — the
 * store side of `blendscope-cli record`. Live recording (events and samples arriving
 * while the backend runs) uses bs-recorder.h directly. */
#pragma once

#include "bs-events.h"
#include "bs-model.h"
#include "bs-runs.h"

G_BEGIN_DECLS

typedef struct
{
  const BsLayerEvent *events;
  gsize n_events;
  const BsSample *samples;
  gsize n_samples;
  const BsMarker *markers;
  gsize n_markers;
} BsRecordData;

/* Writes one run to the database at `path` (created if missing) with the given final
 * status, and computes its summaries. The run lasts until its latest timestamp and,
 * unless info->t0_ns says otherwise, starts at its earliest. Returns the run id, or -1. */
int64_t bs_record_run (const char *path, const BsModel *model, const BsRunInfo *info,
                       const BsRecordData *data, BsRunStatus status, GError **error);

G_END_DECLS
