/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sigrok-config.c: libsigrok options from text, as sigrok-cli parses them, and setting
 * them on a device or on its channel groups. */
#include "bs-sigrok-config.h"

#include "bs-probe.h"

#include <string.h>

/* Values from text */

/* sr_config_new() and sr_config_free() are private to libsigrok. */
struct sr_config *
bs_sigrok_config_new (uint32_t key, GVariant *value)
{
  struct sr_config *config = g_new0 (struct sr_config, 1);

  config->key = key;
  config->data = g_variant_ref_sink (value);
  return config;
}

void
bs_sigrok_config_free (gpointer data)
{
  struct sr_config *config = data;

  g_variant_unref (config->data);
  g_free (config);
}

static GVariant *
parse_mq (const char *value)
{
  g_auto (GStrv) parts = g_strsplit (value, "/", 0);
  const struct sr_key_info *info = sr_key_info_name_get (SR_KEY_MQ, parts[0]);
  uint64_t flags = 0;

  if (info == NULL)
    return NULL;
  for (guint i = 1; parts[i] != NULL; i++)
    {
      const struct sr_key_info *flag = sr_key_info_name_get (SR_KEY_MQFLAGS, parts[i]);
      if (flag == NULL)
        return NULL;
      flags |= flag->key;
    }
  return g_variant_new ("(ut)", info->key, flags);
}

static GVariant *
parse_pair (const char *value, gboolean as_double)
{
  char *end;
  double lo = g_ascii_strtod (value, &end), hi;

  if (end == value || *end != '-')
    return NULL;
  hi = g_ascii_strtod (end + 1, &end);
  if (*end != '\0')
    return NULL;
  return as_double ? g_variant_new ("(dd)", lo, hi)
                   : g_variant_new ("(tt)", (guint64) lo, (guint64) hi);
}

static GVariant *
parse_number (int datatype, const char *value)
{
  char *end;
  double d = g_ascii_strtod (value, &end);

  if (end == value || *end != '\0')
    return NULL;
  return datatype == SR_T_FLOAT ? g_variant_new_double (d) : g_variant_new_int32 ((gint32) d);
}

static GVariant *
parse_value (const struct sr_key_info *info, const char *value)
{
  uint64_t p, q;

  switch (info->datatype)
    {
    case SR_T_UINT64:
      return sr_parse_sizestring (value, &p) == SR_OK ? g_variant_new_uint64 (p) : NULL;
    case SR_T_STRING:
      return g_variant_new_string (value);
    case SR_T_BOOL:
      return g_variant_new_boolean (*value == '\0' || sr_parse_boolstring (value));
    case SR_T_FLOAT:
    case SR_T_INT32:
      return parse_number (info->datatype, value);
    case SR_T_MQ:
      return parse_mq (value);
    case SR_T_RATIONAL_PERIOD:
      return sr_parse_period (value, &p, &q) == SR_OK ? g_variant_new ("(tt)", p, q) : NULL;
    case SR_T_RATIONAL_VOLT:
      return sr_parse_voltage (value, &p, &q) == SR_OK ? g_variant_new ("(tt)", p, q) : NULL;
    case SR_T_DOUBLE_RANGE:
    case SR_T_UINT64_RANGE:
      return parse_pair (value, info->datatype == SR_T_DOUBLE_RANGE);
    }
  return NULL;
}

GVariant *
bs_sigrok_config_value (const char *key, const char *value, uint32_t *sr_key, GError **error)
{
  const struct sr_key_info *info = sr_key_info_name_get (SR_KEY_CONFIG, key);
  GVariant *v;

  if (info == NULL)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                   "sigrok: '%s' is not a libsigrok option (nor one of channels, stall, latency, "
                   "min_w, max_w)", key);
      return NULL;
    }
  v = parse_value (info, value);
  if (v == NULL)
    g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                 "sigrok: %s=%s is not a valid value for %s", key, value, info->name);
  *sr_key = info->key;
  return v;
}

/* Device options */

/* Whether @key can be @op'ed on @sdi/@cg, asked quietly (sr_config_set() logs an error for
 * keys a device does not have). */
