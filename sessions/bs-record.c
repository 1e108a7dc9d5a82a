/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-record.c: one finished run, written through the recorder (so it takes the same
 * path, chunking and crash guarantees as a live recording). */
#include "bs-record.h"
#include "bs-recorder.h"

/* Pushed in slices so the recorder's bounded queue paces us instead of one huge copy. */
#define SLICE 65536

/* The span of the data: the run lasted from its first to its last timestamp. */
static void
time_span (const BsRecordData *data, int64_t *first, int64_t *last)
{
  *first = INT64_MAX;
  *last = INT64_MIN;
  for (gsize i = 0; i < data->n_events; i++)
    {
      *first = MIN (*first, data->events[i].t_start_ns);
      *last = MAX (*last, data->events[i].t_end_ns);
    }
  for (gsize i = 0; i < data->n_samples; i++)
    {
      *first = MIN (*first, data->samples[i].t_ns);
      *last = MAX (*last, data->samples[i].t_ns);
    }
  if (*first > *last)
    *first = *last = bs_clock_now_ns ();
}

static gboolean
push_all (BsRecorder *rec, const BsRecordData *data)
{
  for (gsize i = 0; i < data->n_events; i += SLICE)
    if (!bs_recorder_push_events (rec, data->events + i, MIN (SLICE, data->n_events - i)))
      return FALSE;
  for (gsize i = 0; i < data->n_samples; i += SLICE)
    if (!bs_recorder_push_samples (rec, data->samples + i, MIN (SLICE, data->n_samples - i)))
      return FALSE;
  for (gsize i = 0; i < data->n_markers; i++)
    if (!bs_recorder_add_marker (rec, data->markers[i].t_ns, data->markers[i].label))
      return FALSE;
  return TRUE;
}

int64_t
bs_record_run (const char *path, const BsModel *model, const BsRunInfo *info,
               const BsRecordData *data, BsRunStatus status, GError **error)
{
  g_autoptr (BsRecorder) rec = bs_recorder_new (path, error);
  BsRunInfo start = *info;
  int64_t run, first, last;

  if (rec == NULL)
    return -1;
  time_span (data, &first, &last);
  if (start.t0_ns == 0)
    start.t0_ns = first;
  run = bs_recorder_begin_run (rec, model, &start, error);
  if (run < 0)
    return -1;
  /* A failed push is reported by end_run, with the reason. */
  push_all (rec, data);
  if (!bs_recorder_end_run_at (rec, status, MAX (last, start.t0_ns), error))
    return -1;
  return run;
}
