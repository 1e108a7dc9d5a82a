/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-probe-sysfs.c: the hwmon, RAPL and XMC probes on fake sysfs trees in temporary
 * folders: values and units, V×I, RAPL wrap-around, and files that vanish mid-run. */
#include "bs-probe.h"
#include "bs-rail-map.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct
{
  GMutex lock;
  GArray *samples;              /* BsSample */
  GArray *faults;               /* Fault */
} Capture;

typedef struct
{
  BsProbeFaultKind kind;
  int32_t channel;
  int64_t t_ns;
  char *message;
} Fault;

static void
on_samples (const BsSample *samples, guint n, gpointer data)
{
  Capture *c = data;

  g_mutex_lock (&c->lock);
  g_array_append_vals (c->samples, samples, n);
  g_mutex_unlock (&c->lock);
}

static void
on_fault (const BsProbeFault *fault, gpointer data)
{
  Capture *c = data;
  Fault f = { fault->kind, fault->channel, fault->t_ns, g_strdup (fault->message) };

  g_mutex_lock (&c->lock);
  g_array_append_val (c->faults, f);
  g_mutex_unlock (&c->lock);
  g_test_message ("fault: %s", fault->message);
}

static void
fault_clear (gpointer data)
{
  g_free (((Fault *) data)->message);
}

static void
capture_start (BsProbe *probe, Capture *c)
{
  BsProbeSink sink = { on_samples, on_fault, c };
  g_autoptr (GError) error = NULL;

  g_mutex_init (&c->lock);
  c->samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  c->faults = g_array_new (FALSE, FALSE, sizeof (Fault));
  g_array_set_clear_func (c->faults, fault_clear);
  g_assert_true (bs_probe_start (probe, &sink, &error));
  g_assert_no_error (error);
}

static void
capture_clear (Capture *c)
{
  g_array_unref (c->samples);
  g_array_unref (c->faults);
  g_mutex_clear (&c->lock);
}

/* Readings of @channel after @t_ns. */
static guint
count_after (Capture *c, int channel, int64_t t_ns, double *last_value)
{
  guint n = 0;

  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->samples->len; i++)
    {
      const BsSample *s = &g_array_index (c->samples, BsSample, i);
      if (s->channel == channel && s->t_ns > t_ns)
        {
          n++;
          if (last_value != NULL)
            *last_value = s->value;
        }
    }
  g_mutex_unlock (&c->lock);
  return n;
}

/* Waits (at most 5 s: a busy machine polls late) until @channel has @n readings. */
static void
wait_for_readings (Capture *c, int channel, guint n)
{
  for (int i = 0; i < 500 && count_after (c, channel, 0, NULL) < n; i++)
    g_usleep (10000);
}

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0755);
  /* Written aside and renamed, so that a reader never sees half a number. */
  g_assert_true (g_file_set_contents (path, text, -1, &error));
}

static void
write_int (const char *dir, const char *name, int64_t value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", value);

  write_file (dir, name, text);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_rmdir (path);
}

static char *
spec_for (const char *probe, const char *root, const char *extra)
{
  return g_strdup_printf ("%s:root=%s%s", probe, root, extra);
}

/* ---- hwmon ---- */

/* hwmon0: a temperature sensor only (skipped); hwmon1: INA226 with power, current, bus and
 * shunt voltage; hwmon2: INA3221 with three rails of voltage and current, no power. */
static char *
make_hwmon_tree (void)
{
  char *root = g_dir_make_tmp ("hwmon-XXXXXX", NULL);
  g_autofree char *h0 = g_build_filename (root, "hwmon0", NULL);
  g_autofree char *h1 = g_build_filename (root, "hwmon1", NULL);
  g_autofree char *h2 = g_build_filename (root, "hwmon2", NULL);

  write_file (h0, "name", "coretemp\n");
  write_int (h0, "temp1_input", 45000);
  write_file (h1, "name", "ina226\n");
  write_int (h1, "power1_input", 2500000);    /* µW */
  write_int (h1, "curr1_input", 500);         /* mA */
  write_int (h1, "in1_input", 5000);          /* mV, bus */
  write_int (h1, "in0_input", 2);             /* mV, shunt: no current of its own */
  write_file (h2, "name", "ina3221\n");
  for (int k = 1; k <= 3; k++)
    {
      g_autofree char *in = g_strdup_printf ("in%d_input", k);
      g_autofree char *curr = g_strdup_printf ("curr%d_input", k);
      write_int (h2, in, 12000 - 1000 * k);
      write_int (h2, curr, 100 * k);
    }
  write_file (h2, "in1_label", "VDD_IN\n");
  return root;
}

static const BsProbeChannel *
channel_named (BsProbe *probe, const char *name, int *index)
{
  for (guint i = 0; i < bs_probe_get_n_channels (probe); i++)
    if (strcmp (bs_probe_get_channel (probe, i)->name, name) == 0)
      {
        *index = i;
        return bs_probe_get_channel (probe, i);
      }
  g_assert_not_reached ();
}