gboolean
bs_sigrok_key_supported (const struct sr_dev_inst *sdi, const struct sr_channel_group *cg,
                         uint32_t key, uint32_t op)
{
  return (sr_dev_config_capabilities_list (sdi, cg, (int) key) & op) != 0;
}

static gboolean
channel_enabled_in (const struct sr_channel_group *cg)
{
  for (GSList *l = cg->channels; l != NULL; l = l->next)
    if (!((struct sr_channel *) l->data)->enabled)
      return FALSE;
  return cg->channels != NULL;
}

/* Sets @key on the device, else on every group made only of enabled channels. */
gboolean
bs_sigrok_set_option (struct sr_dev_inst *sdi, const char *driver_name, const char *name,
                      uint32_t key, GVariant *value, GError **error)
{
  gboolean done = FALSE;
  int ret = SR_ERR_NA;

  /* Ours now; sr_config_set() takes and drops a reference of its own each time. */
  g_variant_ref_sink (value);
  if (bs_sigrok_key_supported (sdi, NULL, key, SR_CONF_SET))
    done = (ret = sr_config_set (sdi, NULL, key, value)) == SR_OK;
  else
    for (GSList *l = sr_dev_inst_channel_groups_get (sdi); l != NULL; l = l->next)
      {
        struct sr_channel_group *cg = l->data;

        if (!channel_enabled_in (cg) || !bs_sigrok_key_supported (sdi, cg, key, SR_CONF_SET))
          continue;
        ret = sr_config_set (sdi, cg, key, value);
        done = ret == SR_OK;
        if (!done)
          break;
      }
  g_variant_unref (value);
  if (!done)
    g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                 "sigrok: the %s driver does not take option '%s'%s%s", driver_name, name,
                 ret != SR_ERR_NA ? ": " : "", ret != SR_ERR_NA ? sr_strerror (ret) : "");
  return done;
}

/* Whether @key is one of the options @driver's scan takes (conn, serialcomm, ...). */
gboolean
bs_sigrok_is_scan_key (struct sr_dev_driver *driver, const char *key)
{
  const struct sr_key_info *info = sr_key_info_name_get (SR_KEY_CONFIG, key);
  g_autoptr (GArray) opts = sr_driver_scan_options_list (driver);
  gboolean found = FALSE;

  for (guint i = 0; info != NULL && opts != NULL && i < opts->len && !found; i++)
    found = g_array_index (opts, uint32_t, i) == info->key;
  return found;
}

static struct sr_channel_group *
find_group (struct sr_dev_inst *sdi, const char *name)
{
  for (GSList *l = sr_dev_inst_channel_groups_get (sdi); l != NULL; l = l->next)
    if (strcmp (((struct sr_channel_group *) l->data)->name, name) == 0)
      return l->data;
  return NULL;
}

/* "A0.amplitude=2": only on channel group A0, like sigrok-cli's channel_group=A0. */
gboolean
bs_sigrok_set_group_option (struct sr_dev_inst *sdi, const char *driver_name,
                            const char *qualified, const char *text, GError **error)
{
  const char *dot = strchr (qualified, '.');
  g_autofree char *group = g_strndup (qualified, dot - qualified);
  struct sr_channel_group *cg = find_group (sdi, group);
  uint32_t key;
  GVariant *v;
  int ret;

  if (cg == NULL)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                   "sigrok: the %s device has no channel group '%s'", driver_name, group);
      return FALSE;
    }
  v = bs_sigrok_config_value (dot + 1, text, &key, error);
  if (v == NULL)
    return FALSE;
  if (!bs_sigrok_key_supported (sdi, cg, key, SR_CONF_SET))
    {
      g_variant_unref (g_variant_ref_sink (v));
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                   "sigrok: channel group %s does not take option '%s'", group, dot + 1);
      return FALSE;
    }
  ret = sr_config_set (sdi, cg, key, v);
  if (ret != SR_OK)
    g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC, "sigrok: %s=%s: %s", qualified, text,
                 sr_strerror (ret));
  return ret == SR_OK;
}
