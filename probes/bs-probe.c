/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe.c: the probe interface: spec strings, the common part of every probe, and the
 * calls that dispatch to an implementation's BsProbeClass. */
#include "bs-probe-private.h"
#include "bs-meter-store.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (bs-probe-error-quark, bs_probe_error)

/* Options any probe takes, handled here rather than by the implementations. */
static const char *const common_keys[] = { "latency", "min_w", "max_w", NULL };

/* Options that name the physical meter, and so belong in its id. */
static const char *const identity_keys[] = { "conn", "root", "bdf", "device", "port", NULL };

const char *
bs_probe_fault_kind_to_string (BsProbeFaultKind kind)
{
  switch (kind)
    {
    case BS_PROBE_FAULT_DEVICE_GONE:
      return "device gone";
    case BS_PROBE_FAULT_STALLED:
      return "stalled";
    case BS_PROBE_FAULT_OUT_OF_RANGE:
      return "out of range";
    case BS_PROBE_FAULT_BAD_DATA:
      return "bad data";
    case BS_PROBE_FAULT_RECONNECTED:
      return "reconnected";
    }
  return "?";
}

/* ---- spec strings ---- */

BsSpec *
bs_probe_spec_parse (const char *text, GError **error)
{
  g_autoptr (GError) local = NULL;
  BsSpec *spec = bs_spec_parse (text, ':', &local);

  if (spec == NULL)
    g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC, "probe spec '%s': %s", text,
                 local->message);
  return spec;
}

gboolean
bs_probe_spec_check (const BsSpec *spec, const char *const *known, GError **error)
{
  if (spec->word != NULL)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                   "%s: unexpected '%s' (options are written key=value)", spec->name, spec->word);
      return FALSE;
    }
  for (guint i = 0; i < spec->keys->len; i++)
    {
      const char *key = spec->keys->pdata[i];
      g_autofree char *all = NULL;

      if (g_strv_contains (common_keys, key) || (known != NULL && g_strv_contains (known, key)))
        continue;
      all = known != NULL ? g_strjoinv (", ", (char **) known) : g_strdup ("");
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                   "%s: unknown option '%s' (it takes: %s%slatency, min_w, max_w)",
                   spec->name, key, all, *all ? ", " : "");
      return FALSE;
    }
  return TRUE;
}

/* Parses "<number><suffix>" where suffix is one of @suffixes with its scale. */
static gboolean
parse_scaled (const char *text, const char *const *suffixes, const double *scales,
              double *value)
{
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);

  if (end == text || !isfinite (v))
    return FALSE;
  while (*end == ' ')
    end++;
  for (guint i = 0; suffixes[i] != NULL; i++)
    if (g_ascii_strcasecmp (end, suffixes[i]) == 0)
      {
        *value = v * scales[i];
        return TRUE;
      }
  return FALSE;
}

static gboolean
bad_value (const BsSpec *spec, const char *key, const char *value, const char *what,
           GError **error)
{
  g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC, "%s: %s=%s is not %s",
               spec->name, key, value, what);
  return FALSE;
}

gboolean
bs_probe_spec_get_double (const BsSpec *spec, const char *key, double fallback,
                          double *value, GError **error)
{
  static const char *const suffixes[] = { "", NULL };
  static const double scales[] = { 1.0 };
  const char *text = bs_spec_get (spec, key);

  *value = fallback;
  if (text == NULL)
    return TRUE;
  if (!parse_scaled (text, suffixes, scales, value))
    return bad_value (spec, key, text, "a number", error);
  return TRUE;
}

gboolean
bs_probe_spec_get_duration (const BsSpec *spec, const char *key, int64_t fallback_ns,
                            int64_t *value_ns, GError **error)
{
  static const char *const suffixes[] = { "", "s", "ms", "us", "ns", NULL };
  static const double scales[] = { 1e9, 1e9, 1e6, 1e3, 1.0 };
  const char *text = bs_spec_get (spec, key);
  double v;

  *value_ns = fallback_ns;
  if (text == NULL)
    return TRUE;
  if (!parse_scaled (text, suffixes, scales, &v) || v < 0 || v > 1e15)
    return bad_value (spec, key, text, "a duration such as 120ms or 0.12", error);
  *value_ns = (int64_t) llround (v);
  return TRUE;
}

