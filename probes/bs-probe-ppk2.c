/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-ppk2.c: Nordic Power Profiler Kit II, over its USB CDC serial port, read by
 * blendscope itself. Written from the protocol as Nordic's own tools use it (nRF Connect
 * Power Profiler is the reference), not from other code.
 *
 * Spec: ppk2:port=/dev/ttyACM0[:voltage=3.3][:mode=source|ampere][:stall=1s]
 * (listing also takes sysfs=/sys, so that tests point discovery at a fake tree)
 *
 * Protocol: one-byte commands, some with arguments: 0x19 metadata (answered with text
 * lines "KEY: value" ending "END"), 0x11 power mode (1 ampere meter, 2 source meter),
 * 0x0D regulator in mV (big-endian 16 bits, 800–5000), 0x0C DUT power (0/1), 0x06 start and
 * 0x07 stop the 100 kSa/s stream. Each sample is a little-endian 32-bit word: ADC value
 * bits 0–13, range bits 14–16, a 6-bit counter at bits 18–23, logic inputs at 24–31.
 * Current in range r: x = (adc − O_r)·(1.8 / 163840) / R_r, then
 * I = UG_r·(x·(GS_r·x + GI_r) + S_r·VDD/1000 + I_r), with R, O, GS, GI, S, I, UG from the
 * metadata. The counter finds lost bytes: a word is taken only when it and the next one
 * count up; on a jump the stream is re-aligned past the cut on three words that do, the
 * gap is a fault and the sample index skips the lost samples, so times stay right.
 *
 * Times: sample i is at t0 + i/f, fitted from (index, arrival) with the one clock's rate
 * fit (bs-clock-align.h), as the sigrok probe does for sampled devices. Channels: current
 * (A) and power (W, derived: current × the source voltage, or the voltage= given in
 * ampere mode). */
#include "bs-probe-private.h"

#include "bs-clock-align.h"
#include "bs-serial.h"

#include <math.h>
#include <string.h>

#define PPK2_RATE_HZ 100000.0
#define PPK2_RANGES 5
#define FIT_WINDOW_NS INT64_C (30000000000)
#define REOPEN_INTERVAL_NS INT64_C (500000000)

enum
{
  CMD_AVERAGE_START = 0x06,
  CMD_AVERAGE_STOP = 0x07,
  CMD_DEVICE_RUNNING_SET = 0x0C,
  CMD_REGULATOR_SET = 0x0D,
  CMD_SET_POWER_MODE = 0x11,
  CMD_GET_META_DATA = 0x19,
};

typedef struct
{
  double r[PPK2_RANGES], o[PPK2_RANGES], gs[PPK2_RANGES], gi[PPK2_RANGES];
  double s[PPK2_RANGES], i[PPK2_RANGES], ug[PPK2_RANGES];
} Calibration;

typedef struct
{
  BsProbe parent;
  char *port;
  double voltage;
  gboolean source_mode;
  int64_t stall_ns;
  Calibration cal;
  int fd;
  GThread *thread;
  GCancellable *cancellable;
  /* the reading thread's */
  GByteArray *pending;
  BsRateFit *fit;
  int64_t next_index;
  int next_counter;             /* -1: not yet known */
  GArray *out;                  /* BsSample */
} BsProbePpk2;

static const char *const known_keys[] = { "port", "voltage", "mode", "stall", NULL };

/* ---- metadata ---- */

