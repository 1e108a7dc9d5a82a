/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-sweep.c: `blendscope-cli sweep MODEL --probe SPEC`: per-layer power and energy.
 *
 * Meters are slow and layers last microseconds, so each plan op is looped at steady state
 * on the backend (its layer-loop mode) while the meter samples, with idle gaps between
 * for the baseline; probes/bs-sweep.c turns the readings into energies with intervals.
 * The backend is driven by the run job (sessions/bs-run-job.c, its sweep adapter). */
#include "bs-cli.h"
#include "bs-image.h"
#include "bs-model.h"
#include "bs-plan.h"
#include "bs-probe.h"
#include "bs-run-job.h"

#include <stdio.h>

typedef struct
{
  const BsPlan *plan;
  const BsRunSettings *settings;
  char *power;                 /* the probe's label, once open */
  gboolean simulated;
} Sweep;

static void
on_power (const char *label, gboolean simulated, gpointer user_data)
{
  Sweep *sweep = user_data;

  sweep->power = g_strdup (label);
  sweep->simulated = simulated;
}

static void
on_phase (BsRunJobPhase phase, int64_t run, gpointer user_data)
{
  Sweep *sweep = user_data;
  const BsRunSettings *s = sweep->settings;
  BsSweepConfig config;

  bs_sweep_config_init (&config);
  if (phase == BS_RUN_JOB_SWEEPING)
    fprintf (stderr, "sweeping %d ops of %s on %s with %s%s: about %.0f s\n",
             sweep->plan->n_ops, sweep->plan->model->name, s->backend, sweep->power,
             sweep->simulated ? " (SIMULATED power)" : "",
             (sweep->plan->n_ops * (s->sweep_busy_ns + s->sweep_idle_ns)
              + config.network_ns) / 1e9);
}

static void
on_message (const char *text, gpointer user_data)
{
  fprintf (stderr, "blendscope-cli: %s\n", text);
}

static void
on_progress (const char *what, gpointer user_data)
{
  fprintf (stderr, "  %s\n", what);
}

static int
sweep (const BsModel *model, const char *backend_spec, const char *probe_spec, double busy_s,
       double idle_s)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsImageBatch) batch = bs_image_batch_random (model->input_shape, 4, 1);
  /* One inference first: layer loops replay the inputs of the last one. Not recorded. */
  BsRunSettings settings = {
    .backend = backend_spec, .probe = probe_spec, .n_inferences = 1, .sweep = TRUE,
    .sweep_busy_ns = (int64_t) (busy_s * 1e9), .sweep_idle_ns = (int64_t) (idle_s * 1e9),
  };
  Sweep s = { NULL, &settings, NULL, FALSE };
  BsRunJobObserver observer = {
    .message = on_message, .power = on_power, .phase = on_phase,
    .sweep_progress = on_progress, .user_data = &s,
  };
  BsRunJobResult result;
  int code = 1;

  if ((plan = bs_plan_compile (model, &error)) == NULL)
    return bs_cli_fail (error);
  s.plan = plan;
  if (!bs_run_job_run (model, plan, batch, &settings, &observer, NULL, &result, &error))
    code = bs_cli_fail (error);
  else if (result.sweep != NULL)
    {
      g_autofree char *table = bs_sweep_result_format (result.sweep);

      fputs (table, stdout);
      code = 0;
    }
  bs_run_job_result_clear (&result);
  g_free (s.power);
  return code;
}

int
bs_cli_sweep (int argc, char **argv)
{
  g_autofree char *backend = NULL;
  g_autofree char *probe = NULL;
  double busy_s = 5.0, idle_s = 2.0;
  GOptionEntry entries[] = {
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &backend, "Backend spec (cpu)", "SPEC" },
    { "probe", 'p', 0, G_OPTION_ARG_STRING, &probe,
      "Power probe spec (an attached meter, else sigrok:demo)", "SPEC" },
    { "busy", 0, 0, G_OPTION_ARG_DOUBLE, &busy_s,
      "Seconds each layer loops (5; ≥ 2 s gives a 10 Hz meter 20 readings)", "S" },
    { "idle", 0, 0, G_OPTION_ARG_DOUBLE, &idle_s, "Idle seconds between layers (2)", "S" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL");
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Loop each layer at steady state while a meter "
                                         "samples; print per-layer power and energy with 95 % "
                                         "intervals, grouped binary vs fixed point.");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 || busy_s <= 0 || idle_s <= 0)
    {
      fprintf (stderr, "blendscope-cli sweep: expected one MODEL, --busy > 0, --idle > 0\n");
      return 2;
    }
  model = bs_model_load (argv[1], &error);
  if (model == NULL)
    return bs_cli_fail (error);
  if (probe == NULL)
    probe = bs_probe_pick_default ();
  return sweep (model, backend ? backend : "cpu", probe, busy_s, idle_s);
}