static void
test_hwmon_channels (void)
{
  g_autofree char *root = make_hwmon_tree ();
  g_autofree char *spec = spec_for ("hwmon", root, ":rate=100");
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open (spec, &error);
  const BsProbeChannel *ch;
  int p1, i1, v1, d2;
  double value = NAN;
  Capture c;

  g_assert_no_error (error);
  g_test_message ("%s", bs_probe_get_label (probe));
  g_assert_false (bs_probe_is_simulated (probe));
  /* ina226: power1, curr1, in1; ina3221: curr, in, derived power for 3 rails. */
  g_assert_cmpuint (bs_probe_get_n_channels (probe), ==, 3 + 9);
  ch = channel_named (probe, "hwmon1/ina226/power1", &p1);
  g_assert_cmpint (ch->quantity, ==, BS_QUANTITY_POWER);
  g_assert_false (ch->derived);
  ch = channel_named (probe, "hwmon1/ina226/curr1", &i1);
  g_assert_cmpint (ch->unit, ==, BS_UNIT_AMPERE);
  ch = channel_named (probe, "hwmon1/ina226/in1", &v1);
  g_assert_cmpint (ch->unit, ==, BS_UNIT_VOLT);
  ch = channel_named (probe, "hwmon2/ina3221/power2", &d2);
  g_assert_true (ch->derived);
  g_assert_cmpint (bs_probe_find_channel (probe, BS_QUANTITY_POWER, NULL), ==, p1);

  capture_start (probe, &c);
  g_usleep (250000);
  bs_probe_stop (probe);
  g_assert_cmpuint (count_after (&c, p1, 0, &value), >=, 10);
  g_assert_cmpfloat_with_epsilon (value, 2.5, 1e-9);
  count_after (&c, i1, 0, &value);
  g_assert_cmpfloat_with_epsilon (value, 0.5, 1e-9);
  count_after (&c, v1, 0, &value);
  g_assert_cmpfloat_with_epsilon (value, 5.0, 1e-9);
  g_assert_cmpuint (count_after (&c, d2, 0, &value), >=, 10);
  g_assert_cmpfloat_with_epsilon (value, 10.0 * 0.2, 1e-9);   /* 10 V × 200 mA */
  g_assert_cmpuint (c.faults->len, ==, 0);
  capture_clear (&c);
  bs_probe_close (probe);
  remove_tree (root);
}

static void
test_hwmon_select (void)
{
  g_autofree char *root = make_hwmon_tree ();
  g_autofree char *only_power = spec_for ("hwmon", root, ":device=ina3221:channels=power1");
  g_autofree char *nothing = spec_for ("hwmon", root, ":channels=power9");
  g_autofree char *empty_root = g_dir_make_tmp ("hwmon-empty-XXXXXX", NULL);
  g_autofree char *empty = spec_for ("hwmon", empty_root, "");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autofree char *list_spec = spec_for ("hwmon", root, "");
  BsProbe *probe = bs_probe_open (only_power, &error);

  g_assert_no_error (error);
  /* The derived power needs its voltage and current: three channels. */
  g_assert_cmpuint (bs_probe_get_n_channels (probe), ==, 3);
  g_assert_cmpint (bs_probe_find_channel (probe, BS_QUANTITY_POWER, "hwmon2/ina3221/power1"), ==, 2);
  bs_probe_close (probe);

  g_assert_null (bs_probe_open (nothing, &error));
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_null (bs_probe_open (empty, &error));
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE);
  g_test_message ("%s", error->message);

  /* A GPU's power sensor is listed, but is not a meter someone attached. */
  {
    g_autofree char *gpu = g_build_filename (root, "hwmon3", NULL);
    write_file (gpu, "name", "amdgpu\n");
    write_int (gpu, "power1_average", 15000000);
  }
  devices = bs_probe_list (list_spec);
  g_assert_cmpuint (devices->len, ==, 3);
  for (guint i = 0; i < devices->len; i++)
    {
      BsProbeDevice *d = devices->pdata[i];
      g_test_message ("%s | %s | %s", d->spec, d->label, d->detail);
      g_assert_true (d->available);
      g_assert_false (d->simulated);
      g_assert_cmpint (d->attached, ==, g_str_has_prefix (d->label, "ina"));
    }
  g_assert_nonnull (strstr (((BsProbeDevice *) devices->pdata[1])->detail, "(V×I)"));
  remove_tree (root);
  remove_tree (empty_root);
}

/* A sensor file vanishes: that channel reports device-gone and stops, the others go on;
 * when all have gone, one device-level fault. */