gboolean
bs_probe_spec_get_rate (const BsSpec *spec, const char *key, double fallback_hz,
                        double *value_hz, GError **error)
{
  static const char *const suffixes[] = { "", "hz", "k", "khz", "m", "mhz", NULL };
  static const double scales[] = { 1.0, 1.0, 1e3, 1e3, 1e6, 1e6 };
  const char *text = bs_spec_get (spec, key);

  *value_hz = fallback_hz;
  if (text == NULL)
    return TRUE;
  if (!parse_scaled (text, suffixes, scales, value_hz) || *value_hz <= 0)
    return bad_value (spec, key, text, "a rate such as 10 or 10Hz", error);
  return TRUE;
}

/* ---- listing ---- */

BsProbeDevice *
bs_probe_device_new (const char *probe, const char *spec, const char *label, const char *detail,
                     gboolean available, gboolean simulated)
{
  BsProbeDevice *device = g_new0 (BsProbeDevice, 1);

  device->probe = g_strdup (probe);
  device->spec = g_strdup (spec);
  device->label = g_strdup (label);
  device->detail = g_strdup (detail);
  device->available = available;
  device->simulated = simulated;
  return device;
}

void
bs_probe_device_free (BsProbeDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->probe);
  g_free (device->spec);
  g_free (device->label);
  g_free (device->detail);
  g_free (device);
}

