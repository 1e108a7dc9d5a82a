/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-sigrok.c: any libsigrok driver, chosen by name at run time.
 *
 * Spec: sigrok[:DRIVER][:conn=...][:key=value]...[:GROUP.key=value]...[:channels=A0,A1][:stall=3s]
 *
 * DRIVER defaults to "demo". Options are libsigrok config keys spelled as in sigrok-cli:
 * the driver's scan options (conn, serialcomm, ...) go to the scan, the others are set on
 * the device, or on the channel groups of the chosen channels when the device as a whole
 * does not take them (so "amplitude=2" reaches the demo's A0 group, as sigrok-cli's
 * --config channel_group=A0:amplitude=2 would); "A1.amplitude=2" sets one group only. Because the driver is looked up by name, a
 * newer libsigrok with the RDTech UM driver works unchanged: sigrok:rdtech-um:conn=/dev/ttyUSB0.
 *
 * The demo driver is configured, unless told otherwise, as a power meter: one analog
 * channel, A0, a 2 W sine around 5 W (3 to 7 W) read at 10 Hz, measured quantity power. It
 * is labelled "demo meter (simulated)" and marked simulated.
 *
 * Threads: each probe owns a worker thread running its own GMainContext, pushed as the
 * thread-default context, so sr_session_start() attaches its sources there and libsigrok
 * never runs on the caller's (the UI's) main context. Every libsigrok call is made on that
 * thread; the caller waits for the result. Only sr_session_stop() is cross-thread safe in
 * libsigrok, and even that is issued from the worker here.
 *
 * Samples: each packet is stamped on arrival. For devices with a sample rate the times are
 * the lower-envelope fit t0 + i/rate of bs-clock-align.h, per stream; polled meters keep
 * the arrival stamp (the probe's latency is subtracted by bs-probe.c). A stream is keyed by
 * (channel, measured quantity): some drivers send voltage and current as separate packets
 * on one channel. Where a device reports voltage and current but no power, power is
 * derived as V×I: from the same channel, or from the only voltage and the only current
 * channel; samples are paired by index for rate devices and by arrival (within one second)
 * for polled ones. */
#include "bs-clock-align.h"
#include "bs-probe-private.h"
#include "bs-sigrok-config.h"
#include "bs-sigrok-context.h"
#include "bs-worker.h"

#include <libsigrok/libsigrok.h>
#include <math.h>
#include <string.h>

#define DEMO_LABEL "demo meter (simulated)"
#define FIT_WINDOW_NS INT64_C (60000000000)
#define PAIR_WINDOW_NS INT64_C (1000000000)
#define WATCHDOG_MS 250

/* Drivers of power meters and supplies in libsigrok (some only in newer versions). */
static const char *const power_drivers[] = {
  "rdtech-um", "rdtech-tc", "atorch", "rdtech-dps", "scpi-pps", "hpib-pps", "baylibre-acme",
  "mooshimeter-dmm", "zketech-ebd-usb", "arachnid-labs-re-load-pro", "korad-kaxxxxp",
  "maynuo-m97", "gwinstek-gpd", "motech-lps-301", "atten-pps3203", "manson-hcs-3xxx",
  "fluke-45", "gmc-mh-1x-2x-rs232", NULL
};
/* Of those, the ones whose scan needs no conn= and is quick. */
static const char *const autoscan_drivers[] = { "baylibre-acme", "scpi-pps", NULL };

/* Our own options; everything else must be a libsigrok config key. */
static const char *const own_keys[] = { "channels", "stall", "latency", "min_w", "max_w", NULL };

/* ---- the probe ---- */

typedef struct _Stream Stream;
typedef struct _Pair Pair;

struct _Stream
{
  char *channel_name;
  enum sr_mq mq;
  BsQuantity quantity;
  int channel;                  /* probe channel */
  int64_t next_index;
  BsRateFit *fit;               /* rate devices only */
  int64_t last_t;
  Pair *pair;                   /* when it is half of a V×I pair */
};

typedef struct
{
  int64_t index;
  int64_t t_ns;
  double value;
} Pending;

struct _Pair
{
  Stream *v;
  Stream *i;
  char *name;
  int channel;                  /* -1 until the first derived sample */
  GArray *pending_v;            /* Pending */
  GArray *pending_i;
};

typedef struct
{
  BsProbe parent;
  char *driver_name;
  struct sr_dev_driver *driver;
  struct sr_dev_inst *sdi;
  gboolean have_context;
  double samplerate;            /* 0: a polled meter */
  int64_t stall_ns;

  BsWorker *worker;             /* every libsigrok call runs on it */
  GMutex lock;                  /* guards session_stopped */
  GCond cond;

  /* Worker-thread state. */
  struct sr_session *session;
  gboolean stop_requested;
  gboolean session_stopped;     /* guarded by lock */
  GSource *watchdog;
  int64_t last_packet_ns;
  gboolean stall_reported;
  GPtrArray *streams;           /* Stream* */
  GPtrArray *pairs;             /* Pair* */
  GArray *out;                  /* BsSample, reused per packet */
} BsProbeSigrok;

/* ---- channels ---- */

static gboolean
is_own_key (const char *key)
{
  return g_strv_contains (own_keys, key);
}

static gboolean
select_channels (BsProbeSigrok *self, const char *wanted, GError **error)
{
  g_auto (GStrv) names = wanted != NULL ? g_strsplit (wanted, ",", -1) : NULL;
  g_autoptr (GString) available = g_string_new (NULL);
  guint selected = 0;

  for (GSList *l = sr_dev_inst_channels_get (self->sdi); l != NULL; l = l->next)
    {
      struct sr_channel *ch = l->data;
      gboolean on = ch->type == SR_CHANNEL_ANALOG
                    && (names == NULL || g_strv_contains ((const char *const *) names, ch->name));

      if (ch->type == SR_CHANNEL_ANALOG)
        g_string_append_printf (available, "%s%s", available->len ? ", " : "", ch->name);
      sr_dev_channel_enable (ch, on);
      selected += on;
    }
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      gboolean known = FALSE;
      for (GSList *l = sr_dev_inst_channels_get (self->sdi); l != NULL; l = l->next)
        known = known || strcmp (((struct sr_channel *) l->data)->name, names[i]) == 0;
      if (!known)
        {
          g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                       "sigrok: the device has no analog channel '%s' (it has: %s)", names[i],
                       available->str);
          return FALSE;
        }
    }
  if (selected == 0)
    g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE,
                 "sigrok: the %s device has no analog channels", self->driver_name);
  return selected > 0;
}