static void
test_hwmon_vanish (void)
{
  g_autofree char *root = make_hwmon_tree ();
  g_autofree char *spec = spec_for ("hwmon", root, ":rate=100");
  g_autofree char *power1 = g_build_filename (root, "hwmon1", "power1_input", NULL);
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open (spec, &error);
  int p1, i1, d1;
  int64_t t_gone;
  Capture c;

  g_assert_no_error (error);
  channel_named (probe, "hwmon1/ina226/power1", &p1);
  channel_named (probe, "hwmon1/ina226/curr1", &i1);
  channel_named (probe, "hwmon2/ina3221/power1", &d1);
  capture_start (probe, &c);
  g_usleep (100000);
  g_assert_cmpint (g_remove (power1), ==, 0);
  t_gone = bs_clock_now_ns ();
  g_usleep (150000);
  g_assert_cmpuint (c.faults->len, ==, 1);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).kind, ==, BS_PROBE_FAULT_DEVICE_GONE);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).channel, ==, p1);
  g_assert_nonnull (strstr (g_array_index (c.faults, Fault, 0).message, "vanished"));
  /* The vanished channel is silent after (at most one poll in flight), the others go on. */
  g_assert_cmpuint (count_after (&c, p1, t_gone + 20000000, NULL), ==, 0);
  g_assert_cmpuint (count_after (&c, i1, t_gone + 20000000, NULL), >=, 8);
  g_assert_cmpuint (count_after (&c, d1, t_gone + 20000000, NULL), >=, 8);

  /* Now the whole tree goes (the board was unplugged). */
  remove_tree (root);
  g_usleep (100000);
  bs_probe_stop (probe);
  g_assert_cmpint (g_array_index (c.faults, Fault, c.faults->len - 1).kind, ==, BS_PROBE_FAULT_DEVICE_GONE);
  g_assert_cmpint (g_array_index (c.faults, Fault, c.faults->len - 1).channel, ==, -1);
  g_assert_nonnull (strstr (g_array_index (c.faults, Fault, c.faults->len - 1).message, "every sensor"));
  /* One fault per channel, one for the device, none twice. */
  g_assert_cmpuint (c.faults->len, ==, bs_probe_get_n_channels (probe) + 1);
  capture_clear (&c);
  bs_probe_close (probe);
}

/* A sensor whose read blocks (a hung I2C transfer; a FIFO nobody writes stands in for it)
 * is abandoned after the read deadline with a stalled fault; the other channels go on and
 * stopping the probe does not wait for the hung read. */
static void
test_hwmon_stalled_read (void)
{
  g_autofree char *root = make_hwmon_tree ();
  g_autofree char *spec = spec_for ("hwmon", root, ":rate=20");
  g_autofree char *power1 = g_build_filename (root, "hwmon1", "power1_input", NULL);
  g_autofree char *fifo = g_build_filename (root, "hung", NULL);
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open (spec, &error);
  int64_t t_hung, stop_ns;
  int p1, i1, writer;
  Capture c;

  g_assert_no_error (error);
  channel_named (probe, "hwmon1/ina226/power1", &p1);
  channel_named (probe, "hwmon1/ina226/curr1", &i1);
  capture_start (probe, &c);
  g_usleep (100000);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (g_rename (fifo, power1), ==, 0);
  t_hung = bs_clock_now_ns ();
  g_usleep (1500000);
  stop_ns = bs_clock_now_ns ();
  bs_probe_stop (probe);
  stop_ns = bs_clock_now_ns () - stop_ns;
  g_test_message ("stopping took %.3f s", stop_ns * 1e-9);
  g_assert_cmpint (stop_ns, <, 200000000);
  g_assert_cmpuint (c.faults->len, ==, 1);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).kind, ==, BS_PROBE_FAULT_STALLED);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).channel, ==, p1);
  g_assert_nonnull (strstr (g_array_index (c.faults, Fault, 0).message, "did not return"));
  /* Abandoned: nothing from it after the stall; its neighbours are read throughout. */
  g_assert_cmpuint (count_after (&c, p1, t_hung + 60000000, NULL), ==, 0);
  g_assert_cmpuint (count_after (&c, i1, t_hung + 700000000, NULL), >=, 8);
  capture_clear (&c);
  bs_probe_close (probe);
  /* Let the abandoned read finish, so that it frees what it holds. */
  writer = open (power1, O_WRONLY | O_NONBLOCK);
  g_assert_cmpint (writer, >=, 0);
  g_assert_cmpint (write (writer, "1\n", 2), ==, 2);
  close (writer);
  g_usleep (50000);
  remove_tree (root);
}

/* A power sensor cannot read below zero: a negative power file is a fault and a gap,
 * never a negative sample (which integrated to "energy -6.63 J"). Currents may be
 * negative. */
static void
test_hwmon_negative_power (void)
{
  g_autofree char *root = make_hwmon_tree ();
  g_autofree char *spec = spec_for ("hwmon", root, ":rate=100");
  g_autofree char *h1 = g_build_filename (root, "hwmon1", NULL);
  g_autoptr (GError) error = NULL;
  BsProbe *probe = NULL;
  double last = NAN;
  int p1, i1;
  Capture c;

  write_int (h1, "power1_input", -6630000);
  write_int (h1, "curr1_input", -500);
  probe = bs_probe_open (spec, &error);
  g_assert_no_error (error);
  channel_named (probe, "hwmon1/ina226/power1", &p1);
  channel_named (probe, "hwmon1/ina226/curr1", &i1);
  capture_start (probe, &c);
  wait_for_readings (&c, i1, 10);
  write_int (h1, "power1_input", 2500000);
  wait_for_readings (&c, p1, 3);
  bs_probe_stop (probe);
  for (guint i = 0; i < c.samples->len; i++)
    {
      const BsSample *s = &g_array_index (c.samples, BsSample, i);
      if (s->channel == p1)
        g_assert_cmpfloat (s->value, >=, 0);
    }
  g_assert_cmpuint (count_after (&c, p1, 0, &last), >=, 3);
  g_assert_cmpfloat (last, ==, 2.5);
  g_assert_cmpuint (count_after (&c, i1, 0, &last), >=, 10);
  g_assert_cmpfloat (last, ==, -0.5);
  g_assert_cmpuint (c.faults->len, ==, 1);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).kind, ==, BS_PROBE_FAULT_OUT_OF_RANGE);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).channel, ==, p1);
  g_assert_nonnull (strstr (g_array_index (c.faults, Fault, 0).message, "negative"));
  capture_clear (&c);
  bs_probe_close (probe);
  remove_tree (root);
}

