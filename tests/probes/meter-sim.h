/* SPDX-License-Identifier: GPL-3.0-or-later */
/* meter-sim.h: simulated USB power meters on a pseudo-terminal, for the probe tests.
 *
 * A simulator speaks one meter's protocol (RDTech UM24C/UM25C/UM34C, TC66C, Nordic PPK2)
 * on the master side of a pty; the probe opens the slave through a symlink (`link`) that
 * stays put across simulated disconnects, as /dev/rfcomm0 does when a Bluetooth meter
 * drops and comes back. Faults are configurable and deterministic (frame counts, a seed).
 *
 * Polled meters (UM, TC66C): on each request the simulator waits latency + jitter, then
 * answers with the mean power over the window of length `window` centred at
 * (reply time − latency). So a probe that subtracts `latency` from the arrival of the
 * last byte puts each reading where it belongs; that is what calibration must find.
 *
 * Every frame sent is logged (MeterSimFrame) as the test's oracle. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  METER_SIM_UM24C,
  METER_SIM_UM25C,
  METER_SIM_UM34C,
  METER_SIM_TC66C,
  METER_SIM_PPK2,
} MeterSimProtocol;

/* Mean power (W) the meter's load draws over [t0_ns, t1_ns] (CLOCK_MONOTONIC). */
typedef double (*MeterSimPowerFunc) (int64_t t0_ns, int64_t t1_ns, gpointer data);

typedef struct
{
  MeterSimProtocol protocol;
  const char *link;             /* the path the probe opens (a symlink to the pty slave) */
  double bus_voltage;           /* V (5.1 V); the PPK2's source voltage comes from the host */
  MeterSimPowerFunc power;      /* NULL: a 2 W + 1 W·sin(2π t / 1.3 s) load */
  gpointer power_data;
  int64_t latency_ns;           /* from the middle of the averaging window to the reply */
  int64_t jitter_ns;            /* uniform extra delay in [0, jitter] */
  int64_t window_ns;            /* averaging window of a reading (100 ms) */
  guint bad_checksum_every;     /* every Nth frame corrupted (checksum or magic); 0 never */
  guint drop_bytes_every;       /* every Nth frame loses 3 bytes on the way; 0 never */
  int64_t disconnect_after_ns;  /* the pty vanishes this long after start; 0 never */
  int64_t disconnect_for_ns;    /* and comes back (a new pty, same link) after this */
  int64_t silent_after_ns;      /* requests go unanswered from this long after start */
  int64_t silent_for_ns;        /* for this long (the port stays up: a stalled meter) */
  guint32 seed;
  /* PPK2 only: samples per second (100 kHz) */
  double ppk2_rate_hz;
} MeterSimConfig;

typedef struct
{
  int64_t t_sent_ns;            /* when the frame was written */
  int64_t t_true_ns;            /* the middle of the window it describes */
  double voltage;               /* what the frame encodes, after the meter's rounding */
  double current;
  double temperature;
  gboolean corrupted;           /* bad checksum, or bytes dropped: the probe must drop it */
} MeterSimFrame;

typedef struct _MeterSim MeterSim;

void meter_sim_config_init (MeterSimConfig *config, MeterSimProtocol protocol, const char *link);
/* Creates the pty and the link, and starts the simulator's thread. */
MeterSim *meter_sim_start (const MeterSimConfig *config);
void meter_sim_stop (MeterSim *sim);

/* A copy of the frames sent so far (MeterSimFrame). */
GArray *meter_sim_frames (MeterSim *sim);
guint meter_sim_n_disconnects (MeterSim *sim);

/* PPK2: the currents (A, after ADC rounding) of every sample streamed so far, in order,
 * the source voltage the host set (V), and the samples the pty could not take. */
GArray *meter_sim_ppk2_currents (MeterSim *sim);
double meter_sim_ppk2_voltage (MeterSim *sim);
/* When the latest stream started: the true time of its sample 0. */
int64_t meter_sim_ppk2_stream_start_ns (MeterSim *sim);
guint64 meter_sim_ppk2_overflowed (MeterSim *sim);

G_END_DECLS