static gboolean
quantity_of (uint32_t mq, BsQuantity *quantity)
{
  switch (mq)
    {
    case SR_MQ_POWER:
      *quantity = BS_QUANTITY_POWER;
      return TRUE;
    case SR_MQ_VOLTAGE:
      *quantity = BS_QUANTITY_VOLTAGE;
      return TRUE;
    case SR_MQ_CURRENT:
      *quantity = BS_QUANTITY_CURRENT;
      return TRUE;
    case SR_MQ_TEMPERATURE:
      *quantity = BS_QUANTITY_TEMPERATURE;
      return TRUE;
    default:
      return FALSE;
    }
}

/* Values come in the unit's base (V, A, W, °C); anything else (mV, dBm, °F) is skipped. */
static gboolean
unit_matches (BsQuantity quantity, enum sr_unit unit)
{
  switch (quantity)
    {
    case BS_QUANTITY_POWER:
      return unit == SR_UNIT_WATT;
    case BS_QUANTITY_VOLTAGE:
      return unit == SR_UNIT_VOLT;
    case BS_QUANTITY_CURRENT:
      return unit == SR_UNIT_AMPERE;
    case BS_QUANTITY_TEMPERATURE:
      return unit == SR_UNIT_CELSIUS;
    default:
      return FALSE;
    }
}

static void
stream_free (gpointer data)
{
  Stream *s = data;

  g_free (s->channel_name);
  bs_rate_fit_free (s->fit);
  g_free (s);
}

static void
pair_free (gpointer data)
{
  Pair *p = data;

  g_free (p->name);
  g_array_unref (p->pending_v);
  g_array_unref (p->pending_i);
  g_free (p);
}

static Stream *
stream_new (BsProbeSigrok *self, const char *channel_name, enum sr_mq mq, BsQuantity quantity,
            gboolean qualify)
{
  Stream *s = g_new0 (Stream, 1);
  g_autofree char *name = qualify ? g_strdup_printf ("%s/%s", channel_name, bs_quantity_to_string (quantity))
                                  : g_strdup (channel_name);

  s->channel_name = g_strdup (channel_name);
  s->mq = mq;
  s->quantity = quantity;
  s->channel = bs_probe_add_channel (&self->parent, name, quantity, FALSE);
  s->last_t = G_MININT64;
  if (self->samplerate > 0)
    s->fit = bs_rate_fit_new (self->samplerate, FIT_WINDOW_NS);
  g_ptr_array_add (self->streams, s);
  return s;
}

