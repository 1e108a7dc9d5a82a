/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-probes.c: `blendscope-cli probes`, what power probes this machine has, and
 * `blendscope-cli calibrate`, a meter's latency measured with a CPU idle/busy pattern. */
#include "bs-cli.h"

#include "bs-calibrate.h"
#include "bs-meter-store.h"
#include "bs-probe.h"

#include <math.h>
#include <stdio.h>

/* ---- probes ---- */

static void
print_device (const BsProbeDevice *d)
{
  printf ("  %-10s %-34s %s%s\n", d->probe, d->spec != NULL ? d->spec : "-", d->label,
          d->simulated ? "  [SIMULATED]" : "");
  if (d->detail != NULL && *d->detail != '\0')
    printf ("  %-10s %-34s %s\n", "", "", d->detail);
}

static void
list_devices (const char *spec)
{
  g_autoptr (GPtrArray) devices = bs_probe_list (spec);

  for (guint i = 0; i < devices->len; i++)
    print_device (devices->pdata[i]);
}

typedef struct
{
  GMutex lock;
  GArray *samples;
} Readings;

static void
on_samples (const BsSample *samples, guint n, gpointer data)
{
  Readings *r = data;

  g_mutex_lock (&r->lock);
  g_array_append_vals (r->samples, samples, n);
  g_mutex_unlock (&r->lock);
}

static void
on_fault (const BsProbeFault *fault, gpointer data)
{
  fprintf (stderr, "blendscope-cli: %s: %s\n", bs_probe_fault_kind_to_string (fault->kind),
           fault->message);
}

static void
print_channels (BsProbe *probe)
{
  for (guint i = 0; i < bs_probe_get_n_channels (probe); i++)
    {
      const BsProbeChannel *c = bs_probe_get_channel (probe, i);
      printf ("  channel %u: %s, %s in %s%s\n", i, c->name, bs_quantity_to_string (c->quantity),
              bs_unit_to_string (c->unit), c->derived ? " (derived)" : "");
    }
}

/* Opens @spec, reads it for @seconds and prints every reading. */
static int
read_probe (const char *spec, double seconds)
{
  g_autoptr (GError) error = NULL;
  BsProbe *probe = bs_probe_open (spec, &error);
  Readings r;
  BsProbeSink sink = { on_samples, on_fault, &r };
  int64_t t0;

  if (probe == NULL)
    return bs_cli_fail (error);
  printf ("%s%s (%s), latency %.1f ms (%s)\n", bs_probe_get_label (probe),
          bs_probe_is_simulated (probe) ? " [SIMULATED]" : "", bs_probe_get_spec (probe),
          bs_probe_get_latency_ns (probe) / 1e6, bs_probe_get_latency_origin (probe));
  g_mutex_init (&r.lock);
  r.samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  t0 = bs_clock_now_ns ();
  if (!bs_probe_start (probe, &sink, &error))
    {
      bs_probe_close (probe);
      return bs_cli_fail (error);
    }
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  bs_probe_stop (probe);
  print_channels (probe);
  for (guint i = 0; i < r.samples->len; i++)
    {
      const BsSample *s = &g_array_index (r.samples, BsSample, i);
      printf ("  %9.3f s  %-24s %10.4f %s\n", (s->t_ns - t0) * 1e-9,
              bs_probe_get_channel (probe, s->channel)->name, s->value, bs_unit_to_string (s->unit));
    }
  printf ("%u readings in %.1f s\n", r.samples->len, seconds);
  g_array_unref (r.samples);
  g_mutex_clear (&r.lock);
  bs_probe_close (probe);
  return 0;
}

