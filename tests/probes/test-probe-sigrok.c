/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-probe-sigrok.c: live captures from libsigrok's demo driver (real libsigrok, real
 * sessions, no hardware): power readings, V×I pairing, a session that ends by itself, and
 * bad specs. */
#include "bs-probe.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct
{
  GMutex lock;
  GCond cond;
  GArray *samples;              /* BsSample */
  GPtrArray *faults;            /* char* */
  GArray *fault_kinds;          /* BsProbeFaultKind */
  GThread *caller;
  gboolean on_caller_thread;
} Capture;

static void
capture_init (Capture *c)
{
  memset (c, 0, sizeof *c);
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  c->samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  c->faults = g_ptr_array_new_with_free_func (g_free);
  c->fault_kinds = g_array_new (FALSE, FALSE, sizeof (BsProbeFaultKind));
  c->caller = g_thread_self ();
}

static void
capture_clear (Capture *c)
{
  g_array_unref (c->samples);
  g_ptr_array_unref (c->faults);
  g_array_unref (c->fault_kinds);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
}

static void
on_samples (const BsSample *samples, guint n, gpointer data)
{
  Capture *c = data;

  g_mutex_lock (&c->lock);
  g_array_append_vals (c->samples, samples, n);
  c->on_caller_thread |= g_thread_self () == c->caller;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

static void
on_fault (const BsProbeFault *fault, gpointer data)
{
  Capture *c = data;

  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->faults, g_strdup (fault->message));
  g_array_append_val (c->fault_kinds, fault->kind);
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

/* Runs the capture for @ms on a running main loop: the caller's context must stay free. */
static void
capture_for (BsProbe *probe, Capture *c, guint ms)
{
  BsProbeSink sink = { on_samples, on_fault, c };
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_assert_true (bs_probe_start (probe, &sink, &error));
  g_assert_no_error (error);
  g_timeout_add_once (ms, (GSourceOnceFunc) g_main_loop_quit, loop);
  g_main_loop_run (loop);
  bs_probe_stop (probe);
}

static GArray *
samples_of (Capture *c, int channel)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (BsSample));

  for (guint i = 0; i < c->samples->len; i++)
    if (g_array_index (c->samples, BsSample, i).channel == channel)
      g_array_append_val (out, g_array_index (c->samples, BsSample, i));
  return out;
}

static void
test_demo_power (void)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open ("sigrok:demo:samplerate=50", &error);
  const BsProbeChannel *channel;
  g_autoptr (GArray) power = NULL;
  int64_t t0 = bs_clock_now_ns (), t1;
  Capture c;

  g_assert_no_error (error);
  g_assert_cmpstr (bs_probe_get_label (probe), ==, "demo meter (simulated)");
  g_assert_true (bs_probe_is_simulated (probe));
  /* The demo is configured as a power meter before any data. */
  g_assert_cmpuint (bs_probe_get_n_channels (probe), ==, 1);
  channel = bs_probe_get_channel (probe, 0);
  g_assert_cmpstr (channel->name, ==, "A0");
  g_assert_cmpint (channel->quantity, ==, BS_QUANTITY_POWER);
  g_assert_cmpint (channel->unit, ==, BS_UNIT_WATT);

  capture_init (&c);
  capture_for (probe, &c, 700);
  t1 = bs_clock_now_ns ();
  power = samples_of (&c, 0);
  g_test_message ("demo: %u power readings in 0.7 s", power->len);
  g_assert_cmpuint (power->len, >=, 10);
  g_assert_cmpuint (power->len, ==, c.samples->len);
  g_assert_false (c.on_caller_thread);
  for (guint i = 0; i < power->len; i++)
    {
      const BsSample *s = &g_array_index (power, BsSample, i);
      g_assert_cmpint (s->quantity, ==, BS_QUANTITY_POWER);
      g_assert_cmpint (s->unit, ==, BS_UNIT_WATT);
      /* pattern × amplitude + offset: a 2 W sine around 5 W. */
      g_assert_cmpfloat (s->value, >=, 3.0 - 1e-3);
      g_assert_cmpfloat (s->value, <=, 7.0 + 1e-3);
      g_assert_cmpint (s->t_ns, >=, t0 - 1000000000);
      g_assert_cmpint (s->t_ns, <=, t1);
      if (i > 0)
        g_assert_cmpint (s->t_ns, >, g_array_index (power, BsSample, i - 1).t_ns);
    }
  /* Not a constant: the sine moves. */
  g_assert_cmpfloat (fabs (g_array_index (power, BsSample, 0).value
                           - g_array_index (power, BsSample, power->len / 2).value), >, 1e-3);
  g_assert_cmpuint (c.faults->len, ==, 0);
  capture_clear (&c);
  bs_probe_close (probe);
}

