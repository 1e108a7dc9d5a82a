/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sweep.c: runs the idle/loop schedule while capturing, then attributes. */
#include "bs-sweep.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#define GAP_FACTOR 3
/* Extra time at the end for readings still on their way. */
#define TAIL_NS INT64_C (500000000)

typedef enum
{
  PHASE_IDLE,
  PHASE_LAYER,
  PHASE_NETWORK,
} PhaseKind;

typedef struct
{
  PhaseKind kind;
  guint layer;
  BsInterval iv;
  int64_t count;                /* iterations or inferences */
  gboolean failed;
} Phase;

typedef struct
{
  int64_t t_ns;
  int32_t channel;
  BsProbeFaultKind kind;
  char *message;
} Fault;

typedef struct
{
  GMutex lock;
  GArray *samples;              /* BsSample */
  GArray *faults;               /* Fault */
  const BsSweepConfig *config;
} Capture;

typedef struct
{
  const BsSweepTarget *target;
  const BsSweepConfig *config;
  BsSweepResult *result;
  GArray *phases;               /* Phase */
} Run;

void
bs_sweep_config_init (BsSweepConfig *config)
{
  *config = (BsSweepConfig) { 0 };
  config->busy_ns = INT64_C (5000000000);
  config->idle_ns = INT64_C (2000000000);
  config->repeats = 1;
  config->min_samples = 5;
  config->network_ns = INT64_C (10000000000);
}

const char *
bs_sweep_status_to_string (BsSweepStatus status)
{
  switch (status)
    {
    case BS_SWEEP_OK:
      return "ok";
    case BS_SWEEP_TOO_FEW_SAMPLES:
      return "too few readings";
    case BS_SWEEP_NO_DATA:
      return "no data (meter gap)";
    case BS_SWEEP_FAILED:
      return "failed";
    }
  return "?";
}

static void
layer_clear (gpointer data)
{
  BsSweepLayer *layer = data;

  g_free (layer->name);
  g_free (layer->note);
}

static void
gap_clear (gpointer data)
{
  g_free (((BsSweepGap *) data)->reason);
}

void
bs_sweep_result_clear (BsSweepResult *result)
{
  g_clear_pointer (&result->probe_label, g_free);
  g_clear_pointer (&result->channel, g_free);
  g_clear_pointer (&result->latency_origin, g_free);
  g_clear_pointer (&result->layers, g_array_unref);
  g_clear_pointer (&result->gaps, g_array_unref);
  g_clear_pointer (&result->faults, g_ptr_array_unref);
  g_clear_pointer (&result->messages, g_ptr_array_unref);
}

static void
result_init (BsSweepResult *result, BsProbe *probe)
{
  memset (result, 0, sizeof *result);
  result->probe_label = g_strdup (bs_probe_get_label (probe));
  result->simulated = bs_probe_is_simulated (probe);
  result->latency_ns = bs_probe_get_latency_ns (probe);
  result->latency_origin = g_strdup (bs_probe_get_latency_origin (probe));
  result->layers = g_array_new (FALSE, TRUE, sizeof (BsSweepLayer));
  g_array_set_clear_func (result->layers, layer_clear);
  result->gaps = g_array_new (FALSE, TRUE, sizeof (BsSweepGap));
  g_array_set_clear_func (result->gaps, gap_clear);
  result->faults = g_ptr_array_new_with_free_func (g_free);
  result->messages = g_ptr_array_new_with_free_func (g_free);
  result->idle_w = NAN;
}

/* ---- capture ---- */

static void
on_samples (const BsSample *samples, guint n, gpointer data)
{
  Capture *capture = data;

  g_mutex_lock (&capture->lock);
  g_array_append_vals (capture->samples, samples, n);
  g_mutex_unlock (&capture->lock);
}

static void
on_fault (const BsProbeFault *fault, gpointer data)
{
  Capture *capture = data;
  Fault f = { fault->t_ns, fault->channel, fault->kind, g_strdup (fault->message) };

  g_mutex_lock (&capture->lock);
  g_array_append_val (capture->faults, f);
  g_mutex_unlock (&capture->lock);
  if (capture->config->fault != NULL)
    capture->config->fault (fault, capture->config->user_data);
}

static void
fault_clear (gpointer data)
{
  g_free (((Fault *) data)->message);
}

/* ---- the schedule ---- */