static gboolean
parse_calibration_line (Calibration *cal, const char *key, double value)
{
  static const char *const names[] = { "R", "O", "GS", "GI", "S", "I", "UG" };
  double *tables[] = { cal->r, cal->o, cal->gs, cal->gi, cal->s, cal->i, cal->ug };

  for (guint t = 0; t < G_N_ELEMENTS (names); t++)
    {
      gsize len = strlen (names[t]);
      if (strncmp (key, names[t], len) == 0 && key[len] >= '0' && key[len] < '0' + PPK2_RANGES
          && key[len + 1] == '\0')
        {
          tables[t][key[len] - '0'] = value;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
parse_metadata (const char *text, Calibration *cal, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint seen = 0;

  *cal = (Calibration) { 0 };
  for (guint i = 0; i < PPK2_RANGES; i++)
    cal->gi[i] = cal->ug[i] = 1.0;
  for (guint l = 0; lines[l] != NULL; l++)
    {
      g_auto (GStrv) kv = g_strsplit (lines[l], ":", 2);
      char *end = NULL;
      double v;

      if (kv[0] == NULL || kv[1] == NULL)
        continue;
      v = g_ascii_strtod (g_strstrip (kv[1]), &end);
      if (end != kv[1] && *end == '\0' && parse_calibration_line (cal, g_strstrip (kv[0]), v))
        seen++;
    }
  for (guint r = 0; r < PPK2_RANGES; r++)
    if (!(cal->r[r] > 0))
      {
        g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_FAILED,
                     "ppk2: its metadata has no usable resistor value R%u (%u values read)", r, seen);
        return FALSE;
      }
  return TRUE;
}

/* Sends the metadata command and reads text up to "END". */
static gboolean
read_metadata (int fd, const char *port, Calibration *cal, GError **error)
{
  static const guint8 cmd[] = { CMD_GET_META_DATA };
  g_autoptr (GString) text = g_string_new (NULL);
  int64_t deadline = bs_clock_now_ns () + 2000000000;
  guint8 buf[512];
  gsize got;

  bs_serial_discard_input (fd);
  if (bs_serial_write (fd, cmd, sizeof cmd, deadline, NULL) != BS_SERIAL_OK)
    goto silent;
  while (strstr (text->str, "END") == NULL)
    {
      if (bs_serial_read (fd, buf, sizeof buf, FALSE, deadline, NULL, &got) != BS_SERIAL_OK)
        goto silent;
      g_string_append_len (text, (const char *) buf, (gssize) got);
      if (text->len > 8192)
        break;
    }
  return parse_metadata (text->str, cal, error);

silent:
  g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE,
               "no PPK2 answered on %s (no metadata ending in END within 2 s)", port);
  return FALSE;
}

/* ---- the stream ---- */

/* Source meter: the PPK2 powers the device at voltage= and is told to switch it on.
 * Ampere meter: an external supply powers it; the regulator and DUT power are left alone. */
static gboolean
send_start (BsProbePpk2 *self)
{
  guint mv = (guint) lround (self->voltage * 1000);
  const guint8 source[] = {
    CMD_SET_POWER_MODE, 2, CMD_REGULATOR_SET, (guint8) (mv >> 8), (guint8) mv,
    CMD_DEVICE_RUNNING_SET, 1, CMD_AVERAGE_START,
  };
  const guint8 ampere[] = { CMD_SET_POWER_MODE, 1, CMD_AVERAGE_START };
  const guint8 *cmd = self->source_mode ? source : ampere;
  gsize n = self->source_mode ? sizeof source : sizeof ampere;

  return bs_serial_write (self->fd, cmd, n, bs_clock_now_ns () + 1000000000, NULL) == BS_SERIAL_OK;
}

static double
to_amps (const Calibration *c, guint adc, guint r, double vdd_v)
{
  double x = (adc - c->o[r]) * (1.8 / 163840) / c->r[r];

  return c->ug[r] * (x * (c->gs[r] * x + c->gi[r]) + c->s[r] * vdd_v + c->i[r]);
}

static guint32
word_at (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static int
counter_of (guint32 word)
{
  return (int) ((word >> 18) & 63);
}

/* Whether the words at @p and @p + 4 look like consecutive samples: the counter counts
 * up and the ranges exist. A word cut by lost bytes passes this by chance 1 in 64 at
 * most; two in a row (as required everywhere) 1 in 4096. */
static gboolean
consecutive (const guint8 *p)
{
  guint32 a = word_at (p), b = word_at (p + 4);

  return counter_of (b) == ((counter_of (a) + 1) & 63) && ((a >> 14) & 7) < PPK2_RANGES
         && ((b >> 14) & 7) < PPK2_RANGES;
}

/* After a counter jump detected at @p (the word there, or the one after it, holds the cut):
 * the first offset (0..3) where the words at +4, +8 and +12 count up, or -1. */
static int
find_alignment (const guint8 *p, gsize n)
{
  for (int off = 0; off < 4 && (gsize) off + 20 <= n; off++)
    if (consecutive (p + off + 4) && consecutive (p + off + 8))
      return off;
  return -1;
}

static void
append_sample (BsProbePpk2 *self, guint32 word, int64_t index)
{
  guint r = (word >> 14) & 7;
  double amps = to_amps (&self->cal, word & 0x3FFF, r, self->voltage);
  BsSample s = { index, 0, BS_QUANTITY_CURRENT, BS_UNIT_AMPERE, amps };

  g_array_append_val (self->out, s);
  s = (BsSample) { index, 1, BS_QUANTITY_POWER, BS_UNIT_WATT, amps * self->voltage };
  g_array_append_val (self->out, s);
}

/* A jump in the counter at @p: bytes or samples were lost, and the cut lies in the word at
 * @p or the next one, so the words from @p + 8 on are whole. Re-aligns there, says how
 * many samples were lost, and returns the bytes to skip; -1 when more bytes are needed. */
static int
resync (BsProbePpk2 *self, const guint8 *p, gsize n, int64_t t_ns)
{
  int off = find_alignment (p, n);
  int lost;

  if (off < 0)
    return n >= 23 ? 1 : -1;    /* no alignment in 4 offsets: garbage, step over a byte */
  lost = (counter_of (word_at (p + off + 8)) - self->next_counter) & 63;
  bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_BAD_DATA, -1, t_ns,
                       "PPK2 on %s: sample counter jumped (%d sample%s lost); the stream is "
                       "re-aligned", self->port, lost, lost == 1 ? "" : "s");
  self->next_index += lost;
  self->next_counter = counter_of (word_at (p + off + 8));
  return off + 8;
}

/* Turns the complete words in pending into samples; keeps a partial word. */
static void
decode_pending (BsProbePpk2 *self, int64_t arrival_ns)
{
  const guint8 *p = self->pending->data;
  gsize n = self->pending->len, pos = 0;
  int64_t first = self->next_index;

  g_array_set_size (self->out, 0);
  /* A word is taken when the next one has come and agrees, so one waits for the next read. */
  while (pos + 8 <= n)
    {
      guint32 word = word_at (p + pos);

      if ((self->next_counter >= 0 && counter_of (word) != self->next_counter) || !consecutive (p + pos))
        {
          int skip = resync (self, p + pos, n - pos, arrival_ns);
          if (skip < 0)
            break;
          pos += (gsize) skip;
          continue;
        }
      append_sample (self, word, self->next_index++);
      self->next_counter = (counter_of (word) + 1) & 63;
      pos += 4;
    }
  g_byte_array_remove_range (self->pending, 0, (guint) pos);
  if (self->next_index == first || self->out->len == 0)
    return;
  bs_rate_fit_add (self->fit, self->next_index - 1, arrival_ns);
  for (guint k = 0; k < self->out->len; k++)
    {
      BsSample *s = &g_array_index (self->out, BsSample, k);
      s->t_ns = bs_rate_fit_time (self->fit, s->t_ns);
    }
  bs_probe_emit (&self->parent, (BsSample *) self->out->data, self->out->len);
}

static void
reset_stream (BsProbePpk2 *self)
{
  g_byte_array_set_size (self->pending, 0);
  g_clear_pointer (&self->fit, bs_rate_fit_free);
  self->fit = bs_rate_fit_new (PPK2_RATE_HZ, FIT_WINDOW_NS);
  self->next_index = 0;
  self->next_counter = -1;
}

/* Reopens the port every interval until it is back or the capture stops. */
static gboolean
reconnect (BsProbePpk2 *self)
{
  while (!g_cancellable_is_cancelled (self->cancellable))
    {
      g_autoptr (GError) error = NULL;

      g_usleep (REOPEN_INTERVAL_NS / 1000);
      self->fd = bs_serial_open (self->port, 115200, &error);
      if (self->fd < 0)
        continue;
      if (read_metadata (self->fd, self->port, &self->cal, &error) && send_start (self))
        {
          bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_RECONNECTED, -1, bs_clock_now_ns (),
                               "PPK2 on %s is back; the stream restarts", self->port);
          reset_stream (self);
          return TRUE;
        }
      bs_serial_close (self->fd);
      self->fd = -1;
    }
  return FALSE;
}

