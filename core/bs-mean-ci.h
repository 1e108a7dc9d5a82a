/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-mean-ci.h: the mean of a power trace with a 95 % confidence interval.
 *
 * Readings of a slow meter are autocorrelated (each averages a window, the load itself
 * fluctuates slower than the meter, and noise filters in meters smooth across readings), so
 * the textbook interval s/sqrt(n), which assumes independent samples, is too narrow. The
 * interval here is by non-overlapping batch means: the series is cut into b consecutive
 * batches, the batch means are nearly independent when a batch is much longer than the
 * correlation time, and the interval is t(0.975, b − 1) · sd(batch means) / sqrt(b).
 * From 20 readings on, b = 10 (Schmeiser 1982: 10 to 30 batches lose little, and fewer,
 * longer batches are closer to independent), unless the readings stay correlated longer:
 * then a batch is at least 3 correlation times long, τ = (1 + r₁)/(1 − r₁) from the lag-one
 * autocorrelation r₁ as for an AR(1) process, and b = n / batch length (at least 2).
 * Below 20 readings, batches of 2; below 4, single readings. On AR(1) readings with
 * ρ = 0.8 this covers the true mean 92 % of the time where s/sqrt(n) covers 45 % (see
 * tests/probes/test-energy.c). Pure functions, no state; in core beside bs-stats.h, whose
 * t distribution and Welch–Satterthwaite it uses. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double mean;
  double half_width;            /* of the 95 % interval; NaN with fewer than 2 batches */
  double dof;                   /* degrees of freedom of the t quantile */
  guint n;                      /* samples */
  guint n_batches;
} BsMeanCI;

/* NaN mean and interval for n = 0. */
void bs_mean_ci (const double *x, gsize n, BsMeanCI *out);
/* The independent-samples interval, s·t(0.975, n − 1)/sqrt(n): for comparison only (the
 * tests show how it under-covers autocorrelated readings). */
void bs_mean_ci_iid (const double *x, gsize n, BsMeanCI *out);
/* a − b of two independent means, with the Welch–Satterthwaite degrees of freedom. */
void bs_mean_ci_difference (const BsMeanCI *a, const BsMeanCI *b, BsMeanCI *out);

G_END_DECLS
