/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-probe-spec.c: spec strings, the registry, listing, stored calibrations, the plausible
 * range, and the synthetic source in real time. */
#include "bs-meter-store.h"
#include "bs-probe-synthetic.h"
#include "bs-probe.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static void
test_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsSpec) spec = bs_probe_spec_parse ("sigrok:demo:samplerate=10:channels=A0,A1", &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (spec->name, ==, "sigrok");
  g_assert_cmpstr (spec->word, ==, "demo");
  g_assert_cmpuint (spec->keys->len, ==, 2);
  g_assert_cmpstr (bs_spec_get (spec, "samplerate"), ==, "10");
  g_assert_cmpstr (bs_spec_get (spec, "channels"), ==, "A0,A1");
  g_assert_null (bs_spec_get (spec, "conn"));
  text = bs_spec_to_string (spec);
  g_assert_cmpstr (text, ==, "sigrok:demo:samplerate=10:channels=A0,A1");
}

/* Addresses keep their colons without escaping; "\:" escapes when a value has '='. */
static void
test_continuation (void)
{
  g_autoptr (BsSpec) xmc = bs_probe_spec_parse ("xmc:bdf=0000:3b:00.1:rate=20", NULL);
  g_autoptr (BsSpec) bt = bs_probe_spec_parse ("sigrok:mooshimeter-dmm:conn=bt/ble/00:11:22:33:44:55", NULL);
  g_autoptr (BsSpec) escaped = bs_probe_spec_parse ("synthetic:seed=1\\:x=2", NULL);
  g_autoptr (BsSpec) back = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpstr (bs_spec_get (xmc, "bdf"), ==, "0000:3b:00.1");
  g_assert_cmpstr (bs_spec_get (xmc, "rate"), ==, "20");
  g_assert_cmpstr (bs_spec_get (bt, "conn"), ==, "bt/ble/00:11:22:33:44:55");
  g_assert_cmpstr (bs_spec_get (escaped, "seed"), ==, "1:x=2");
  text = bs_spec_to_string (escaped);
  back = bs_probe_spec_parse (text, NULL);
  g_assert_cmpstr (bs_spec_get (back, "seed"), ==, "1:x=2");
  g_clear_pointer (&text, g_free);
  text = bs_spec_to_string (xmc);
  g_assert_cmpstr (text, ==, "xmc:bdf=0000:3b:00.1:rate=20");
}

static void
expect_spec_error (const char *text, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsSpec) spec = bs_probe_spec_parse (text, &error);

  g_assert_null (spec);
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC);
  g_test_message ("'%s' → %s", text, error->message);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
expect_open_error (const char *text, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open (text, &error);

  g_assert_null (probe);
  g_assert_error (error, BS_PROBE_ERROR, code);
  g_test_message ("'%s' → %s", text, error->message);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_errors (void)
{
  expect_spec_error ("", "empty name");
  expect_spec_error (":demo", "empty name");
  expect_spec_error ("sigrok:demo:a=1:a=2", "given twice");
  expect_spec_error ("sigrok:demo:=1", "not an option name");
  expect_spec_error ("sigrok:demo:other", "key=value");
  expect_open_error ("nosuch", BS_PROBE_ERROR_UNKNOWN, "known: ");
  expect_open_error ("hwmon:rot=/tmp", BS_PROBE_ERROR_SPEC, "unknown option 'rot'");
  expect_open_error ("hwmon:ina226", BS_PROBE_ERROR_SPEC, "unexpected 'ina226'");
  expect_open_error ("synthetic:latency=soon", BS_PROBE_ERROR_SPEC, "latency=soon");
  expect_open_error ("synthetic:rate=0", BS_PROBE_ERROR_SPEC, "rate=0");
  expect_open_error ("synthetic:shape=zigzag", BS_PROBE_ERROR_SPEC, "zigzag");
  expect_open_error ("synthetic:jitter=200ms", BS_PROBE_ERROR_SPEC, "jitter");
}

static void
test_values (void)
{
  g_autoptr (BsSpec) spec = bs_probe_spec_parse ("x:a=120ms:b=0.25:c=3us:r=2kHz:s=10:bad=1 fortnight", NULL);
  g_autoptr (GError) error = NULL;
  int64_t ns;
  double hz;

  g_assert_true (bs_probe_spec_get_duration (spec, "a", 0, &ns, NULL));
  g_assert_cmpint (ns, ==, 120000000);
  g_assert_true (bs_probe_spec_get_duration (spec, "b", 0, &ns, NULL));
  g_assert_cmpint (ns, ==, 250000000);
  g_assert_true (bs_probe_spec_get_duration (spec, "c", 0, &ns, NULL));
  g_assert_cmpint (ns, ==, 3000);
  g_assert_true (bs_probe_spec_get_duration (spec, "missing", 42, &ns, NULL));
  g_assert_cmpint (ns, ==, 42);
  g_assert_true (bs_probe_spec_get_rate (spec, "r", 0, &hz, NULL));
  g_assert_cmpfloat (hz, ==, 2000);
  g_assert_true (bs_probe_spec_get_rate (spec, "s", 0, &hz, NULL));
  g_assert_cmpfloat (hz, ==, 10);
  g_assert_false (bs_probe_spec_get_duration (spec, "bad", 0, &ns, &error));
  g_assert_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC);
}