static int64_t
run_now (const Run *run)
{
  return run->config->now != NULL ? run->config->now (run->config->now_data) : bs_clock_now_ns ();
}

static void
progress (const Run *run, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
progress (const Run *run, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  if (run->config->progress == NULL)
    return;
  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  run->config->progress (what, run->config->user_data);
}

static void
add_phase (Run *run, PhaseKind kind, guint layer, int64_t t_start, int64_t count, gboolean failed)
{
  Phase phase = { kind, layer, { t_start, run_now (run) }, count, failed };

  g_array_append_val (run->phases, phase);
}

static void
idle_phase (Run *run, int64_t duration_ns)
{
  int64_t t = run_now (run);

  run->target->idle (duration_ns, run->target->user_data);
  add_phase (run, PHASE_IDLE, 0, t, 0, FALSE);
}

static void
note_failure (Run *run, guint layer, const GError *error)
{
  BsSweepLayer *l = &g_array_index (run->result->layers, BsSweepLayer, layer);

  if (l->note == NULL)
    l->note = g_strdup_printf ("the backend could not loop it: %s",
                               error != NULL ? error->message : "unknown error");
}

static void
layer_phase (Run *run, guint layer)
{
  g_autoptr (GError) error = NULL;
  int64_t iterations = 0;
  int64_t t = run_now (run);
  gboolean ok = run->target->run_layer_loop (layer, run->config->busy_ns, &iterations,
                                             run->target->user_data, &error);

  if (!ok || iterations <= 0)
    note_failure (run, layer, error);
  add_phase (run, PHASE_LAYER, layer, t, ok ? iterations : 0, !ok || iterations <= 0);
}

static void
network_phase (Run *run)
{
  g_autoptr (GError) error = NULL;
  int64_t inferences = 0;
  int64_t t = run_now (run);
  gboolean ok = run->target->run_network (run->config->network_ns, &inferences,
                                          run->target->user_data, &error);

  if (!ok)
    g_ptr_array_add (run->result->messages,
                     g_strdup_printf ("The whole-network run failed: %s.",
                                      error != NULL ? error->message : "unknown error"));
  add_phase (run, PHASE_NETWORK, 0, t, ok ? inferences : 0, !ok);
}

static void
run_schedule (Run *run, int64_t latency_ns)
{
  const BsSweepTarget *target = run->target;
  guint n = target->n_layers;

  for (guint r = 0; r < run->config->repeats; r++)
    for (guint i = 0; i < n; i++)
      {
        progress (run, "layer %u/%u: %s (round %u/%u)", i + 1, n,
                  target->layer_name (i, target->user_data), r + 1, run->config->repeats);
        idle_phase (run, run->config->idle_ns);
        layer_phase (run, i);
      }
  idle_phase (run, run->config->idle_ns);
  if (target->run_network != NULL && run->config->network_ns > 0)
    {
      progress (run, "whole network");
      network_phase (run);
      idle_phase (run, run->config->idle_ns);
    }
  /* Readings of the last gap arrive up to one latency after it. */
  run->target->idle (MAX (latency_ns, 0) + TAIL_NS, run->target->user_data);
  g_array_index (run->phases, Phase, run->phases->len - 1).iv.t_end_ns = run_now (run);
}

/* ---- analysis ---- */

static double
rel_s (const BsSweepResult *result, int64_t t_ns)
{
  return (t_ns - result->t_start_ns) * 1e-9;
}

/* Readings of @iv with its ends trimmed by @settle_ns, appended to @out. */
static void
collect (const BsPowerTrace *trace, const BsInterval *iv, int64_t settle_ns, GArray *out)
{
  gsize first;
  gsize n = bs_power_trace_range (trace, iv->t_start_ns + settle_ns, iv->t_end_ns - settle_ns, &first);

  if (iv->t_end_ns - iv->t_start_ns > 2 * settle_ns)
    g_array_append_vals (out, trace->w + first, n);
}

static const Fault *
fault_within (GArray *faults, int32_t channel, int64_t from_ns, int64_t to_ns)
{
  for (guint i = 0; i < faults->len; i++)
    {
      const Fault *f = &g_array_index (faults, Fault, i);
      if ((f->channel < 0 || f->channel == channel) && f->t_ns >= from_ns && f->t_ns <= to_ns)
        return f;
    }
  return NULL;
}

static void
add_gap (BsSweepResult *result, GArray *faults, int32_t channel, int64_t from_ns, int64_t to_ns)
{
  const Fault *f = fault_within (faults, channel, from_ns - result->period_ns, to_ns);
  BsSweepGap gap = { from_ns, to_ns, NULL };

  gap.reason = f != NULL ? g_strdup (f->message)
                         : g_strdup_printf ("no readings for %.1f s", (to_ns - from_ns) * 1e-9);
  g_array_append_val (result->gaps, gap);
}

/* Stretches with readings more than GAP_FACTOR median periods apart; the stamps of the
 * last readings are up to one latency before the end. */
static void
find_gaps (BsSweepResult *result, const BsPowerTrace *trace, GArray *faults, int32_t channel)
{
  int64_t threshold = GAP_FACTOR * result->period_ns;
  int64_t end = result->t_end_ns - MAX (result->latency_ns, 0) - TAIL_NS;
  int64_t prev = result->t_start_ns;

  if (trace == NULL || trace->n == 0)
    {
      add_gap (result, faults, channel, result->t_start_ns, result->t_end_ns);
      return;
    }
  for (gsize k = 0; k < trace->n; k++)
    {
      if (trace->t_ns[k] - prev > threshold && trace->t_ns[k] > result->t_start_ns)
        add_gap (result, faults, channel, prev, trace->t_ns[k]);
      prev = MAX (prev, trace->t_ns[k]);
    }
  if (end - prev > threshold)
    add_gap (result, faults, channel, prev, result->t_end_ns);
}

static int64_t
overlap_with_gaps (const BsSweepResult *result, const BsInterval *iv)
{
  int64_t sum = 0;

  for (guint g = 0; g < result->gaps->len; g++)
    {
      const BsSweepGap *gap = &g_array_index (result->gaps, BsSweepGap, g);
      sum += MAX (0, MIN (gap->t_end_ns, iv->t_end_ns) - MAX (gap->t_start_ns, iv->t_start_ns));
    }
  return sum;
}

static void
set_note (BsSweepLayer *layer, char *note)
{
  /* A backend failure, noted while running, says the most. */
  if (layer->note != NULL)
    {
      g_free (note);
      return;
    }
  layer->note = note;
}

static void
blank_energies (BsLayerEnergy *e)
{
  e->e_dynamic_j = e->e_dynamic_ci_j = e->e_total_j = e->e_total_ci_j = NAN;
}

/* Status and note from how many readings the layer got. */
static void
judge_layer (BsSweepLayer *layer, const BsSweepResult *result, guint n_busy, guint min_samples)
{
  if (layer->iterations <= 0)
    layer->status = BS_SWEEP_FAILED;
  else if (n_busy < min_samples && layer->gap_fraction > 0)
    {
      layer->status = BS_SWEEP_NO_DATA;
      set_note (layer, g_strdup_printf ("no energy figures: the meter had a gap while it looped "
                                        "(%u readings, %u needed)", n_busy, min_samples));
    }
  else if (n_busy < min_samples)
    {
      layer->status = BS_SWEEP_TOO_FEW_SAMPLES;
      set_note (layer, g_strdup_printf ("only %u readings while it looped (%u needed): loop it "
                                        "longer for a %.0f ms meter", n_busy, min_samples,
                                        result->period_ns * 1e-6));
    }
  else if (layer->energy.status != BS_ENERGY_OK)
    {
      layer->status = BS_SWEEP_NO_DATA;
      set_note (layer, g_strdup ("no energy figures: no idle readings to subtract"));
    }
  else
    {
      layer->status = BS_SWEEP_OK;
      if (layer->gap_fraction > 0)
        set_note (layer, g_strdup_printf ("%.0f %% of its loop fell in a meter gap; the figures "
                                          "use the %u readings outside it",
                                          100 * layer->gap_fraction, n_busy));
      else if (layer->baseline_from_run)
        set_note (layer, g_strdup ("idle baseline from the whole run: its own gaps had too few "
                                   "readings"));
    }
  if (layer->status != BS_SWEEP_OK)
    blank_energies (&layer->energy);
}

typedef struct
{
  const BsPowerTrace *trace;
  GArray *phases;
  GArray *idle_all;             /* double */
  int64_t settle_ns;
  guint min_samples;
} Analysis;

static void
analyse_layer (const Analysis *a, BsSweepResult *result, guint index)
{
  BsSweepLayer *layer = &g_array_index (result->layers, BsSweepLayer, index);
  g_autoptr (GArray) busy = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) idle = g_array_new (FALSE, FALSE, sizeof (double));
  int64_t in_gaps = 0;

  for (guint p = 0; p < a->phases->len; p++)
    {
      const Phase *phase = &g_array_index (a->phases, Phase, p);

      if (phase->kind != PHASE_LAYER || phase->layer != index || phase->failed)
        continue;
      layer->iterations += phase->count;
      layer->busy_ns += phase->iv.t_end_ns - phase->iv.t_start_ns;
      in_gaps += overlap_with_gaps (result, &phase->iv);
      if (a->trace == NULL)
        continue;
      collect (a->trace, &phase->iv, a->settle_ns, busy);
      /* The schedule alternates, so both neighbours are idle gaps. */
      collect (a->trace, &g_array_index (a->phases, Phase, p - 1).iv, a->settle_ns, idle);
      collect (a->trace, &g_array_index (a->phases, Phase, p + 1).iv, a->settle_ns, idle);
    }
  layer->gap_fraction = layer->busy_ns > 0 ? (double) in_gaps / layer->busy_ns : 0;
  if (idle->len < a->min_samples)
    {
      layer->baseline_from_run = TRUE;
      g_array_set_size (idle, 0);
      g_array_append_vals (idle, a->idle_all->data, a->idle_all->len);
    }
  bs_energy_layer ((const double *) busy->data, busy->len, (const double *) idle->data, idle->len,
                   layer->iterations > 0 ? layer->busy_ns * 1e-9 / layer->iterations : NAN,
                   a->min_samples, &layer->energy);
  judge_layer (layer, result, busy->len, a->min_samples);
}

