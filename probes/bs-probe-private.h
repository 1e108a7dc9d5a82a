/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-private.h: what probe implementations share. Not for users of probes. */
#pragma once

#include "bs-probe.h"

G_BEGIN_DECLS

/* The common part; each implementation's struct starts with it. */
struct _BsProbe
{
  const BsProbeClass *klass;
  char *spec;
  char *label;
  char *meter_id;
  gboolean simulated;

  int64_t latency_ns;
  char *latency_origin;
  double min_w;                 /* plausible power range; NaN = unbounded */
  double max_w;
  gboolean power_unsigned;      /* its measured (not derived) power channels cannot read
                                   below zero: a negative reading is a fault */

  GMutex lock;                  /* guards channels and out_of_range */
  GPtrArray *channels;          /* BsProbeChannel*, append-only */
  GArray *out_of_range;         /* gboolean per channel: a fault was reported */

  BsProbeSink sink;
  gboolean running;
};

/* Fills the common part. @label is shown to people; the meter id is derived from @spec. */
void bs_probe_init (BsProbe *probe, const BsProbeClass *klass, const BsSpec *spec,
                    const char *label, gboolean simulated);
/* Frees the common part (bs_probe_close calls it after klass->close). */
void bs_probe_finalize (BsProbe *probe);

/* Returns the new channel's index. Callable from the probe thread. */
int bs_probe_add_channel (BsProbe *probe, const char *name, BsQuantity quantity, gboolean derived);
/* For meters finer than the store's default resolution (the PPK2 resolves nanoamperes).
 * Call before the capture starts. */
void bs_probe_set_channel_resolution (BsProbe *probe, int channel, double resolution);

/* Subtracts the latency, drops non-finite and implausible readings (one out-of-range fault
 * per excursion), and hands the rest to the sink. Modifies @samples. */
void bs_probe_emit (BsProbe *probe, BsSample *samples, guint n_samples);
void bs_probe_emit_fault (BsProbe *probe, BsProbeFaultKind kind, int32_t channel, int64_t t_ns,
                          const char *format, ...) G_GNUC_PRINTF (5, 6);

/* The probe classes, defined one per file. */
extern const BsProbeClass bs_probe_hwmon_class;
extern const BsProbeClass bs_probe_rapl_class;
extern const BsProbeClass bs_probe_xmc_class;
extern const BsProbeClass bs_probe_synthetic_class;
extern const BsProbeClass bs_probe_um24c_class;
extern const BsProbeClass bs_probe_um25c_class;
extern const BsProbeClass bs_probe_um34c_class;
extern const BsProbeClass bs_probe_tc66c_class;
extern const BsProbeClass bs_probe_ppk2_class;
#ifdef BS_HAVE_LIBSIGROK
extern const BsProbeClass bs_probe_sigrok_class;
#endif

G_END_DECLS
