/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-description.c: settings → config JSON, device line, layer and channel tables. */
#include "bs-run-description.h"

#include "bs-run-layers.h"

#include <json-glib/json-glib.h>

const char *
bs_run_settings_mode (const BsRunSettings *settings)
{
  if (settings->dataset != NULL)
    return "evaluation";
  if (settings->sweep)
    return "sweep";
  if (settings->n_inferences > 0)
    return "count";
  return settings->duration_s > 0 ? "duration" : "continuous";
}

gboolean
bs_run_settings_has_probe (const BsRunSettings *settings)
{
  return settings->probe != NULL && *settings->probe && g_strcmp0 (settings->probe, "none") != 0;
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* Through json-glib, which escapes and formats numbers without the locale: a spec may
 * hold quotes or backslashes, and a German locale writes 0,5. */
static char *
config_json (const BsRunSettings *s)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  add_string (b, "mode", bs_run_settings_mode (s));
  json_builder_set_member_name (b, "inferences");
  json_builder_add_int_value (b, s->n_inferences);
  json_builder_set_member_name (b, "duration_s");
  json_builder_add_double_value (b, s->n_inferences > 0 ? 0.0 : s->duration_s);
  add_string (b, "backend", s->backend);
  add_string (b, "probe", bs_run_settings_has_probe (s) ? s->probe : NULL);
  add_string (b, "input", s->input);
  if (s->dataset != NULL)
    add_string (b, "dataset", s->dataset);
  if (s->sweep)
    {
      json_builder_set_member_name (b, "sweep_busy_ns");
      json_builder_add_int_value (b, s->sweep_busy_ns);
      json_builder_set_member_name (b, "sweep_idle_ns");
      json_builder_add_int_value (b, s->sweep_idle_ns);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static char *
device_line (const char *backend_description, BsProbe *probe)
{
  if (probe == NULL)
    return g_strdup_printf ("%s; no power probe", backend_description);
  return g_strdup_printf ("%s; probe %s (%s)%s", backend_description, bs_probe_get_spec (probe),
                          bs_probe_get_label (probe),
                          bs_probe_is_simulated (probe) ? ", simulated power" : "");
}

/* The probe's channels as known at the start, with their names and the resolution each
 * is worth storing at (a PPK2 resolves nanoamperes; the store's default is 1 µA).
 * Channels a probe announces later are added by the recorder as they come. */
static GArray *
channel_table (BsProbe *probe)
{
  guint n = probe != NULL ? bs_probe_get_n_channels (probe) : 0;
  GArray *channels = g_array_sized_new (FALSE, TRUE, sizeof (BsChannelInfo), n);

  for (guint i = 0; i < n; i++)
    {
      const BsProbeChannel *pc = bs_probe_get_channel (probe, i);
      BsChannelInfo info = { (int32_t) i, pc->quantity, pc->name, pc->resolution };
      g_array_append_val (channels, info);
    }
  return channels;
}

BsRunDescription *
bs_run_description_new (const BsRunSettings *settings, const BsPlan *plan,
                        const char *backend_description, BsProbe *probe)
{
  BsRunDescription *d = g_new0 (BsRunDescription, 1);

  g_assert (settings->backend != NULL);
  d->config = config_json (settings);
  d->device = device_line (backend_description, probe);
  d->layers = bs_run_layers_from_plan (plan);
  d->channels = channel_table (probe);
  return d;
}

void
bs_run_description_free (BsRunDescription *d)
{
  if (d == NULL)
    return;
  g_free (d->config);
  g_free (d->device);
  g_free (d->host);
  g_array_unref (d->layers);
  g_array_unref (d->channels);
  g_free (d);
}

void
bs_run_description_fill_info (const BsRunDescription *d, const BsRunSettings *s, BsRunInfo *info)
{
  *info = (BsRunInfo) {
    .backend = s->backend,
    .device = d->device,
    .host = d->host,
    .config = d->config,
    .session = s->session != NULL && *s->session ? s->session : NULL,
    .notes = s->notes,
    .tags = s->tags,
    .layers = (const BsRunLayer *) (void *) d->layers->data,
    .n_layers = d->layers->len,
    .channels = (const BsChannelInfo *) (void *) d->channels->data,
    .n_channels = d->channels->len,
  };
}