/* Channels whose quantity the device tells before any data (the demo's, once set). */
static void
declare_known_channels (BsProbeSigrok *self)
{
  for (GSList *l = sr_dev_inst_channel_groups_get (self->sdi); l != NULL; l = l->next)
    {
      struct sr_channel_group *cg = l->data;
      struct sr_channel *ch = cg->channels != NULL ? cg->channels->data : NULL;
      GVariant *v = NULL;
      uint32_t mq;
      guint64 flags;
      BsQuantity quantity;

      if (ch == NULL || cg->channels->next != NULL || !ch->enabled
          || !bs_sigrok_key_supported (self->sdi, cg, SR_CONF_MEASURED_QUANTITY, SR_CONF_GET)
          || sr_config_get (self->driver, self->sdi, cg, SR_CONF_MEASURED_QUANTITY, &v) != SR_OK)
        continue;
      g_variant_get (v, "(ut)", &mq, &flags);
      g_variant_unref (v);
      if (quantity_of (mq, &quantity))
        stream_new (self, ch->name, mq, quantity, FALSE);
    }
}

/* ---- opening, on the worker ---- */

typedef struct
{
  const BsSpec *spec;
} OpenArgs;

static GSList *
scan_options (BsProbeSigrok *self, const BsSpec *spec, GError **error)
{
  GSList *options = NULL;
  gboolean demo = strcmp (self->driver_name, "demo") == 0;

  if (demo && bs_spec_get (spec, "logic_channels") == NULL)
    options = g_slist_append (options, bs_sigrok_config_new (SR_CONF_NUM_LOGIC_CHANNELS, g_variant_new_int32 (0)));
  if (demo && bs_spec_get (spec, "analog_channels") == NULL)
    options = g_slist_append (options, bs_sigrok_config_new (SR_CONF_NUM_ANALOG_CHANNELS, g_variant_new_int32 (1)));
  for (guint i = 0; i < spec->keys->len; i++)
    {
      const char *key = spec->keys->pdata[i];
      uint32_t sr_key;
      GVariant *v;

      if (is_own_key (key) || !bs_sigrok_is_scan_key (self->driver, key))
        continue;
      v = bs_sigrok_config_value (key, spec->values->pdata[i], &sr_key, error);
      if (v == NULL)
        {
          g_slist_free_full (options, bs_sigrok_config_free);
          return GINT_TO_POINTER (-1);
        }
      options = g_slist_append (options, bs_sigrok_config_new (sr_key, v));
    }
  return options;
}

static gboolean
find_device (BsProbeSigrok *self, const BsSpec *spec, GError **error)
{
  GSList *options = scan_options (self, spec, error);
  GSList *devices;
  int ret;

  if (options == GINT_TO_POINTER (-1))
    return FALSE;
  g_free (bs_sigrok_take_last_error ());
  devices = sr_driver_scan (self->driver, options);
  g_slist_free_full (options, bs_sigrok_config_free);
  if (devices == NULL)
    {
      g_autofree char *why = bs_sigrok_take_last_error ();
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE,
                   "sigrok: the %s driver found no device%s%s", self->driver_name,
                   bs_spec_get (spec, "conn") == NULL ? " (does it need conn=...?)" : " at that conn",
                   why);
      return FALSE;
    }
  self->sdi = devices->data;
  g_slist_free (devices);
  ret = sr_dev_open (self->sdi);
  if (ret != SR_OK)
    {
      g_autofree char *why = bs_sigrok_take_last_error ();
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_FAILED, "sigrok: cannot open the %s device: %s%s",
                   self->driver_name, sr_strerror (ret), why);
      self->sdi = NULL;
      return FALSE;
    }
  return TRUE;
}