/* ---- RAPL ---- */

typedef struct
{
  char *energy_path;
  int64_t max_uj;
  double watts;
  int64_t t0;
  gint stop;
  guint wraps;
} Counter;

/* Advances the counter as a constant power would, wrapping at max_energy_range_uj. */
/* ---- rail maps ---- */

/* A ZCU102 as Linux shows it: INA226s labelled by the device tree ("ina226-u79"), one
 * named by an iio-hwmon node instead ("ina226_u76"), one the map does not know, and the
 * board's compatible list where /sys/firmware has it, relative to the hwmon root. */
static char *
make_board_tree (char **hwmon_root)
{
  char *top = g_dir_make_tmp ("board-XXXXXX", NULL);
  g_autofree char *dt = g_build_filename (top, "firmware", "devicetree", "base", NULL);
  g_autofree char *compatible = g_build_filename (dt, "compatible", NULL);
  static const char zcu102[] = "xlnx,zynqmp-zcu102-rev1.0\0xlnx,zynqmp-zcu102\0xlnx,zynqmp";
  static const struct { const char *entry, *name, *label; int64_t uw; } sensors[] = {
    { "hwmon0", "ina226", "ina226-u79", 3000000 },     /* VCCINT: PL */
    { "hwmon1", "ina226_u76", NULL, 1000000 },         /* VCCPSINTFP: PS */
    { "hwmon2", "ina226", "ina226-u93", 500000 },      /* VCCO_PSDDR_504: DDR */
    { "hwmon3", "ina226", "ina226-u99", 250000 },      /* not in the map */
  };

  *hwmon_root = g_build_filename (top, "class", "hwmon", NULL);
  g_mkdir_with_parents (dt, 0755);
  g_assert_true (g_file_set_contents (compatible, zcu102, sizeof zcu102, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (sensors); i++)
    {
      g_autofree char *dir = g_build_filename (*hwmon_root, sensors[i].entry, NULL);
      g_autofree char *name = g_strdup_printf ("%s\n", sensors[i].name);
      write_file (dir, "name", name);
      if (sensors[i].label != NULL)
        {
          g_autofree char *label = g_strdup_printf ("%s\n", sensors[i].label);
          write_file (dir, "label", label);
        }
      write_int (dir, "power1_input", sensors[i].uw);
    }
  return top;
}

static void
test_hwmon_rails (void)
{
  g_autofree char *root = NULL;
  g_autofree char *top = make_board_tree (&root);
  g_autofree char *spec = spec_for ("hwmon", root, ":rate=100");
  g_autofree char *unmapped = spec_for ("hwmon", root, ":board=none");
  g_autofree char *bogus = spec_for ("hwmon", root, ":board=zcu999");
  g_autofree char *only_pl = spec_for ("hwmon", root, ":channels=VCCINT/power1");
  static const struct { const char *name; BsRailGroup group; double w; } expect[] = {
    { "PL/VCCINT/power1", BS_RAIL_PL, 3.0 },
    { "PS/VCCPSINTFP/power1", BS_RAIL_PS, 1.0 },
    { "DDR/VCCO_PSDDR_504/power1", BS_RAIL_DDR, 0.5 },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  BsProbe *probe = bs_probe_open (spec, &error);
  BsRailGroup group;
  int index;
  Capture c;

  g_assert_no_error (error);
  g_test_message ("%s", bs_probe_get_label (probe));
  g_assert_nonnull (strstr (bs_probe_get_label (probe), "PL VCCINT: ina226 (hwmon0)"));
  g_assert_cmpuint (bs_probe_get_n_channels (probe), ==, 4);
  capture_start (probe, &c);
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      double value = NAN;

      channel_named (probe, expect[i].name, &index);
      g_assert_true (bs_rail_group_of_channel (expect[i].name, &group));
      g_assert_cmpint (group, ==, expect[i].group);
      wait_for_readings (&c, index, 3);
      count_after (&c, index, 0, &value);
      g_assert_cmpfloat_with_epsilon (value, expect[i].w, 1e-9);
    }
  /* A sensor the map does not know keeps its hwmon name and carries no group. */
  channel_named (probe, "hwmon3/ina226/power1", &index);
  g_assert_false (bs_rail_group_of_channel ("hwmon3/ina226/power1", &group));
  bs_probe_stop (probe);
  capture_clear (&c);
  bs_probe_close (probe);

  /* Selecting by rail; ignoring the map; a board the map lacks. */
  probe = bs_probe_open (only_pl, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bs_probe_get_n_channels (probe), ==, 1);
  bs_probe_close (probe);
  probe = bs_probe_open (unmapped, &error);
  g_assert_no_error (error);
  channel_named (probe, "hwmon0/ina226/power1", &index);
  bs_probe_close (probe);
  g_assert_null (bs_probe_open (bogus, &error));
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC);
  g_clear_error (&error);

  /* Listed by rail, and attached: the first becomes the default meter. */
  {
    g_autofree char *list_spec = spec_for ("hwmon", root, "");
    devices = bs_probe_list (list_spec);
  }
  g_assert_cmpuint (devices->len, ==, 4);
  g_assert_cmpstr (((BsProbeDevice *) devices->pdata[0])->label, ==, "PL VCCINT: ina226 (hwmon0)");
  for (guint i = 0; i < devices->len; i++)
    g_assert_true (((BsProbeDevice *) devices->pdata[i])->attached);
  g_assert_cmpstr (bs_probe_choose_default (devices), ==, ((BsProbeDevice *) devices->pdata[0])->spec);
  remove_tree (top);
}

