/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-synthetic.h: a simulated meter whose power is a known function of time.
 *
 * FOR TESTS AND DEMOS ONLY. It is compiled into the library so that tests can check
 * attribution against ground truth and so that demos run without hardware; everything it
 * produces is labelled simulated. It models what makes real meters hard: readings at a
 * slow rate, each the average of the power over a window (an integrating meter), arriving
 * a fixed delay after the window ends, with jitter and (optionally autocorrelated) noise;
 * and a meter that stalls or vanishes mid-run.
 *
 * Spec: synthetic[:rate=10][:delay=0][:window=PERIOD][:noise=0][:noise_corr=0][:jitter=0]
 *       [:seed=1][:shape=sine|square|constant][:level=5][:amplitude=1][:period=2s]
 *       [:gone_after=DURATION][:stall_after=DURATION:stall_for=DURATION]
 * (delay is the meter's true latency; the common latency= option is what gets subtracted.)
 */
#pragma once

#include "bs-probe.h"
#include "bs-virtual-clock.h"

G_BEGIN_DECLS

/* The true power at @t_ns. Called from the probe's thread (or the clock's). */
typedef double (*BsSyntheticPowerFunc) (int64_t t_ns, gpointer user_data);

typedef struct
{
  BsSyntheticPowerFunc power;   /* NULL: 5 W with a 1 W, 2 s sine on top */
  gpointer power_data;
  double rate_hz;               /* readings per second */
  int64_t delay_ns;             /* end of a reading's window → its arrival */
  int64_t window_ns;            /* averaging window; 0 = instantaneous; < 0 = one period */
  double noise_w;               /* standard deviation of the noise */
  double noise_corr;            /* lag-one correlation of the noise (AR(1)), in [0, 1) */
  int64_t jitter_ns;            /* extra arrival delay, uniform in [0, jitter) */
  guint32 seed;
  int64_t gone_after_ns;        /* vanishes this long after start; < 0: never */
  int64_t stall_after_ns;       /* sends nothing from stall_after to stall_after + stall_for */
  int64_t stall_for_ns;         /* 0: no stall */
  BsVirtualClock *clock;        /* NULL: real time, in its own thread */
} BsSyntheticConfig;

/* 10 Hz, a one-period window, no delay, no noise, no faults, real time. */
void bs_synthetic_config_init (BsSyntheticConfig *config);
BsProbe *bs_probe_synthetic_new (const BsSyntheticConfig *config, GError **error);

G_END_DECLS
