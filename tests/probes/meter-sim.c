/* SPDX-License-Identifier: GPL-3.0-or-later */
/* meter-sim.c: the simulated meters. Frame layouts are written from the public protocol
 * descriptions (see docs/probes.md), independently of the probes' decoders. */
#include "meter-sim.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <nettle/aes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct _MeterSim
{
  MeterSimConfig config;
  char *link;
  GThread *thread;
  gint stopping;
  GMutex lock;                  /* guards the logs */
  GArray *frames;               /* MeterSimFrame */
  guint n_disconnects;
  GRand *rand;
  int master;                   /* -1 while disconnected */
  int slave;                    /* kept open so the master never reads EIO between users */
  int64_t t_start_ns;
  guint frame_count;
  GByteArray *input;            /* request bytes not yet matched */
  /* PPK2 */
  gboolean streaming;
  int64_t stream_t0_ns;
  guint64 stream_sent;
  double ppk2_vdd_mv;
  GArray *ppk2_currents;        /* double */
  guint64 ppk2_overflowed;
  guint chunk_count;
};

/* The TC66C's AES-256 key, as published in protocol write-ups (e.g. the TC66C Python
 * readers' TC66Decryptor); the probe has its own copy. */
static const guint8 tc66c_key[32] = {
  0x58, 0x21, 0xfa, 0x56, 0x01, 0xb2, 0xf0, 0x26, 0x87, 0xff, 0x12, 0x04, 0x62, 0x2a, 0x4f, 0xb0,
  0x86, 0xf4, 0x02, 0x60, 0x81, 0x6f, 0x9a, 0x0b, 0xa7, 0xf1, 0x06, 0x61, 0x9a, 0xb8, 0x72, 0x88,
};

/* PPK2 calibration constants the simulator reports in its metadata (per range 0..4). */
static const double ppk2_r[5] = { 1031.64, 101.65, 10.15, 0.94, 0.043 };
static const double ppk2_o[5] = { 112.7, 75.49, 66.6, 73.39, 67.21 };
static const double ppk2_gi[5] = { 1.0, 0.99, 1.01, 1.0, 0.98 };
static const double ppk2_ug[5] = { 1.0, 1.0, 1.02, 0.99, 1.0 };
static const double ppk2_i[5] = { 0.0, 1e-6, 0.0, 2e-5, 0.0 };

static int64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sleep_until (int64_t t_ns)
{
  int64_t left = t_ns - now_ns ();

  if (left > 0)
    g_usleep ((gulong) (left / 1000));
}

static double
default_power (int64_t t0, int64_t t1, gpointer data)
{
  const int n = 16;
  double sum = 0;

  for (int i = 0; i < n; i++)
    {
      double t = (t0 + (t1 - t0) * (i + 0.5) / n) * 1e-9;
      sum += 2.0 + sin (2 * G_PI * t / 1.3);
    }
  return sum / n;
}

void
meter_sim_config_init (MeterSimConfig *config, MeterSimProtocol protocol, const char *link)
{
  *config = (MeterSimConfig) { 0 };
  config->protocol = protocol;
  config->link = link;
  config->bus_voltage = 5.1;
  config->latency_ns = 80000000;
  config->window_ns = 100000000;
  config->seed = 1;
  config->ppk2_rate_hz = 100000;
}

/* ---- the pty ---- */

static gboolean
open_pty (MeterSim *sim)
{
  struct termios tio;
  const char *name;
  int master = posix_openpt (O_RDWR | O_NOCTTY);

  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  name = ptsname (master);
  sim->slave = open (name, O_RDWR | O_NOCTTY);
  g_assert_cmpint (sim->slave, >=, 0);
  /* Raw from the start, so nothing the simulator writes is echoed back as a request. */
  tcgetattr (sim->slave, &tio);
  cfmakeraw (&tio);
  tcsetattr (sim->slave, TCSANOW, &tio);
  fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK);
  g_unlink (sim->link);
  g_assert_cmpint (symlink (name, sim->link), ==, 0);
  sim->master = master;
  return TRUE;
}