/* A0 reports voltage and A1 current: power appears as a derived channel, sample by sample. */
static void
test_demo_vi (void)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open ("sigrok:demo:analog_channels=2:samplerate=40:"
                                  "A0.measured_quantity=voltage:A0.offset=5:A0.amplitude=1:"
                                  "A1.measured_quantity=current:A1.offset=2:A1.amplitude=0.5:"
                                  "A1.pattern=square", &error);
  g_autoptr (GArray) v = NULL;
  g_autoptr (GArray) i = NULL;
  g_autoptr (GArray) p = NULL;
  int pc;
  Capture c;

  g_assert_no_error (error);
  g_assert_cmpint (bs_probe_find_channel (probe, BS_QUANTITY_VOLTAGE, "A0"), ==, 0);
  g_assert_cmpint (bs_probe_find_channel (probe, BS_QUANTITY_CURRENT, "A1"), ==, 1);
  capture_init (&c);
  capture_for (probe, &c, 800);
  pc = bs_probe_find_channel (probe, BS_QUANTITY_POWER, NULL);
  g_assert_cmpint (pc, >=, 0);
  g_assert_cmpstr (bs_probe_get_channel (probe, pc)->name, ==, "A0×A1");
  g_assert_true (bs_probe_get_channel (probe, pc)->derived);
  v = samples_of (&c, 0);
  i = samples_of (&c, 1);
  p = samples_of (&c, pc);
  g_test_message ("V×I: %u V, %u I, %u P readings", v->len, i->len, p->len);
  g_assert_cmpuint (p->len, >=, 10);
  g_assert_cmpuint (p->len, <=, MIN (v->len, i->len));
  for (guint k = 0; k < p->len; k++)
    {
      double expected = g_array_index (v, BsSample, k).value * g_array_index (i, BsSample, k).value;
      double got = g_array_index (p, BsSample, k).value;
      g_assert_cmpfloat_with_epsilon (got, expected, 1e-9 * fabs (expected));
      g_assert_cmpfloat (got, >=, 4.0 * 1.5 - 1e-3);
      g_assert_cmpfloat (got, <=, 6.0 * 2.5 + 1e-3);
    }
  capture_clear (&c);
  bs_probe_close (probe);
}

/* limit_samples makes the demo end by itself, as an unplugged meter would. */
static void
test_session_ends (void)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open ("sigrok:demo:samplerate=100:limit_samples=10", &error);
  Capture c;

  g_assert_no_error (error);
  capture_init (&c);
  capture_for (probe, &c, 600);
  g_assert_cmpuint (c.samples->len, ==, 10);
  g_assert_cmpuint (c.faults->len, ==, 1);
  g_assert_cmpint (g_array_index (c.fault_kinds, BsProbeFaultKind, 0), ==, BS_PROBE_FAULT_DEVICE_GONE);
  g_assert_nonnull (strstr (c.faults->pdata[0], "ended on its own"));
  g_test_message ("fault: %s", (const char *) c.faults->pdata[0]);
  capture_clear (&c);
  /* Capturing again after that works. */
  capture_init (&c);
  capture_for (probe, &c, 300);
  g_assert_cmpuint (c.samples->len, ==, 10);
  capture_clear (&c);
  bs_probe_close (probe);
}