static gpointer
ppk2_thread (gpointer data)
{
  BsProbePpk2 *self = data;
  guint8 buf[16384];
  gboolean stalled = FALSE;

  while (!g_cancellable_is_cancelled (self->cancellable))
    {
      gsize got = 0;
      BsSerialStatus status = bs_serial_read (self->fd, buf, sizeof buf, FALSE,
                                              bs_clock_now_ns () + self->stall_ns, self->cancellable,
                                              &got);
      int64_t t_ns = bs_clock_now_ns ();

      if (status == BS_SERIAL_OK)
        {
          stalled = FALSE;
          g_byte_array_append (self->pending, buf, (guint) got);
          decode_pending (self, t_ns);
        }
      else if (status == BS_SERIAL_TIMEOUT && !stalled)
        {
          stalled = TRUE;
          bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_STALLED, -1, t_ns,
                               "PPK2 on %s: no samples for %.1f s", self->port, self->stall_ns / 1e9);
        }
      else if (status == BS_SERIAL_GONE)
        {
          bs_serial_close (self->fd);
          self->fd = -1;
          bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_DEVICE_GONE, -1, t_ns,
                               "PPK2 on %s went away (hang-up or I/O error); reopening it every %.1f s",
                               self->port, REOPEN_INTERVAL_NS / 1e9);
          if (!reconnect (self))
            break;
        }
    }
  return NULL;
}