/* The demo's defaults make it a power meter; explicit options win. */
static void
add_demo_defaults (BsSpec *spec)
{
  static const char *const defaults[][2] = {
    { "samplerate", "10" }, { "pattern", "sine" }, { "amplitude", "2" }, { "offset", "5" },
    { "measured_quantity", "power" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    if (bs_spec_get (spec, defaults[i][0]) == NULL)
      bs_spec_set (spec, defaults[i][0], defaults[i][1]);
}

/* Options for the whole device first, then those for one group, which may override them. */
static gboolean
apply_options (BsProbeSigrok *self, const BsSpec *spec, GError **error)
{
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < spec->keys->len; i++)
      {
        const char *key = spec->keys->pdata[i];
        gboolean qualified = strchr (key, '.') != NULL;
        uint32_t sr_key;
        GVariant *v;

        if (is_own_key (key) || bs_sigrok_is_scan_key (self->driver, key) || qualified != (pass == 1))
          continue;
        if (qualified)
          {
            if (!bs_sigrok_set_group_option (self->sdi, self->driver_name, key,
                                             spec->values->pdata[i], error))
              return FALSE;
            continue;
          }
        v = bs_sigrok_config_value (key, spec->values->pdata[i], &sr_key, error);
        if (v == NULL || !bs_sigrok_set_option (self->sdi, self->driver_name, key, sr_key, v, error))
          return FALSE;
      }
  return TRUE;
}

static gboolean
configure (BsProbeSigrok *self, const BsSpec *given, GError **error)
{
  g_autoptr (BsSpec) spec = bs_spec_copy (given);
  GVariant *rate = NULL;

  if (strcmp (self->driver_name, "demo") == 0)
    add_demo_defaults (spec);
  if (!apply_options (self, spec, error))
    return FALSE;
  if (bs_sigrok_key_supported (self->sdi, NULL, SR_CONF_SAMPLERATE, SR_CONF_GET)
      && sr_config_get (self->driver, self->sdi, NULL, SR_CONF_SAMPLERATE, &rate) == SR_OK)
    {
      self->samplerate = (double) g_variant_get_uint64 (rate);
      g_variant_unref (rate);
    }
  return TRUE;
}

static void update_pairs (BsProbeSigrok *self);

static gboolean
open_on_worker (gpointer owner, gpointer data, GError **error)
{
  BsProbeSigrok *self = owner;
  const BsSpec *spec = ((OpenArgs *) data)->spec;

  if (bs_sigrok_acquire (error) == NULL)
    return FALSE;
  self->have_context = TRUE;
  self->driver = bs_sigrok_driver_use (self->driver_name, error);
  if (self->driver == NULL)
    return FALSE;

  if (!find_device (self, spec, error)
      || !select_channels (self, bs_spec_get (spec, "channels"), error)
      || !configure (self, spec, error))
    return FALSE;
  declare_known_channels (self);
  update_pairs (self);
  return TRUE;
}

static gboolean
close_on_worker (gpointer owner, gpointer data, GError **error)
{
  BsProbeSigrok *self = owner;

  if (self->sdi != NULL)
    sr_dev_close (self->sdi);
  if (self->driver != NULL)
    bs_sigrok_driver_unuse (self->driver);
  if (self->have_context)
    bs_sigrok_release ();
  return TRUE;
}

/* ---- capture, on the worker ---- */

static Stream *
find_stream (BsProbeSigrok *self, const char *channel_name, uint32_t mq)
{
  gboolean channel_seen = FALSE;
  BsQuantity quantity;

  for (guint k = 0; k < self->streams->len; k++)
    {
      Stream *s = self->streams->pdata[k];
      if (strcmp (s->channel_name, channel_name) == 0 && s->mq == mq)
        return s;
      channel_seen = channel_seen || strcmp (s->channel_name, channel_name) == 0;
    }
  if (!quantity_of (mq, &quantity))
    return NULL;
  return stream_new (self, channel_name, mq, quantity, channel_seen);
}

static Pair *
pair_new (BsProbeSigrok *self, Stream *v, Stream *i, char *name)
{
  Pair *p = g_new0 (Pair, 1);

  p->v = v;
  p->i = i;
  p->name = name;
  p->channel = -1;
  p->pending_v = g_array_new (FALSE, FALSE, sizeof (Pending));
  p->pending_i = g_array_new (FALSE, FALSE, sizeof (Pending));
  v->pair = i->pair = p;
  g_ptr_array_add (self->pairs, p);
  return p;
}

/* V with I of the same channel; failing that, the only V with the only I. */
static void
update_pairs (BsProbeSigrok *self)
{
  Stream *lone_v = NULL, *lone_i = NULL;
  guint n_v = 0, n_i = 0;

  for (guint a = 0; a < self->streams->len; a++)
    for (guint b = 0; b < self->streams->len; b++)
      {
        Stream *v = self->streams->pdata[a], *i = self->streams->pdata[b];
        if (v->quantity == BS_QUANTITY_VOLTAGE && i->quantity == BS_QUANTITY_CURRENT
            && v->pair == NULL && i->pair == NULL && strcmp (v->channel_name, i->channel_name) == 0)
          pair_new (self, v, i, g_strdup_printf ("%s/power", v->channel_name));
      }
  for (guint a = 0; a < self->streams->len; a++)
    {
      Stream *s = self->streams->pdata[a];
      if (s->quantity == BS_QUANTITY_VOLTAGE && s->pair == NULL)
        n_v++, lone_v = s;
      if (s->quantity == BS_QUANTITY_CURRENT && s->pair == NULL)
        n_i++, lone_i = s;
    }
  if (self->pairs->len == 0 && n_v == 1 && n_i == 1)
    pair_new (self, lone_v, lone_i, g_strdup_printf ("%s×%s", lone_v->channel_name, lone_i->channel_name));
}

/* A device that reports power itself needs no V×I: for a same-channel pair, power on that
 * channel; for a cross pair, power anywhere. */
static gboolean
has_native_power (BsProbeSigrok *self, const Pair *p)
{
  gboolean cross = strcmp (p->v->channel_name, p->i->channel_name) != 0;

  for (guint k = 0; k < self->streams->len; k++)
    {
      const Stream *s = self->streams->pdata[k];
      if (s->quantity == BS_QUANTITY_POWER && (cross || strcmp (s->channel_name, p->v->channel_name) == 0))
        return TRUE;
    }
  return FALSE;
}

static void
emit_product (BsProbeSigrok *self, Pair *p, const Pending *v, const Pending *i)
{
  BsSample s;

  if (p->channel < 0)
    {
      if (has_native_power (self, p))
        return;
      p->channel = bs_probe_add_channel (&self->parent, p->name, BS_QUANTITY_POWER, TRUE);
    }
  s = (BsSample) { MAX (v->t_ns, i->t_ns), p->channel, BS_QUANTITY_POWER, BS_UNIT_WATT,
                   v->value * i->value };
  g_array_append_val (self->out, s);
}

/* Rate devices: the samples of equal index. */
static void
pair_by_index (BsProbeSigrok *self, Pair *p)
{
  while (p->pending_v->len > 0 && p->pending_i->len > 0)
    {
      Pending *v = &g_array_index (p->pending_v, Pending, 0);
      Pending *i = &g_array_index (p->pending_i, Pending, 0);

      if (v->index == i->index)
        emit_product (self, p, v, i);
      if (v->index <= i->index)
        g_array_remove_index (p->pending_v, 0);
      if (i->index <= v->index)
        g_array_remove_index (p->pending_i, 0);
    }
}

/* Polled meters: the latest of each, when they arrived close together. */
static void
pair_by_arrival (BsProbeSigrok *self, Pair *p)
{
  Pending *v, *i;

  if (p->pending_v->len == 0 || p->pending_i->len == 0)
    return;
  v = &g_array_index (p->pending_v, Pending, p->pending_v->len - 1);
  i = &g_array_index (p->pending_i, Pending, p->pending_i->len - 1);
  if (ABS (v->t_ns - i->t_ns) <= PAIR_WINDOW_NS)
    {
      emit_product (self, p, v, i);
      g_array_set_size (p->pending_v, 0);
      g_array_set_size (p->pending_i, 0);
    }
}

static void
pair_feed (BsProbeSigrok *self, Stream *s, int64_t index, int64_t t_ns, double value)
{
  Pair *p = s->pair;
  GArray *side = s == p->v ? p->pending_v : p->pending_i;
  Pending pending = { index, t_ns, value };

  /* A side that never finds its match must not grow without bound. */
  if (side->len >= 4096)
    g_array_remove_range (side, 0, side->len / 2);
  g_array_append_val (side, pending);
  if (self->samplerate > 0)
    pair_by_index (self, p);
  else
    pair_by_arrival (self, p);
}

static void
stream_values (BsProbeSigrok *self, Stream *s, const float *f, guint n, guint stride, guint offset,
               int64_t arrival_ns)
{
  if (s->fit != NULL)
    bs_rate_fit_add (s->fit, s->next_index + n - 1, arrival_ns);
  for (guint k = 0; k < n; k++)
    {
      int64_t index = s->next_index + k;
      int64_t t = s->fit != NULL ? bs_rate_fit_time (s->fit, index) : arrival_ns;
      BsSample sample;

      /* A refit may move the line back a little; times stay increasing. */
      t = MAX (t, s->last_t + 1);
      s->last_t = t;
      sample = (BsSample) { t, s->channel, s->quantity, bs_quantity_unit (s->quantity),
                            f[k * stride + offset] };
      g_array_append_val (self->out, sample);
      if (s->pair != NULL)
        pair_feed (self, s, index, t, sample.value);
    }
  s->next_index += n;
}

static void
handle_analog (BsProbeSigrok *self, const struct sr_datafeed_analog *analog)
{
  int64_t arrival_ns = bs_clock_now_ns ();
  guint stride = g_slist_length (analog->meaning->channels);
  guint streams_before = self->streams->len;
  g_autofree float *f = NULL;
  BsQuantity quantity;
  guint offset = 0;

  if (stride == 0 || analog->num_samples == 0 || !quantity_of (analog->meaning->mq, &quantity)
      || !unit_matches (quantity, analog->meaning->unit))
    return;
  f = g_new (float, (gsize) analog->num_samples * stride);
  if (sr_analog_to_float (analog, f) != SR_OK)
    return;
  g_array_set_size (self->out, 0);
  for (GSList *l = analog->meaning->channels; l != NULL; l = l->next, offset++)
    {
      Stream *s = find_stream (self, ((struct sr_channel *) l->data)->name, analog->meaning->mq);
      if (self->streams->len != streams_before)
        update_pairs (self);
      streams_before = self->streams->len;
      stream_values (self, s, f, analog->num_samples, stride, offset, arrival_ns);
    }
  if (self->out->len > 0)
    bs_probe_emit (&self->parent, (BsSample *) self->out->data, self->out->len);
}

static void
datafeed (const struct sr_dev_inst *sdi, const struct sr_datafeed_packet *packet, void *data)
{
  BsProbeSigrok *self = data;

  if (packet->type != SR_DF_ANALOG)
    return;
  self->last_packet_ns = bs_clock_now_ns ();
  self->stall_reported = FALSE;
  handle_analog (self, packet->payload);
}

static gboolean
watchdog (gpointer data)
{
  BsProbeSigrok *self = data;
  int64_t now = bs_clock_now_ns ();

  if (!self->stall_reported && now - self->last_packet_ns > self->stall_ns)
    {
      self->stall_reported = TRUE;
      bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_STALLED, -1, now,
                           "%s: no data for %.1f s; readings are missing until it answers again",
                           self->parent.label, (now - self->last_packet_ns) * 1e-9);
    }
  return G_SOURCE_CONTINUE;
}

