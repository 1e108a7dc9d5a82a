/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-serial-meter.c: the polling thread, faults and reconnection of a request/response
 * serial meter. */
#include "bs-serial-meter.h"

#include "bs-poller.h"
#include "bs-serial.h"

#include <glob.h>
#include <math.h>
#include <string.h>

#define REOPEN_INTERVAL_NS INT64_C (500000000)

typedef struct
{
  BsProbe parent;
  const BsSerialMeterProtocol *protocol;
  char *port;
  int64_t period_ns;
  int64_t timeout_ns;
  int fd;                       /* -1 while the device is gone */
  guint8 *frame;
  double *values;
  BsPoller *poller;
  GCancellable *cancellable;
  gboolean stall_reported;
  int64_t next_open_ns;
} BsSerialMeter;

static const char *const known_keys[] = { "port", "rate", "timeout", NULL };

/* ---- one exchange ---- */

/* Sends the request and reads one frame. *got says how much of it came. */
static BsSerialStatus
exchange (const BsSerialMeterProtocol *protocol, int fd, guint8 *frame, int64_t timeout_ns,
          GCancellable *cancellable, gsize *got)
{
  int64_t deadline = bs_clock_now_ns () + timeout_ns;
  BsSerialStatus status;

  *got = 0;
  bs_serial_discard_input (fd);
  status = bs_serial_write (fd, protocol->request, protocol->request_len, deadline, cancellable);
  if (status != BS_SERIAL_OK)
    return status;
  return bs_serial_read (fd, frame, protocol->frame_len, TRUE, deadline, cancellable, got);
}

/* The first channel whose value the meter cannot show, or -1. */
static int
implausible_channel (const BsSerialMeterProtocol *protocol, const double *values)
{
  for (guint i = 0; i < protocol->n_channels; i++)
    if (!isfinite (values[i]) || values[i] < protocol->channels[i].min
        || values[i] > protocol->channels[i].max)
      return (int) i;
  return -1;
}

/* Decodes and checks a complete frame; FALSE with *why. */
static gboolean
decode_frame (const BsSerialMeterProtocol *protocol, const guint8 *frame, double *values,
              char **why)
{
  int bad;

  if (!protocol->decode (frame, values, why))
    return FALSE;
  bad = implausible_channel (protocol, values);
  if (bad < 0)
    return TRUE;
  *why = g_strdup_printf ("implausible %s %g %s (the meter shows %g to %g)",
                          protocol->channels[bad].name, values[bad],
                          bs_unit_to_string (bs_quantity_unit (protocol->channels[bad].quantity)),
                          protocol->channels[bad].min, protocol->channels[bad].max);
  return FALSE;
}

gboolean
bs_serial_meter_handshake (const BsSerialMeterProtocol *protocol, const char *port,
                           int64_t timeout_ns, double *values, GError **error)
{
  g_autofree guint8 *frame = g_malloc0 (protocol->frame_len);
  g_autofree char *why = NULL;
  int fd = bs_serial_open (port, protocol->baud, error);
  BsSerialStatus status;
  gsize got;

  if (fd < 0)
    return FALSE;
  status = exchange (protocol, fd, frame, timeout_ns, NULL, &got);
  bs_serial_close (fd);
  if (status != BS_SERIAL_OK)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE,
                   "no %s answered on %s: %s (%zu of %zu bytes in %.0f ms)", protocol->model, port,
                   status == BS_SERIAL_GONE ? "the port hung up" : "no complete frame", got,
                   protocol->frame_len, timeout_ns / 1e6);
      return FALSE;
    }
  if (!decode_frame (protocol, frame, values, &why))
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE,
                   "%s does not answer like a %s: %s", port, protocol->model, why);
      return FALSE;
    }
  return TRUE;
}

/* ---- capture ---- */

static void
emit_frame (BsSerialMeter *self, int64_t t_ns)
{
  const BsSerialMeterProtocol *protocol = self->protocol;
  BsSample *out = g_newa (BsSample, protocol->n_channels);

  for (guint i = 0; i < protocol->n_channels; i++)
    out[i] = (BsSample) { t_ns, (int32_t) i, protocol->channels[i].quantity,
                          bs_quantity_unit (protocol->channels[i].quantity), self->values[i] };
  bs_probe_emit (&self->parent, out, protocol->n_channels);
}

