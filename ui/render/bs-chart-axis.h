/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-axis.h: tick placement and number formatting shared by the charts and the
 * tiles. Pure functions. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_AXIS_MAX_TICKS 32

typedef struct
{
  int n;
  double value[BS_AXIS_MAX_TICKS];
  double step;
} BsTicks;

/* Ticks at multiples of a 1-2-5 step covering [lo, hi], about @target of them. */
void bs_ticks_nice (double lo, double hi, int target, BsTicks *ticks);

/* Like bs_ticks_nice, over a range of nanoseconds, with steps that are 1-2-5 multiples
 * of a power of ten seconds (so labels stay round). */
void bs_ticks_time (int64_t lo_ns, int64_t hi_ns, int target, BsTicks *ticks);

/* Rounds [*lo, *hi] outwards to the ticks bs_ticks_nice would choose, with a minimum span. */
void bs_range_nice (double *lo, double *hi, double min_span, int target);

/* A time offset (ns, from the run start) as an axis label with as many decimals as the
 * tick step needs: "12 s", "12.5 s", "12.345 s", "1:05:00". */
char *bs_format_time_tick (double ns, double step_ns);

/* A duration: "380 µs", "1.25 ms", "2.00 s". NaN: "—". */
char *bs_format_duration (double ns);

/* Three significant digits with an SI prefix and the unit: "4.72 W", "380 mJ", "1.25 M". */
char *bs_format_si (double value, const char *unit);

/* A value axis label: the SI prefix of the largest tick and as many decimals as the
 * step needs, the same for every tick of the axis: "4.90 W", "4.95 W", "100 µs". */
char *bs_format_tick (double value, const BsTicks *ticks, const char *unit);

/* An op count: "2.36 M", "442 k", "96". */
char *bs_format_count (uint64_t n);

G_END_DECLS