GPtrArray *
bs_probe_list (const char *spec_text)
{
  GPtrArray *devices = g_ptr_array_new_with_free_func ((GDestroyNotify) bs_probe_device_free);
  g_autoptr (BsSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  const BsProbeClass *const *classes;
  guint n;

  if (spec_text == NULL)
    {
      classes = bs_probe_classes (&n);
      for (guint i = 0; i < n; i++)
        classes[i]->list (NULL, devices);
      return devices;
    }
  spec = bs_probe_spec_parse (spec_text, &error);
  if (spec != NULL && bs_probe_class_find (spec->name) != NULL)
    bs_probe_class_find (spec->name)->list (spec, devices);
  else
    g_ptr_array_add (devices, bs_probe_device_new (spec != NULL ? spec->name : spec_text, NULL,
                                                   spec_text,
                                                   error != NULL ? error->message : "no such probe",
                                                   FALSE, FALSE));
  return devices;
}

const char *
bs_probe_default_spec (void)
{
#ifdef BS_HAVE_LIBSIGROK
  return "sigrok:demo";
#else
  return "synthetic";
#endif
}

const char *
bs_probe_choose_default (const GPtrArray *devices)
{
  for (guint i = 0; i < devices->len; i++)
    {
      const BsProbeDevice *d = devices->pdata[i];
      if (d->attached && d->available && !d->simulated && d->spec != NULL)
        return d->spec;
    }
  return NULL;
}

char *
bs_probe_pick_default (void)
{
  g_autoptr (GPtrArray) devices = bs_probe_list (NULL);
  const char *found = bs_probe_choose_default (devices);

  return g_strdup (found != NULL ? found : bs_probe_default_spec ());
}

/* ---- the common part ---- */

static char *
make_meter_id (const BsSpec *spec)
{
  g_autoptr (BsSpec) id = bs_spec_new (spec->name, spec->separator);

  id->word = g_strdup (spec->word);
  for (guint i = 0; identity_keys[i] != NULL; i++)
    {
      const char *value = bs_spec_get (spec, identity_keys[i]);
      if (value != NULL)
        bs_spec_set (id, identity_keys[i], value);
    }
  return bs_spec_to_string (id);
}

static void
channel_free (gpointer data)
{
  BsProbeChannel *channel = data;

  g_free ((char *) channel->name);
  g_free (channel);
}

void
bs_probe_init (BsProbe *probe, const BsProbeClass *klass, const BsSpec *spec,
               const char *label, gboolean simulated)
{
  probe->klass = klass;
  probe->spec = bs_spec_to_string (spec);
  probe->label = g_strdup (label);
  probe->meter_id = make_meter_id (spec);
  probe->simulated = simulated;
  probe->latency_origin = g_strdup ("none");
  probe->min_w = NAN;
  probe->max_w = NAN;
  g_mutex_init (&probe->lock);
  probe->channels = g_ptr_array_new_with_free_func (channel_free);
  probe->out_of_range = g_array_new (FALSE, TRUE, sizeof (gboolean));
}

void
bs_probe_finalize (BsProbe *probe)
{
  g_ptr_array_unref (probe->channels);
  g_array_unref (probe->out_of_range);
  g_mutex_clear (&probe->lock);
  g_free (probe->spec);
  g_free (probe->label);
  g_free (probe->meter_id);
  g_free (probe->latency_origin);
}

int
bs_probe_add_channel (BsProbe *probe, const char *name, BsQuantity quantity, gboolean derived)
{
  BsProbeChannel *channel = g_new0 (BsProbeChannel, 1);
  gboolean no = FALSE;
  int index;

  channel->name = g_strdup (name);
  channel->quantity = quantity;
  channel->unit = bs_quantity_unit (quantity);
  channel->derived = derived;
  g_mutex_lock (&probe->lock);
  g_ptr_array_add (probe->channels, channel);
  g_array_append_val (probe->out_of_range, no);
  index = probe->channels->len - 1;
  g_mutex_unlock (&probe->lock);
  return index;
}

void
bs_probe_set_channel_resolution (BsProbe *probe, int channel, double resolution)
{
  g_mutex_lock (&probe->lock);
  ((BsProbeChannel *) probe->channels->pdata[channel])->resolution = resolution;
  g_mutex_unlock (&probe->lock);
}

static gboolean
impossible_negative (BsProbe *probe, const BsSample *sample)
{
  return sample->quantity == BS_QUANTITY_POWER && sample->value < 0 && probe->power_unsigned
         && !bs_probe_get_channel (probe, sample->channel)->derived;
}

static gboolean
plausible (BsProbe *probe, const BsSample *sample)
{
  if (!isfinite (sample->value))
    return FALSE;
  if (sample->quantity != BS_QUANTITY_POWER)
    return TRUE;
  return !impossible_negative (probe, sample) && !(sample->value < probe->min_w)
         && !(sample->value > probe->max_w);
}

/* Reports an excursion once, when it starts; returns whether to keep the sample. */
static gboolean
check_range (BsProbe *probe, const BsSample *sample)
{
  gboolean *reported = &g_array_index (probe->out_of_range, gboolean, sample->channel);
  gboolean ok = plausible (probe, sample);

  if (!ok && !*reported)
    bs_probe_emit_fault (probe, BS_PROBE_FAULT_OUT_OF_RANGE, sample->channel, sample->t_ns,
                         "%s: channel %s read %g %s, %s; such readings are dropped",
                         probe->label, bs_probe_get_channel (probe, sample->channel)->name,
                         sample->value, bs_unit_to_string (sample->unit),
                         impossible_negative (probe, sample)
                           ? "a negative power, which this sensor cannot measure"
                           : "outside the plausible range");
  *reported = !ok;
  return ok;
}

void
bs_probe_emit (BsProbe *probe, BsSample *samples, guint n_samples)
{
  guint kept = 0;

  for (guint i = 0; i < n_samples; i++)
    {
      g_assert (samples[i].channel >= 0 && (guint) samples[i].channel < probe->out_of_range->len);
      if (!check_range (probe, &samples[i]))
        continue;
      samples[kept] = samples[i];
      samples[kept].t_ns -= probe->latency_ns;
      kept++;
    }
  if (kept > 0 && probe->sink.samples != NULL)
    probe->sink.samples (samples, kept, probe->sink.user_data);
}

void
bs_probe_emit_fault (BsProbe *probe, BsProbeFaultKind kind, int32_t channel, int64_t t_ns,
                     const char *format, ...)
{
  g_autofree char *message = NULL;
  BsProbeFault fault;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("probe fault (%s): %s", bs_probe_fault_kind_to_string (kind), message);
  if (probe->sink.fault == NULL)
    return;
  fault.kind = kind;
  fault.channel = channel;
  fault.t_ns = t_ns - probe->latency_ns;
  fault.message = message;
  probe->sink.fault (&fault, probe->sink.user_data);
}

/* ---- dispatch ---- */

static gboolean
apply_common_options (BsProbe *probe, const BsSpec *spec, GError **error)
{
  int64_t latency_ns;
  g_autofree char *origin = NULL;

  if (!bs_probe_spec_get_double (spec, "min_w", NAN, &probe->min_w, error)
      || !bs_probe_spec_get_double (spec, "max_w", NAN, &probe->max_w, error)
      || !bs_probe_spec_get_duration (spec, "latency", 0, &latency_ns, error))
    return FALSE;
  if (bs_spec_get (spec, "latency") != NULL)
    origin = g_strdup ("given in the probe spec");
  else if (bs_meter_store_lookup (probe->meter_id, &latency_ns, &origin))
    ;
  else
    origin = g_strdup ("none");
  probe->latency_ns = latency_ns;
  g_free (probe->latency_origin);
  probe->latency_origin = g_steal_pointer (&origin);
  return TRUE;
}

static char *
known_probe_names (void)
{
  const BsProbeClass *const *classes;
  GString *names = g_string_new (NULL);
  guint n;

  classes = bs_probe_classes (&n);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "", classes[i]->name);
  return g_string_free (names, FALSE);
}

