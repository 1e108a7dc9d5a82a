/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-hwmon.c: Linux hwmon power sensors (INA226, INA3221 and the like, as on Zynq
 * boards), read from sysfs by a polling thread.
 *
 * Spec: hwmon[:root=/sys/class/hwmon][:rate=10][:device=hwmon2|ina226,...][:channels=...]
 *
 * Per hwmonN folder with a power or current file: powerK_input (or powerK_average, µW) is a
 * power channel, currK_input (mA) a current channel, inK_input (mV) a voltage channel when
 * currK_input exists (the bus voltage of the same rail: in1/curr1 on INA226, in1-3/curr1-3
 * on INA3221). Where a rail has voltage and current but no power file, power is derived as
 * V×I from the two readings of the same poll.
 *
 * On a board in the rail map (bs-rail-map.h: ZCU102, KV260, ...; found from the device
 * tree, or board=NAME, board=none to ignore it), a sensor the map knows by its label or
 * name has channels named after its rail group and net, "PL/VCCINT/power1", so that
 * charts and energy figures can split power by rail group. */
#include "bs-rail-map.h"
#include "bs-sysfs-probe.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define DEFAULT_ROOT "/sys/class/hwmon"
#define MAX_INDEX 32

typedef struct
{
  char *name;                   /* "hwmon2/ina226/power1" */
  char *path;                   /* NULL for derived power */
  double scale;                 /* file units to SI */
  BsQuantity quantity;
  int v_source;                 /* derived power: indices of the voltage and current */
  int i_source;                 /* channels in the same array; else -1 */
} Found;

typedef struct
{
  Found found;
  int channel;                  /* index in the probe's channel list */
  BsSysfsHealth health;
  double value;                 /* this poll's reading, NaN when none */
} Channel;

/* Nothing beyond what every polled sysfs probe has. */
typedef BsSysfsProbe BsProbeHwmon;

static const char *const known_keys[] = { "root", "rate", "device", "channels", "board", NULL };

static void
found_clear (Found *found)
{
  g_free (found->name);
  g_free (found->path);
}

static char *
attribute_path (const char *dir, const char *kind, int index, const char *suffix)
{
  g_autofree char *file = g_strdup_printf ("%s%d_%s", kind, index, suffix);

  return g_build_filename (dir, file, NULL);
}

static char *
existing_attribute (const char *dir, const char *kind, int index, const char *const *suffixes)
{
  for (guint i = 0; suffixes[i] != NULL; i++)
    {
      char *path = attribute_path (dir, kind, index, suffixes[i]);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
  return NULL;
}

static void
add_found (GArray *out, const char *prefix, const char *stem, int index, char *path,
           double scale, BsQuantity quantity)
{
  Found found = { 0 };

  found.name = g_strdup_printf ("%s/%s%d", prefix, stem, index);
  found.path = path;
  found.scale = scale;
  found.quantity = quantity;
  found.v_source = found.i_source = -1;
  g_array_append_val (out, found);
}

/* The channels of one hwmon folder, appended to @out. */
static void
scan_device (const char *dir, const char *prefix, GArray *out)
{
  static const char *const input[] = { "input", NULL };
  static const char *const power[] = { "input", "average", NULL };

  for (int k = 0; k < MAX_INDEX; k++)
    {
      char *p = existing_attribute (dir, "power", k, power);
      char *i = existing_attribute (dir, "curr", k, input);
      char *v = i != NULL ? existing_attribute (dir, "in", k, input) : NULL;
      int v_index = -1, i_index = -1;

      if (p != NULL)
        add_found (out, prefix, "power", k, p, 1e-6, BS_QUANTITY_POWER);
      if (i != NULL)
        {
          i_index = out->len;
          add_found (out, prefix, "curr", k, i, 1e-3, BS_QUANTITY_CURRENT);
        }
      if (v != NULL)
        {
          v_index = out->len;
          add_found (out, prefix, "in", k, v, 1e-3, BS_QUANTITY_VOLTAGE);
        }
      if (p == NULL && v_index >= 0 && i_index >= 0)
        {
          add_found (out, prefix, "power", k, NULL, 1.0, BS_QUANTITY_POWER);
          g_array_index (out, Found, out->len - 1).v_source = v_index;
          g_array_index (out, Found, out->len - 1).i_source = i_index;
        }
    }
}

/* The board whose rail map applies: board=NAME, board=none, or the device tree's
 * compatible list found beside @root (/sys/class/hwmon → /sys/firmware/devicetree), so
 * that a fake tree in the tests carries its own. NULL: no map. */
static gboolean
find_board (const BsSpec *spec, const char *root, const char **board, GError **error)
{
  const char *given = spec != NULL ? bs_spec_get (spec, "board") : NULL;
  g_autofree char *path = NULL;
  g_autofree char *compatible = NULL;
  gsize length = 0;

  *board = NULL;
  if (given != NULL && strcmp (given, "none") == 0)
    return TRUE;
  if (given != NULL)
    {
      if (!bs_rail_map_has_board (given))
        {
          g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                       "hwmon: board=%s: no rail map for it (known: zcu102, kv260, kr260; or none)",
                       given);
          return FALSE;
        }
      *board = given;
      return TRUE;
    }
  path = g_build_filename (root, "..", "..", "firmware", "devicetree", "base", "compatible", NULL);
  if (g_file_get_contents (path, &compatible, &length, NULL))
    *board = bs_rail_map_board (compatible, length);
  return TRUE;
}

