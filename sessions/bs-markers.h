/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-markers.h: markers as the user edits them — a label at a time or over a time range,
 * with a note — saved with the run.
 *
 * A recorder writes point markers (bs_recorder_add_marker); bs_store_get_markers (in
 * bs-runs.h) still lists every marker as a point with its label. What this file adds
 * (the end of a range, the note) is kept in the table `marker_notes`, created the first
 * time a marker gets one (docs/compare.md, "Markers"); files without it read as markers
 * without ends or notes.
 */
#pragma once

#include "bs-store.h"

G_BEGIN_DECLS

/* end_ns of a marker at a single time. */
#define BS_MARKER_NO_END G_MININT64

typedef struct
{
  int64_t id;
  int64_t run;
  int64_t t_ns;      /* CLOCK_MONOTONIC, the run's clock (as its events and samples) */
  int64_t end_ns;    /* >= t_ns for a range; BS_MARKER_NO_END for a point */
  char *label;
  char *note;        /* "" when none */
} BsRunMarker;

void bs_run_marker_clear (BsRunMarker *marker);

/* BsRunMarker in time order (t_ns, then id); the array clears its elements. */
GArray *bs_store_list_run_markers (BsStore *store, int64_t run, GError **error);

/* Adds a marker to `run` (marker->id and ->run are ignored); returns its id, or -1. A
 * range must not end before it starts (BS_STORE_ERROR_INVALID). */
int64_t bs_store_add_run_marker (BsStore *store, int64_t run, const BsRunMarker *marker,
                                 GError **error);

/* Replaces time, end, label and note of the marker marker->id. */
gboolean bs_store_update_run_marker (BsStore *store, const BsRunMarker *marker, GError **error);

gboolean bs_store_delete_run_marker (BsStore *store, int64_t marker, GError **error);

G_END_DECLS