static void
test_rail_map (void)
{
  static const char kv260[] = "xlnx,zynqmp-sk-kv260-revB\0xlnx,zynqmp-sk-kv260\0xlnx,zynqmp";
  static const char other[] = "raspberrypi,4-model-b\0brcm,bcm2711";
  BsRailGroup group;

  g_assert_cmpstr (bs_rail_map_board (kv260, sizeof kv260), ==, "kv260");
  g_assert_null (bs_rail_map_board (other, sizeof other));
  g_assert_cmpstr (bs_rail_map_find ("kv260", "ina260-u14")->rail, ==, "VCC_SOM");
  g_assert_cmpint (bs_rail_map_find ("kv260", "ina260_u14")->group, ==, BS_RAIL_INPUT);
  g_assert_null (bs_rail_map_find ("kv260", "ina226-u79"));
  g_assert_null (bs_rail_map_find (NULL, "ina226-u79"));
  g_assert_null (bs_rail_map_find ("zcu102", "ina226"));
  g_assert_true (bs_rail_group_parse ("DDR", 3, &group));
  g_assert_cmpint (group, ==, BS_RAIL_DDR);
  g_assert_false (bs_rail_group_of_channel ("PLX/VCCINT/power1", &group));
}

/* The default meter over a discovered list: the first attached, available, real one;
 * never a simulated one (the demo meter, a meter on a pseudo-terminal), never RAPL. */
static void
test_choose_default (void)
{
  g_autoptr (GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) bs_probe_device_free);
  BsProbeDevice *d;

  g_ptr_array_add (devices, bs_probe_device_new ("sigrok", "sigrok:demo", "demo meter (simulated)", "", TRUE, TRUE));
  g_ptr_array_add (devices, bs_probe_device_new ("rapl", "rapl", "RAPL", "", TRUE, FALSE));
  d = bs_probe_device_new ("um34c", "um34c:port=/dev/pts/7", "UM34C (pseudo-terminal: simulated)", "", TRUE, TRUE);
  d->attached = TRUE;
  g_ptr_array_add (devices, d);
  d = bs_probe_device_new ("ppk2", NULL, "PPK2 on /dev/ttyACM0", "no answer", FALSE, FALSE);
  d->attached = TRUE;
  g_ptr_array_add (devices, d);
  g_assert_null (bs_probe_choose_default (devices));

  d = bs_probe_device_new ("um34c", "um34c:port=/dev/rfcomm0", "UM34C on /dev/rfcomm0", "", TRUE, FALSE);
  d->attached = TRUE;
  g_ptr_array_add (devices, d);
  d = bs_probe_device_new ("ppk2", "ppk2:port=/dev/ttyACM1", "Nordic PPK2 on /dev/ttyACM1", "", TRUE, FALSE);
  d->attached = TRUE;
  g_ptr_array_add (devices, d);
  g_assert_cmpstr (bs_probe_choose_default (devices), ==, "um34c:port=/dev/rfcomm0");
}

static gpointer
counter_thread (gpointer data)
{
  Counter *ctr = data;
  int64_t last = 0;

  while (!g_atomic_int_get (&ctr->stop))
    {
      int64_t uj = (int64_t) ((bs_clock_now_ns () - ctr->t0) * 1e-9 * ctr->watts * 1e6);
      int64_t wrapped = uj % ctr->max_uj;
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", wrapped);

      if (wrapped < last)
        ctr->wraps++;
      last = wrapped;
      g_file_set_contents (ctr->energy_path, text, -1, NULL);
      g_usleep (1000);
    }
  return NULL;
}

static char *
make_rapl_tree (int64_t max_uj)
{
  char *root = g_dir_make_tmp ("powercap-XXXXXX", NULL);
  g_autofree char *pkg = g_build_filename (root, "intel-rapl:0", NULL);
  g_autofree char *core = g_build_filename (root, "intel-rapl:0:0", NULL);
  g_autofree char *top = g_build_filename (root, "intel-rapl", NULL);

  g_mkdir_with_parents (top, 0755);   /* the control type: no counter */
  write_file (pkg, "name", "package-0\n");
  write_int (pkg, "energy_uj", 0);
  write_int (pkg, "max_energy_range_uj", max_uj);
  write_file (core, "name", "core\n");
  write_int (core, "energy_uj", 0);
  write_int (core, "max_energy_range_uj", max_uj);
  return root;
}

