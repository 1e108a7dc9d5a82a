/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-probe-ppk2.c: the Nordic PPK2 probe against its simulator on a pseudo-terminal
 * (meter-sim.c): every streamed sample's current and power equal the simulator's (the
 * oracle), the source voltage reaches the device, times follow 100 kSa/s, lost bytes are
 * faults with the stream re-aligned, and a disconnect is followed by a reconnect. */
#include "bs-probe.h"
#include "meter-sim.h"
#include "probe-capture.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  char *dir;
  char *link;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("bs-ppk2-XXXXXX", NULL);
  f->link = g_build_filename (f->dir, "ppk2", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_unlink (f->link);
  g_rmdir (f->dir);
  g_free (f->link);
  g_free (f->dir);
}

/* A microcontroller: 3 mW asleep, 40 mW for 2 ms of every 10 ms, 150 mW for 0.1 ms of
 * every 50 ms (spans every range but the highest). */
static double
mcu_power (int64_t t0, int64_t t1, gpointer data)
{
  int64_t us = (t0 / 1000);

  if (us % 50000 < 100)
    return 0.150;
  if (us % 10000 < 2000)
    return 0.040;
  return 0.003;
}

static MeterSim *
start_sim (Fixture *fx, MeterSimConfig *config)
{
  meter_sim_config_init (config, METER_SIM_PPK2, fx->link);
  config->power = mcu_power;
  return NULL;
}

static BsProbe *
open_ppk2 (Fixture *fx, const char *extra)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("ppk2:port=%s:latency=0%s", fx->link, extra);
  BsProbe *probe = bs_probe_open (spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (probe);
  return probe;
}

static gboolean
same_current (double a, double b)
{
  return fabs (a - b) <= 1e-9 * fabs (b) + 1e-15;
}

/* Walks the probe's currents along the simulator's; a sample the probe lost is skipped
 * (at most 6 in a row). Returns how many were skipped; fails on any other mismatch. */
static guint
match_currents (GArray *probe, GArray *sim)
{
  guint s = 0, skipped = 0;

  for (guint k = 0; k < probe->len; k++)
    {
      double v = g_array_index (probe, BsSample, k).value;
      guint tries = 0;

      while (s < sim->len && !same_current (v, g_array_index (sim, double, s)) && tries < 6)
        s++, tries++, skipped++;
      if (s >= sim->len || !same_current (v, g_array_index (sim, double, s)))
        g_error ("probe sample %u (%.9g A) matches none of the simulator's samples near %u", k, v, s);
      s++;
    }
  return skipped;
}

static void
test_stream (Fixture *fx, gconstpointer data)
{
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;
  Capture c;
  g_autoptr (GArray) cur = NULL;
  g_autoptr (GArray) pow = NULL;
  g_autoptr (GArray) truth = NULL;
  double span_s, rate;
  int64_t t0_true;

  start_sim (fx, &config);
  sim = meter_sim_start (&config);
  probe = open_ppk2 (fx, ":voltage=3.0");
  g_assert_true (bs_probe_is_simulated (probe));
  capture_start (probe, &c);
  g_usleep (1500000);
  bs_probe_stop (probe);
  g_assert_cmpfloat_with_epsilon (meter_sim_ppk2_voltage (sim), 3.0, 1e-9);
  cur = capture_channel (&c, bs_probe_find_channel (probe, BS_QUANTITY_CURRENT, NULL));
  pow = capture_channel (&c, bs_probe_find_channel (probe, BS_QUANTITY_POWER, NULL));
  truth = meter_sim_ppk2_currents (sim);
  g_assert_cmpuint (meter_sim_ppk2_overflowed (sim), ==, 0);
  g_assert_cmpuint (cur->len, ==, pow->len);
  g_assert_cmpuint (cur->len, >=, 100000);
  g_assert_cmpuint (cur->len, <=, truth->len);
  /* Samples still in the pty when the probe stopped are the only ones missing. */
  g_assert_cmpuint (truth->len - cur->len, <, 20000);
  g_assert_cmpuint (match_currents (cur, truth), ==, 0);
  for (guint k = 0; k < cur->len; k++)
    g_assert_true (same_current (g_array_index (pow, BsSample, k).value,
                                 3.0 * g_array_index (cur, BsSample, k).value));
  span_s = (g_array_index (cur, BsSample, cur->len - 1).t_ns - g_array_index (cur, BsSample, 0).t_ns) * 1e-9;
  rate = (cur->len - 1) / span_s;
  t0_true = meter_sim_ppk2_stream_start_ns (sim);
  g_test_message ("%u samples, rate %.1f Sa/s from their times; sample 0 at %+.3f ms of the truth",
                  cur->len, rate, (g_array_index (cur, BsSample, 0).t_ns - t0_true) / 1e6);
  g_assert_cmpfloat (fabs (rate - 100000) / 100000, <, 0.01);
  g_assert_cmpint (llabs (g_array_index (cur, BsSample, 0).t_ns - t0_true), <, 10000000);
  g_assert_cmpuint (c.faults->len, ==, 0);
  capture_clear (&c);
  bs_probe_close (probe);
  meter_sim_stop (sim);
}

