/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli-meters.c: blendscope-cli with simulated USB meters on pseudo-terminals:
 * `probes` lists a meter when told its port, `calibrate` recovers a simulated UM34C's
 * latency within 10 ms, and `record` stores a simulated PPK2's 100 kSa/s stream in the
 * recorder's chunked storage, sample for sample. The simulators run in this process; the
 * CLI is a child process. Real time: about 55 s, most of it the 40 s calibration, which
 * meson runs alone (is_parallel: false): it measures timing. */
#include "bs-run-data.h"
#include "bs-runs.h"
#include "bs-store.h"
#include "meter-sim.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  char *dir;
  char *link;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("bs-cli-meter-XXXXXX", NULL);
  f->link = g_build_filename (f->dir, "meter", NULL);
  /* Nothing stored by the calibration may reach the user's meters.ini. */
  g_setenv ("XDG_CONFIG_HOME", f->dir, TRUE);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->link);
  g_free (f->dir);
}

static GSubprocess *
spawn_cli (const char *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  GSubprocess *child;

  g_ptr_array_add (argv, (char *) g_getenv ("BS_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  child = g_subprocess_newv ((const char *const *) argv->pdata,
                             G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  return child;
}

/* Waits for @child (and drops it); returns its stdout, fails the test on a non-zero exit. */
static char *
finish_cli (GSubprocess *child_owned)
{
  g_autoptr (GSubprocess) child = child_owned;
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  g_autofree char *err = NULL;

  g_subprocess_communicate_utf8 (child, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("stdout:\n%s\nstderr:\n%s", out, err);
  g_assert_true (g_subprocess_get_successful (child));
  return out;
}

static gboolean
have_cli (void)
{
  if (g_getenv ("BS_CLI") != NULL)
    return TRUE;
  g_test_skip ("BS_CLI is set by meson test");
  return FALSE;
}

/* ---- probes ---- */

static void
test_probes_lists_pty (Fixture *f, gconstpointer data)
{
  g_autofree char *spec = g_strdup_printf ("um34c:port=%s", f->link);
  const char *list[] = { "probes", spec, NULL };
  const char *read[] = { "probes", "--read", "1", spec, NULL };
  g_autofree char *out = NULL;
  g_autofree char *out_read = NULL;
  MeterSimConfig config;
  MeterSim *sim;

  if (!have_cli ())
    return;
  meter_sim_config_init (&config, METER_SIM_UM34C, f->link);
  config.latency_ns = 30000000;
  sim = meter_sim_start (&config);
  out = finish_cli (spawn_cli (list));
  g_assert_nonnull (strstr (out, spec));
  g_assert_nonnull (strstr (out, "UM34C on"));
  g_assert_nonnull (strstr (out, "[SIMULATED]"));
  g_assert_nonnull (strstr (out, "voltage 5.1 V"));
  out_read = finish_cli (spawn_cli (read));
  g_assert_nonnull (strstr (out_read, "readings in 1.0 s"));
  g_assert_nonnull (strstr (out_read, "power"));
  meter_sim_stop (sim);
}

/* ---- calibrate ---- */

/* The load a simulated meter sees: 1.5 W plus 1 W per burner thread the CLI runs. The
 * CLI starts its burner threads at the start of each busy slot and joins them at its end,
 * so the number of its threads (from /proc/PID/status, every 2 ms) follows its load
 * pattern exactly, however busy the machine is with other work; the CPU time it gets
 * would not, on a shared 2-core machine. */
typedef struct
{
  gint pid;
  gint stopping;
  GMutex lock;
  GArray *t_ns;                 /* int64_t */
  GArray *threads;              /* double */
  GThread *thread;
} CpuLoad;

static double
read_thread_count (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, "\nThreads:")) == NULL)
    return NAN;
  return g_ascii_strtod (line + strlen ("\nThreads:"), NULL);
}

static gpointer
thread_sampler (gpointer data)
{
  CpuLoad *load = data;

  while (!g_atomic_int_get (&load->stopping))
    {
      int pid = g_atomic_int_get (&load->pid);
      int64_t t = g_get_monotonic_time () * 1000;
      double n = pid > 0 ? read_thread_count (pid) : NAN;

      if (!isnan (n))
        {
          g_mutex_lock (&load->lock);
          g_array_append_val (load->t_ns, t);
          g_array_append_val (load->threads, n);
          g_mutex_unlock (&load->lock);
        }
      g_usleep (2000);
    }
  return NULL;
}

/* The mean thread count over [t0, t1], each reading held until the next; NAN if none. */
static double
mean_threads (CpuLoad *load, int64_t t0, int64_t t1)
{
  const int64_t *ts = (const int64_t *) load->t_ns->data;
  const double *ns = (const double *) load->threads->data;
  guint n = load->t_ns->len;
  double sum = 0;

  if (n == 0 || ts[0] > t0 || t1 <= t0)
    return NAN;
  for (guint i = 0; i < n; i++)
    {
      int64_t a = MAX (ts[i], t0), b = MIN (i + 1 < n ? ts[i + 1] : t1, t1);
      if (b > a)
        sum += ns[i] * (double) (b - a);
    }
  return sum / (double) (t1 - t0);
}

static double
cpu_power (int64_t t0, int64_t t1, gpointer data)
{
  CpuLoad *load = data;
  double threads;

  g_mutex_lock (&load->lock);
  threads = mean_threads (load, t0, t1);
  g_mutex_unlock (&load->lock);
  return isnan (threads) ? 1.5 : 1.5 + threads;
}

