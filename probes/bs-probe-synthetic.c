/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-synthetic.c: the simulated meter (tests and demos only; see the header).
 *
 * Reading k describes the window [s_k − W, s_k] with s_k = start + (k + 1)/rate, is the
 * mean of the true power over that window plus noise, and arrives at
 * a_k = s_k + delay + jitter_k, when it is stamped, exactly as a real polled meter's
 * reading is stamped on arrival. In real time a thread sleeps until each a_k; on a virtual
 * clock the readings due are delivered whenever the clock advances. */
#include "bs-probe-private.h"
#include "bs-probe-synthetic.h"

#include <math.h>
#include <string.h>

/* Sub-steps per millisecond of averaging window, at most MAX_STEPS. */
#define MAX_STEPS 200

typedef enum
{
  SHAPE_SINE,
  SHAPE_SQUARE,
  SHAPE_CONSTANT,
} Shape;

typedef struct
{
  BsProbe parent;
  BsSyntheticConfig config;
  int64_t period_ns;
  int64_t window_ns;

  /* The built-in power, when config.power is NULL. */
  Shape shape;
  double level;
  double amplitude;
  int64_t shape_period_ns;

  /* Capture state. */
  GRand *rand;
  int64_t t_start;
  int64_t k;
  int64_t next_instant;
  int64_t next_arrival;
  double noise;
  gboolean gone;
  gboolean stall_reported;

  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean stopping;
  guint watch_id;
} BsProbeSynthetic;

static const char *const known_keys[] = {
  "rate", "delay", "window", "noise", "noise_corr", "jitter", "seed", "shape", "level",
  "amplitude", "period", "gone_after", "stall_after", "stall_for", NULL
};

void
bs_synthetic_config_init (BsSyntheticConfig *config)
{
  *config = (BsSyntheticConfig) { 0 };
  config->rate_hz = 10.0;
  config->window_ns = -1;
  config->seed = 1;
  config->gone_after_ns = -1;
}

static double
builtin_power (int64_t t_ns, gpointer data)
{
  BsProbeSynthetic *self = data;
  double phase = (double) ((t_ns - self->t_start) % self->shape_period_ns) / self->shape_period_ns;

  switch (self->shape)
    {
    case SHAPE_SINE:
      return self->level + self->amplitude * sin (2 * G_PI * phase);
    case SHAPE_SQUARE:
      return self->level + (phase < 0.5 ? self->amplitude : -self->amplitude);
    case SHAPE_CONSTANT:
      return self->level;
    }
  g_assert_not_reached ();
}

static double
true_power (BsProbeSynthetic *self, int64_t t_ns)
{
  if (self->config.power != NULL)
    return self->config.power (t_ns, self->config.power_data);
  return builtin_power (t_ns, self);
}

/* The mean of the true power over [end − window, end], by the midpoint rule. */
static double
window_mean (BsProbeSynthetic *self, int64_t end_ns)
{
  int64_t steps = CLAMP (self->window_ns / 1000000, 1, MAX_STEPS);
  double sum = 0;

  if (self->window_ns == 0)
    return true_power (self, end_ns);
  for (int64_t j = 0; j < steps; j++)
    sum += true_power (self, end_ns - self->window_ns + (2 * j + 1) * self->window_ns / (2 * steps));
  return sum / steps;
}

static double
gaussian (GRand *rand)
{
  double u = g_rand_double (rand);
  double v = g_rand_double (rand);

  return sqrt (-2.0 * log (1.0 - u)) * cos (2 * G_PI * v);
}

static double
next_noise (BsProbeSynthetic *self)
{
  double rho = self->config.noise_corr;

  self->noise = rho * self->noise + sqrt (1 - rho * rho) * self->config.noise_w * gaussian (self->rand);
  return self->noise;
}

static void
schedule_next (BsProbeSynthetic *self)
{
  int64_t jitter = self->config.jitter_ns > 0
                     ? (int64_t) (g_rand_double (self->rand) * self->config.jitter_ns) : 0;

  self->next_instant = self->t_start + (self->k + 1) * self->period_ns;
  self->next_arrival = self->next_instant + self->config.delay_ns + jitter;
}

static gboolean
in_stall (BsProbeSynthetic *self, int64_t since_start)
{
  return self->config.stall_for_ns > 0 && since_start >= self->config.stall_after_ns
         && since_start < self->config.stall_after_ns + self->config.stall_for_ns;
}

