/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-integral.h: the one reading of a power trace, and its integral.
 *
 * Readings are joined by straight lines and held flat before the first and after the
 * last: p̂(t). The energy over [A, B] is ∫ p̂, by trapezoids on A, every reading strictly
 * inside and B, which is exact for p̂. Probes (direct energy of an interval), the session
 * store (a run's energy) and the marker readout of the UI all integrate through here.
 *
 * Readings come through two getters, so that any layout serves (arrays, sample records,
 * a ring buffer): reading i's time in ns after an origin, as a double (the getter
 * subtracts in int64 first, exact for any clock), and its watts. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  double (*time) (gconstpointer data, gsize i);   /* ns after the origin, ascending */
  double (*value) (gconstpointer data, gsize i);  /* W */
  gconstpointer data;
  gsize first;               /* the readings visited are [first, last); with a window, */
  gsize last;                /* keep one reading either side of what is asked for */
} BsPowerReadings;

/* The common layout: parallel arrays of times and watts, read in ns after `origin`.
 * @arrays must outlive the readings. */
typedef struct
{
  const int64_t *t_ns;
  const double *w;
  int64_t origin;
} BsPowerArrays;

BsPowerReadings bs_power_readings_from_arrays (const BsPowerArrays *arrays, gsize first,
                                               gsize last);

/* p̂ at x ns after the origin; first < last. *hint (first, or the last answer's) makes
 * calls in nearly ascending x cheap: after the call it is the first reading later than x. */
double bs_power_at (const BsPowerReadings *readings, double x, gsize *hint);

/* ∫ p̂ from a to b >= a (ns after the origin), in joules; first < last. @max_gap_ns (may
 * be NULL) receives the longest step between the knots. */
double bs_power_integrate (const BsPowerReadings *readings, double a, double b,
                           double *max_gap_ns);

G_END_DECLS