/* "ina226-u79" from the device's label file (the device tree's label), else its name. */
static const BsRail *
device_rail (const char *dir, const char *chip, const char *board)
{
  g_autofree char *label_path = g_build_filename (dir, "label", NULL);
  g_autofree char *label = board != NULL ? bs_sysfs_read_string (label_path) : NULL;
  const BsRail *rail = label != NULL ? bs_rail_map_find (board, label) : NULL;

  return rail != NULL ? rail : bs_rail_map_find (board, chip);
}

/* Every channel under @root of the devices @device_filter names (NULL: all), named after
 * their rail on a mapped @board. @chips gets "chip (hwmonN)" (or "PL VCCINT: chip (hwmonN)")
 * per device with sensors, @others the names of devices without. */
static GArray *
scan_root (const char *root, const char *device_filter, const char *board, GPtrArray *chips,
           GPtrArray *others)
{
  g_autoptr (GPtrArray) entries = bs_sysfs_list_dir (root);
  GArray *found = g_array_new (FALSE, TRUE, sizeof (Found));

  g_array_set_clear_func (found, (GDestroyNotify) found_clear);
  for (guint e = 0; entries != NULL && e < entries->len; e++)
    {
      const char *entry = entries->pdata[e];
      g_autofree char *dir = g_build_filename (root, entry, NULL);
      g_autofree char *name_path = g_build_filename (dir, "name", NULL);
      g_autofree char *chip = bs_sysfs_read_string (name_path);
      g_autofree char *prefix = NULL;
      const BsRail *rail;
      guint before = found->len;

      if (chip == NULL)
        chip = g_strdup (entry);
      if (!bs_sysfs_probe_selected (device_filter, entry, chip, NULL))
        continue;
      rail = device_rail (dir, chip, board);
      prefix = rail != NULL ? g_strdup_printf ("%s/%s", bs_rail_group_name (rail->group), rail->rail)
                            : g_strdup_printf ("%s/%s", entry, chip);
      scan_device (dir, prefix, found);
      if (found->len > before && chips != NULL && rail != NULL)
        g_ptr_array_add (chips, g_strdup_printf ("%s %s: %s (%s)", bs_rail_group_name (rail->group),
                                                 rail->rail, chip, entry));
      else if (found->len > before && chips != NULL)
        g_ptr_array_add (chips, g_strdup_printf ("%s (%s)", chip, entry));
      else if (found->len == before && others != NULL)
        g_ptr_array_add (others, g_strdup (chip));
    }
  return found;
}

/* "hwmon2/ina226/power1" answers to itself, "ina226/power1" and "power1". */
static gboolean
channel_selected (const char *filter, const char *name)
{
  const char *stem = strrchr (name, '/') + 1;
  const char *chip_stem = strchr (name, '/') + 1;

  return bs_sysfs_probe_selected (filter, name, chip_stem, stem, NULL);
}

/* ---- listing ---- */