static void
close_pty (MeterSim *sim)
{
  g_unlink (sim->link);
  if (sim->master >= 0)
    close (sim->master);
  if (sim->slave >= 0)
    close (sim->slave);
  sim->master = sim->slave = -1;
  sim->streaming = FALSE;
  g_byte_array_set_size (sim->input, 0);
}

/* Writes all of @data (the master is non-blocking); FALSE if the pty would not take it
 * within @patience_ns, or the simulator stops. */
static gboolean
write_within (MeterSim *sim, const guint8 *data, gsize n, int64_t patience_ns)
{
  gsize done = 0;
  int64_t give_up = now_ns () + patience_ns;

  while (done < n && now_ns () < give_up && !g_atomic_int_get (&sim->stopping))
    {
      ssize_t w = write (sim->master, data + done, n - done);
      if (w > 0)
        done += (gsize) w;
      else
        g_usleep (200);
    }
  return done == n;
}

static gboolean
write_all (MeterSim *sim, const guint8 *data, gsize n)
{
  return write_within (sim, data, n, 200000000);
}

/* ---- frames ---- */

static void
put_be16 (guint8 *p, guint v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static void
put_be32 (guint8 *p, guint32 v)
{
  put_be16 (p, v >> 16);
  put_be16 (p + 2, v & 0xffff);
}

static void
put_le32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

/* The UM frame for @f; the meter rounds to its resolution, which @f is updated to. */
static void
build_um (MeterSimProtocol protocol, MeterSimFrame *f, gboolean corrupt, guint8 *frame)
{
  static const guint16 ids[] = { 0x0963, 0x09C9, 0x0D4C };
  double vres = protocol == METER_SIM_UM25C ? 0.001 : 0.01;
  double ires = protocol == METER_SIM_UM25C ? 0.0001 : 0.001;
  guint v = (guint) lround (f->voltage / vres), i = (guint) lround (f->current / ires);

  memset (frame, 0, 130);
  put_be16 (frame, ids[protocol]);
  put_be16 (frame + 2, v);
  put_be16 (frame + 4, i);
  put_be32 (frame + 6, (guint32) lround (v * vres * i * ires * 1000));
  put_be16 (frame + 10, (guint) f->temperature);
  put_be16 (frame + 12, (guint) (f->temperature * 9 / 5 + 32));
  put_be16 (frame + 96, 60);
  put_be16 (frame + 98, 62);
  put_be32 (frame + 106, 1234);
  f->voltage = v * vres;
  f->current = i * ires;
  if (protocol == METER_SIM_UM34C)
    {
      guint8 x = 0;
      for (int k = 0; k < 129; k++)
        x ^= frame[k];
      frame[129] = corrupt ? (guint8) (x ^ 0x5a) : x;
    }
  else
    {
      put_be16 (frame + 128, 0xFFF1);
      if (corrupt)
        frame[129] = 0xF2;
    }
}

/* CRC-16/MODBUS (reflected 0xA001, initial 0xFFFF), bit by bit. */
static guint16
crc16_modbus (const guint8 *data, gsize n)
{
  guint16 crc = 0xFFFF;

  for (gsize i = 0; i < n; i++)
    {
      crc ^= data[i];
      for (int b = 0; b < 8; b++)
        crc = (crc & 1) ? (guint16) ((crc >> 1) ^ 0xA001) : (guint16) (crc >> 1);
    }
  return crc;
}

static void
seal_tc66c_block (guint8 *block, const char *magic)
{
  guint16 crc;

  memcpy (block, magic, 4);
  crc = crc16_modbus (block, 60);
  block[60] = (guint8) crc;
  block[61] = (guint8) (crc >> 8);
}

static void
build_tc66c (MeterSimFrame *f, gboolean corrupt, guint8 *frame)
{
  guint8 plain[192] = { 0 };
  struct aes256_ctx aes;
  guint32 v = (guint32) lround (f->voltage / 1e-4), i = (guint32) lround (f->current / 1e-5);

  memcpy (plain + 4, "TC66", 4);
  memcpy (plain + 8, "1.14", 4);
  put_le32 (plain + 12, 12345);
  put_le32 (plain + 44, 7);
  put_le32 (plain + 48, v);
  put_le32 (plain + 52, i);
  put_le32 (plain + 56, (guint32) lround (v * 1e-4 * i * 1e-5 / 1e-4));
  put_le32 (plain + 64 + 24, 0);
  put_le32 (plain + 64 + 28, (guint32) f->temperature);
  put_le32 (plain + 64 + 32, 60);
  put_le32 (plain + 64 + 36, 62);
  seal_tc66c_block (plain, "pac1");
  seal_tc66c_block (plain + 64, "pac2");
  seal_tc66c_block (plain + 128, "pac3");
  if (corrupt)
    plain[50] ^= 0x10;          /* a flipped bit after the CRC was computed */
  f->voltage = v * 1e-4;
  f->current = i * 1e-5;
  aes256_set_encrypt_key (&aes, tc66c_key);
  aes256_encrypt (&aes, sizeof plain, frame, plain);
}

static double
window_mean_power (MeterSim *sim, int64_t t_true)
{
  int64_t half = sim->config.window_ns / 2;
  MeterSimPowerFunc power = sim->config.power != NULL ? sim->config.power : default_power;

  return power (t_true - half, t_true + half, sim->config.power_data);
}

/* Drops 3 bytes from the middle of @frame: a lossy Bluetooth link. */
static gsize
drop_bytes (guint8 *frame, gsize n)
{
  memmove (frame + n / 2, frame + n / 2 + 3, n - n / 2 - 3);
  return n - 3;
}

static gboolean
every (guint n, guint count)
{
  return n > 0 && count % n == n - 1;
}

static gboolean
is_silent (MeterSim *sim, int64_t t)
{
  const MeterSimConfig *c = &sim->config;

  return c->silent_for_ns > 0 && t >= sim->t_start_ns + c->silent_after_ns
         && t < sim->t_start_ns + c->silent_after_ns + c->silent_for_ns;
}

/* Answers one request after latency + jitter, unless the meter is silent. */
static void
answer_request (MeterSim *sim, int64_t t_request)
{
  const MeterSimConfig *c = &sim->config;
  int64_t jitter = c->jitter_ns > 0 ? (int64_t) g_rand_double_range (sim->rand, 0, (double) c->jitter_ns) : 0;
  MeterSimFrame f = { 0 };
  guint8 frame[192];
  gsize n = c->protocol == METER_SIM_TC66C ? 192 : 130;
  guint count = sim->frame_count++;
  gboolean bad = every (c->bad_checksum_every, count), lossy = every (c->drop_bytes_every, count);

  if (is_silent (sim, t_request))
    return;
  sleep_until (t_request + c->latency_ns + jitter);
  f.t_sent_ns = now_ns ();
  f.t_true_ns = f.t_sent_ns - c->latency_ns;
  f.voltage = c->bus_voltage;
  f.current = window_mean_power (sim, f.t_true_ns) / c->bus_voltage;
  f.temperature = 31;
  if (c->protocol == METER_SIM_TC66C)
    build_tc66c (&f, bad, frame);
  else
    build_um (c->protocol, &f, bad, frame);
  f.corrupted = bad || lossy;
  if (lossy)
    n = drop_bytes (frame, n);
  if (!write_all (sim, frame, n))
    return;
  g_mutex_lock (&sim->lock);
  g_array_append_val (sim->frames, f);
  g_mutex_unlock (&sim->lock);
}

/* ---- PPK2 ---- */

static void
answer_ppk2_metadata (MeterSim *sim)
{
  g_autoptr (GString) text = g_string_new ("Calibrated: 0\n");

  for (int r = 0; r < 5; r++)
    g_string_append_printf (text, "R%d: %.4f\nGS%d: 0\nGI%d: %.4f\nO%d: %.4f\nS%d: 0\nI%d: %.7f\nUG%d: %.4f\n",
                            r, ppk2_r[r], r, r, ppk2_gi[r], r, ppk2_o[r], r, r, ppk2_i[r], r, ppk2_ug[r]);
  g_string_append_printf (text, "VDD: %.0f\nHW: 9173\nmode: 2\nIA: 56\nEND\n", sim->ppk2_vdd_mv);
  write_all (sim, (const guint8 *) text->str, text->len);
}

/* Encodes current @amps as the PPK2 does: the range whose resistor keeps the ADC in 14 bits,
 * and the inverse of its calibration (without the quadratic term, which is 0 here).
 * Returns the word; *decoded is what the word means. */
static guint32
ppk2_encode (double amps, double vdd_mv, guint counter, double *decoded)
{
  const double adc_mult = 1.8 / 163840;

  for (int r = 0; r < 5; r++)
    {
      double x = amps / ppk2_ug[r] - ppk2_i[r];
      double adc = x / ppk2_gi[r] * ppk2_r[r] / adc_mult + ppk2_o[r];
      long a = lround (adc);

      if (a > 16383 && r < 4)
        continue;
      a = CLAMP (a, 0, 16383);
      *decoded = ppk2_ug[r] * ((a - ppk2_o[r]) * adc_mult / ppk2_r[r] * ppk2_gi[r] + ppk2_i[r]);
      (void) vdd_mv;
      return (guint32) a | ((guint32) r << 14) | ((guint32) (counter & 63) << 18);
    }
  g_assert_not_reached ();
}

static void
stream_ppk2 (MeterSim *sim)
{
  const MeterSimConfig *c = &sim->config;
  MeterSimPowerFunc power = c->power != NULL ? c->power : default_power;
  guint64 due = (guint64) ((now_ns () - sim->stream_t0_ns) * c->ppk2_rate_hz / 1e9);
  guint64 n = MIN (due - MIN (due, sim->stream_sent), 4096);
  g_autofree guint8 *bytes = g_malloc (n * 4 + 4);
  g_autofree double *amps = g_new (double, n + 1);
  gsize len = n * 4;

  if (n == 0)
    return;
  for (guint64 k = 0; k < n; k++)
    {
      guint64 index = sim->stream_sent + k;
      int64_t t = sim->stream_t0_ns + (int64_t) (index * 1e9 / c->ppk2_rate_hz);
      double watts = power (t, t, c->power_data);
      guint32 word = ppk2_encode (watts / (sim->ppk2_vdd_mv / 1000), sim->ppk2_vdd_mv, (guint) index, &amps[k]);
      put_le32 (bytes + 4 * k, word);
    }
  if (every (c->drop_bytes_every, sim->chunk_count++) && len >= 8)
    len = drop_bytes (bytes, len);
  /* A host that falls behind holds the stream up rather than lose samples: the tests
   * compare every sample (lost bytes are simulated on purpose, with drop_bytes_every). */
  if (!write_within (sim, bytes, len, INT64_C (10000000000)))
    sim->ppk2_overflowed += n;
  else
    {
      g_mutex_lock (&sim->lock);
      g_array_append_vals (sim->ppk2_currents, amps, (guint) n);
      g_mutex_unlock (&sim->lock);
    }
  sim->stream_sent += n;
}

/* One-byte commands, some with arguments; returns bytes consumed (0: need more). */
static guint
ppk2_command (MeterSim *sim, const guint8 *in, guint n)
{
  switch (in[0])
    {
    case 0x19:                  /* get metadata */
      answer_ppk2_metadata (sim);
      return 1;
    case 0x06:                  /* average start */
      sim->streaming = TRUE;
      sim->stream_t0_ns = now_ns ();
      sim->stream_sent = 0;
      return 1;
    case 0x07:                  /* average stop */
      sim->streaming = FALSE;
      return 1;
    case 0x0d:                  /* regulator set: two bytes, millivolts big-endian */
      if (n < 3)
        return 0;
      sim->ppk2_vdd_mv = ((guint) in[1] << 8) | in[2];
      return 3;
    case 0x0c:                  /* DUT power on/off */
    case 0x11:                  /* power mode: 1 ampere meter, 2 source meter */
      return n < 2 ? 0 : 2;
    default:
      return 1;
    }
}

/* ---- the thread ---- */

static void
handle_input (MeterSim *sim, int64_t t)
{
  guint8 buf[256];
  ssize_t r = read (sim->master, buf, sizeof buf);

  if (r <= 0)
    return;
  g_byte_array_append (sim->input, buf, (guint) r);
  if (sim->config.protocol == METER_SIM_PPK2)
    {
      guint used;
      while (sim->input->len > 0 && (used = ppk2_command (sim, sim->input->data, sim->input->len)) > 0)
        g_byte_array_remove_range (sim->input, 0, used);
      return;
    }
  if (sim->config.protocol == METER_SIM_TC66C)
    {
      if (sim->input->len >= 5 && memcmp (sim->input->data + sim->input->len - 5, "getva", 5) == 0)
        {
          g_byte_array_set_size (sim->input, 0);
          answer_request (sim, t);
        }
      return;
    }
  for (guint i = 0; i < sim->input->len; i++)
    if (sim->input->data[i] == 0xF0)
      {
        g_byte_array_set_size (sim->input, 0);
        answer_request (sim, t);
        return;
      }
  g_byte_array_set_size (sim->input, 0);
}

static void
maybe_disconnect (MeterSim *sim)
{
  const MeterSimConfig *c = &sim->config;

  if (c->disconnect_after_ns <= 0 || sim->n_disconnects > 0
      || now_ns () < sim->t_start_ns + c->disconnect_after_ns)
    return;
  close_pty (sim);
  g_mutex_lock (&sim->lock);
  sim->n_disconnects++;
  g_mutex_unlock (&sim->lock);
  sleep_until (now_ns () + c->disconnect_for_ns);
  open_pty (sim);
}

static gpointer
sim_thread (gpointer data)
{
  MeterSim *sim = data;

  while (!g_atomic_int_get (&sim->stopping))
    {
      struct pollfd p = { sim->master, POLLIN, 0 };

      maybe_disconnect (sim);
      p.fd = sim->master;
      if (poll (&p, 1, 1) > 0 && (p.revents & POLLIN))
        handle_input (sim, now_ns ());
      if (sim->streaming)
        stream_ppk2 (sim);
    }
  return NULL;
}

MeterSim *
meter_sim_start (const MeterSimConfig *config)
{
  MeterSim *sim = g_new0 (MeterSim, 1);

  sim->config = *config;
  sim->link = g_strdup (config->link);
  sim->config.link = sim->link;
  g_mutex_init (&sim->lock);
  sim->frames = g_array_new (FALSE, FALSE, sizeof (MeterSimFrame));
  sim->ppk2_currents = g_array_new (FALSE, FALSE, sizeof (double));
  sim->input = g_byte_array_new ();
  sim->rand = g_rand_new_with_seed (config->seed);
  sim->ppk2_vdd_mv = 3300;
  sim->master = sim->slave = -1;
  open_pty (sim);
  sim->t_start_ns = now_ns ();
  sim->thread = g_thread_new ("meter-sim", sim_thread, sim);
  return sim;
}

void
meter_sim_stop (MeterSim *sim)
{
  g_atomic_int_set (&sim->stopping, TRUE);
  g_thread_join (sim->thread);
  close_pty (sim);
  g_array_unref (sim->frames);
  g_array_unref (sim->ppk2_currents);
  g_byte_array_unref (sim->input);
  g_rand_free (sim->rand);
  g_mutex_clear (&sim->lock);
  g_free (sim->link);
  g_free (sim);
}

GArray *
meter_sim_frames (MeterSim *sim)
{
  GArray *copy;

  g_mutex_lock (&sim->lock);
  copy = g_array_copy (sim->frames);
  g_mutex_unlock (&sim->lock);
  return copy;
}

guint
meter_sim_n_disconnects (MeterSim *sim)
{
  guint n;

  g_mutex_lock (&sim->lock);
  n = sim->n_disconnects;
  g_mutex_unlock (&sim->lock);
  return n;
}

GArray *
meter_sim_ppk2_currents (MeterSim *sim)
{
  GArray *copy;

  g_mutex_lock (&sim->lock);
  copy = g_array_copy (sim->ppk2_currents);
  g_mutex_unlock (&sim->lock);
  return copy;
}

int64_t
meter_sim_ppk2_stream_start_ns (MeterSim *sim)
{
  return sim->stream_t0_ns;
}

double
meter_sim_ppk2_voltage (MeterSim *sim)
{
  return sim->ppk2_vdd_mv / 1000;
}

guint64
meter_sim_ppk2_overflowed (MeterSim *sim)
{
  return sim->ppk2_overflowed;
}
