/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-calibrate.c: latency calibration by an idle/busy pattern. */
#include "bs-calibrate.h"
#include "bs-energy.h"

typedef struct
{
  GMutex lock;
  GArray *samples;              /* BsSample */
} Capture;

void
bs_calibrate_config_init (BsCalibrateConfig *config)
{
  *config = (BsCalibrateConfig) { 0 };
  config->duration_ns = INT64_C (40000000000);
  config->min_slot_ns = 400000000;
  config->max_slot_ns = 1600000000;
  config->max_latency_ns = 2000000000;
  config->step_ns = 1000000;
  config->min_correlation = 0.5;
  config->seed = 1;
}

GArray *
bs_calibrate_pattern (const BsCalibrateConfig *config, int64_t t0_ns)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (config->seed);
  GArray *busy = g_array_new (FALSE, FALSE, sizeof (BsInterval));
  int64_t t = t0_ns;
  gboolean on = FALSE;

  while (t < t0_ns + config->duration_ns)
    {
      int64_t slot = config->min_slot_ns
                     + (int64_t) (g_rand_double (rand) * (config->max_slot_ns - config->min_slot_ns));
      if (on)
        {
          BsInterval iv = { t, t + slot };
          g_array_append_val (busy, iv);
        }
      t += slot;
      on = !on;
    }
  return busy;
}

static void
capture_samples (const BsSample *samples, guint n, gpointer data)
{
  Capture *capture = data;

  g_mutex_lock (&capture->lock);
  g_array_append_vals (capture->samples, samples, n);
  g_mutex_unlock (&capture->lock);
}

static int64_t
load_now (const BsLoad *load)
{
  return load->now != NULL ? load->now (load->now_data) : bs_clock_now_ns ();
}

/* Plays the pattern (relative slot lengths) on the load; returns the busy intervals as
 * they really happened. */
static GArray *
play_pattern (const BsLoad *load, const BsCalibrateConfig *config)
{
  g_autoptr (GArray) plan = bs_calibrate_pattern (config, 0);
  GArray *done = g_array_new (FALSE, FALSE, sizeof (BsInterval));
  int64_t planned_end = 0;

  load->idle (config->max_slot_ns, load->user_data);
  for (guint i = 0; i < plan->len; i++)
    {
      const BsInterval *p = &g_array_index (plan, BsInterval, i);
      BsInterval iv;

      if (p->t_start_ns > planned_end)
        load->idle (p->t_start_ns - planned_end, load->user_data);
      iv.t_start_ns = load_now (load);
      load->busy (p->t_end_ns - p->t_start_ns, load->user_data);
      iv.t_end_ns = load_now (load);
      g_array_append_val (done, iv);
      planned_end = p->t_end_ns;
    }
  /* Readings of the last slots are still on their way. */
  load->idle (config->max_latency_ns + config->max_slot_ns, load->user_data);
  return done;
}

static gboolean
estimate (BsProbe *probe, GArray *samples, GArray *busy, const BsCalibrateConfig *config,
          BsLatencyEstimate *out, GError **error)
{
  int channel = bs_probe_find_channel (probe, BS_QUANTITY_POWER, config->channel);
  g_autoptr (BsPowerTrace) trace = NULL;

  if (channel < 0)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_NO_DATA,
                   "%s delivered no power channel%s%s", bs_probe_get_label (probe),
                   config->channel != NULL ? " named " : "", config->channel != NULL ? config->channel : "");
      return FALSE;
    }
  trace = bs_power_trace_new ((const BsSample *) samples->data, samples->len, channel);
  return bs_latency_estimate (trace->t_ns, trace->w, trace->n, (const BsInterval *) busy->data,
                              busy->len, config->max_latency_ns, config->step_ns,
                              config->min_correlation, out, error);
}

gboolean
bs_calibrate_latency (BsProbe *probe, const BsLoad *load, const BsCalibrateConfig *config,
                      BsLatencyEstimate *out, GError **error)
{
  Capture capture;
  BsProbeSink sink = { capture_samples, NULL, &capture };
  int64_t saved = bs_probe_get_latency_ns (probe);
  g_autofree char *saved_origin = g_strdup (bs_probe_get_latency_origin (probe));
  g_autoptr (GArray) busy = NULL;
  gboolean ok;

  g_mutex_init (&capture.lock);
  capture.samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  bs_probe_set_latency_ns (probe, 0, "none: calibrating");
  ok = bs_probe_start (probe, &sink, error);
  if (ok)
    {
      busy = play_pattern (load, config);
      bs_probe_stop (probe);
      ok = estimate (probe, capture.samples, busy, config, out, error);
    }
  bs_probe_set_latency_ns (probe, saved, saved_origin);
  g_array_unref (capture.samples);
  g_mutex_clear (&capture.lock);
  return ok;
}