int
bs_cli_probes (int argc, char **argv)
{
  double read_s = 0;
  GOptionEntry entries[] = {
    { "read", 'r', 0, G_OPTION_ARG_DOUBLE, &read_s,
      "Open each SPEC (default: the default probe) and print its readings for SECONDS", "SECONDS" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[SPEC...] - list power probes");

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Lists the power probes and devices on this machine, or those of each SPEC, e.g.\n"
    "  sigrok:demo   sigrok:rdtech-dps:conn=/dev/ttyUSB0   hwmon:root=/sys/class/hwmon\n"
    "  rapl   xmc:bdf=0000:3b:00.1   synthetic (simulated, for tests and demos)\n"
    "  um24c:port=/dev/rfcomm0 (also um25c, um34c)   tc66c:port=/dev/ttyACM0\n"
    "  ppk2:port=/dev/ttyACM0:voltage=3.3\n"
    "A meter on a pseudo-terminal (a simulator) is listed when its port is given.\n"
    "Simulated sources are marked [SIMULATED].\n");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (read_s > 0)
    {
      int status = 0;
      if (argc < 2)
        return read_probe (NULL, read_s);
      for (int i = 1; i < argc; i++)
        status |= read_probe (argv[i], read_s);
      return status;
    }
  printf ("  %-10s %-34s %s\n", "PROBE", "SPEC (for --probe)", "DEVICE");
  if (argc < 2)
    list_devices (NULL);
  for (int i = 1; i < argc; i++)
    list_devices (argv[i]);
  if (argc < 2)
    {
      g_autofree char *picked = bs_probe_pick_default ();
      printf ("\ndefault probe: %s%s\n", picked,
              g_str_equal (picked, bs_probe_default_spec ()) ? " (no meter attached)" : "");
    }
  return 0;
}

/* ---- calibrate ---- */

typedef struct
{
  guint n_threads;
} CpuLoad;

static gpointer
spin (gpointer data)
{
  int64_t until = *(const int64_t *) data;
  volatile double x = 1.0;

  while (bs_clock_now_ns () < until)
    for (int i = 0; i < 10000; i++)
      x = x * 1.0000001 + 1e-9;
  return NULL;
}

/* Every core busy for @duration_ns: the load the meter should see. */
static void
cpu_busy (int64_t duration_ns, gpointer data)
{
  CpuLoad *load = data;
  int64_t until = bs_clock_now_ns () + duration_ns;
  g_autofree GThread **threads = g_new (GThread *, load->n_threads);

  for (guint i = 0; i < load->n_threads; i++)
    threads[i] = g_thread_new ("bs-burn", spin, &until);
  for (guint i = 0; i < load->n_threads; i++)
    g_thread_join (threads[i]);
}

static void
cpu_idle (int64_t duration_ns, gpointer data)
{
  g_usleep ((gulong) (duration_ns / 1000));
}

static int
calibrate (const char *spec, const BsCalibrateConfig *config, guint threads, gboolean dry_run)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *store = bs_meter_store_path ();
  CpuLoad cpu = { threads };
  BsLoad load = { cpu_busy, cpu_idle, &cpu, NULL, NULL };
  BsLatencyEstimate est;
  BsProbe *probe = bs_probe_open (spec, &error);

  if (probe == NULL)
    return bs_cli_fail (error);
  printf ("calibrating %s%s: %.0f s of idle/busy slots on %u CPU threads\n",
          bs_probe_get_label (probe), bs_probe_is_simulated (probe) ? " [SIMULATED]" : "",
          config->duration_ns * 1e-9, threads);
  fflush (stdout);
  if (!bs_calibrate_latency (probe, &load, config, &est, &error))
    {
      if (bs_probe_is_simulated (probe))
        g_prefix_error (&error, "%s is simulated and does not measure this machine: ",
                        bs_probe_get_label (probe));
      bs_probe_close (probe);
      return bs_cli_fail (error);
    }
  printf ("latency %.1f ms (correlation %.3f, load step %.3g W, %u readings; lags within %.1f ms "
          "fit equally well)\n", est.latency_ns / 1e6, est.correlation, est.step_w, est.n_samples,
          est.plateau_ns / 1e6);
  if (!dry_run && !bs_meter_store_save (bs_probe_get_meter_id (probe), est.latency_ns,
                                        est.correlation, &error))
    {
      bs_probe_close (probe);
      return bs_cli_fail (error);
    }
  if (!dry_run)
    printf ("stored for %s in %s\n", bs_probe_get_meter_id (probe), store);
  bs_probe_close (probe);
  return 0;
}

int
bs_cli_calibrate (int argc, char **argv)
{
  g_autofree char *spec = NULL;
  g_autofree char *channel = NULL;
  double duration_s = 40, max_latency_s = 2;
  int threads = (int) g_get_num_processors ();
  gboolean dry_run = FALSE;
  GOptionEntry entries[] = {
    { "probe", 'p', 0, G_OPTION_ARG_STRING, &spec, "The meter (default: the default probe)", "SPEC" },
    { "channel", 'c', 0, G_OPTION_ARG_STRING, &channel, "Its power channel (default: the first)", "NAME" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration_s, "Length of the pattern (40)", "SECONDS" },
    { "max-latency", 0, 0, G_OPTION_ARG_DOUBLE, &max_latency_s, "Longest latency tried (2)", "SECONDS" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "CPU threads to load (all)", "N" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Measure but do not store", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- measure a power meter's latency");
  BsCalibrateConfig config;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Switches all CPU cores between idle and busy in slots of random length while reading the\n"
    "meter, and finds the delay at which the power trace best matches the pattern. The meter\n"
    "must measure this machine (or the board whose host this is). The result is stored per\n"
    "meter in $XDG_CONFIG_HOME/blendscope/meters.ini and subtracted from its timestamps from\n"
    "then on (a latency= option in a probe spec overrides it).\n");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc > 1 || duration_s < 5 || max_latency_s <= 0 || threads < 1)
    {
      fprintf (stderr, "blendscope-cli: calibrate takes no arguments; --duration must be at least 5 s, "
                       "--max-latency and --threads positive\n");
      return 2;
    }
  bs_calibrate_config_init (&config);
  config.duration_ns = (int64_t) (duration_s * 1e9);
  config.max_latency_ns = (int64_t) (max_latency_s * 1e9);
  config.channel = channel;
  return calibrate (spec, &config, (guint) threads, dry_run);
}