static void
session_stopped (void *data)
{
  BsProbeSigrok *self = data;

  if (!self->stop_requested)
    bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_DEVICE_GONE, -1, bs_clock_now_ns (),
                         "%s: the libsigrok session ended on its own (device unplugged, or a "
                         "limit reached); no more readings will come", self->parent.label);
  if (self->watchdog != NULL)
    {
      g_source_destroy (self->watchdog);
      g_clear_pointer (&self->watchdog, g_source_unref);
    }
  g_mutex_lock (&self->lock);
  self->session_stopped = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
reset_streams (BsProbeSigrok *self)
{
  for (guint k = 0; k < self->streams->len; k++)
    {
      Stream *s = self->streams->pdata[k];
      s->next_index = 0;
      s->last_t = G_MININT64;
      if (s->fit != NULL)
        {
          bs_rate_fit_free (s->fit);
          s->fit = bs_rate_fit_new (self->samplerate, FIT_WINDOW_NS);
        }
    }
  for (guint k = 0; k < self->pairs->len; k++)
    {
      Pair *p = self->pairs->pdata[k];
      g_array_set_size (p->pending_v, 0);
      g_array_set_size (p->pending_i, 0);
    }
}

static gboolean
start_failed (BsProbeSigrok *self, const char *what, int ret, GError **error)
{
  g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_FAILED, "sigrok: %s failed: %s", what,
               sr_strerror (ret));
  g_clear_pointer (&self->session, sr_session_destroy);
  return FALSE;
}

