/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-probe-polled-meters.c: the RDTech UM24C/UM25C/UM34C and TC66C probes against their
 * simulators on pseudo-terminals (meter-sim.c): values and times match the frames the
 * simulator sent (the oracle), corrupted and short frames become faults and never
 * samples, a disconnect is a fault, a reconnect and readings again. Real time: each case
 * reads its meter for one or two seconds. */
#include "bs-probe.h"
#include "meter-sim.h"
#include "probe-capture.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct
{
  MeterSimProtocol protocol;
  const char *probe;
} Meter;

static const Meter meters[] = {
  { METER_SIM_UM24C, "um24c" },
  { METER_SIM_UM25C, "um25c" },
  { METER_SIM_UM34C, "um34c" },
  { METER_SIM_TC66C, "tc66c" },
};

typedef struct
{
  char *dir;
  char *link;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("bs-meter-XXXXXX", NULL);
  f->link = g_build_filename (f->dir, "meter", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_unlink (f->link);
  g_rmdir (f->dir);
  g_free (f->link);
  g_free (f->dir);
}

static BsProbe *
open_meter (const Meter *m, const char *link, const char *extra, int64_t latency_ns)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("%s:port=%s:latency=%" G_GINT64_FORMAT "ns%s", m->probe,
                                           link, latency_ns, extra != NULL ? extra : "");
  BsProbe *probe = bs_probe_open (spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (probe);
  return probe;
}

/* The good frames, in order. */
static GArray *
good_frames (MeterSim *sim)
{
  g_autoptr (GArray) all = meter_sim_frames (sim);
  GArray *good = g_array_new (FALSE, FALSE, sizeof (MeterSimFrame));

  for (guint i = 0; i < all->len; i++)
    if (!g_array_index (all, MeterSimFrame, i).corrupted)
      g_array_append_val (good, g_array_index (all, MeterSimFrame, i));
  return good;
}

/* Corrupted frames sent before @before_ns (G_MAXINT64: all). */
static guint
count_corrupted (MeterSim *sim, int64_t before_ns)
{
  g_autoptr (GArray) all = meter_sim_frames (sim);
  guint n = 0;

  for (guint i = 0; i < all->len; i++)
    n += g_array_index (all, MeterSimFrame, i).corrupted
         && g_array_index (all, MeterSimFrame, i).t_sent_ns < before_ns;
  return n;
}

/* Each corrupted frame is one bad-data fault; one sent as the probe stopped (within its
 * timeout, @settle_ns) may have been cut short by the stop instead. */
static void
check_bad_frames (MeterSim *sim, Capture *c, int64_t t_stop_ns, int64_t settle_ns)
{
  guint faults = capture_count_faults (c, BS_PROBE_FAULT_BAD_DATA);

  g_assert_cmpuint (count_corrupted (sim, t_stop_ns - settle_ns), >=, 2);
  g_assert_cmpuint (faults, >=, count_corrupted (sim, t_stop_ns - settle_ns));
  g_assert_cmpuint (faults, <=, count_corrupted (sim, G_MAXINT64));
}

/* Sample k of each channel is good frame k: same voltage and current, power V×I, time
 * within @tolerance_ns of the middle of the frame's window. The last frame may have been
 * sent as the probe stopped. */
static void
check_against_frames (BsProbe *probe, Capture *c, GArray *frames, int64_t tolerance_ns)
{
  int iv = bs_probe_find_channel (probe, BS_QUANTITY_VOLTAGE, NULL);
  int ii = bs_probe_find_channel (probe, BS_QUANTITY_CURRENT, NULL);
  int ip = bs_probe_find_channel (probe, BS_QUANTITY_POWER, NULL);
  g_autoptr (GArray) v = capture_channel (c, iv);
  g_autoptr (GArray) i = capture_channel (c, ii);
  g_autoptr (GArray) p = capture_channel (c, ip);
  int64_t worst = 0;

  g_assert_cmpint (iv, >=, 0);
  g_assert_cmpint (ii, >=, 0);
  g_assert_cmpint (ip, >=, 0);
  g_assert_cmpuint (v->len, >=, 5);
  g_assert_cmpuint (v->len, ==, i->len);
  g_assert_cmpuint (v->len, ==, p->len);
  g_assert_cmpuint (v->len, <=, frames->len);
  g_assert_cmpuint (v->len + 1, >=, frames->len);
  for (guint k = 0; k < v->len; k++)
    {
      const MeterSimFrame *f = &g_array_index (frames, MeterSimFrame, k);
      const BsSample *sv = &g_array_index (v, BsSample, k);
      const BsSample *si = &g_array_index (i, BsSample, k);
      const BsSample *sp = &g_array_index (p, BsSample, k);

      g_assert_cmpfloat_with_epsilon (sv->value, f->voltage, 1e-9);
      g_assert_cmpfloat_with_epsilon (si->value, f->current, 1e-9);
      g_assert_cmpfloat_with_epsilon (sp->value, f->voltage * f->current, 1e-9);
      g_assert_cmpint (sv->unit, ==, BS_UNIT_VOLT);
      g_assert_cmpint (sp->unit, ==, BS_UNIT_WATT);
      worst = MAX (worst, ABS (sv->t_ns - f->t_true_ns));
    }
  g_test_message ("%u readings match the simulator's frames; worst time error %.2f ms",
                  v->len, worst / 1e6);
  g_assert_cmpint (worst, <=, tolerance_ns);
}

static void
run_for (double seconds)
{
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
}

/* Values, units and times, with jitter: the probe subtracts the given latency. */
static void
test_values (Fixture *fx, gconstpointer data)
{
  const Meter *m = data;
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;
  Capture c;
  g_autoptr (GArray) frames = NULL;

  meter_sim_config_init (&config, m->protocol, fx->link);
  config.latency_ns = 60000000;
  config.jitter_ns = 10000000;
  sim = meter_sim_start (&config);
  probe = open_meter (m, fx->link, NULL, config.latency_ns);
  g_assert_true (bs_probe_is_simulated (probe));   /* a pseudo-terminal is never a meter */
  capture_start (probe, &c);
  run_for (1.5);
  bs_probe_stop (probe);
  frames = good_frames (sim);
  /* The handshake at open took the first frame. */
  g_array_remove_index (frames, 0);
  /* Jitter moves the true time by up to 10 ms; the rest is the pty and the scheduler. */
  check_against_frames (probe, &c, frames, 25000000);
  g_assert_cmpuint (c.faults->len, ==, 0);
  capture_clear (&c);
  bs_probe_close (probe);
  meter_sim_stop (sim);
}

/* Every third frame fails its checksum (UM34C, TC66C) or end marker (UM24C/25C). */
static void
test_bad_checksum (Fixture *fx, gconstpointer data)
{
  const Meter *m = data;
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;
  Capture c;
  g_autoptr (GArray) frames = NULL;
  int64_t t_stop;

  meter_sim_config_init (&config, m->protocol, fx->link);
  config.latency_ns = 20000000;
  config.bad_checksum_every = 3;
  sim = meter_sim_start (&config);
  probe = open_meter (m, fx->link, NULL, config.latency_ns);
  capture_start (probe, &c);
  run_for (1.5);
  t_stop = g_get_monotonic_time () * 1000;
  bs_probe_stop (probe);
  frames = good_frames (sim);
  g_array_remove_index (frames, 0);
  check_against_frames (probe, &c, frames, 25000000);
  check_bad_frames (sim, &c, t_stop, 50000000);
  capture_clear (&c);
  bs_probe_close (probe);
  meter_sim_stop (sim);
}

/* Every fourth frame loses 3 bytes: a short frame, a fault at the timeout, then on. */
static void
test_dropped_bytes (Fixture *fx, gconstpointer data)
{
  const Meter *m = data;
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;
  Capture c;
  g_autoptr (GArray) frames = NULL;
  int64_t t_stop;

  meter_sim_config_init (&config, m->protocol, fx->link);
  config.latency_ns = 20000000;
  config.drop_bytes_every = 4;
  sim = meter_sim_start (&config);
  probe = open_meter (m, fx->link, ":timeout=150ms", config.latency_ns);
  capture_start (probe, &c);
  run_for (2.0);
  t_stop = g_get_monotonic_time () * 1000;
  bs_probe_stop (probe);
  frames = good_frames (sim);
  g_array_remove_index (frames, 0);
  check_against_frames (probe, &c, frames, 25000000);
  check_bad_frames (sim, &c, t_stop, 200000000);
  capture_clear (&c);
  bs_probe_close (probe);
  meter_sim_stop (sim);
}

static guint
count_after (GArray *samples, int64_t t_ns)
{
  guint n = 0;

  for (guint i = 0; i < samples->len; i++)
    n += g_array_index (samples, BsSample, i).t_ns > t_ns;
  return n;
}

/* The pty vanishes for 0.7 s (a Bluetooth drop): one device-gone fault, one reconnected,
 * readings before and after, none while it was gone. */
static void
test_reconnect (Fixture *fx, gconstpointer data)
{
  const Meter *m = data;
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;
  Capture c;
  g_autoptr (GArray) v = NULL;
  int64_t t_gone = 0, t_back = 0;

  meter_sim_config_init (&config, m->protocol, fx->link);
  config.latency_ns = 20000000;
  config.disconnect_after_ns = 700000000;
  config.disconnect_for_ns = 700000000;
  sim = meter_sim_start (&config);
  probe = open_meter (m, fx->link, NULL, 0);
  capture_start (probe, &c);
  run_for (2.5);
  bs_probe_stop (probe);
  g_assert_cmpuint (meter_sim_n_disconnects (sim), ==, 1);
  g_assert_cmpuint (capture_count_faults (&c, BS_PROBE_FAULT_DEVICE_GONE), ==, 1);
  g_assert_cmpuint (capture_count_faults (&c, BS_PROBE_FAULT_RECONNECTED), ==, 1);
  for (guint k = 0; k < c.faults->len; k++)
    {
      const CapturedFault *f = &g_array_index (c.faults, CapturedFault, k);
      if (f->kind == BS_PROBE_FAULT_DEVICE_GONE)
        t_gone = f->t_ns;
      if (f->kind == BS_PROBE_FAULT_RECONNECTED)
        t_back = f->t_ns;
    }
  g_assert_cmpint (t_back - t_gone, >=, 500000000);
  v = capture_channel (&c, bs_probe_find_channel (probe, BS_QUANTITY_VOLTAGE, NULL));
  g_assert_cmpuint (v->len - count_after (v, t_gone), >=, 3);
  g_assert_cmpuint (count_after (v, t_gone) - count_after (v, t_back), ==, 0);
  g_assert_cmpuint (count_after (v, t_back), >=, 3);
  capture_clear (&c);
  bs_probe_close (probe);
  meter_sim_stop (sim);
}

/* The meter stops answering for 0.8 s with the port up: one stalled fault, then readings
 * again without a reconnect. */
static void
test_stall (Fixture *fx, gconstpointer data)
{
  const Meter *m = data;
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;
  Capture c;
  g_autoptr (GArray) v = NULL;
  int64_t t_stall = 0;

  meter_sim_config_init (&config, m->protocol, fx->link);
  config.latency_ns = 20000000;
  config.silent_after_ns = 600000000;
  config.silent_for_ns = 800000000;
  sim = meter_sim_start (&config);
  probe = open_meter (m, fx->link, ":timeout=200ms", 0);
  capture_start (probe, &c);
  run_for (2.2);
  bs_probe_stop (probe);
  g_assert_cmpuint (capture_count_faults (&c, BS_PROBE_FAULT_STALLED), ==, 1);
  g_assert_cmpuint (capture_count_faults (&c, BS_PROBE_FAULT_DEVICE_GONE), ==, 0);
  g_assert_cmpuint (c.faults->len, ==, 1);
  t_stall = g_array_index (c.faults, CapturedFault, 0).t_ns;
  v = capture_channel (&c, bs_probe_find_channel (probe, BS_QUANTITY_VOLTAGE, NULL));
  g_assert_cmpuint (count_after (v, t_stall + 800000000), >=, 3);
  capture_clear (&c);
  bs_probe_close (probe);
  meter_sim_stop (sim);
}

/* Wrong port, wrong meter: clear errors at open. */
static void
test_open_errors (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (fx->dir, "nothing", NULL);
  g_autofree char *spec = g_strdup_printf ("um24c:port=%s", missing);
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;

  probe = bs_probe_open (spec, &error);
  g_assert_null (probe);
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  probe = bs_probe_open ("um34c", &error);
  g_assert_null (probe);
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC);
  g_clear_error (&error);

  /* A UM34C answering a UM24C probe: the model id gives it away. */
  meter_sim_config_init (&config, METER_SIM_UM34C, fx->link);
  config.latency_ns = 10000000;
  sim = meter_sim_start (&config);
  g_free (spec);
  spec = g_strdup_printf ("um24c:port=%s:timeout=300ms", fx->link);
  probe = bs_probe_open (spec, &error);
  g_assert_null (probe);
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "model id 0x0D4C"));
  g_clear_error (&error);
  /* The TC66C probe gets no 192-byte answer to "getva" from a UM. */
  g_free (spec);
  spec = g_strdup_printf ("tc66c:port=%s:timeout=300ms", fx->link);
  probe = bs_probe_open (spec, &error);
  g_assert_null (probe);
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE);
  meter_sim_stop (sim);
}