static void
port_gone (BsSerialMeter *self, int64_t t_ns)
{
  bs_serial_close (self->fd);
  self->fd = -1;
  self->next_open_ns = t_ns + REOPEN_INTERVAL_NS;
  bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_DEVICE_GONE, -1, t_ns,
                       "%s on %s went away (hang-up or I/O error); reopening it every %.1f s",
                       self->protocol->model, self->port, REOPEN_INTERVAL_NS / 1e9);
}

/* While the device is gone: one reopen attempt per interval. TRUE once it is back. */
static gboolean
try_reconnect (BsSerialMeter *self, int64_t now)
{
  g_autoptr (GError) error = NULL;

  if (now < self->next_open_ns)
    return FALSE;
  self->fd = bs_serial_open (self->port, self->protocol->baud, &error);
  if (self->fd < 0)
    {
      self->next_open_ns = now + REOPEN_INTERVAL_NS;
      return FALSE;
    }
  bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_RECONNECTED, -1, now,
                       "%s on %s is back; readings resume", self->protocol->model, self->port);
  return TRUE;
}

static void
report_bad_frame (BsSerialMeter *self, int64_t t_ns, const char *why)
{
  bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_BAD_DATA, -1, t_ns,
                       "%s on %s: %s; the frame is dropped", self->protocol->model, self->port, why);
  bs_serial_discard_input (self->fd);
}

static void
handle_timeout (BsSerialMeter *self, int64_t t_ns, gsize got)
{
  g_autofree char *why = NULL;

  if (got > 0)
    {
      why = g_strdup_printf ("short frame, %zu of %zu bytes (bytes lost on the way)", got,
                             self->protocol->frame_len);
      report_bad_frame (self, t_ns, why);
      return;
    }
  if (self->stall_reported)
    return;
  self->stall_reported = TRUE;
  bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_STALLED, -1, t_ns,
                       "%s on %s does not answer (nothing within %.0f ms)", self->protocol->model,
                       self->port, self->timeout_ns / 1e6);
}

static void
meter_poll (int64_t due_ns, gpointer data)
{
  BsSerialMeter *self = data;
  g_autofree char *why = NULL;
  BsSerialStatus status;
  int64_t t_ns;
  gsize got;

  if (self->fd < 0 && !try_reconnect (self, bs_clock_now_ns ()))
    return;
  status = exchange (self->protocol, self->fd, self->frame, self->timeout_ns, self->cancellable,
                     &got);
  t_ns = bs_clock_now_ns ();
  switch (status)
    {
    case BS_SERIAL_CANCELLED:
      return;
    case BS_SERIAL_GONE:
      port_gone (self, t_ns);
      return;
    case BS_SERIAL_TIMEOUT:
      handle_timeout (self, t_ns, got);
      return;
    case BS_SERIAL_OK:
      break;
    }
  self->stall_reported = FALSE;
  if (!decode_frame (self->protocol, self->frame, self->values, &why))
    report_bad_frame (self, t_ns, why);
  else
    emit_frame (self, t_ns);
}

gboolean
bs_serial_meter_start (BsProbe *probe, GError **error)
{
  BsSerialMeter *self = (BsSerialMeter *) probe;

  self->stall_reported = FALSE;
  self->cancellable = g_cancellable_new ();
  self->poller = bs_poller_start ("bs-serial-meter", self->period_ns, meter_poll, self);
  return TRUE;
}

void
bs_serial_meter_stop (BsProbe *probe)
{
  BsSerialMeter *self = (BsSerialMeter *) probe;

  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->poller, bs_poller_stop);
  g_clear_object (&self->cancellable);
}

void
bs_serial_meter_close (BsProbe *probe)
{
  BsSerialMeter *self = (BsSerialMeter *) probe;

  bs_serial_close (self->fd);
  g_free (self->port);
  g_free (self->frame);
  g_free (self->values);
}

/* ---- opening ---- */

static char *
make_label (const BsSerialMeterProtocol *protocol, const char *port)
{
  return g_strdup_printf ("%s on %s%s", protocol->model, port,
                          bs_serial_is_pseudo_terminal (port) ? " (pseudo-terminal: simulated)" : "");
}

