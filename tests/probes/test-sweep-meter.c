/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sweep-meter.c: a per-layer sweep through a simulated UM34C at 10 Hz on a
 * pseudo-terminal, in real time: the energies it attributes to each layer must be within
 * 5 % of the energies the test made the layers draw (the oracle: ΔP × t_layer, known here,
 * never computed by the code under test). */
#include "bs-sweep.h"
#include "meter-sim.h"

#include <glib/gstdio.h>
#include <math.h>

#define N_LAYERS 6
#define IDLE_W 2.0

/* What each simulated layer draws above idle, and how long one invocation takes. */
static const double layer_dw[N_LAYERS] = { 0.62, 1.05, 1.30, 2.45, 0.80, 1.85 };
static const double layer_us[N_LAYERS] = { 23.0, 47.0, 180.0, 12.0, 35.0, 96.0 };
static const char *const layer_names[N_LAYERS] = { "bconv1", "bconv2", "fconv1", "fconv2",
                                                    "bconv3", "fc" };

/* The load over time, as steps: the power from each switch on. */
typedef struct
{
  GMutex lock;
  GArray *t_ns;                 /* int64_t */
  GArray *watts;                /* double */
} Load;

static void
load_switch (Load *load, double watts)
{
  int64_t t = g_get_monotonic_time () * 1000;

  g_mutex_lock (&load->lock);
  g_array_append_val (load->t_ns, t);
  g_array_append_val (load->watts, watts);
  g_mutex_unlock (&load->lock);
}

/* The exact mean of the step function over [t0, t1]. */
static double
load_power (int64_t t0, int64_t t1, gpointer data)
{
  Load *load = data;
  double sum = 0;
  guint n;

  g_mutex_lock (&load->lock);
  n = load->t_ns->len;
  for (guint i = 0; i < n; i++)
    {
      int64_t a = MAX (g_array_index (load->t_ns, int64_t, i), t0);
      int64_t b = MIN (i + 1 < n ? g_array_index (load->t_ns, int64_t, i + 1) : t1, t1);
      if (b > a)
        sum += g_array_index (load->watts, double, i) * (double) (b - a);
    }
  if (n == 0 || g_array_index (load->t_ns, int64_t, 0) > t0)
    sum += IDLE_W * (double) (MIN (n ? g_array_index (load->t_ns, int64_t, 0) : t1, t1) - t0);
  g_mutex_unlock (&load->lock);
  return sum / (double) (t1 - t0);
}

static const char *
layer_name (guint layer, gpointer data)
{
  return layer_names[layer];
}

static BsPrecision
layer_precision (guint layer, gpointer data)
{
  return layer_names[layer][0] == 'b' ? BS_PRECISION_BINARY : BS_PRECISION_FIXED;
}

static gboolean
run_layer_loop (guint layer, int64_t duration_ns, int64_t *iterations, gpointer data,
                GError **error)
{
  load_switch (data, IDLE_W + layer_dw[layer]);
  g_usleep ((gulong) (duration_ns / 1000));
  load_switch (data, IDLE_W);
  *iterations = (int64_t) llround (duration_ns / (layer_us[layer] * 1e3));
  return TRUE;
}

static void
idle (int64_t duration_ns, gpointer data)
{
  load_switch (data, IDLE_W);
  g_usleep ((gulong) (duration_ns / 1000));
}

static void
test_sweep_um34c (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bs-sweep-meter-XXXXXX", NULL);
  g_autofree char *link = g_build_filename (dir, "um34c", NULL);
  g_autofree char *spec = g_strdup_printf ("um34c:port=%s:latency=40ms", link);
  g_autoptr (GError) error = NULL;
  Load load;
  BsSweepTarget target = { N_LAYERS, layer_name, layer_precision, run_layer_loop, idle, NULL, &load };
  BsSweepConfig config;
  BsSweepResult result;
  MeterSimConfig sim_config;
  MeterSim *sim;
  BsProbe *probe;
  double worst = 0;

  g_mutex_init (&load.lock);
  load.t_ns = g_array_new (FALSE, FALSE, sizeof (int64_t));
  load.watts = g_array_new (FALSE, FALSE, sizeof (double));
  meter_sim_config_init (&sim_config, METER_SIM_UM34C, link);
  sim_config.latency_ns = 40000000;
  sim_config.jitter_ns = 5000000;
  sim_config.power = load_power;
  sim_config.power_data = &load;
  sim = meter_sim_start (&sim_config);
  probe = bs_probe_open (spec, &error);
  g_assert_no_error (error);

  bs_sweep_config_init (&config);
  config.busy_ns = 3000000000;
  config.idle_ns = 1500000000;
  config.network_ns = 0;
  g_assert_true (bs_sweep_run (probe, &target, &config, &result, &error));
  g_assert_no_error (error);
  g_test_message ("%u readings, period %.1f ms", result.n_samples, result.period_ns / 1e6);
  g_assert_cmpuint (result.layers->len, ==, N_LAYERS);
  for (guint k = 0; k < N_LAYERS; k++)
    {
      const BsSweepLayer *l = &g_array_index (result.layers, BsSweepLayer, k);
      double truth = layer_dw[k] * layer_us[k] * 1e-6;
      double err = (l->energy.e_dynamic_j - truth) / truth;

      g_assert_cmpint (l->status, ==, BS_SWEEP_OK);
      g_test_message ("%-7s E_dynamic %.4g µJ (truth %.4g µJ, %+.2f %%), %u busy readings",
                      l->name, l->energy.e_dynamic_j * 1e6, truth * 1e6, err * 100, l->energy.busy.n);
      worst = MAX (worst, fabs (err));
    }
  g_test_message ("worst |error| %.2f %%", worst * 100);
  g_assert_cmpfloat (worst, <, 0.05);
  bs_sweep_result_clear (&result);
  bs_probe_close (probe);
  meter_sim_stop (sim);
  g_rmdir (dir);
  g_array_unref (load.t_ns);
  g_array_unref (load.watts);
  g_mutex_clear (&load.lock);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("XDG_CONFIG_HOME", "/nonexistent-blendscope-test", TRUE);
  g_test_add_func ("/sweep-meter/um34c-10hz", test_sweep_um34c);
  return g_test_run ();
}