static void
hwmon_list (const BsSpec *spec, GPtrArray *devices)
{
  const char *root = bs_sysfs_probe_root (spec, DEFAULT_ROOT);
  g_autoptr (GPtrArray) entries = bs_sysfs_list_dir (root);
  guint listed = devices->len;
  const char *board = NULL;

  if (!find_board (spec, root, &board, NULL))
    board = NULL;
  for (guint e = 0; entries != NULL && e < entries->len; e++)
    {
      g_autoptr (GPtrArray) chips = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GArray) found = scan_root (root, entries->pdata[e], board, chips, NULL);
      g_autoptr (GString) detail = g_string_new (NULL);
      g_autofree char *spec_text = NULL;
      g_autofree char *name_path = g_build_filename (root, entries->pdata[e], "name", NULL);
      g_autofree char *chip = bs_sysfs_read_string (name_path);

      if (found->len == 0)
        continue;
      for (guint i = 0; i < found->len; i++)
        {
          const Found *f = &g_array_index (found, Found, i);
          g_string_append_printf (detail, "%s%s %s%s", i ? ", " : "", strrchr (f->name, '/') + 1,
                                  bs_unit_to_string (bs_quantity_unit (f->quantity)),
                                  f->path == NULL ? " (V×I)" : "");
        }
      spec_text = strcmp (root, DEFAULT_ROOT) == 0
                    ? g_strdup_printf ("hwmon:device=%s", (const char *) entries->pdata[e])
                    : g_strdup_printf ("hwmon:root=%s:device=%s", root,
                                       (const char *) entries->pdata[e]);
      g_ptr_array_add (devices, bs_probe_device_new ("hwmon", spec_text, chips->pdata[0], detail->str,
                                                     TRUE, FALSE));
      /* A TI INA monitor is there to measure a board; GPU and battery sensors are not. */
      ((BsProbeDevice *) devices->pdata[devices->len - 1])->attached = chip != NULL && g_str_has_prefix (chip, "ina");
    }
  if (devices->len == listed)
    {
      g_autofree char *why = g_strdup_printf ("no power or current sensors under %s", root);
      g_ptr_array_add (devices, bs_probe_device_new ("hwmon", NULL, "Linux hwmon", why,
                                                     FALSE, FALSE));
    }
}

/* ---- capture ---- */

static gboolean
read_channel (BsProbeHwmon *self, Channel *c, int64_t *t_ns)
{
  int64_t raw = 0;
  int err = bs_sysfs_read_int64_at (c->found.path, &raw, t_ns);

  if (!bs_sysfs_health_update (&self->parent, &c->health, c->channel, c->found.path, err, *t_ns))
    return FALSE;
  c->value = raw * c->found.scale;
  return TRUE;
}

/* V×I from this poll's readings; retires itself when a source has gone. */
static gboolean
derive_channel (BsProbeHwmon *self, Channel *c, int64_t t_ns)
{
  const Channel *v = &g_array_index (self->channels, Channel, c->found.v_source);
  const Channel *i = &g_array_index (self->channels, Channel, c->found.i_source);

  if (v->health.gone || i->health.gone)
    {
      c->health.gone = TRUE;
      bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_DEVICE_GONE, c->channel, t_ns,
                           "%s: channel %s (V×I) stops: its %s file vanished",
                           self->parent.label, c->found.name, v->health.gone ? "voltage" : "current");
      return FALSE;
    }
  if (isnan (v->value) || isnan (i->value))
    return FALSE;
  c->value = v->value * i->value;
  return TRUE;
}

static void
hwmon_poll (int64_t due_ns, gpointer data)
{
  BsProbeHwmon *self = data;
  g_autoptr (GArray) out = g_array_sized_new (FALSE, FALSE, sizeof (BsSample), self->channels->len);
  int64_t t_ns = due_ns;

  /* Sources first, so that V×I uses the readings of this poll. */
  for (int pass = 0; pass < 2; pass++)
    for (guint k = 0; k < self->channels->len; k++)
      {
        Channel *c = &g_array_index (self->channels, Channel, k);
        gboolean derived = c->found.path == NULL;
        BsSample s;

        if ((pass == 0) == derived || c->health.gone)
          continue;
        c->value = NAN;
        if (derived ? !derive_channel (self, c, t_ns) : !read_channel (self, c, &t_ns))
          continue;
        s = (BsSample) { t_ns, c->channel, c->found.quantity, bs_quantity_unit (c->found.quantity),
                         c->value };
        g_array_append_val (out, s);
      }
  if (out->len > 0)
    bs_probe_emit (&self->parent, (BsSample *) out->data, out->len);
  bs_sysfs_probe_check_all_gone (self, t_ns);
}

static gboolean
hwmon_start (BsProbe *probe, GError **error)
{
  BsProbeHwmon *self = (BsProbeHwmon *) probe;

  bs_sysfs_probe_start (self, "bs-hwmon", hwmon_poll);
  return TRUE;
}

static void
channel_clear (Channel *c)
{
  found_clear (&c->found);
}

/* ---- opening ---- */

static gboolean
no_channels_error (const char *root, GPtrArray *others, const char *filter, GError **error)
{
  g_autofree char *seen = NULL;

  g_ptr_array_add (others, NULL);
  seen = g_strjoinv (", ", (char **) others->pdata);
  g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE,
               "hwmon: no %spower or current sensor under %s (devices without any: %s)",
               filter != NULL ? "matching " : "", root, *seen ? seen : "none");
  return FALSE;
}

/* Reads each file once so that a permission problem is an error now, not a fault later.
 * A sensor that hangs is not an error here: the capture abandons it with a fault, which a
 * recording keeps as a marker, and records the rest. */