BsProbe *
bs_serial_meter_open (const BsProbeClass *klass, const BsSerialMeterProtocol *protocol,
                      const BsSpec *spec, GError **error)
{
  const char *port = bs_spec_get (spec, "port");
  g_autofree double *values = g_new0 (double, protocol->n_channels);
  g_autofree char *label = NULL;
  BsSerialMeter *self;
  int64_t timeout_ns;
  double rate;

  if (!bs_probe_spec_check (spec, known_keys, error)
      || !bs_probe_spec_get_rate (spec, "rate", 10.0, &rate, error)
      || !bs_probe_spec_get_duration (spec, "timeout", 1000000000, &timeout_ns, error))
    return NULL;
  if (port == NULL)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                   "%s: which serial port? (port=/dev/rfcomm0, port=/dev/ttyACM0, ...)", spec->name);
      return NULL;
    }
  /* A handshake now, so that a wrong port or a silent meter is an error, not a stall later. */
  if (!bs_serial_meter_handshake (protocol, port, timeout_ns, values, error))
    return NULL;
  self = g_new0 (BsSerialMeter, 1);
  label = make_label (protocol, port);
  bs_probe_init (&self->parent, klass, spec, label, bs_serial_is_pseudo_terminal (port));
  self->protocol = protocol;
  self->port = g_strdup (port);
  self->period_ns = (int64_t) (1e9 / rate);
  self->timeout_ns = timeout_ns;
  self->frame = g_malloc0 (protocol->frame_len);
  self->values = g_new0 (double, protocol->n_channels);
  self->fd = bs_serial_open (port, protocol->baud, error);
  if (self->fd < 0)
    {
      bs_probe_close (&self->parent);
      return NULL;
    }
  for (guint i = 0; i < protocol->n_channels; i++)
    bs_probe_add_channel (&self->parent, protocol->channels[i].name, protocol->channels[i].quantity,
                          protocol->channels[i].derived);
  return &self->parent;
}

/* ---- listing ---- */

/* A port found by scanning that does not answer is left out; one the user named is listed
 * as unavailable with the reason. */
static void
list_port (const BsProbeClass *klass, const BsSerialMeterProtocol *protocol, const char *port,
           gboolean named, GPtrArray *devices)
{
  g_autofree double *values = g_new0 (double, protocol->n_channels);
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("%s:port=%s", klass->name, port);
  g_autofree char *label = make_label (protocol, port);
  g_autoptr (GString) detail = g_string_new (NULL);
  gboolean pty = bs_serial_is_pseudo_terminal (port);
  BsProbeDevice *device;

  if (!bs_serial_meter_handshake (protocol, port, 500000000, values, &error))
    {
      if (named)
        g_ptr_array_add (devices, bs_probe_device_new (klass->name, NULL, label, error->message,
                                                     FALSE, pty));
      return;
    }
  for (guint i = 0; i < protocol->n_channels; i++)
    g_string_append_printf (detail, "%s%s %.4g %s", i ? ", " : "", protocol->channels[i].name,
                            values[i], bs_unit_to_string (bs_quantity_unit (protocol->channels[i].quantity)));
  device = bs_probe_device_new (klass->name, spec, label, detail->str, TRUE, pty);
  device->attached = TRUE;
  g_ptr_array_add (devices, device);
}

void
bs_serial_meter_list (const BsProbeClass *klass, const BsSerialMeterProtocol *protocol,
                      const BsSpec *spec, const char *candidate_glob, GPtrArray *devices)
{
  const char *port = spec != NULL ? bs_spec_get (spec, "port") : NULL;
  glob_t found = { 0 };
  guint before = devices->len;

  if (port != NULL)
    {
      list_port (klass, protocol, port, TRUE, devices);
      return;
    }
  if (candidate_glob != NULL && glob (candidate_glob, 0, NULL, &found) == 0)
    for (size_t i = 0; i < found.gl_pathc; i++)
      list_port (klass, protocol, found.gl_pathv[i], FALSE, devices);
  globfree (&found);
  if (devices->len == before)
    {
      g_autofree char *why = g_strdup_printf ("no %s found%s%s; give its port: %s:port=PATH",
                                              protocol->model, candidate_glob ? " on " : "",
                                              candidate_glob ? candidate_glob : "", klass->name);
      g_ptr_array_add (devices, bs_probe_device_new (klass->name, NULL, protocol->model, why,
                                                     FALSE, FALSE));
    }
}
