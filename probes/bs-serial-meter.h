/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-serial-meter.h: what the polled serial meters (RDTech UM24C/25C/34C, TC66C) share: a
 * thread that sends the meter's request at a fixed rate, reads one fixed-length frame,
 * has the protocol decode it, and turns what goes wrong into faults:
 *
 *   no answer            → stalled (once per episode)
 *   short frame          → bad data (bytes dropped on the way), input discarded
 *   decode refuses       → bad data (checksum, magic, model), input discarded
 *   value out of range   → bad data (implausible), the whole frame dropped
 *   hang-up, EIO, gone   → device gone; the port is reopened every 0.5 s, then reconnected
 *
 * A reading is stamped when the last byte of its frame arrives; the probe's latency (given,
 * or calibrated by `blendscope-cli calibrate`) is subtracted as for every probe.
 *
 * Spec options: port=PATH (required), rate=10 (requests per second), timeout=1s. */
#pragma once

#include "bs-probe-private.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;             /* "voltage" */
  BsQuantity quantity;
  gboolean derived;             /* computed from the others (V×I) */
  double min, max;              /* what the meter can show; outside is a corrupt frame */
} BsSerialMeterChannel;

typedef struct
{
  const char *model;            /* "UM34C", for labels and messages */
  guint baud;
  const guint8 *request;
  gsize request_len;
  gsize frame_len;
  const BsSerialMeterChannel *channels;
  guint n_channels;
  /* Fills @values (n_channels) from one frame; FALSE with *why (for a person) if the frame
   * is not a valid one of this meter. */
  gboolean (*decode) (const guint8 *frame, double *values, char **why);
} BsSerialMeterProtocol;

/* The BsProbeClass functions of a polled serial meter: a meter's file defines its protocol
 * and wraps these. */
BsProbe *bs_serial_meter_open (const BsProbeClass *klass, const BsSerialMeterProtocol *protocol,
                               const BsSpec *spec, GError **error);
gboolean bs_serial_meter_start (BsProbe *probe, GError **error);
void bs_serial_meter_stop (BsProbe *probe);
void bs_serial_meter_close (BsProbe *probe);

/* Listing: with port= in @spec, a handshake on that port (listed either way, with the
 * reason when it does not answer); without, a handshake on each path matching
 * @candidate_glob (NULL: none), listing those that answer. */
void bs_serial_meter_list (const BsProbeClass *klass, const BsSerialMeterProtocol *protocol,
                           const BsSpec *spec, const char *candidate_glob, GPtrArray *devices);

/* One request and its frame, for the handshake: TRUE with @values filled. */
gboolean bs_serial_meter_handshake (const BsSerialMeterProtocol *protocol, const char *port,
                                    int64_t timeout_ns, double *values, GError **error);

G_END_DECLS
