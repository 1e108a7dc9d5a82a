/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-sweep.c: `blendscope-cli sweep MODEL --probe SPEC`: per-layer power and energy.
 *
 * Meters are slow and layers last microseconds, so each plan op is looped at steady state
 * on the backend (its layer-loop mode) while the meter samples, with idle gaps between
 * for the baseline; probes/bs-sweep.c turns the readings into energies with intervals. */
#include "bs-backend.h"
#include "bs-cli.h"
#include "bs-image.h"
#include "bs-model.h"
#include "bs-plan.h"
#include "bs-probe.h"
#include "bs-sweep.h"

#include <stdio.h>

typedef struct
{
  BsBackend *backend;
  const BsPlan *plan;
  const BsImageBatch *batch;
  int32_t *logits;
} SweepTarget;

static const char *
op_name (guint op, gpointer user_data)
{
  SweepTarget *t = user_data;
  return bs_plan_op_name (t->plan, (int) op);
}

static BsPrecision
op_precision (guint op, gpointer user_data)
{
  SweepTarget *t = user_data;
  return bs_model_layer (t->plan->model, t->plan->ops[op].primary)->precision;
}

static gboolean
loop_op (guint op, int64_t duration_ns, int64_t *iterations, gpointer user_data, GError **error)
{
  SweepTarget *t = user_data;
  uint64_t n = 0;
  gboolean ok = bs_backend_layer_loop (t->backend, (int) op, duration_ns, &n, error);

  *iterations = (int64_t) n;
  return ok;
}

static void
idle (int64_t duration_ns, gpointer user_data)
{
  g_usleep (duration_ns / 1000);
}

static gboolean
run_network (int64_t duration_ns, int64_t *inferences, gpointer user_data, GError **error)
{
  SweepTarget *t = user_data;
  int64_t end = bs_clock_now_ns () + duration_ns;

  for (*inferences = 0; bs_clock_now_ns () < end; (*inferences)++)
    if (!bs_backend_run (t->backend, bs_image_batch_image (t->batch, *inferences % t->batch->n_images),
                         1, t->logits, NULL, NULL, error))
      return FALSE;
  return TRUE;
}

static void
progress (const char *what, gpointer user_data)
{
  fprintf (stderr, "  %s\n", what);
}

static int
sweep (const BsModel *model, const char *backend_spec, const char *probe_spec, double busy_s,
       double idle_s)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = NULL;
  g_autoptr (BsImageBatch) batch = bs_image_batch_random (model->input_shape, 4, 1);
  BsShape out = bs_model_output_shape (model);
  g_autofree int32_t *logits = g_new0 (int32_t, out.c * out.h * out.w);
  SweepTarget t = { 0 };
  BsSweepTarget target = { 0 };
  BsSweepConfig config;
  BsSweepResult result = { 0 };
  g_autofree char *table = NULL;
  BsProbe *probe;
  gboolean ok;

  if ((plan = bs_plan_compile (model, &error)) == NULL
      || (backend = bs_backend_open (backend_spec, &error)) == NULL
      || !bs_backend_prepare (backend, plan, &error)
      /* layer_loop replays the inputs of the last inference: run one first. */
      || !bs_backend_run (backend, batch->pixels, 1, logits, NULL, NULL, &error))
    return bs_cli_fail (error);
  if ((probe = bs_probe_open (probe_spec, &error)) == NULL)
    return bs_cli_fail (error);

  t = (SweepTarget) { backend, plan, batch, logits };
  target = (BsSweepTarget) { (guint) plan->n_ops, op_name, op_precision, loop_op, idle,
                             run_network, &t };
  bs_sweep_config_init (&config);
  config.busy_ns = (int64_t) (busy_s * 1e9);
  config.idle_ns = (int64_t) (idle_s * 1e9);
  config.progress = progress;
  fprintf (stderr, "sweeping %d ops of %s on %s with %s%s: about %.0f s\n", plan->n_ops,
           model->name, backend_spec, bs_probe_get_label (probe),
           bs_probe_is_simulated (probe) ? " (SIMULATED power)" : "",
           plan->n_ops * (busy_s + idle_s) + config.network_ns / 1e9);

  ok = bs_sweep_run (probe, &target, &config, &result, &error);
  bs_probe_close (probe);
  if (!ok)
    return bs_cli_fail (error);
  table = bs_sweep_result_format (&result);
  fputs (table, stdout);
  bs_sweep_result_clear (&result);
  return 0;
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