/* Every 40th chunk loses 3 bytes: a fault each time, the stream re-aligned, no wrong value. */
static void
test_dropped_bytes (Fixture *fx, gconstpointer data)
{
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;
  Capture c;
  g_autoptr (GArray) cur = NULL;
  g_autoptr (GArray) truth = NULL;
  guint faults, skipped, reported = 0;

  start_sim (fx, &config);
  config.drop_bytes_every = 40;
  sim = meter_sim_start (&config);
  probe = open_ppk2 (fx, "");
  capture_start (probe, &c);
  g_usleep (1500000);
  bs_probe_stop (probe);
  cur = capture_channel (&c, bs_probe_find_channel (probe, BS_QUANTITY_CURRENT, NULL));
  truth = meter_sim_ppk2_currents (sim);
  faults = capture_count_faults (&c, BS_PROBE_FAULT_BAD_DATA);
  skipped = match_currents (cur, truth);
  for (guint k = 0; k < c.faults->len; k++)
    {
      const char *m = strstr (g_array_index (c.faults, CapturedFault, k).message, "jumped (");
      g_assert_nonnull (m);
      reported += (guint) atoi (m + strlen ("jumped ("));
    }
  g_test_message ("%u faults, %u samples lost of %u (the faults say %u)", faults, skipped,
                  truth->len, reported);
  g_assert_cmpuint (faults, >=, 2);
  g_assert_cmpuint (faults, ==, c.faults->len);
  /* The probe counts what it lost, so its sample indices (and times) stay right. The
   * samples lost at the last jump are counted by the matcher only if a sample followed
   * before the stop (one jump loses at most 4 here). */
  g_assert_cmpuint (reported, >=, skipped);
  g_assert_cmpuint (reported, <=, skipped + 4);
  capture_clear (&c);
  bs_probe_close (probe);
  meter_sim_stop (sim);
}

static void
test_reconnect (Fixture *fx, gconstpointer data)
{
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;
  Capture c;
  g_autoptr (GArray) cur = NULL;
  int64_t t_back = 0;
  guint after = 0;

  start_sim (fx, &config);
  config.disconnect_after_ns = 600000000;
  config.disconnect_for_ns = 600000000;
  sim = meter_sim_start (&config);
  probe = open_ppk2 (fx, "");
  capture_start (probe, &c);
  g_usleep (2500000);
  bs_probe_stop (probe);
  g_assert_cmpuint (meter_sim_n_disconnects (sim), ==, 1);
  g_assert_cmpuint (capture_count_faults (&c, BS_PROBE_FAULT_DEVICE_GONE), ==, 1);
  g_assert_cmpuint (capture_count_faults (&c, BS_PROBE_FAULT_RECONNECTED), ==, 1);
  for (guint k = 0; k < c.faults->len; k++)
    if (g_array_index (c.faults, CapturedFault, k).kind == BS_PROBE_FAULT_RECONNECTED)
      t_back = g_array_index (c.faults, CapturedFault, k).t_ns;
  cur = capture_channel (&c, 0);
  for (guint k = 0; k < cur->len; k++)
    after += g_array_index (cur, BsSample, k).t_ns > t_back;
  g_test_message ("%u samples, %u after the reconnect", cur->len, after);
  g_assert_cmpuint (after, >=, 30000);
  capture_clear (&c);
  bs_probe_close (probe);
  meter_sim_stop (sim);
}

/* Ampere meter: the regulator is left alone; power is the current times the voltage given
 * for the external supply. */