/* 10 W into a 2 J counter wraps every 0.2 s: every reading must still be about 10 W. */
static void
test_rapl_wrap (void)
{
  const int64_t max_uj = 2000000;
  g_autofree char *root = make_rapl_tree (max_uj);
  g_autofree char *spec = spec_for ("rapl", root, ":rate=50");
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open (spec, &error);
  Counter ctr = { g_build_filename (root, "intel-rapl:0", "energy_uj", NULL), max_uj, 10.0,
                  bs_clock_now_ns (), 0, 0 };
  g_autoptr (GThread) thread = NULL;
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  guint n = 0;
  int pkg, core;
  Capture c;

  g_assert_no_error (error);
  g_assert_cmpuint (bs_probe_get_n_channels (probe), ==, 2);
  channel_named (probe, "package-0", &pkg);
  channel_named (probe, "package-0/core", &core);
  g_assert_true (bs_probe_get_channel (probe, pkg)->derived);
  thread = g_thread_new ("counter", counter_thread, &ctr);
  g_usleep (20000);
  capture_start (probe, &c);
  g_usleep (1000000);
  bs_probe_stop (probe);
  g_atomic_int_set (&ctr.stop, 1);
  g_thread_join (g_steal_pointer (&thread));

  for (guint i = 0; i < c.samples->len; i++)
    {
      const BsSample *s = &g_array_index (c.samples, BsSample, i);
      if (s->channel != pkg)
        continue;
      sum += s->value;
      lo = MIN (lo, s->value);
      hi = MAX (hi, s->value);
      n++;
    }
  g_test_message ("RAPL: %u readings over %u wraps: mean %.3f W, range %.2f–%.2f W", n, ctr.wraps,
                  sum / n, lo, hi);
  g_assert_cmpuint (ctr.wraps, >=, 3);
  g_assert_cmpuint (n, >=, 35);
  /* A wrap not seen as one gives about −90 W for one reading; one counted twice adds
   * 2 J to the second's 10 J, 2 W to the mean. The writer and reader threads may lag
   * tens of milliseconds behind the clock on a busy machine (CI shares 2 cores with its
   * builds), which moves single readings up by several times their value and the next
   * one down, so a bound on single readings would fail on load, not on a bug; the lag
   * cancels in the mean, which is held to 10 ± 0.5 W. */
  g_assert_cmpfloat (lo, >, -0.5);
  g_assert_cmpfloat (fabs (sum / n - 10.0), <, 0.5);
  /* The idle core counter: 0 W throughout. */
  g_assert_cmpuint (count_after (&c, core, 0, NULL), >=, 35);
  g_assert_cmpuint (c.faults->len, ==, 0);
  capture_clear (&c);
  bs_probe_close (probe);
  g_free (ctr.energy_path);
  remove_tree (root);
}

/* A counter that goes back without a known range is a fault, not a wrap; a counter that
 * vanishes stops its channel only. */
static void
test_rapl_reset_and_vanish (void)
{
  g_autofree char *root = make_rapl_tree (1000);
  g_autofree char *pkg_dir = g_build_filename (root, "intel-rapl:0", NULL);
  g_autofree char *max_path = g_build_filename (pkg_dir, "max_energy_range_uj", NULL);
  g_autofree char *core_energy = g_build_filename (root, "intel-rapl:0:0", "energy_uj", NULL);
  g_autofree char *spec = NULL;
  g_autoptr (GError) error = NULL;
  BsProbe *probe;
  int pkg, core;
  Capture c;

  g_remove (max_path);
  write_int (pkg_dir, "energy_uj", 5000000);
  spec = spec_for ("rapl", root, ":rate=100");
  probe = bs_probe_open (spec, &error);
  g_assert_no_error (error);
  channel_named (probe, "package-0", &pkg);
  channel_named (probe, "package-0/core", &core);
  capture_start (probe, &c);
  g_usleep (60000);
  write_int (pkg_dir, "energy_uj", 100);
  g_usleep (60000);
  g_assert_cmpint (g_remove (core_energy), ==, 0);
  g_usleep (60000);
  bs_probe_stop (probe);
  g_assert_cmpuint (c.faults->len, ==, 2);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).kind, ==, BS_PROBE_FAULT_OUT_OF_RANGE);
  g_assert_nonnull (strstr (g_array_index (c.faults, Fault, 0).message, "went back"));
  g_assert_cmpint (g_array_index (c.faults, Fault, 1).kind, ==, BS_PROBE_FAULT_DEVICE_GONE);
  g_assert_cmpint (g_array_index (c.faults, Fault, 1).channel, ==, core);
  /* No negative power came out of the reset. */
  for (guint i = 0; i < c.samples->len; i++)
    g_assert_cmpfloat (g_array_index (c.samples, BsSample, i).value, >=, 0);
  capture_clear (&c);
  bs_probe_close (probe);
  remove_tree (root);
}

/* A counter reset (suspend, firmware reload) mid-range is not a wrap: with the real
 * 262 kJ range, taking it as one added ~262 kJ (tens of kW for one interval). It is a gap
 * with a fault; the counter is followed again from its new value. */