static void
analyse_network (const Analysis *a, BsSweepResult *result)
{
  g_autoptr (GArray) busy = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) idle = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint p = 0; p < a->phases->len; p++)
    {
      const Phase *phase = &g_array_index (a->phases, Phase, p);

      if (phase->kind != PHASE_NETWORK || phase->failed)
        continue;
      result->has_network = TRUE;
      if (a->trace != NULL)
        {
          collect (a->trace, &phase->iv, a->settle_ns, busy);
          collect (a->trace, &g_array_index (a->phases, Phase, p - 1).iv, a->settle_ns, idle);
          collect (a->trace, &g_array_index (a->phases, Phase, p + 1).iv, a->settle_ns, idle);
        }
      bs_energy_network ((const double *) busy->data, busy->len, (const double *) idle->data,
                         idle->len, (phase->iv.t_end_ns - phase->iv.t_start_ns) * 1e-9,
                         phase->count, a->min_samples, &result->network);
    }
}

static void
collect_idle (Analysis *a)
{
  for (guint p = 0; p < a->phases->len; p++)
    {
      const Phase *phase = &g_array_index (a->phases, Phase, p);
      if (phase->kind == PHASE_IDLE && a->trace != NULL)
        collect (a->trace, &phase->iv, a->settle_ns, a->idle_all);
    }
}