/* Listing with an explicit port: a handshake, the spec to use, [SIMULATED] for a pty. */
static void
test_list_port (Fixture *fx, gconstpointer data)
{
  const Meter *m = data;
  g_autofree char *spec = g_strdup_printf ("%s:port=%s", m->probe, fx->link);
  g_autoptr (GPtrArray) devices = NULL;
  const BsProbeDevice *d;
  MeterSimConfig config;
  MeterSim *sim;

  meter_sim_config_init (&config, m->protocol, fx->link);
  config.latency_ns = 10000000;
  sim = meter_sim_start (&config);
  devices = bs_probe_list (spec);
  g_assert_cmpuint (devices->len, ==, 1);
  d = devices->pdata[0];
  g_assert_true (d->available);
  g_assert_true (d->simulated);
  g_assert_cmpstr (d->spec, ==, spec);
  g_assert_nonnull (strstr (d->detail, "voltage 5.1 V"));
  meter_sim_stop (sim);
}

static void
add (const char *name, const Meter *m, void (*fn) (Fixture *, gconstpointer))
{
  g_autofree char *path = g_strdup_printf ("/meters/%s/%s", m->probe, name);

  g_test_add (path, Fixture, m, fixture_set_up, fn, fixture_tear_down);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* No stored calibration may leak in from the user's meters.ini. */
  g_setenv ("XDG_CONFIG_HOME", "/nonexistent-blendscope-test", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (meters); i++)
    {
      add ("values", &meters[i], test_values);
      add ("bad-checksum", &meters[i], test_bad_checksum);
      add ("dropped-bytes", &meters[i], test_dropped_bytes);
      add ("reconnect", &meters[i], test_reconnect);
      add ("stall", &meters[i], test_stall);
      add ("list-port", &meters[i], test_list_port);
    }
  g_test_add ("/meters/open-errors", Fixture, NULL, fixture_set_up, test_open_errors,
              fixture_tear_down);
  return g_test_run ();
}