static void
test_rapl_reset_mid_range (void)
{
  const int64_t max_uj = 262143328850;
  g_autofree char *root = make_rapl_tree (max_uj);
  g_autofree char *pkg_dir = g_build_filename (root, "intel-rapl:0", NULL);
  g_autofree char *spec = NULL;
  g_autoptr (GError) error = NULL;
  BsProbe *probe;
  guint after_reset;
  int pkg;
  Capture c;

  write_int (pkg_dir, "energy_uj", 100000000000);
  spec = spec_for ("rapl", root, ":rate=100");
  probe = bs_probe_open (spec, &error);
  g_assert_no_error (error);
  channel_named (probe, "package-0", &pkg);
  capture_start (probe, &c);
  g_usleep (60000);
  write_int (pkg_dir, "energy_uj", 1000);
  g_usleep (60000);
  after_reset = count_after (&c, pkg, 0, NULL);
  g_usleep (60000);
  bs_probe_stop (probe);
  for (guint i = 0; i < c.samples->len; i++)
    {
      double w = g_array_index (c.samples, BsSample, i).value;
      g_assert_cmpfloat (w, >=, 0);
      g_assert_cmpfloat (w, <, 1000);
    }
  g_assert_cmpuint (c.faults->len, ==, 1);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).kind, ==, BS_PROBE_FAULT_OUT_OF_RANGE);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).channel, ==, pkg);
  g_assert_nonnull (strstr (g_array_index (c.faults, Fault, 0).message, "not a wrap"));
  g_assert_cmpuint (count_after (&c, pkg, 0, NULL), >, after_reset);
  capture_clear (&c);
  bs_probe_close (probe);
  remove_tree (root);
}

/* ---- XMC ---- */

static void
write_rail (const char *dir, const char *volt, int64_t mv, const char *curr, int64_t ma)
{
  write_int (dir, volt, mv);
  write_int (dir, curr, ma);
}

/* Board A (no xmc_power): rails summed; board B: xmc_power in µW. */
static char *
make_xmc_tree (void)
{
  char *root = g_dir_make_tmp ("pci-XXXXXX", NULL);
  g_autofree char *a = g_build_filename (root, "0000:3b:00.1", "xmc.u.7", NULL);
  g_autofree char *b = g_build_filename (root, "0000:d8:00.1", "xmc.u.2", NULL);
  g_autofree char *nic = g_build_filename (root, "0000:00:1f.6", NULL);

  g_mkdir_with_parents (nic, 0755);
  write_file (nic, "vendor", "0x8086\n");
  write_rail (a, "xmc_12v_pex_vol", 12100, "xmc_12v_pex_curr", 1500);
  write_rail (a, "xmc_12v_aux_vol", 12000, "xmc_12v_aux_curr", 1000);
  write_rail (a, "xmc_3v3_pex_vol", 3300, "xmc_3v3_pex_curr", 300);
  write_rail (a, "xmc_vccint_vol", 850, "xmc_vccint_curr", 9000);
  write_int (a, "xmc_fpga_temp", 52);
  write_int (b, "xmc_power", 23500000);
  write_rail (b, "xmc_12v_pex_vol", 12000, "xmc_12v_pex_curr", 1000);
  return root;
}

static void
test_xmc (void)
{
  g_autofree char *root = make_xmc_tree ();
  g_autofree char *spec = spec_for ("xmc", root, ":bdf=0000:3b:00.1:rate=100");
  g_autofree char *all = spec_for ("xmc", root, "");
  g_autofree char *all_fast = spec_for ("xmc", root, ":rate=100");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = bs_probe_list (all);
  BsProbe *probe = bs_probe_open (spec, &error);
  BsProbe *both;
  int board, aux, vccint, temp;
  double value = NAN;
  Capture c;

  g_assert_no_error (error);
  g_assert_cmpstr (bs_probe_get_label (probe), ==, "Alveo board 0000:3b:00.1");
  /* board, 12v_pex, 12v_aux, 3v3_pex, vccint, fpga_temp */
  g_assert_cmpuint (bs_probe_get_n_channels (probe), ==, 6);
  channel_named (probe, "0000:3b:00.1/board", &board);
  channel_named (probe, "0000:3b:00.1/12v_aux", &aux);
  channel_named (probe, "0000:3b:00.1/vccint", &vccint);
  channel_named (probe, "0000:3b:00.1/fpga_temp", &temp);
  g_assert_cmpint (bs_probe_get_channel (probe, temp)->quantity, ==, BS_QUANTITY_TEMPERATURE);
  capture_start (probe, &c);
  g_usleep (150000);
  bs_probe_stop (probe);
  g_assert_cmpuint (count_after (&c, board, 0, &value), >=, 5);
  /* The input rails only: 12.1×1.5 + 12×1 + 3.3×0.3; VCCINT is fed from them. */
  g_assert_cmpfloat_with_epsilon (value, 18.15 + 12.0 + 0.99, 1e-9);
  count_after (&c, aux, 0, &value);
  g_assert_cmpfloat_with_epsilon (value, 12.0, 1e-9);
  count_after (&c, vccint, 0, &value);
  g_assert_cmpfloat_with_epsilon (value, 0.85 * 9.0, 1e-9);
  count_after (&c, temp, 0, &value);
  g_assert_cmpfloat_with_epsilon (value, 52, 1e-9);
  capture_clear (&c);
  bs_probe_close (probe);

  g_assert_cmpuint (devices->len, ==, 2);
  for (guint i = 0; i < devices->len; i++)
    g_test_message ("%s | %s | %s", ((BsProbeDevice *) devices->pdata[i])->spec,
                    ((BsProbeDevice *) devices->pdata[i])->label,
                    ((BsProbeDevice *) devices->pdata[i])->detail);
  /* The listed spec opens the board it names. */
  probe = bs_probe_open (((BsProbeDevice *) devices->pdata[1])->spec, &error);
  g_assert_no_error (error);
  channel_named (probe, "0000:d8:00.1/board", &board);
  g_assert_false (bs_probe_get_channel (probe, board)->derived);
  capture_start (probe, &c);
  g_usleep (150000);
  bs_probe_stop (probe);
  count_after (&c, board, 0, &value);
  g_assert_cmpfloat_with_epsilon (value, 23.5, 1e-9);
  capture_clear (&c);
  bs_probe_close (probe);

  /* Both boards; then board A is removed (driver unloaded): its channels fault, B goes on. */
  both = bs_probe_open (all_fast, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bs_probe_get_n_channels (both), ==, 6 + 2);
  capture_start (both, &c);
  g_usleep (50000);
  {
    g_autofree char *a = g_build_filename (root, "0000:3b:00.1", NULL);
    int64_t t_gone = bs_clock_now_ns ();

    remove_tree (a);
    g_usleep (200000);
    channel_named (both, "0000:d8:00.1/board", &board);
    g_assert_cmpuint (count_after (&c, board, t_gone + 30000000, NULL), >=, 5);
  }
  bs_probe_stop (both);
  g_assert_cmpuint (c.faults->len, ==, 6);
  for (guint i = 0; i < c.faults->len; i++)
    g_assert_cmpint (g_array_index (c.faults, Fault, i).kind, ==, BS_PROBE_FAULT_DEVICE_GONE);
  capture_clear (&c);
  bs_probe_close (both);
  remove_tree (root);
}