static void
write_messages (BsSweepResult *result, GArray *faults, int32_t channel)
{
  guint missing = 0;

  if (result->simulated)
    g_ptr_array_add (result->messages, g_strdup_printf ("Power comes from %s: simulated, not a "
                                                        "measurement.", result->probe_label));
  if (result->channel == NULL)
    g_ptr_array_add (result->messages, g_strdup_printf ("%s delivered no power readings at all.",
                                                        result->probe_label));
  for (guint g = 0; g < result->gaps->len; g++)
    {
      const BsSweepGap *gap = &g_array_index (result->gaps, BsSweepGap, g);
      g_ptr_array_add (result->messages,
                       g_strdup_printf ("No meter readings from %.1f s to %.1f s: %s.",
                                        rel_s (result, gap->t_start_ns), rel_s (result, gap->t_end_ns),
                                        gap->reason));
    }
  for (guint i = 0; i < result->layers->len; i++)
    if (g_array_index (result->layers, BsSweepLayer, i).status != BS_SWEEP_OK)
      missing++;
  for (guint i = 0; i < faults->len; i++)
    {
      const Fault *f = &g_array_index (faults, Fault, i);
      if (f->kind == BS_PROBE_FAULT_DEVICE_GONE && (f->channel < 0 || f->channel == channel))
        {
          g_ptr_array_add (result->messages,
                           g_strdup_printf ("The meter went away at %.1f s; the sweep ran to the "
                                            "end, and %u of %u layers have no energy figures.",
                                            rel_s (result, f->t_ns), missing, result->layers->len));
          break;
        }
    }
  if (!result->simulated && g_str_equal (result->latency_origin, "none"))
    g_ptr_array_add (result->messages,
                     g_strdup ("This meter's latency is not calibrated, so readings are placed at "
                               "their arrival time; `blendscope-cli calibrate` measures it."));
}

