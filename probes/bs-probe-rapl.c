/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-rapl.c: RAPL energy counters through Linux powercap, read by a polling thread.
 *
 * Spec: rapl[:root=/sys/class/powercap][:rate=20][:channels=package-0,package-0/core]
 *
 * Each zone with an energy_uj counter becomes a power channel named after the zone
 * ("package-0", subzones "package-0/core"). Power is the difference of two readings over
 * the host time between them, stamped at the midpoint: the counter itself updates about
 * every millisecond, so the midpoint is where the average belongs. The counter wraps at
 * max_energy_range_uj, and the energy across a wrap is (max − previous) + current; but
 * counters also reset (suspend, firmware), so a decrease counts as a wrap only when it is
 * plausible as one (energy_delta). */
#include "bs-sysfs-probe.h"

#include <errno.h>
#include <string.h>

#define DEFAULT_ROOT "/sys/class/powercap"

/* More than any RAPL domain draws (the largest server packages stay below 500 W). An
 * interval implying more is a counter reset or a bad reading, never a measurement. */
#define MAX_PLAUSIBLE_W 1000.0

typedef struct
{
  char *name;                   /* "package-0/core" */
  char *entry;                  /* "intel-rapl:0:0" */
  char *energy_path;
  int64_t max_range_uj;         /* 0 when unknown: then a decrease is a fault, not a wrap */
} Zone;

typedef struct
{
  Zone zone;
  int channel;
  BsSysfsHealth health;
  gboolean have_previous;
  int64_t previous_uj;
  int64_t previous_t_ns;
} Channel;

/* Nothing beyond what every polled sysfs probe has. */
typedef BsSysfsProbe BsProbeRapl;

static const char *const known_keys[] = { "root", "rate", "channels", NULL };

static void
zone_clear (Zone *zone)
{
  g_free (zone->name);
  g_free (zone->entry);
  g_free (zone->energy_path);
}

static char *
zone_name (const char *root, const char *entry)
{
  g_autofree char *path = g_build_filename (root, entry, "name", NULL);
  g_autofree char *name = bs_sysfs_read_string (path);
  g_autofree char *parent = NULL;
  const char *colon = strrchr (entry, ':');

  if (name == NULL)
    name = g_strdup (entry);
  /* "intel-rapl:0:1" is a subzone of "intel-rapl:0". */
  if (colon != NULL && strchr (entry, ':') != colon)
    {
      g_autofree char *parent_entry = g_strndup (entry, colon - entry);
      parent = zone_name (root, parent_entry);
      return g_strdup_printf ("%s/%s", parent, name);
    }
  return g_steal_pointer (&name);
}

/* Every zone with an energy counter. */
static GArray *
scan_root (const char *root)
{
  g_autoptr (GPtrArray) entries = bs_sysfs_list_dir (root);
  GArray *zones = g_array_new (FALSE, TRUE, sizeof (Zone));

  g_array_set_clear_func (zones, (GDestroyNotify) zone_clear);
  for (guint e = 0; entries != NULL && e < entries->len; e++)
    {
      const char *entry = entries->pdata[e];
      g_autofree char *max_path = g_build_filename (root, entry, "max_energy_range_uj", NULL);
      Zone zone = { 0 };

      zone.energy_path = g_build_filename (root, entry, "energy_uj", NULL);
      if (!g_file_test (zone.energy_path, G_FILE_TEST_EXISTS))
        {
          zone_clear (&zone);
          continue;
        }
      zone.entry = g_strdup (entry);
      zone.name = zone_name (root, entry);
      if (bs_sysfs_read_int64 (max_path, &zone.max_range_uj) != 0 || zone.max_range_uj < 0)
        zone.max_range_uj = 0;
      g_array_append_val (zones, zone);
    }
  return zones;
}

static int
first_unreadable (GArray *zones, int *err)
{
  for (guint k = 0; k < zones->len; k++)
    {
      int64_t v;
      *err = bs_sysfs_read_int64 (g_array_index (zones, Zone, k).energy_path, &v);
      if (*err == EACCES || *err == EPERM)
        return k;
    }
  return -1;
}

/* ---- listing ---- */