static void
test_registry (void)
{
  const char *names[] = { "hwmon", "rapl", "xmc", "synthetic", "um24c", "um25c", "um34c",
                          "tc66c", "ppk2" };
  guint n;
  const BsProbeClass *const *classes = bs_probe_classes (&n);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const BsProbeClass *klass = bs_probe_class_find (names[i]);
      g_assert_nonnull (klass);
      g_assert_cmpstr (klass->name, ==, names[i]);
      g_assert_nonnull (klass->list);
      g_assert_nonnull (klass->open);
    }
  g_assert_null (bs_probe_class_find ("nosuch"));
#ifdef BS_TEST_HAVE_SIGROK
  g_assert_nonnull (bs_probe_class_find ("sigrok"));
  g_assert_cmpuint (n, ==, 10);
#else
  g_assert_cmpuint (n, ==, 9);
#endif
  for (guint i = 0; i < n; i++)
    g_assert_true (bs_probe_class_find (classes[i]->name) == classes[i]);
}

static void
test_list (void)
{
  g_autoptr (GPtrArray) missing = bs_probe_list ("hwmon:root=/nonexistent/hwmon");
  g_autoptr (GPtrArray) synthetic = bs_probe_list ("synthetic");
  g_autoptr (GPtrArray) unknown = bs_probe_list ("nosuch");
  const BsProbeDevice *d;

  g_assert_cmpuint (missing->len, ==, 1);
  d = missing->pdata[0];
  g_assert_false (d->available);
  g_assert_null (d->spec);
  g_assert_nonnull (strstr (d->detail, "/nonexistent/hwmon"));
  g_assert_cmpuint (synthetic->len, ==, 1);
  d = synthetic->pdata[0];
  g_assert_true (d->available);
  g_assert_true (d->simulated);
  g_assert_nonnull (strstr (d->label, "simulated"));
  g_assert_cmpuint (unknown->len, ==, 1);
  g_assert_false (((BsProbeDevice *) unknown->pdata[0])->available);
}

/* A calibrated latency is found again by meter id; a latency in the spec wins. */
static void
test_meter_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = bs_meter_store_path ();
  BsProbe *probe;
  int64_t latency;

  g_assert_true (g_str_has_prefix (path, g_get_user_config_dir ()));
  g_assert_false (bs_meter_store_lookup ("synthetic", &latency, NULL));
  g_assert_true (bs_meter_store_save ("synthetic", 123000000, 0.97, &error));
  g_assert_no_error (error);
  g_assert_true (bs_meter_store_save ("hwmon:root=/x", 5000000, 0.9, &error));
  g_assert_true (bs_meter_store_lookup ("synthetic", &latency, NULL));
  g_assert_cmpint (latency, ==, 123000000);

  probe = bs_probe_open ("synthetic:rate=20", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bs_probe_get_meter_id (probe), ==, "synthetic");
  g_assert_cmpint (bs_probe_get_latency_ns (probe), ==, 123000000);
  g_assert_true (g_str_has_prefix (bs_probe_get_latency_origin (probe), "calibrated "));
  bs_probe_close (probe);

  probe = bs_probe_open ("synthetic:latency=40ms", &error);
  g_assert_cmpint (bs_probe_get_latency_ns (probe), ==, 40000000);
  g_assert_cmpstr (bs_probe_get_latency_origin (probe), ==, "given in the probe spec");
  bs_probe_close (probe);
}

typedef struct
{
  GMutex lock;
  GArray *samples;
  GPtrArray *faults;
} Capture;

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

  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->faults, g_strdup (fault->message));
  g_mutex_unlock (&c->lock);
}