static void
analyse (BsProbe *probe, Capture *capture, GArray *phases, const BsSweepConfig *config,
         BsSweepResult *result)
{
  int channel = bs_probe_find_channel (probe, BS_QUANTITY_POWER, config->channel);
  g_autoptr (BsPowerTrace) trace = NULL;
  Analysis a = { NULL, phases, g_array_new (FALSE, FALSE, sizeof (double)), 0, config->min_samples };

  for (guint i = 0; i < capture->faults->len; i++)
    {
      const Fault *f = &g_array_index (capture->faults, Fault, i);
      g_ptr_array_add (result->faults, g_strdup_printf ("%.1f s: %s", rel_s (result, f->t_ns), f->message));
    }
  if (channel >= 0)
    {
      trace = bs_power_trace_new ((const BsSample *) capture->samples->data, capture->samples->len, channel);
      result->channel = g_strdup (bs_probe_get_channel (probe, channel)->name);
      result->n_samples = trace->n;
      result->period_ns = bs_power_trace_median_spacing (trace);
    }
  result->settle_ns = config->settle_ns > 0 ? config->settle_ns : result->period_ns;
  a.trace = trace;
  a.settle_ns = result->settle_ns;
  find_gaps (result, trace, capture->faults, channel);
  collect_idle (&a);
  if (a.idle_all->len > 0)
    {
      BsMeanCI idle;
      bs_mean_ci ((const double *) a.idle_all->data, a.idle_all->len, &idle);
      result->idle_w = idle.mean;
    }
  for (guint i = 0; i < result->layers->len; i++)
    analyse_layer (&a, result, i);
  analyse_network (&a, result);
  write_messages (result, capture->faults, channel);
  g_array_unref (a.idle_all);
}

static void
init_layers (BsSweepResult *result, const BsSweepTarget *target)
{
  g_array_set_size (result->layers, target->n_layers);
  for (guint i = 0; i < target->n_layers; i++)
    {
      BsSweepLayer *layer = &g_array_index (result->layers, BsSweepLayer, i);
      layer->name = g_strdup (target->layer_name (i, target->user_data));
      layer->precision = target->layer_precision (i, target->user_data);
    }
}

gboolean
bs_sweep_run (BsProbe *probe, const BsSweepTarget *target, const BsSweepConfig *config,
              BsSweepResult *out, GError **error)
{
  Capture capture = { .config = config };
  BsProbeSink sink = { on_samples, on_fault, &capture };
  Run run = { target, config, out, g_array_new (FALSE, FALSE, sizeof (Phase)) };

  g_return_val_if_fail (probe != NULL && target != NULL && config != NULL && out != NULL, FALSE);
  g_return_val_if_fail (config->repeats > 0 && config->busy_ns > 0 && config->idle_ns > 0, FALSE);
  g_return_val_if_fail (target->layer_name != NULL && target->layer_precision != NULL
                        && target->run_layer_loop != NULL && target->idle != NULL, FALSE);

  result_init (out, probe);
  init_layers (out, target);
  g_mutex_init (&capture.lock);
  capture.samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  capture.faults = g_array_new (FALSE, FALSE, sizeof (Fault));
  g_array_set_clear_func (capture.faults, fault_clear);

  if (!bs_probe_start (probe, &sink, error))
    {
      bs_sweep_result_clear (out);
      g_array_unref (run.phases);
      g_array_unref (capture.samples);
      g_array_unref (capture.faults);
      g_mutex_clear (&capture.lock);
      return FALSE;
    }
  out->t_start_ns = run_now (&run);
  run_schedule (&run, bs_probe_get_latency_ns (probe));
  out->t_end_ns = run_now (&run);
  bs_probe_stop (probe);

  analyse (probe, &capture, run.phases, config, out);
  g_array_unref (run.phases);
  g_array_unref (capture.samples);
  g_array_unref (capture.faults);
  g_mutex_clear (&capture.lock);
  return TRUE;
}