static void
vanish (BsProbeSynthetic *self)
{
  self->gone = TRUE;
  bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_DEVICE_GONE, -1,
                       self->t_start + self->config.gone_after_ns,
                       "%s vanished (simulated unplug); no more readings will come",
                       self->parent.label);
}

/* Delivers every reading that has arrived by @now_ns. */
static void
deliver_due (BsProbeSynthetic *self, int64_t now_ns)
{
  while (!self->gone && self->next_arrival <= now_ns)
    {
      int64_t since = self->next_arrival - self->t_start;
      double value;

      if (self->config.gone_after_ns >= 0 && since >= self->config.gone_after_ns)
        {
          vanish (self);
          return;
        }
      /* Always draw the noise, so that a stall does not shift the sequence after it. */
      value = window_mean (self, self->next_instant) + next_noise (self);
      if (!in_stall (self, since))
        {
          BsSample s = { self->config.clock != NULL ? self->next_arrival : bs_clock_now_ns (), 0,
                         BS_QUANTITY_POWER, BS_UNIT_WATT, value };
          self->stall_reported = FALSE;
          bs_probe_emit (&self->parent, &s, 1);
        }
      else if (!self->stall_reported)
        {
          self->stall_reported = TRUE;
          bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_STALLED, 0, self->next_arrival,
                               "%s stopped answering (simulated stall); readings are missing "
                               "until it recovers", self->parent.label);
        }
      self->k++;
      schedule_next (self);
    }
}

static gpointer
realtime_thread (gpointer data)
{
  BsProbeSynthetic *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      gint64 end_us = g_get_monotonic_time () + (self->next_arrival - bs_clock_now_ns ()) / 1000;

      if (bs_clock_now_ns () < self->next_arrival)
        {
          g_cond_wait_until (&self->cond, &self->lock, end_us);
          continue;
        }
      g_mutex_unlock (&self->lock);
      deliver_due (self, bs_clock_now_ns ());
      if (self->gone)
        return NULL;
      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

static void
clock_advanced (int64_t now_ns, gpointer data)
{
  deliver_due (data, now_ns);
}

static gboolean
synthetic_start (BsProbe *probe, GError **error)
{
  BsProbeSynthetic *self = (BsProbeSynthetic *) probe;
  BsVirtualClock *clock = self->config.clock;

  g_clear_pointer (&self->rand, g_rand_free);
  self->rand = g_rand_new_with_seed (self->config.seed);
  self->t_start = clock != NULL ? bs_virtual_clock_now (clock) : bs_clock_now_ns ();
  self->k = 0;
  self->noise = 0;
  self->gone = FALSE;
  self->stall_reported = FALSE;
  self->stopping = FALSE;
  schedule_next (self);
  if (clock != NULL)
    self->watch_id = bs_virtual_clock_watch (clock, clock_advanced, self);
  else
    self->thread = g_thread_new ("bs-synthetic", realtime_thread, self);
  return TRUE;
}

static void
synthetic_stop (BsProbe *probe)
{
  BsProbeSynthetic *self = (BsProbeSynthetic *) probe;

  if (self->config.clock != NULL)
    {
      bs_virtual_clock_unwatch (self->config.clock, self->watch_id);
      return;
    }
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->thread, g_thread_join);
}

static void
synthetic_close (BsProbe *probe)
{
  BsProbeSynthetic *self = (BsProbeSynthetic *) probe;

  g_clear_pointer (&self->rand, g_rand_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
}

static gboolean
check_config (const BsSyntheticConfig *config, GError **error)
{
  const char *problem = NULL;

  if (!(config->rate_hz > 0 && config->rate_hz <= 1e4))
    problem = "the rate must be above 0 and at most 10 kHz";
  else if (config->delay_ns < 0)
    problem = "the delay cannot be negative";
  else if (!(config->noise_w >= 0) || !(config->noise_corr >= 0 && config->noise_corr < 1))
    problem = "noise must be >= 0 and its correlation in [0, 1)";
  else if (config->jitter_ns < 0 || config->jitter_ns >= (int64_t) (1e9 / config->rate_hz))
    problem = "the jitter must be shorter than one period";
  else if (config->stall_for_ns < 0 || config->stall_after_ns < 0)
    problem = "stall times cannot be negative";
  if (problem != NULL)
    g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC, "synthetic: %s", problem);
  return problem == NULL;
}

