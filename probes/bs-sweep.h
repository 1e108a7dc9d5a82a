/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sweep.h: per-layer steady-state power measurement, independent of the backend.
 *
 * A layer lasts microseconds and a meter reads ten times a second, so each layer is looped
 * at steady state (the backend's layer-loop mode) for busy_ns while the meter reads, with
 * idle gaps of idle_ns before and after each loop:
 *
 *   idle | layer 0 loop | idle | layer 1 loop | idle | ... | layer N−1 loop | idle [| network | idle]
 *
 * repeated @repeats times. Readings within settle_ns of a phase boundary are not used (the
 * meter's window straddles it). Per layer: P_layer = mean of its loop readings, P_idle =
 * mean of the readings of the gaps on both sides (which cancels a linear drift of the
 * baseline), t_layer = loop time / iterations, and the energies of bs-energy.h with 95 %
 * batch-means intervals.
 *
 * The meter may stall or vanish mid-sweep: the sweep still runs every layer, records each
 * gap in the readings (from the probe's fault events and from spacing of more than three
 * median periods), reports layers without enough readings as NO_DATA rather than guessing,
 * and says so in plain sentences in @messages. */
#pragma once

#include "bs-energy.h"
#include "bs-probe.h"
#include "bs-sweep-target.h"
#include "bs-virtual-clock.h"

G_BEGIN_DECLS

typedef struct
{
  int64_t busy_ns;              /* each layer loop: 5 s */
  int64_t idle_ns;              /* each gap: 2 s */
  guint repeats;                /* rounds over all layers: 1 */
  int64_t settle_ns;            /* readings this close to a boundary are skipped; 0: one meter period */
  guint min_samples;            /* readings needed for a mean: 5 */
  const char *channel;          /* power channel name; NULL: the first power channel */
  int64_t network_ns;           /* whole-network run when the target has one: 10 s; 0: skip */
  BsNowFunc now;                /* NULL: bs_clock_now_ns() */
  gpointer now_data;
  /* Optional, on the caller's thread: before each phase ("layer 3/20: conv2"). */
  void (*progress) (const char *what, gpointer user_data);
  /* Optional, on the probe's thread: a fault as it happens. */
  void (*fault) (const BsProbeFault *fault, gpointer user_data);
  gpointer user_data;
} BsSweepConfig;

void bs_sweep_config_init (BsSweepConfig *config);

typedef enum
{
  BS_SWEEP_OK,
  BS_SWEEP_TOO_FEW_SAMPLES,     /* the loop was too short for this meter */
  BS_SWEEP_NO_DATA,             /* the meter had a gap where the loop ran */
  BS_SWEEP_FAILED,              /* the backend could not loop the layer */
} BsSweepStatus;

const char *bs_sweep_status_to_string (BsSweepStatus status);

typedef struct
{
  char *name;
  BsPrecision precision;
  BsSweepStatus status;
  int64_t iterations;           /* over all repeats */
  int64_t busy_ns;              /* loop time over all repeats */
  BsLayerEnergy energy;         /* energies NaN unless OK */
  gboolean baseline_from_run;   /* its own gaps had too few readings: the run's idle mean */
  double gap_fraction;          /* of its loop time inside meter gaps */
  char *note;                   /* why it is not OK, or a caveat; NULL if none */
} BsSweepLayer;

/* A stretch without readings. */
typedef struct
{
  int64_t t_start_ns;
  int64_t t_end_ns;
  char *reason;
} BsSweepGap;

typedef struct
{
  char *probe_label;
  gboolean simulated;
  char *channel;                /* the power channel used, NULL if none appeared */
  int64_t latency_ns;
  char *latency_origin;
  int64_t t_start_ns;           /* the sweep's clock; other times in messages are relative */
  int64_t t_end_ns;
  int64_t settle_ns;            /* as used */
  int64_t period_ns;            /* median spacing of the readings */
  guint n_samples;              /* power readings of the channel */
  GArray *layers;               /* BsSweepLayer, in layer order */
  GArray *gaps;                 /* BsSweepGap */
  GPtrArray *faults;            /* char*: "12.3 s: <probe message>" */
  GPtrArray *messages;          /* char*: what a person must know about this result */
  double idle_w;                /* mean of all idle readings */
  gboolean has_network;
  BsNetworkEnergy network;
} BsSweepResult;

void bs_sweep_result_clear (BsSweepResult *result);

/* Runs the sweep. FALSE only when the capture cannot start; a meter that stalls or goes
 * away mid-run still gives TRUE, with gaps, NO_DATA layers and messages. @probe must be
 * opened and stopped; it is stopped again on return. */
gboolean bs_sweep_run (BsProbe *probe, const BsSweepTarget *target, const BsSweepConfig *config,
                       BsSweepResult *out, GError **error);

/* The per-layer table, grouped binary / fixed-point / float with subtotals, the network
 * line, the gaps and the messages. */
char *bs_sweep_result_format (const BsSweepResult *result);

G_END_DECLS
