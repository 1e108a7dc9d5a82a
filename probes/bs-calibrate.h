/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-calibrate.h: measuring a meter's latency with a known load.
 *
 * The load is switched on and off in slots of random length (so that no lag but the true
 * one lines the pattern up with the power trace), the meter is read with no latency
 * subtracted, and bs_latency_estimate() finds the lag. The result is stored per meter with
 * bs_meter_store_save() by the caller. */
#pragma once

#include "bs-clock-align.h"
#include "bs-probe.h"
#include "bs-virtual-clock.h"

G_BEGIN_DECLS

/* A load the calibration turns on and off: a CPU burner, or a backend looping a layer. */
typedef struct
{
  void (*busy) (int64_t duration_ns, gpointer user_data);   /* blocks while loading */
  void (*idle) (int64_t duration_ns, gpointer user_data);   /* blocks while idle */
  gpointer user_data;
  BsNowFunc now;                /* NULL: bs_clock_now_ns() */
  gpointer now_data;
} BsLoad;

typedef struct
{
  int64_t duration_ns;          /* the pattern's length: 40 s */
  int64_t min_slot_ns;          /* slot lengths, uniform in [min, max]: 0.4 s */
  int64_t max_slot_ns;          /* 1.6 s */
  int64_t max_latency_ns;       /* lags tried: 0 … 2 s */
  int64_t step_ns;              /* in steps of 1 ms */
  double min_correlation;       /* below this the meter does not see the load: 0.5 */
  guint32 seed;
  const char *channel;          /* NULL: the first power channel */
} BsCalibrateConfig;

void bs_calibrate_config_init (BsCalibrateConfig *config);

/* Busy intervals of a random pattern starting at @t0_ns (idle first); for tests and for
 * bs_calibrate_latency(). */
GArray *bs_calibrate_pattern (const BsCalibrateConfig *config, int64_t t0_ns);

/* Runs the pattern on @load while capturing from @probe (stopped; its latency is set to 0
 * for the capture and restored afterwards). */
gboolean bs_calibrate_latency (BsProbe *probe, const BsLoad *load, const BsCalibrateConfig *config,
                               BsLatencyEstimate *out, GError **error);

G_END_DECLS
