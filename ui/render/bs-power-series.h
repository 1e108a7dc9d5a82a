/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-series.h: the power history of a run, kept whole (hours of samples), with a
 * min/max pyramid so that any time range decimates to one min/max pair per pixel column in
 * time proportional to the number of columns, not of samples. GLib only. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct _BsPowerSeries BsPowerSeries;

BsPowerSeries *bs_power_series_new (void);
void bs_power_series_free (BsPowerSeries *series);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsPowerSeries, bs_power_series_free)

void bs_power_series_clear (BsPowerSeries *series);

/* Times must not go backwards: an earlier time is moved up to the last one (meters
 * deliver in order; a clock step must not break the search). Non-finite values are
 * dropped. */
void bs_power_series_append (BsPowerSeries *series, int64_t t_ns, double value);

gsize bs_power_series_get_n (const BsPowerSeries *series);
int64_t bs_power_series_get_time (const BsPowerSeries *series, gsize i);
double bs_power_series_get_value (const BsPowerSeries *series, gsize i);
/* FALSE when empty. */
gboolean bs_power_series_get_span (const BsPowerSeries *series, int64_t *first_ns, int64_t *last_ns);

/* The index of the first sample at or after t_ns (n if none). */
gsize bs_power_series_lower_bound (const BsPowerSeries *series, int64_t t_ns);

/* min and max over samples [i0, i1), i0 < i1: O(levels × fan-out). */
void bs_power_series_minmax (const BsPowerSeries *series, gsize i0, gsize i1, double *min,
                             double *max);

/* Mean over [from_ns, to_ns), NaN without samples: for short, recent windows (tiles). */
double bs_power_series_mean (const BsPowerSeries *series, int64_t from_ns, int64_t to_ns);

/* One column per pixel: columns n_columns over [t_start, t_end). Column c gets the min and
 * max of the samples inside it; a column without samples gets the value interpolated
 * between its neighbours when they are at most @gap_ns apart, and NaN (a gap in the trace)
 * otherwise. Returns the number of samples in the range. */
gsize bs_power_series_decimate (const BsPowerSeries *series, int64_t t_start, int64_t t_end,
                                guint n_columns, int64_t gap_ns, float *min, float *max);

/* Bytes held (for the benchmark report). */
gsize bs_power_series_get_memory (const BsPowerSeries *series);

G_END_DECLS