static gboolean
start_on_worker (gpointer owner, gpointer data, GError **error)
{
  BsProbeSigrok *self = owner;
  int ret;

  reset_streams (self);
  self->stop_requested = FALSE;
  self->session_stopped = FALSE;
  self->stall_reported = FALSE;
  ret = sr_session_new (bs_sigrok_context (), &self->session);
  if (ret != SR_OK)
    return start_failed (self, "sr_session_new", ret, error);
  if ((ret = sr_session_dev_add (self->session, self->sdi)) != SR_OK)
    return start_failed (self, "sr_session_dev_add", ret, error);
  sr_session_datafeed_callback_add (self->session, datafeed, self);
  sr_session_stopped_callback_set (self->session, session_stopped, self);
  if ((ret = sr_session_start (self->session)) != SR_OK)
    return start_failed (self, "sr_session_start", ret, error);
  self->last_packet_ns = bs_clock_now_ns ();
  self->watchdog = g_timeout_source_new (WATCHDOG_MS);
  g_source_set_callback (self->watchdog, watchdog, self, NULL);
  g_source_attach (self->watchdog, bs_worker_context (self->worker));
  return TRUE;
}

static gboolean
request_stop_on_worker (gpointer owner, gpointer data, GError **error)
{
  BsProbeSigrok *self = owner;
  gboolean stopped;

  self->stop_requested = TRUE;
  g_mutex_lock (&self->lock);
  stopped = self->session_stopped;
  g_mutex_unlock (&self->lock);
  if (!stopped)
    sr_session_stop (self->session);
  return TRUE;
}

static gboolean
destroy_session_on_worker (gpointer owner, gpointer data, GError **error)
{
  BsProbeSigrok *self = owner;
  g_clear_pointer (&self->session, sr_session_destroy);
  return TRUE;
}

/* ---- the class ---- */

static gboolean
sigrok_start (BsProbe *probe, GError **error)
{
  BsProbeSigrok *self = (BsProbeSigrok *) probe;

  return bs_worker_call (self->worker, start_on_worker, self, NULL, error);
}