/* xmc_power, like hwmon's power files, cannot read below zero. */
static void
test_xmc_negative_power (void)
{
  g_autofree char *root = make_xmc_tree ();
  g_autofree char *b = g_build_filename (root, "0000:d8:00.1", "xmc.u.2", NULL);
  g_autofree char *spec = spec_for ("xmc", root, ":bdf=0000:d8:00.1:rate=100");
  g_autoptr (GError) error = NULL;
  BsProbe *probe = NULL;
  int board, rail;
  Capture c;

  write_int (b, "xmc_power", -23500000);
  probe = bs_probe_open (spec, &error);
  g_assert_no_error (error);
  channel_named (probe, "0000:d8:00.1/board", &board);
  channel_named (probe, "0000:d8:00.1/12v_pex", &rail);
  capture_start (probe, &c);
  wait_for_readings (&c, rail, 5);
  bs_probe_stop (probe);
  g_assert_cmpuint (count_after (&c, board, 0, NULL), ==, 0);
  g_assert_cmpuint (c.faults->len, ==, 1);
  g_assert_cmpint (g_array_index (c.faults, Fault, 0).kind, ==, BS_PROBE_FAULT_OUT_OF_RANGE);
  g_assert_nonnull (strstr (g_array_index (c.faults, Fault, 0).message, "negative"));
  capture_clear (&c);
  bs_probe_close (probe);
  remove_tree (root);
}

static void
test_xmc_missing (void)
{
  g_autofree char *root = make_xmc_tree ();
  g_autofree char *spec = spec_for ("xmc", root, ":bdf=0000:00:1f.6");
  g_autoptr (GError) error = NULL;

  g_assert_null (bs_probe_open (spec, &error));
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "xocl"));
  remove_tree (root);
}

/* Stored calibrations must not leak in from (or out to) the user's configuration.
 * (G_TEST_OPTION_ISOLATE_DIRS would do, but GLib 2.74 leaks its strings.) */
static char *
isolate_config (void)
{
  char *dir = g_dir_make_tmp ("bs-probes-config-XXXXXX", NULL);

  g_setenv ("XDG_CONFIG_HOME", dir, TRUE);
  return dir;
}

static void
remove_config (char *dir)
{
  g_autofree char *sub = g_build_filename (dir, "blendscope", NULL);
  g_autofree char *ini = g_build_filename (sub, "meters.ini", NULL);

  g_remove (ini);
  g_rmdir (sub);
  g_rmdir (dir);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  char *config = isolate_config ();
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/probes/hwmon/channels", test_hwmon_channels);
  g_test_add_func ("/probes/hwmon/select", test_hwmon_select);
  g_test_add_func ("/probes/hwmon/vanish", test_hwmon_vanish);
  g_test_add_func ("/probes/hwmon/stalled-read", test_hwmon_stalled_read);
  g_test_add_func ("/probes/hwmon/negative-power", test_hwmon_negative_power);
  g_test_add_func ("/probes/hwmon/rails", test_hwmon_rails);
  g_test_add_func ("/probes/rail-map", test_rail_map);
  g_test_add_func ("/probes/default/choose", test_choose_default);
  g_test_add_func ("/probes/rapl/wrap", test_rapl_wrap);
  g_test_add_func ("/probes/rapl/reset-and-vanish", test_rapl_reset_and_vanish);
  g_test_add_func ("/probes/rapl/reset-mid-range", test_rapl_reset_mid_range);
  g_test_add_func ("/probes/xmc/boards", test_xmc);
  g_test_add_func ("/probes/xmc/missing", test_xmc_missing);
  g_test_add_func ("/probes/xmc/negative-power", test_xmc_negative_power);
  status = g_test_run ();
  remove_config (config);
  return status;
}