/* Nothing for longer than stall=: one stalled fault. */
static void
test_stall (void)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open ("sigrok:demo:samplerate=1:stall=300ms", &error);
  Capture c;

  g_assert_no_error (error);
  capture_init (&c);
  capture_for (probe, &c, 800);
  g_assert_cmpuint (c.faults->len, >=, 1);
  g_assert_cmpint (g_array_index (c.fault_kinds, BsProbeFaultKind, 0), ==, BS_PROBE_FAULT_STALLED);
  capture_clear (&c);
  bs_probe_close (probe);
}

static void
expect_error (const char *spec, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open (spec, &error);

  g_assert_null (probe);
  g_assert_error (error, BS_PROBE_ERROR, code);
  g_test_message ("%s → %s", spec, error->message);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_errors (void)
{
  expect_error ("sigrok:no-such-driver", BS_PROBE_ERROR_UNAVAILABLE, "no driver 'no-such-driver'");
  expect_error ("sigrok:demo:frobnicate=1", BS_PROBE_ERROR_SPEC, "frobnicate");
  expect_error ("sigrok:demo:channels=A9", BS_PROBE_ERROR_SPEC, "A9");
  expect_error ("sigrok:demo:samplerate=fast", BS_PROBE_ERROR_SPEC, "samplerate=fast");
  expect_error ("sigrok:demo:Z9.amplitude=1", BS_PROBE_ERROR_SPEC, "Z9");
  /* A serial meter without conn= finds nothing and says what may be missing. */
  expect_error ("sigrok:korad-kaxxxxp", BS_PROBE_ERROR_UNAVAILABLE, "conn=");
}

static void
test_default_and_list (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = bs_probe_list ("sigrok");
  BsProbe *probe;
  gboolean demo_listed = FALSE;

  g_assert_cmpstr (bs_probe_default_spec (), ==, "sigrok:demo");
  probe = bs_probe_open (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bs_probe_get_label (probe), ==, "demo meter (simulated)");
  g_assert_cmpstr (bs_probe_get_meter_id (probe), ==, "sigrok:demo");
  bs_probe_close (probe);

  g_ptr_array_unref (devices);
  devices = bs_probe_list (NULL);
  for (guint i = 0; i < devices->len; i++)
    {
      const BsProbeDevice *d = devices->pdata[i];
      g_test_message ("%s: %s — %s", d->probe, d->label, d->detail);
      if (g_strcmp0 (d->spec, "sigrok:demo") == 0)
        {
          demo_listed = TRUE;
          g_assert_true (d->simulated);
          g_assert_cmpstr (d->label, ==, "demo meter (simulated)");
        }
    }
  g_assert_true (demo_listed);

  /* Nothing attached here: the demo. (Where a meter is attached, it comes first.) */
  {
    g_autofree char *picked = bs_probe_pick_default ();
    gboolean attached = FALSE;

    for (guint i = 0; i < devices->len; i++)
      attached |= ((BsProbeDevice *) devices->pdata[i])->attached;
    if (!attached)
      g_assert_cmpstr (picked, ==, "sigrok:demo");
    g_test_message ("default: %s", picked);
  }
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
  g_test_add_func ("/probes/sigrok/demo-power", test_demo_power);
  g_test_add_func ("/probes/sigrok/demo-vi", test_demo_vi);
  g_test_add_func ("/probes/sigrok/session-ends", test_session_ends);
  g_test_add_func ("/probes/sigrok/stall", test_stall);
  g_test_add_func ("/probes/sigrok/errors", test_errors);
  g_test_add_func ("/probes/sigrok/default-and-list", test_default_and_list);
  status = g_test_run ();
  remove_config (config);
  return status;
}