static void
rapl_list (const BsSpec *spec, GPtrArray *devices)
{
  const char *root = bs_sysfs_probe_root (spec, DEFAULT_ROOT);
  g_autoptr (GArray) zones = scan_root (root);
  g_autoptr (GString) detail = g_string_new (NULL);
  g_autofree char *spec_text = NULL;
  int err;

  if (zones->len == 0)
    {
      g_autofree char *why = g_strdup_printf ("no energy counters under %s", root);
      g_ptr_array_add (devices, bs_probe_device_new ("rapl", NULL, "RAPL", why, FALSE, FALSE));
      return;
    }
  for (guint k = 0; k < zones->len; k++)
    g_string_append_printf (detail, "%s%s W", k ? ", " : "", g_array_index (zones, Zone, k).name);
  if (first_unreadable (zones, &err) >= 0)
    g_string_append_printf (detail, " (energy_uj not readable: %s; run as root)", g_strerror (err));
  spec_text = strcmp (root, DEFAULT_ROOT) == 0 ? g_strdup ("rapl") : g_strdup_printf ("rapl:root=%s", root);
  g_ptr_array_add (devices, bs_probe_device_new ("rapl", spec_text, "RAPL energy counters",
                                                 detail->str, first_unreadable (zones, &err) < 0,
                                                 FALSE));
}

/* ---- capture ---- */

/* Whether @delta_uj over @dt_ns is power a RAPL domain can draw. */
static gboolean
plausible_step (int64_t delta_uj, int64_t dt_ns)
{
  return delta_uj <= MAX_PLAUSIBLE_W * (dt_ns * 1e-9) * 1e6;
}

/* The energy since the previous reading. A decrease is a wrap only when the previous
 * reading was close enough to max_energy_range_uj for the counter to pass it within the
 * interval at a plausible power, and the energy the wrap implies is plausible too; any
 * other decrease (a reset on suspend, a firmware reload) or jump is a gap with a fault. */
static gboolean
energy_delta (BsProbeRapl *self, Channel *c, int64_t now_uj, int64_t t_ns, int64_t *delta_uj)
{
  int64_t dt_ns = t_ns - c->previous_t_ns;
  int64_t max_uj = c->zone.max_range_uj;
  const char *why;

  *delta_uj = now_uj - c->previous_uj;
  if (*delta_uj >= 0 && plausible_step (*delta_uj, dt_ns))
    return TRUE;
  if (*delta_uj >= 0)
    why = "a jump above any plausible power";
  else if (max_uj <= 0)
    why = "no known wrap range";
  else if (c->previous_uj > max_uj || !plausible_step (max_uj - c->previous_uj, dt_ns))
    why = "not a wrap: the previous reading was not near the counter's maximum";
  else if (!plausible_step ((max_uj - c->previous_uj) + now_uj, dt_ns))
    why = "not a wrap: the energy it would imply is implausible";
  else
    {
      *delta_uj = (max_uj - c->previous_uj) + now_uj;
      return TRUE;
    }
  bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_OUT_OF_RANGE, c->channel, t_ns,
                       "%s: counter %s went %s from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                       " µJ in %.3f s (%s; max_energy_range_uj %" G_GINT64_FORMAT "); that "
                       "interval is skipped", self->parent.label, c->zone.energy_path,
                       now_uj < c->previous_uj ? "back" : "up", c->previous_uj, now_uj,
                       dt_ns * 1e-9, why, max_uj);
  return FALSE;
}

/* Reads one counter; TRUE with a power sample when there was a previous reading. */
static gboolean
poll_zone (BsProbeRapl *self, Channel *c, BsSample *out)
{
  int64_t now_uj = 0, delta_uj, t_ns;
  int err = bs_sysfs_read_int64_at (c->zone.energy_path, &now_uj, &t_ns);
  gboolean usable;

  if (!bs_sysfs_health_update (&self->parent, &c->health, c->channel, c->zone.energy_path, err, t_ns))
    return FALSE;
  usable = c->have_previous && t_ns > c->previous_t_ns
           && energy_delta (self, c, now_uj, t_ns, &delta_uj);
  if (usable)
    *out = (BsSample) { c->previous_t_ns + (t_ns - c->previous_t_ns) / 2, c->channel,
                        BS_QUANTITY_POWER, BS_UNIT_WATT,
                        (delta_uj * 1e-6) / ((t_ns - c->previous_t_ns) * 1e-9) };
  c->have_previous = TRUE;
  c->previous_uj = now_uj;
  c->previous_t_ns = t_ns;
  return usable;
}