static void
capture (BsProbe *probe, guint ms, Capture *c)
{
  BsProbeSink sink = { on_samples, on_fault, c };

  g_mutex_init (&c->lock);
  c->samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  c->faults = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (bs_probe_start (probe, &sink, NULL));
  g_assert_false (bs_probe_start (probe, &sink, NULL));
  g_usleep (ms * 1000);
  bs_probe_stop (probe);
  bs_probe_stop (probe);
}

static void
capture_clear (Capture *c)
{
  g_array_unref (c->samples);
  g_ptr_array_unref (c->faults);
  g_mutex_clear (&c->lock);
}

/* Real time, its own thread: readings at the rate, stamped on arrival, latency subtracted. */
static void
test_synthetic_realtime (void)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open ("synthetic:rate=50:shape=square:level=5:amplitude=1:latency=30ms", &error);
  int64_t t0 = bs_clock_now_ns (), t1;
  Capture c;

  g_assert_no_error (error);
  g_assert_true (bs_probe_is_simulated (probe));
  capture (probe, 400, &c);
  t1 = bs_clock_now_ns ();
  g_test_message ("synthetic: %u readings in 0.4 s", c.samples->len);
  /* One reading every 20 ms; sleeps may overrun, so the bound is the elapsed time. */
  g_assert_cmpuint (c.samples->len, >=, 12);
  g_assert_cmpuint (c.samples->len, <=, (t1 - t0) / 20000000 + 1);
  for (guint i = 0; i < c.samples->len; i++)
    {
      const BsSample *s = &g_array_index (c.samples, BsSample, i);
      g_assert_cmpfloat (s->value, >=, 4.0 - 1e-9);
      g_assert_cmpfloat (s->value, <=, 6.0 + 1e-9);
      g_assert_cmpint (s->t_ns, >=, t0 - 30000000);
      g_assert_cmpint (s->t_ns, <=, t1 - 30000000);
      if (i > 0)
        g_assert_cmpint (s->t_ns, >, g_array_index (c.samples, BsSample, i - 1).t_ns);
    }
  capture_clear (&c);
  bs_probe_close (probe);
}

/* Readings above max_w are dropped with one fault per excursion. */
static void
test_out_of_range (void)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open ("synthetic:rate=100:shape=square:level=5:amplitude=2:period=100ms:"
                                  "window=0:max_w=6", &error);
  Capture c;

  g_assert_no_error (error);
  capture (probe, 350, &c);
  g_test_message ("%u readings kept, %u faults", c.samples->len, c.faults->len);
  g_assert_cmpuint (c.samples->len, >=, 8);
  for (guint i = 0; i < c.samples->len; i++)
    g_assert_cmpfloat (g_array_index (c.samples, BsSample, i).value, <=, 6.0);
  /* A 100 ms square wave: an excursion every 100 ms, reported once each. */
  g_assert_cmpuint (c.faults->len, >=, 2);
  g_assert_cmpuint (c.faults->len, <=, 5);
  g_assert_nonnull (strstr (c.faults->pdata[0], "outside the plausible range"));
  capture_clear (&c);
  bs_probe_close (probe);
}

/* The simulated meter that vanishes: one device-gone fault, then silence, no crash. */
static void
test_synthetic_gone (void)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open ("synthetic:rate=100:gone_after=150ms", &error);
  Capture c;

  g_assert_no_error (error);
  capture (probe, 400, &c);
  g_assert_cmpuint (c.samples->len, >=, 10);
  g_assert_cmpuint (c.samples->len, <=, 16);
  g_assert_cmpuint (c.faults->len, ==, 1);
  g_assert_nonnull (strstr (c.faults->pdata[0], "vanished"));
  capture_clear (&c);
  bs_probe_close (probe);
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
  g_test_add_func ("/probes/spec/parse", test_parse);
  g_test_add_func ("/probes/spec/continuation", test_continuation);
  g_test_add_func ("/probes/spec/errors", test_errors);
  g_test_add_func ("/probes/spec/values", test_values);
  g_test_add_func ("/probes/registry", test_registry);
  g_test_add_func ("/probes/list", test_list);
  g_test_add_func ("/probes/meter-store", test_meter_store);
  g_test_add_func ("/probes/synthetic/realtime", test_synthetic_realtime);
  g_test_add_func ("/probes/synthetic/out-of-range", test_out_of_range);
  g_test_add_func ("/probes/synthetic/gone", test_synthetic_gone);
  status = g_test_run ();
  remove_config (config);
  return status;
}