static gboolean
ppk2_start (BsProbe *probe, GError **error)
{
  BsProbePpk2 *self = (BsProbePpk2 *) probe;

  if (self->fd < 0)
    self->fd = bs_serial_open (self->port, 115200, error);
  if (self->fd < 0)
    return FALSE;
  reset_stream (self);
  bs_serial_discard_input (self->fd);
  if (!send_start (self))
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_FAILED, "PPK2 on %s: cannot send the start commands",
                   self->port);
      return FALSE;
    }
  self->cancellable = g_cancellable_new ();
  self->thread = g_thread_new ("bs-ppk2", ppk2_thread, self);
  return TRUE;
}

static void
ppk2_stop (BsProbe *probe)
{
  BsProbePpk2 *self = (BsProbePpk2 *) probe;
  static const guint8 cmd[] = { CMD_AVERAGE_STOP };

  g_cancellable_cancel (self->cancellable);
  g_thread_join (self->thread);
  self->thread = NULL;
  g_clear_object (&self->cancellable);
  if (self->fd >= 0)
    bs_serial_write (self->fd, cmd, sizeof cmd, bs_clock_now_ns () + 200000000, NULL);
}

static void
ppk2_close (BsProbe *probe)
{
  BsProbePpk2 *self = (BsProbePpk2 *) probe;

  bs_serial_close (self->fd);
  g_free (self->port);
  g_byte_array_unref (self->pending);
  g_array_unref (self->out);
  g_clear_pointer (&self->fit, bs_rate_fit_free);
}

/* ---- opening and listing ---- */

static gboolean
parse_options (const BsSpec *spec, double *voltage, gboolean *source_mode, int64_t *stall_ns,
               GError **error)
{
  const char *mode = bs_spec_get (spec, "mode");

  if (!bs_probe_spec_check (spec, known_keys, error)
      || !bs_probe_spec_get_double (spec, "voltage", 3.3, voltage, error)
      || !bs_probe_spec_get_duration (spec, "stall", 1000000000, stall_ns, error))
    return FALSE;
  if (mode != NULL && strcmp (mode, "source") != 0 && strcmp (mode, "ampere") != 0)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC, "ppk2: mode=%s is not source or ampere", mode);
      return FALSE;
    }
  *source_mode = mode == NULL || strcmp (mode, "source") == 0;
  if (*source_mode && (*voltage < 0.8 || *voltage > 5.0))
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                   "ppk2: voltage=%g is outside the source meter's 0.8–5 V", *voltage);
      return FALSE;
    }
  if (bs_spec_get (spec, "port") == NULL)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC, "ppk2: which serial port? (port=/dev/ttyACM0)");
      return FALSE;
    }
  return TRUE;
}