static void
test_ampere_mode (Fixture *fx, gconstpointer data)
{
  MeterSimConfig config;
  MeterSim *sim;
  BsProbe *probe;
  Capture c;
  g_autoptr (GArray) cur = NULL;
  g_autoptr (GArray) pow = NULL;

  start_sim (fx, &config);
  sim = meter_sim_start (&config);
  probe = open_ppk2 (fx, ":mode=ampere:voltage=1.8");
  capture_start (probe, &c);
  g_usleep (500000);
  bs_probe_stop (probe);
  g_assert_cmpfloat_with_epsilon (meter_sim_ppk2_voltage (sim), 3.3, 1e-9);
  cur = capture_channel (&c, 0);
  pow = capture_channel (&c, 1);
  g_assert_cmpuint (cur->len, >=, 20000);
  g_assert_cmpuint (cur->len, ==, pow->len);
  for (guint k = 0; k < cur->len; k++)
    g_assert_true (same_current (g_array_index (pow, BsSample, k).value,
                                 1.8 * g_array_index (cur, BsSample, k).value));
  capture_clear (&c);
  bs_probe_close (probe);
  meter_sim_stop (sim);
}

static void
test_errors (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("ppk2:port=%s:voltage=7", fx->link);
  MeterSimConfig config;
  MeterSim *sim;

  g_assert_null (bs_probe_open (spec, &error));
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC);
  g_assert_nonnull (strstr (error->message, "0.8"));
  g_clear_error (&error);
  /* A UM34C on the port does not answer the metadata command. */
  meter_sim_config_init (&config, METER_SIM_UM34C, fx->link);
  sim = meter_sim_start (&config);
  g_free (spec);
  spec = g_strdup_printf ("ppk2:port=%s", fx->link);
  g_assert_null (bs_probe_open (spec, &error));
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE);
  meter_sim_stop (sim);
}

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* A fake sysfs: ttyACM3 is a PPK2 (USB 1915:c00a), ttyACM4 something else. Discovery by
 * USB ids lists the first as attached, available and real, and not the second. */
static void
test_discovery (Fixture *fx, gconstpointer data)
{
  g_autofree char *sys = g_build_filename (fx->dir, "sys", NULL);
  g_autofree char *spec = g_strdup_printf ("ppk2:sysfs=%s", sys);
  g_autoptr (GPtrArray) devices = NULL;
  const char *usb[] = { "1-1", "1-2" }, *ids[][2] = { { "1915", "c00a" }, { "10c4", "ea60" } };
  const BsProbeDevice *d;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *usb_dir = g_build_filename (sys, "devices", usb[i], NULL);
      g_autofree char *intf = g_strdup_printf ("%s/%s:1.0", usb_dir, usb[i]);
      g_autofree char *tty = g_strdup_printf ("%s/class/tty/ttyACM%u", sys, 3 + i);
      g_autofree char *link = g_build_filename (tty, "device", NULL);

      g_assert_cmpint (g_mkdir_with_parents (intf, 0755), ==, 0);
      g_assert_cmpint (g_mkdir_with_parents (tty, 0755), ==, 0);
      write_file (usb_dir, "idVendor", ids[i][0]);
      write_file (usb_dir, "idProduct", ids[i][1]);
      g_assert_cmpint (symlink (intf, link), ==, 0);
    }
  devices = bs_probe_list (spec);
  g_assert_cmpuint (devices->len, ==, 1);
  d = devices->pdata[0];
  g_assert_cmpstr (d->spec, ==, "ppk2:port=/dev/ttyACM3");
  g_assert_true (d->available);
  g_assert_true (d->attached);
  g_assert_false (d->simulated);
  /* No such device: one unavailable entry saying how to give the port. */
  g_free (spec);
  spec = g_strdup_printf ("ppk2:sysfs=%s/nothing", sys);
  g_clear_pointer (&devices, g_ptr_array_unref);
  devices = bs_probe_list (spec);
  g_assert_cmpuint (devices->len, ==, 1);
  g_assert_false (((BsProbeDevice *) devices->pdata[0])->available);
  g_assert_nonnull (strstr (((BsProbeDevice *) devices->pdata[0])->detail, "ppk2:port="));
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", sys);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("XDG_CONFIG_HOME", "/nonexistent-blendscope-test", TRUE);
  g_test_add ("/ppk2/stream", Fixture, NULL, fixture_set_up, test_stream, fixture_tear_down);
  g_test_add ("/ppk2/dropped-bytes", Fixture, NULL, fixture_set_up, test_dropped_bytes, fixture_tear_down);
  g_test_add ("/ppk2/reconnect", Fixture, NULL, fixture_set_up, test_reconnect, fixture_tear_down);
  g_test_add ("/ppk2/ampere-mode", Fixture, NULL, fixture_set_up, test_ampere_mode, fixture_tear_down);
  g_test_add ("/ppk2/discovery", Fixture, NULL, fixture_set_up, test_discovery, fixture_tear_down);
  g_test_add ("/ppk2/errors", Fixture, NULL, fixture_set_up, test_errors, fixture_tear_down);
  return g_test_run ();
}