static gboolean
check_readable (GArray *found, GError **error)
{
  for (guint k = 0; k < found->len; k++)
    {
      const Found *f = &g_array_index (found, Found, k);
      int64_t raw;
      int err = f->path != NULL ? bs_sysfs_read_int64 (f->path, &raw) : 0;

      if (err == EACCES || err == EPERM)
        {
          g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_PERMISSION,
                       "hwmon: %s: %s", f->path, g_strerror (err));
          return FALSE;
        }
    }
  return TRUE;
}

/* Which channels to read: the selected ones and the sources of selected V×I channels.
 * Fills @remap (found index → kept index, or -1); FALSE if nothing is selected. */
static gboolean
select_channels (GArray *found, const char *filter, int *remap, GError **error)
{
  g_autoptr (GString) names = g_string_new (NULL);
  gboolean *keep = g_newa (gboolean, found->len);
  int kept = 0;

  for (guint k = 0; k < found->len; k++)
    keep[k] = channel_selected (filter, g_array_index (found, Found, k).name);
  for (guint k = 0; k < found->len; k++)
    {
      const Found *f = &g_array_index (found, Found, k);
      if (keep[k] && f->path == NULL)
        keep[f->v_source] = keep[f->i_source] = TRUE;
      g_string_append_printf (names, "%s%s", k ? ", " : "", f->name);
    }
  for (guint k = 0; k < found->len; k++)
    remap[k] = keep[k] ? kept++ : -1;
  if (kept == 0)
    g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC,
                 "hwmon: channels=%s matches none of %s", filter, names->str);
  return kept > 0;
}

static char *
make_label (GPtrArray *chips)
{
  GString *label = g_string_new ("hwmon ");

  for (guint i = 0; i < chips->len; i++)
    g_string_append_printf (label, "%s%s", i ? ", " : "", (const char *) chips->pdata[i]);
  return g_string_free (label, FALSE);
}

static BsProbeHwmon *
hwmon_new (const BsSpec *spec, GArray *found, const int *remap, const char *label,
           double rate)
{
  BsProbeHwmon *self = g_new0 (BsProbeHwmon, 1);

  bs_probe_init (&self->parent, &bs_probe_hwmon_class, spec, label, FALSE);
  /* Power monitors (INA226's power register and its kin) report magnitudes: a negative
   * powerN_input is a driver or bus error, not energy flowing back. */
  self->parent.power_unsigned = TRUE;
  bs_sysfs_probe_init (self, g_array_new (FALSE, TRUE, sizeof (Channel)),
                       G_STRUCT_OFFSET (Channel, health), rate,
                       "every sensor has vanished or hung");
  g_array_set_clear_func (self->channels, (GDestroyNotify) channel_clear);
  for (guint k = 0; k < found->len; k++)
    {
      Found *f = &g_array_index (found, Found, k);
      Channel c = { 0 };

      if (remap[k] < 0)
        continue;
      c.found = *f;
      *f = (Found) { 0 };
      if (c.found.path == NULL)
        {
          c.found.v_source = remap[c.found.v_source];
          c.found.i_source = remap[c.found.i_source];
        }
      c.channel = bs_probe_add_channel (&self->parent, c.found.name, c.found.quantity,
                                        c.found.path == NULL);
      c.value = NAN;
      g_array_append_val (self->channels, c);
    }
  return self;
}

static BsProbe *
hwmon_open (const BsSpec *spec, GError **error)
{
  const char *root = bs_sysfs_probe_root (spec, DEFAULT_ROOT);
  const char *device = bs_spec_get (spec, "device");
  g_autoptr (GPtrArray) chips = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) others = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) found = NULL;
  g_autofree char *label = NULL;
  g_autofree int *remap = NULL;
  const char *board = NULL;
  double rate;

  if (!bs_probe_spec_check (spec, known_keys, error)
      || !bs_probe_spec_get_rate (spec, "rate", 10.0, &rate, error)
      || !find_board (spec, root, &board, error))
    return NULL;
  found = scan_root (root, device, board, chips, others);
  if (found->len == 0)
    {
      no_channels_error (root, others, device, error);
      return NULL;
    }
  remap = g_new (int, found->len);
  if (!check_readable (found, error)
      || !select_channels (found, bs_spec_get (spec, "channels"), remap, error))
    return NULL;
  label = make_label (chips);
  return &hwmon_new (spec, found, remap, label, rate)->parent;
}

const BsProbeClass bs_probe_hwmon_class = {
  .name = "hwmon",
  .description = "Linux hwmon power, current and voltage sensors (INA226, INA3221, ...)",
  .list = hwmon_list,
  .open = hwmon_open,
  .start = hwmon_start,
  .stop = bs_sysfs_probe_stop,
  .close = bs_sysfs_probe_close,
};