static void
sigrok_stop (BsProbe *probe)
{
  BsProbeSigrok *self = (BsProbeSigrok *) probe;

  bs_worker_call (self->worker, request_stop_on_worker, self, NULL, NULL);
  /* The stopped callback comes from the worker's loop once the driver has wound down. */
  g_mutex_lock (&self->lock);
  while (!self->session_stopped)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  bs_worker_call (self->worker, destroy_session_on_worker, self, NULL, NULL);
}

static void
sigrok_close (BsProbe *probe)
{
  BsProbeSigrok *self = (BsProbeSigrok *) probe;

  bs_worker_call (self->worker, close_on_worker, self, NULL, NULL);
  bs_worker_free (self->worker);
  g_ptr_array_unref (self->pairs);
  g_ptr_array_unref (self->streams);
  g_array_unref (self->out);
  g_free (self->driver_name);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
}

static char *
device_label (BsProbeSigrok *self)
{
  const char *vendor = sr_dev_inst_vendor_get (self->sdi);
  const char *model = sr_dev_inst_model_get (self->sdi);

  if (strcmp (self->driver_name, "demo") == 0)
    return g_strdup (DEMO_LABEL);
  return g_strdup_printf ("%s%s%s (sigrok %s)", vendor != NULL ? vendor : "",
                          vendor != NULL && model != NULL ? " " : "", model != NULL ? model : "",
                          self->driver_name);
}

static BsProbe *
sigrok_open (const BsSpec *spec, GError **error)
{
  BsProbeSigrok *self = g_new0 (BsProbeSigrok, 1);
  OpenArgs args = { spec };

  self->driver_name = g_strdup (spec->word != NULL ? spec->word : "demo");
  bs_probe_init (&self->parent, &bs_probe_sigrok_class, spec, self->driver_name,
                 strcmp (self->driver_name, "demo") == 0);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->streams = g_ptr_array_new_with_free_func (stream_free);
  self->pairs = g_ptr_array_new_with_free_func (pair_free);
  self->out = g_array_new (FALSE, FALSE, sizeof (BsSample));
  self->worker = bs_worker_new ("bs-sigrok");

  if (!bs_probe_spec_get_duration (spec, "stall", INT64_C (3000000000), &self->stall_ns, error)
      || !bs_worker_call (self->worker, open_on_worker, self, &args, error))
    {
      bs_probe_close (&self->parent);
      return NULL;
    }
  g_free (self->parent.label);
  self->parent.label = device_label (self);
  return &self->parent;
}

/* ---- listing ---- */

static void
list_demo (GPtrArray *devices)
{
  g_ptr_array_add (devices, bs_probe_device_new ("sigrok", "sigrok:demo", DEMO_LABEL,
                                                 "A0 power W: libsigrok's demo driver, a 3–7 W sine "
                                                 "at 10 Hz; the default when no meter is attached",
                                                 TRUE, TRUE));
}

static void
list_found (GPtrArray *devices, struct sr_dev_driver *driver, GSList *options, const char *spec_text)
{
  GSList *found = sr_driver_scan (driver, options);

  for (GSList *l = found; l != NULL; l = l->next)
    {
      struct sr_dev_inst *sdi = l->data;
      const char *vendor = sr_dev_inst_vendor_get (sdi), *model = sr_dev_inst_model_get (sdi);
      g_autofree char *label = g_strdup_printf ("%s %s", vendor != NULL ? vendor : "",
                                                model != NULL ? model : driver->name);
      g_autofree char *detail = g_strdup_printf ("found by libsigrok's %s driver%s%s", driver->name,
                                                 sr_dev_inst_connid_get (sdi) != NULL ? " at " : "",
                                                 sr_dev_inst_connid_get (sdi) != NULL
                                                   ? sr_dev_inst_connid_get (sdi) : "");
      BsProbeDevice *d = bs_probe_device_new ("sigrok", spec_text, g_strstrip (label), detail,
                                              TRUE, FALSE);
      d->attached = TRUE;
      g_ptr_array_add (devices, d);
    }
  g_slist_free (found);
}

static void
list_drivers (GPtrArray *devices)
{
  g_autoptr (GString) have = g_string_new (NULL);
  g_autoptr (GString) lack = g_string_new (NULL);
  g_autofree char *detail = NULL;

  for (guint i = 0; power_drivers[i] != NULL; i++)
    g_string_append_printf (bs_sigrok_driver_ready (power_drivers[i]) != NULL ? have : lack, "%s%s",
                            (bs_sigrok_driver_ready (power_drivers[i]) != NULL ? have : lack)->len ? ", " : "",
                            power_drivers[i]);
  detail = g_strdup_printf ("libsigrok %s power-meter drivers: %s; open one with "
                            "sigrok:DRIVER:conn=PORT%s%s%s", sr_package_version_string_get (), have->str,
                            lack->len ? ". Not in this libsigrok (a newer one has them): " : "", lack->str,
                            lack->len ? " (blendscope reads the RDTech UM and TC66C meters itself: "
                                        "um34c:port=..., tc66c:port=...)" : "");
  g_ptr_array_add (devices, bs_probe_device_new ("sigrok", NULL, "libsigrok meters", detail, FALSE, FALSE));
}