static BsProbeSynthetic *
synthetic_create (const BsSyntheticConfig *config, const BsSpec *spec, GError **error)
{
  BsProbeSynthetic *self;

  if (!check_config (config, error))
    return NULL;
  self = g_new0 (BsProbeSynthetic, 1);
  bs_probe_init (&self->parent, &bs_probe_synthetic_class, spec,
                 "synthetic meter (simulated, for tests and demos)", TRUE);
  bs_probe_add_channel (&self->parent, "P", BS_QUANTITY_POWER, FALSE);
  self->config = *config;
  self->period_ns = (int64_t) llround (1e9 / config->rate_hz);
  self->window_ns = config->window_ns < 0 ? self->period_ns : config->window_ns;
  self->shape = SHAPE_SINE;
  self->level = 5.0;
  self->amplitude = 1.0;
  self->shape_period_ns = 2000000000;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  return self;
}

BsProbe *
bs_probe_synthetic_new (const BsSyntheticConfig *config, GError **error)
{
  g_autoptr (BsSpec) spec = bs_probe_spec_parse ("synthetic", NULL);
  g_autofree char *rate = g_strdup_printf ("%g", config->rate_hz);
  BsProbeSynthetic *self;

  bs_spec_set (spec, "rate", rate);
  self = synthetic_create (config, spec, error);
  return self != NULL ? &self->parent : NULL;
}

/* ---- from a spec ---- */

static gboolean
parse_shape (const BsSpec *spec, BsProbeSynthetic *self, GError **error)
{
  static const char *const names[] = { "sine", "square", "constant", NULL };
  const char *shape = bs_spec_get (spec, "shape");
  int64_t period;

  for (guint i = 0; shape != NULL && names[i] != NULL; i++)
    if (strcmp (shape, names[i]) == 0)
      self->shape = (Shape) i;
  if (shape != NULL && strcmp (shape, names[self->shape]) != 0)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                   "synthetic: shape=%s is not one of sine, square, constant", shape);
      return FALSE;
    }
  if (!bs_probe_spec_get_double (spec, "level", 5.0, &self->level, error)
      || !bs_probe_spec_get_double (spec, "amplitude", 1.0, &self->amplitude, error)
      || !bs_probe_spec_get_duration (spec, "period", 2000000000, &period, error))
    return FALSE;
  self->shape_period_ns = MAX (period, 1000);
  return TRUE;
}

static gboolean
parse_config (const BsSpec *spec, BsSyntheticConfig *config, GError **error)
{
  double seed;

  bs_synthetic_config_init (config);
  if (!bs_probe_spec_get_double (spec, "seed", 1.0, &seed, error))
    return FALSE;
  config->seed = (guint32) seed;
  return bs_probe_spec_get_rate (spec, "rate", 10.0, &config->rate_hz, error)
         && bs_probe_spec_get_duration (spec, "delay", 0, &config->delay_ns, error)
         && bs_probe_spec_get_duration (spec, "window", -1, &config->window_ns, error)
         && bs_probe_spec_get_double (spec, "noise", 0.0, &config->noise_w, error)
         && bs_probe_spec_get_double (spec, "noise_corr", 0.0, &config->noise_corr, error)
         && bs_probe_spec_get_duration (spec, "jitter", 0, &config->jitter_ns, error)
         && bs_probe_spec_get_duration (spec, "gone_after", -1, &config->gone_after_ns, error)
         && bs_probe_spec_get_duration (spec, "stall_after", 0, &config->stall_after_ns, error)
         && bs_probe_spec_get_duration (spec, "stall_for", 0, &config->stall_for_ns, error);
}

static BsProbe *
synthetic_open (const BsSpec *spec, GError **error)
{
  BsSyntheticConfig config;
  BsProbeSynthetic *self;

  if (!bs_probe_spec_check (spec, known_keys, error) || !parse_config (spec, &config, error))
    return NULL;
  self = synthetic_create (&config, spec, error);
  if (self == NULL)
    return NULL;
  if (!parse_shape (spec, self, error))
    {
      bs_probe_close (&self->parent);
      return NULL;
    }
  return &self->parent;
}

static void
synthetic_list (const BsSpec *spec, GPtrArray *devices)
{
  g_ptr_array_add (devices, bs_probe_device_new ("synthetic", "synthetic",
                                                 "synthetic meter (simulated, for tests and demos)",
                                                 "P W: a known function of time, 10 Hz", TRUE, TRUE));
}

const BsProbeClass bs_probe_synthetic_class = {
  .name = "synthetic",
  .description = "simulated meter with known power, latency and noise (tests and demos only)",
  .list = synthetic_list,
  .open = synthetic_open,
  .start = synthetic_start,
  .stop = synthetic_stop,
  .close = synthetic_close,
};