BsProbe *
bs_probe_open (const char *spec_text, GError **error)
{
  g_autofree char *picked = spec_text == NULL ? bs_probe_pick_default () : NULL;
  g_autoptr (BsSpec) spec = NULL;
  const BsProbeClass *klass;
  BsProbe *probe;

  spec = bs_probe_spec_parse (spec_text != NULL ? spec_text : picked, error);
  if (spec == NULL)
    return NULL;
  klass = bs_probe_class_find (spec->name);
  if (klass == NULL)
    {
      g_autofree char *names = known_probe_names ();
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNKNOWN,
                   "no probe named '%s' in this build (known: %s)", spec->name, names);
      return NULL;
    }
  probe = klass->open (spec, error);
  if (probe == NULL)
    return NULL;
  if (!apply_common_options (probe, spec, error))
    {
      bs_probe_close (probe);
      return NULL;
    }
  return probe;
}

void
bs_probe_close (BsProbe *probe)
{
  if (probe == NULL)
    return;
  bs_probe_stop (probe);
  probe->klass->close (probe);
  bs_probe_finalize (probe);
  g_free (probe);
}

gboolean
bs_probe_start (BsProbe *probe, const BsProbeSink *sink, GError **error)
{
  g_return_val_if_fail (probe != NULL && sink != NULL, FALSE);

  if (probe->running)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_FAILED, "%s is already capturing",
                   probe->label);
      return FALSE;
    }
  probe->sink = *sink;
  probe->running = TRUE;
  if (!probe->klass->start (probe, error))
    {
      probe->running = FALSE;
      return FALSE;
    }
  return TRUE;
}

void
bs_probe_stop (BsProbe *probe)
{
  g_return_if_fail (probe != NULL);

  if (!probe->running)
    return;
  probe->klass->stop (probe);
  probe->running = FALSE;
}

gboolean
bs_probe_is_running (const BsProbe *probe)
{
  return probe->running;
}

const char *
bs_probe_get_spec (const BsProbe *probe)
{
  return probe->spec;
}

const char *
bs_probe_get_label (const BsProbe *probe)
{
  return probe->label;
}

const char *
bs_probe_get_meter_id (const BsProbe *probe)
{
  return probe->meter_id;
}

gboolean
bs_probe_is_simulated (const BsProbe *probe)
{
  return probe->simulated;
}

guint
bs_probe_get_n_channels (BsProbe *probe)
{
  guint n;

  g_mutex_lock (&probe->lock);
  n = probe->channels->len;
  g_mutex_unlock (&probe->lock);
  return n;
}

const BsProbeChannel *
bs_probe_get_channel (BsProbe *probe, guint index)
{
  const BsProbeChannel *channel = NULL;

  g_mutex_lock (&probe->lock);
  if (index < probe->channels->len)
    channel = probe->channels->pdata[index];
  g_mutex_unlock (&probe->lock);
  return channel;
}

int
bs_probe_find_channel (BsProbe *probe, BsQuantity quantity, const char *name)
{
  int found = -1;

  g_mutex_lock (&probe->lock);
  for (guint i = 0; i < probe->channels->len && found < 0; i++)
    {
      const BsProbeChannel *channel = probe->channels->pdata[i];
      if (channel->quantity == quantity && (name == NULL || strcmp (channel->name, name) == 0))
        found = i;
    }
  g_mutex_unlock (&probe->lock);
  return found;
}

int64_t
bs_probe_get_latency_ns (const BsProbe *probe)
{
  return probe->latency_ns;
}

void
bs_probe_set_latency_ns (BsProbe *probe, int64_t latency_ns, const char *origin)
{
  g_return_if_fail (!probe->running);

  probe->latency_ns = latency_ns;
  g_free (probe->latency_origin);
  probe->latency_origin = g_strdup (origin != NULL ? origin : "set by the program");
}

const char *
bs_probe_get_latency_origin (const BsProbe *probe)
{
  return probe->latency_origin;
}