static void
list_serial_ports (GPtrArray *devices)
{
  GSList *ports = sr_serial_list (NULL);
  g_autoptr (GString) names = g_string_new (NULL);

  for (GSList *l = ports; l != NULL; l = l->next)
    {
      struct sr_serial_port *port = l->data;
      g_string_append_printf (names, "%s%s (%s)", names->len ? ", " : "", port->name,
                              port->description != NULL ? port->description : "");
    }
  g_slist_free_full (ports, (GDestroyNotify) sr_serial_free);
  if (names->len > 0)
    g_ptr_array_add (devices, bs_probe_device_new ("sigrok", NULL, "serial ports", names->str, FALSE, FALSE));
}

/* `probes sigrok:DRIVER:conn=...`: scan that driver with those options. */
static void
list_one_driver (GPtrArray *devices, const BsSpec *spec)
{
  struct sr_dev_driver *driver = bs_sigrok_driver_ready (spec->word);
  g_autofree char *spec_text = bs_spec_to_string (spec);
  GSList *options = NULL;
  guint before = devices->len;

  if (driver == NULL)
    {
      g_autofree char *why = g_strdup_printf ("libsigrok %s has no driver '%s'",
                                              sr_package_version_string_get (), spec->word);
      g_ptr_array_add (devices, bs_probe_device_new ("sigrok", NULL, spec->word, why, FALSE, FALSE));
      return;
    }
  for (guint i = 0; i < spec->keys->len; i++)
    {
      uint32_t key;
      GVariant *v = bs_sigrok_is_scan_key (driver, spec->keys->pdata[i])
                      ? bs_sigrok_config_value (spec->keys->pdata[i], spec->values->pdata[i], &key, NULL) : NULL;
      if (v != NULL)
        options = g_slist_append (options, bs_sigrok_config_new (key, v));
    }
  if (strcmp (spec->word, "demo") == 0)
    list_demo (devices);
  else
    list_found (devices, driver, options, spec_text);
  g_slist_free_full (options, bs_sigrok_config_free);
  if (devices->len == before)
    g_ptr_array_add (devices, bs_probe_device_new ("sigrok", NULL, spec_text,
                                                   "the driver found no device with these options",
                                                   FALSE, FALSE));
}

static void
list_all (GPtrArray *devices)
{
  list_demo (devices);
  for (guint i = 0; autoscan_drivers[i] != NULL; i++)
    {
      struct sr_dev_driver *driver = bs_sigrok_driver_ready (autoscan_drivers[i]);
      g_autofree char *spec_text = g_strdup_printf ("sigrok:%s", autoscan_drivers[i]);

      if (driver == NULL)
        continue;
      list_found (devices, driver, NULL, spec_text);
    }
  list_drivers (devices);
  list_serial_ports (devices);
}

typedef struct
{
  const BsSpec *spec;
  GPtrArray *devices;
} ListArgs;

/* Off the caller's thread and context, like every other use of libsigrok here. */
static gpointer
list_thread (gpointer data)
{
  ListArgs *args = data;
  GMainContext *context = g_main_context_new ();
  g_autoptr (GError) error = NULL;

  g_main_context_push_thread_default (context);
  if (bs_sigrok_acquire (&error) == NULL)
    g_ptr_array_add (args->devices, bs_probe_device_new ("sigrok", NULL, "libsigrok", error->message,
                                                         FALSE, FALSE));
  else
    {
      bs_sigrok_lock ();
      if (args->spec != NULL && args->spec->word != NULL)
        list_one_driver (args->devices, args->spec);
      else
        list_all (args->devices);
      bs_sigrok_unlock ();
      bs_sigrok_release ();
    }
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
sigrok_list (const BsSpec *spec, GPtrArray *devices)
{
  ListArgs args = { spec, devices };

  g_thread_join (g_thread_new ("bs-sigrok-list", list_thread, &args));
}

const BsProbeClass bs_probe_sigrok_class = {
  .name = "sigrok",
  .description = "any libsigrok driver by name (USB/serial power meters, supplies; demo)",
  .list = sigrok_list,
  .open = sigrok_open,
  .start = sigrok_start,
  .stop = sigrok_stop,
  .close = sigrok_close,
};