static void
test_calibrate (Fixture *f, gconstpointer data)
{
  const int64_t latency_ns = 70000000;
  g_autofree char *spec = g_strdup_printf ("um34c:port=%s", f->link);
  g_autofree char *threads = g_strdup_printf ("%u", g_get_num_processors ());
  const char *args[] = { "calibrate", "--probe", spec, "--duration", "40", "--max-latency", "1",
                         "--threads", threads, "--dry-run", NULL };
  g_autofree char *out = NULL;
  CpuLoad load = { 0 };
  MeterSimConfig config;
  GSubprocess *child;
  MeterSim *sim;
  const char *found;
  double measured_ms;

  if (!have_cli ())
    return;
  g_mutex_init (&load.lock);
  load.t_ns = g_array_new (FALSE, FALSE, sizeof (int64_t));
  load.threads = g_array_new (FALSE, FALSE, sizeof (double));
  load.thread = g_thread_new ("thread-sampler", thread_sampler, &load);
  meter_sim_config_init (&config, METER_SIM_UM34C, f->link);
  config.latency_ns = latency_ns;
  config.jitter_ns = 4000000;
  config.power = cpu_power;
  config.power_data = &load;
  sim = meter_sim_start (&config);
  child = spawn_cli (args);
  g_atomic_int_set (&load.pid, atoi (g_subprocess_get_identifier (child)));
  out = finish_cli (child);
  found = strstr (out, "latency ");
  g_assert_nonnull (found);
  measured_ms = g_ascii_strtod (found + strlen ("latency "), NULL);
  /* Jitter of 0-4 ms adds 2 ms on average: the meter's reading is that much later. */
  g_test_message ("simulated latency %.1f ms (+2 ms mean jitter), calibrated %.1f ms",
                  latency_ns / 1e6, measured_ms);
  g_assert_cmpfloat (fabs (measured_ms - (latency_ns / 1e6 + 2.0)), <=, 10.0);
  meter_sim_stop (sim);
  g_atomic_int_set (&load.stopping, TRUE);
  g_thread_join (load.thread);
  g_array_unref (load.t_ns);
  g_array_unref (load.threads);
  g_mutex_clear (&load.lock);
}

/* ---- record a PPK2 ---- */

static const BsChannel *
find_channel (GArray *channels, BsQuantity quantity)
{
  for (guint i = 0; i < channels->len; i++)
    if (g_array_index (channels, BsChannel, i).quantity == quantity)
      return &g_array_index (channels, BsChannel, i);
  return NULL;
}

static double
sleepy_mcu (int64_t t0, int64_t t1, gpointer data)
{
  return (t0 / 1000) % 10000 < 2000 ? 0.040 : 0.003;
}

static void
test_record_ppk2 (Fixture *f, gconstpointer data)
{
  g_autofree char *spec = g_strdup_printf ("ppk2:port=%s:voltage=3.3", f->link);
  g_autofree char *db = g_build_filename (f->dir, "runs.db", NULL);
  g_autofree char *model = g_build_filename (g_getenv ("BS_SOURCE_ROOT"), "data", "models",
                                             "blendnet20.bsm", NULL);
  const char *args[] = { "record", model, "--db", db, "--backend", "cpu", "--probe", spec,
                         "--duration", "2", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GArray) channels = NULL;
  g_autoptr (GArray) stored = g_array_new (FALSE, FALSE, sizeof (BsSample));
  g_autoptr (GArray) truth = NULL;
  g_autofree char *out = NULL;
  const BsChannel *current;
  MeterSimConfig config;
  MeterSim *sim;
  int64_t run;

  if (!have_cli ())
    return;
  meter_sim_config_init (&config, METER_SIM_PPK2, f->link);
  config.power = sleepy_mcu;
  sim = meter_sim_start (&config);
  out = finish_cli (spawn_cli (args));
  truth = meter_sim_ppk2_currents (sim);
  meter_sim_stop (sim);

  store = bs_store_open (db, BS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_true (bs_store_resolve_run (store, "last", &run, &error));
  channels = bs_store_get_channels (store, run, &error);
  g_assert_no_error (error);
  current = find_channel (channels, BS_QUANTITY_CURRENT);
  g_assert_nonnull (current);
  g_assert_true (bs_store_read_samples (store, current, INT64_MIN, INT64_MAX, stored, &error));
  g_assert_no_error (error);
  g_test_message ("%u current samples stored (%" G_GINT64_FORMAT " bytes), %u streamed",
                  stored->len, current->stored_bytes, truth->len);
  /* 2 s of run at 100 kSa/s: all of it but what was still in the pty (64 KiB, 16384
   * samples) or the probe's last read when it stopped. A loaded machine slows the stream
   * (the simulator waits for the pty rather than drop samples), not the check. */
  g_assert_cmpuint (stored->len, >=, 100000);
  g_assert_cmpuint (stored->len, <=, truth->len);
  g_assert_cmpuint (stored->len + 20000, >=, truth->len);
  for (guint k = 0; k < stored->len; k++)
    {
      double want = g_array_index (truth, double, k);
      double got = g_array_index (stored, BsSample, k).value;
      if (fabs (got - want) > 1e-9)
        g_error ("stored sample %u is %.12g A, the simulator sent %.12g A", k, got, want);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli-meters/probes-lists-pty", Fixture, NULL, fixture_set_up, test_probes_lists_pty,
              fixture_tear_down);
  g_test_add ("/cli-meters/record-ppk2", Fixture, NULL, fixture_set_up, test_record_ppk2,
              fixture_tear_down);
  g_test_add ("/cli-meters/calibrate", Fixture, NULL, fixture_set_up, test_calibrate,
              fixture_tear_down);
  return g_test_run ();
}