static BsProbe *
ppk2_open (const BsSpec *spec, GError **error)
{
  const char *port = bs_spec_get (spec, "port");
  g_autofree char *label = NULL;
  BsProbePpk2 *self;
  Calibration cal;
  double voltage;
  gboolean source_mode;
  int64_t stall_ns;
  int fd;

  if (!parse_options (spec, &voltage, &source_mode, &stall_ns, error))
    return NULL;
  fd = bs_serial_open (port, 115200, error);
  if (fd < 0)
    return NULL;
  if (!read_metadata (fd, port, &cal, error))
    {
      bs_serial_close (fd);
      return NULL;
    }
  self = g_new0 (BsProbePpk2, 1);
  label = g_strdup_printf ("PPK2 on %s%s", port,
                           bs_serial_is_pseudo_terminal (port) ? " (pseudo-terminal: simulated)" : "");
  bs_probe_init (&self->parent, &bs_probe_ppk2_class, spec, label, bs_serial_is_pseudo_terminal (port));
  self->port = g_strdup (port);
  self->voltage = voltage;
  self->source_mode = source_mode;
  self->stall_ns = stall_ns;
  self->cal = cal;
  self->fd = fd;
  self->pending = g_byte_array_new ();
  self->out = g_array_new (FALSE, FALSE, sizeof (BsSample));
  /* Its lowest range steps by about 10 nA: the store's default 1 µA would lose a sleeping
   * microcontroller entirely. */
  bs_probe_set_channel_resolution (&self->parent,
                                   bs_probe_add_channel (&self->parent, "current", BS_QUANTITY_CURRENT, FALSE),
                                   1e-9);
  bs_probe_set_channel_resolution (&self->parent,
                                   bs_probe_add_channel (&self->parent, "power", BS_QUANTITY_POWER, TRUE),
                                   1e-9);
  return &self->parent;
}

/* A PPK2 has Nordic's USB ids 1915:c00a; its CDC ACM tty is found through sysfs. */
static void
list_by_usb_ids (const char *sys_root, GPtrArray *devices)
{
  g_autofree char *class_dir = g_build_filename (sys_root, "class", "tty", NULL);
  g_autoptr (GDir) dir = g_dir_open (class_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *vid_path = g_build_filename (class_dir, name, "device", "..", "idVendor", NULL);
      g_autofree char *pid_path = g_build_filename (class_dir, name, "device", "..", "idProduct", NULL);
      g_autofree char *vid = NULL, *pid = NULL, *spec = NULL, *label = NULL;

      if (!g_file_get_contents (vid_path, &vid, NULL, NULL)
          || !g_file_get_contents (pid_path, &pid, NULL, NULL)
          || strcmp (g_strstrip (vid), "1915") != 0 || strcmp (g_strstrip (pid), "c00a") != 0)
        continue;
      spec = g_strdup_printf ("ppk2:port=/dev/%s", name);
      label = g_strdup_printf ("Nordic PPK2 on /dev/%s", name);
      g_ptr_array_add (devices, bs_probe_device_new ("ppk2", spec, label,
                                                     "USB 1915:c00a; current and power at 100 kSa/s",
                                                     TRUE, FALSE));
      ((BsProbeDevice *) devices->pdata[devices->len - 1])->attached = TRUE;
    }
}

static void
list_port (const char *port, GPtrArray *devices)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("ppk2:port=%s", port);
  g_autofree char *label = g_strdup_printf ("PPK2 on %s", port);
  gboolean pty = bs_serial_is_pseudo_terminal (port);
  Calibration cal;
  int fd = bs_serial_open (port, 115200, &error);
  BsProbeDevice *device;

  if (fd >= 0 && read_metadata (fd, port, &cal, &error))
    {
      device = bs_probe_device_new ("ppk2", spec, label, "current and power at 100 kSa/s (metadata read)",
                                    TRUE, pty);
      device->attached = TRUE;
    }
  else
    device = bs_probe_device_new ("ppk2", NULL, label, error->message, FALSE, pty);
  bs_serial_close (fd);
  g_ptr_array_add (devices, device);
}

static void
ppk2_list (const BsSpec *spec, GPtrArray *devices)
{
  const char *port = spec != NULL ? bs_spec_get (spec, "port") : NULL;
  const char *sys = spec != NULL && bs_spec_get (spec, "sysfs") ? bs_spec_get (spec, "sysfs") : "/sys";
  guint before = devices->len;

  if (port != NULL)
    {
      list_port (port, devices);
      return;
    }
  list_by_usb_ids (sys, devices);
  if (devices->len == before)
    g_ptr_array_add (devices, bs_probe_device_new ("ppk2", NULL, "Nordic PPK2",
                                                   "no USB device 1915:c00a; give its port: ppk2:port=PATH",
                                                   FALSE, FALSE));
}

const BsProbeClass bs_probe_ppk2_class = {
  .name = "ppk2",
  .description = "Nordic Power Profiler Kit II (100 kSa/s current, source or ampere meter)",
  .list = ppk2_list,
  .open = ppk2_open,
  .start = ppk2_start,
  .stop = ppk2_stop,
  .close = ppk2_close,
};