static void
rapl_poll (int64_t due_ns, gpointer data)
{
  BsProbeRapl *self = data;
  BsSample *out = g_newa (BsSample, self->channels->len);
  guint n = 0;

  for (guint k = 0; k < self->channels->len; k++)
    {
      Channel *c = &g_array_index (self->channels, Channel, k);
      if (!c->health.gone && poll_zone (self, c, &out[n]))
        n++;
    }
  if (n > 0)
    bs_probe_emit (&self->parent, out, n);
  bs_sysfs_probe_check_all_gone (self, due_ns);
}

static gboolean
rapl_start (BsProbe *probe, GError **error)
{
  BsProbeRapl *self = (BsProbeRapl *) probe;

  for (guint k = 0; k < self->channels->len; k++)
    g_array_index (self->channels, Channel, k).have_previous = FALSE;
  bs_sysfs_probe_start (self, "bs-rapl", rapl_poll);
  return TRUE;
}

static void
channel_clear (Channel *c)
{
  zone_clear (&c->zone);
}

/* ---- opening ---- */

static gboolean
check_zones (GArray *zones, const char *root, GError **error)
{
  int err;
  int k;

  if (zones->len == 0)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE,
                   "rapl: no energy counters (zones with energy_uj) under %s", root);
      return FALSE;
    }
  k = first_unreadable (zones, &err);
  if (k >= 0)
    {
      /* Since Linux 5.10 (CVE-2020-8694) energy_uj is readable by root only. */
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_PERMISSION,
                   "rapl: %s: %s (RAPL counters are readable by root only; run as root or "
                   "grant read access with a udev rule)",
                   g_array_index (zones, Zone, k).energy_path, g_strerror (err));
      return FALSE;
    }
  return TRUE;
}

static BsProbe *
rapl_open (const BsSpec *spec, GError **error)
{
  const char *root = bs_sysfs_probe_root (spec, DEFAULT_ROOT);
  const char *filter = bs_spec_get (spec, "channels");
  g_autoptr (GArray) zones = NULL;
  g_autoptr (GString) label = g_string_new ("RAPL");
  BsProbeRapl *self;
  double rate;

  if (!bs_probe_spec_check (spec, known_keys, error)
      || !bs_probe_spec_get_rate (spec, "rate", 20.0, &rate, error))
    return NULL;
  zones = scan_root (root);
  for (guint k = zones->len; k-- > 0;)
    if (!bs_sysfs_probe_selected (filter, g_array_index (zones, Zone, k).name,
                                   g_array_index (zones, Zone, k).entry, NULL))
      g_array_remove_index (zones, k);
  if (!check_zones (zones, root, error))
    return NULL;

  self = g_new0 (BsProbeRapl, 1);
  bs_sysfs_probe_init (self, g_array_new (FALSE, TRUE, sizeof (Channel)),
                       G_STRUCT_OFFSET (Channel, health), rate,
                       "every energy counter has vanished or hung");
  g_array_set_clear_func (self->channels, (GDestroyNotify) channel_clear);
  for (guint k = 0; k < zones->len; k++)
    g_string_append_printf (label, "%s%s", k ? ", " : " ", g_array_index (zones, Zone, k).name);
  bs_probe_init (&self->parent, &bs_probe_rapl_class, spec, label->str, FALSE);
  for (guint k = 0; k < zones->len; k++)
    {
      Channel c = { 0 };

      c.zone = g_array_index (zones, Zone, k);
      g_array_index (zones, Zone, k) = (Zone) { 0 };
      c.channel = bs_probe_add_channel (&self->parent, c.zone.name, BS_QUANTITY_POWER, TRUE);
      g_array_append_val (self->channels, c);
    }
  return &self->parent;
}

const BsProbeClass bs_probe_rapl_class = {
  .name = "rapl",
  .description = "RAPL energy counters (CPU package, cores, DRAM) through Linux powercap",
  .list = rapl_list,
  .open = rapl_open,
  .start = rapl_start,
  .stop = bs_sysfs_probe_stop,
  .close = bs_sysfs_probe_close,
};
