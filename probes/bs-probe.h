/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe.h: the power-probe interface.
 *
 * A probe is one power source (a libsigrok meter, Linux hwmon sensors, RAPL counters, an
 * Alveo board's XMC, or the test-only synthetic source). It is opened from a spec string
 * in the form sigrok-cli users know:
 *
 *   NAME[:WORD][:key=value]...      e.g.  sigrok:demo
 *                                          sigrok:rdtech-um:conn=/dev/ttyUSB0
 *                                          hwmon:root=/sys/class/hwmon:rate=20
 *                                          rapl   xmc:bdf=0000:3b:00.1   synthetic:rate=10
 *
 * A part without '=' after an option continues that option's value, so addresses need no
 * escaping: "xmc:bdf=0000:3b:00.1", "sigrok:mooshimeter-dmm:conn=bt/ble/00:11:22:33:44:55"
 * ("\:" also stands for a literal ':').
 * Options every probe takes: latency=DURATION (subtracted from every timestamp; when absent
 * the value stored by `blendscope-cli calibrate` for this meter is used), min_w=, max_w=
 * (the plausible range of power readings; outside it a sample becomes an out-of-range fault).
 *
 * Life cycle: open → [start → stop]... → close. Samples and faults go to a BsProbeSink.
 * A probe never aborts on a missing or vanishing device: that is a fault event, and the
 * capture of the other channels goes on.
 */
#pragma once

#include "bs-events.h"
#include "bs-spec.h"

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_PROBE_ERROR (bs_probe_error_quark ())

typedef enum
{
  BS_PROBE_ERROR_SPEC,          /* malformed spec, unknown option, bad value */
  BS_PROBE_ERROR_UNKNOWN,       /* no probe of that name */
  BS_PROBE_ERROR_UNAVAILABLE,   /* not built in, or no such device on this machine */
  BS_PROBE_ERROR_PERMISSION,    /* the device exists but may not be read */
  BS_PROBE_ERROR_FAILED,        /* the device or the library refused */
  BS_PROBE_ERROR_NO_DATA,       /* the capture produced nothing usable */
} BsProbeError;

GQuark bs_probe_error_quark (void);

typedef enum
{
  BS_PROBE_FAULT_DEVICE_GONE,   /* the device or a channel's file disappeared */
  BS_PROBE_FAULT_STALLED,       /* no data for longer than the probe's stall timeout */
  BS_PROBE_FAULT_OUT_OF_RANGE,  /* a reading outside the plausible range; it is dropped */
  BS_PROBE_FAULT_BAD_DATA,      /* a frame failed its checksum or framing, or was short or
                                   implausible; it is dropped */
  BS_PROBE_FAULT_RECONNECTED,   /* not a fault: the device is back after DEVICE_GONE; kept
                                   as a marker like the faults */
} BsProbeFaultKind;

typedef struct
{
  BsProbeFaultKind kind;
  int32_t channel;              /* index into the channel list, or -1 for the whole device */
  int64_t t_ns;                 /* when it was noticed, on the probe's clock */
  const char *message;          /* a sentence for a person; valid during the callback only */
} BsProbeFault;

const char *bs_probe_fault_kind_to_string (BsProbeFaultKind kind);

typedef struct
{
  const char *name;             /* "A0", "ina226/power1", "package-0"; lives as the probe */
  BsQuantity quantity;
  BsUnit unit;
  gboolean derived;             /* computed (V×I, or differenced energy), not read */
  double resolution;            /* the finest step worth storing, in the unit; 0: the
                                   store's default (1 µW, 1 µV, 1 µA) */
} BsProbeChannel;

/* Where a probe delivers. Both callbacks are called from the probe's own thread (for the
 * synthetic source on a virtual clock: from the thread that advances that clock), never
 * from the thread that called bs_probe_start(), and never concurrently with each other for
 * one probe. They must be quick and must not call back into the probe; hand data to other
 * threads through a queue or g_main_context_invoke(). @samples is valid during the call only. */
typedef struct
{
  void (*samples) (const BsSample *samples, guint n_samples, gpointer user_data);
  void (*fault) (const BsProbeFault *fault, gpointer user_data);   /* may be NULL */
  gpointer user_data;
} BsProbeSink;

/* "sigrok:demo:samplerate=10" → name "sigrok", word "demo", options {samplerate: "10"}:
 * bs_spec_parse() with ':' between options; syntax errors become BS_PROBE_ERROR_SPEC. */
BsSpec *bs_probe_spec_parse (const char *text, GError **error);
/* Fails with BS_PROBE_ERROR_SPEC naming the first option not in @known (NULL-terminated)
 * nor one of the options every probe takes. */
gboolean bs_probe_spec_check (const BsSpec *spec, const char *const *known, GError **error);
/* Typed getters: @fallback when the key is absent, an error when the value is malformed.
 * Durations take s/ms/us/ns suffixes (bare = seconds); rates take Hz/kHz (bare = Hz). */
gboolean bs_probe_spec_get_double (const BsSpec *spec, const char *key, double fallback,
                                   double *value, GError **error);
gboolean bs_probe_spec_get_duration (const BsSpec *spec, const char *key, int64_t fallback_ns,
                                     int64_t *value_ns, GError **error);
gboolean bs_probe_spec_get_rate (const BsSpec *spec, const char *key, double fallback_hz,
                                 double *value_hz, GError **error);

typedef struct _BsProbe BsProbe;

/* One implementation, like a libsigrok driver. Registered in probes/bs-probes.c. */
typedef struct
{
  const char *name;             /* the spec prefix: "sigrok", "hwmon", ... */
  const char *description;
  /* Appends a BsProbeDevice for each device found (or one unavailable entry saying why
   * none). @spec holds options such as root=, or is NULL for the defaults. Never fails. */
  void (*list) (const BsSpec *spec, GPtrArray *devices);
  BsProbe *(*open) (const BsSpec *spec, GError **error);
  gboolean (*start) (BsProbe *probe, GError **error);
  void (*stop) (BsProbe *probe);          /* waits until no more callbacks come */
  void (*close) (BsProbe *probe);         /* frees the implementation's part */
} BsProbeClass;

/* What `blendscope-cli probes` shows. */
typedef struct
{
  char *probe;                  /* class name */
  char *spec;                   /* what to give --probe; NULL when unavailable */
  char *label;                  /* "demo meter (simulated)", "ina226 (hwmon2)" */
  char *detail;                 /* channels, or why it is not available */
  gboolean available;
  gboolean simulated;           /* not a real measurement: always say so when shown */
  gboolean attached;            /* a dedicated meter on this machine: a default candidate */
} BsProbeDevice;

BsProbeDevice *bs_probe_device_new (const char *probe, const char *spec, const char *label,
                                    const char *detail, gboolean available, gboolean simulated);
void bs_probe_device_free (BsProbeDevice *device);

/* The registry (bs-probes.c). */
const BsProbeClass *const *bs_probe_classes (guint *n_classes);
const BsProbeClass *bs_probe_class_find (const char *name);

/* Devices of every probe (@spec NULL), or of the one probe @spec names, with its options. */
GPtrArray *bs_probe_list (const char *spec);
/* The fallback when no meter is attached: "sigrok:demo" when libsigrok is built in, else
 * "synthetic". Both are simulated and labelled so. */
const char *bs_probe_default_spec (void);
/* The first meter attached to this machine (a device a libsigrok scan finds, an Alveo
 * board's XMC, a TI INA power monitor under hwmon; never RAPL, which every x86 machine has,
 * nor GPU or battery sensors), else bs_probe_default_spec(). It lists every probe, which
 * may take a second. */
char *bs_probe_pick_default (void);
/* The choice bs_probe_pick_default() makes, over devices already listed (the app lists on
 * a thread of its own): the spec of the first attached, available, not simulated device,
 * or NULL when there is none (then the default is bs_probe_default_spec()). */
const char *bs_probe_choose_default (const GPtrArray *devices);

/* @spec NULL means bs_probe_pick_default(). */
BsProbe *bs_probe_open (const char *spec, GError **error);
void bs_probe_close (BsProbe *probe);
/* Copies @sink. Fails if already running. */
gboolean bs_probe_start (BsProbe *probe, const BsProbeSink *sink, GError **error);
/* Returns after the last callback. Safe to call when not running. */
void bs_probe_stop (BsProbe *probe);
gboolean bs_probe_is_running (const BsProbe *probe);

const char *bs_probe_get_spec (const BsProbe *probe);
/* For people: "demo meter (simulated)". */
const char *bs_probe_get_label (const BsProbe *probe);
/* Names the physical meter (class, driver, conn/root/bdf), the key under which its
 * calibrated latency is stored. */
const char *bs_probe_get_meter_id (const BsProbe *probe);
gboolean bs_probe_is_simulated (const BsProbe *probe);

/* Channels may be appended once data starts (libsigrok drivers announce a quantity only
 * with data, and V×I power appears when both halves have been seen); indices never change. */
guint bs_probe_get_n_channels (BsProbe *probe);
/* The pointer lives as long as the probe. */
const BsProbeChannel *bs_probe_get_channel (BsProbe *probe, guint index);
/* The first channel of @quantity, whose name is @name when @name is not NULL; -1 if none. */
int bs_probe_find_channel (BsProbe *probe, BsQuantity quantity, const char *name);

/* The latency subtracted from every timestamp. Set only while stopped; @origin (NULL:
 * "set by the program") says where the value comes from. */
int64_t bs_probe_get_latency_ns (const BsProbe *probe);
void bs_probe_set_latency_ns (BsProbe *probe, int64_t latency_ns, const char *origin);
/* Where the latency came from: "given in the probe spec", "calibrated <date> (<file>)",
 * "none", or what bs_probe_set_latency_ns() was told. */
const char *bs_probe_get_latency_origin (const BsProbe *probe);

G_END_DECLS
