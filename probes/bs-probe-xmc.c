/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-xmc.c: Alveo board power from the XMC management controller's sysfs files
 * (created by the xocl driver), read by a polling thread.
 *
 * Spec: xmc[:root=/sys/bus/pci/devices][:bdf=0000:3b:00.1][:rate=10][:channels=board,...]
 *
 * For each PCI function with an xmc.* folder: "BDF/board" is the board's input power,
 * xmc_power (µW) when the firmware provides it, otherwise the sum of V×I over the input
 * rails (12 V PCIe, 12 V AUX, 3.3 V PCIe, 3.3 V AUX; files in mV and mA); each rail with
 * both files is also a power channel of its own ("BDF/12v_aux", and VCCINT, which is fed
 * from the input rails and so is not added), and xmc_fpga_temp is a temperature channel.
 * XRT itself polls these files at 50 Hz at most: the readings are that slow. */
#include "bs-sysfs-probe.h"

#include <errno.h>
#include <string.h>

#define DEFAULT_ROOT "/sys/bus/pci/devices"

typedef struct
{
  const char *name;
  const char *volt;
  const char *curr;
  gboolean input;               /* part of the board's input power */
} Rail;

/* XRT spells the 3.3 V AUX current file "_cur". */
static const Rail rails[] = {
  { "12v_pex", "xmc_12v_pex_vol", "xmc_12v_pex_curr", TRUE },
  { "12v_aux", "xmc_12v_aux_vol", "xmc_12v_aux_curr", TRUE },
  { "3v3_pex", "xmc_3v3_pex_vol", "xmc_3v3_pex_curr", TRUE },
  { "3v3_aux", "xmc_3v3_aux_vol", "xmc_3v3_aux_cur", TRUE },
  { "vccint", "xmc_vccint_vol", "xmc_vccint_curr", FALSE },
};

typedef enum
{
  KIND_BOARD_FILE,              /* xmc_power, µW */
  KIND_BOARD_SUM,               /* sum of the input rails' V×I */
  KIND_RAIL,
  KIND_TEMPERATURE,
} Kind;

typedef struct
{
  char *name;                   /* "0000:3b:00.1/board" */
  char *dir;                    /* the xmc.* folder */
  Kind kind;
  guint rail;                   /* KIND_RAIL */
  guint rail_mask;              /* KIND_BOARD_SUM: the rails summed */
  int channel;
  BsSysfsHealth health;
} Channel;

/* Nothing beyond what every polled sysfs probe has. */
typedef BsSysfsProbe BsProbeXmc;

static const char *const known_keys[] = { "root", "bdf", "rate", "channels", NULL };

static void
channel_clear (Channel *c)
{
  g_free (c->name);
  g_free (c->dir);
}

static gboolean
has_file (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* The xmc.* folder of a PCI function, or NULL. */
static char *
find_xmc_dir (const char *function_dir)
{
  g_autoptr (GPtrArray) entries = bs_sysfs_list_dir (function_dir);

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    if (g_str_has_prefix (entries->pdata[i], "xmc."))
      return g_build_filename (function_dir, entries->pdata[i], NULL);
  return NULL;
}

static void
add_channel (GArray *out, const char *bdf, const char *stem, const char *dir, Kind kind,
             guint rail, guint mask)
{
  Channel c = { 0 };

  c.name = g_strdup_printf ("%s/%s", bdf, stem);
  c.dir = g_strdup (dir);
  c.kind = kind;
  c.rail = rail;
  c.rail_mask = mask;
  g_array_append_val (out, c);
}

static void
scan_board (const char *bdf, const char *dir, GArray *out)
{
  guint mask = 0;

  for (guint r = 0; r < G_N_ELEMENTS (rails); r++)
    if (has_file (dir, rails[r].volt) && has_file (dir, rails[r].curr))
      mask |= 1u << r;
  if (has_file (dir, "xmc_power"))
    add_channel (out, bdf, "board", dir, KIND_BOARD_FILE, 0, 0);
  else if (mask & 0xf)
    add_channel (out, bdf, "board", dir, KIND_BOARD_SUM, 0, mask & 0xf);
  for (guint r = 0; r < G_N_ELEMENTS (rails); r++)
    if (mask & (1u << r))
      add_channel (out, bdf, rails[r].name, dir, KIND_RAIL, r, 0);
  if (has_file (dir, "xmc_fpga_temp"))
    add_channel (out, bdf, "fpga_temp", dir, KIND_TEMPERATURE, 0, 0);
}

static GArray *
scan_root (const char *root, const char *bdf_filter)
{
  g_autoptr (GPtrArray) entries = bs_sysfs_list_dir (root);
  GArray *found = g_array_new (FALSE, TRUE, sizeof (Channel));

  g_array_set_clear_func (found, (GDestroyNotify) channel_clear);
  for (guint e = 0; entries != NULL && e < entries->len; e++)
    {
      const char *bdf = entries->pdata[e];
      g_autofree char *function_dir = g_build_filename (root, bdf, NULL);
      g_autofree char *dir = NULL;

      if (bdf_filter != NULL && strcmp (bdf_filter, bdf) != 0)
        continue;
      dir = find_xmc_dir (function_dir);
      if (dir != NULL)
        scan_board (bdf, dir, found);
    }
  return found;
}

static BsQuantity
channel_quantity (const Channel *c)
{
  return c->kind == KIND_TEMPERATURE ? BS_QUANTITY_TEMPERATURE : BS_QUANTITY_POWER;
}

/* ---- listing ---- */

static void
xmc_list (const BsSpec *spec, GPtrArray *devices)
{
  const char *root = bs_sysfs_probe_root (spec, DEFAULT_ROOT);
  g_autoptr (GArray) found = scan_root (root, spec != NULL ? bs_spec_get (spec, "bdf") : NULL);
  guint first = 0;

  if (found->len == 0)
    {
      g_autofree char *why = g_strdup_printf ("no XMC sysfs files under %s (needs the xocl driver)",
                                              root);
      g_ptr_array_add (devices, bs_probe_device_new ("xmc", NULL, "Alveo XMC", why, FALSE, FALSE));
      return;
    }
  while (first < found->len)
    {
      const char *name = g_array_index (found, Channel, first).name;
      g_autofree char *bdf = g_strndup (name, strrchr (name, '/') - name);
      g_autoptr (GString) detail = g_string_new (NULL);
      g_autoptr (BsSpec) board = bs_probe_spec_parse ("xmc", NULL);
      g_autofree char *spec_text = NULL;
      g_autofree char *label = g_strdup_printf ("Alveo board %s", bdf);

      for (; first < found->len && g_str_has_prefix (g_array_index (found, Channel, first).name, bdf);
           first++)
        {
          const Channel *c = &g_array_index (found, Channel, first);
          g_string_append_printf (detail, "%s%s %s", detail->len ? ", " : "",
                                  strrchr (c->name, '/') + 1,
                                  bs_unit_to_string (bs_quantity_unit (channel_quantity (c))));
        }
      if (strcmp (root, DEFAULT_ROOT) != 0)
        bs_spec_set (board, "root", root);
      bs_spec_set (board, "bdf", bdf);
      spec_text = bs_spec_to_string (board);
      g_ptr_array_add (devices, bs_probe_device_new ("xmc", spec_text, label, detail->str, TRUE,
                                                     FALSE));
      ((BsProbeDevice *) devices->pdata[devices->len - 1])->attached = TRUE;
    }
}

/* ---- capture ---- */

/* Reads @file in the channel's folder, scaled; FALSE (and a fault if need be) on failure. */
static gboolean
read_file (BsProbeXmc *self, Channel *c, const char *file, double scale, double *value)
{
  g_autofree char *path = g_build_filename (c->dir, file, NULL);
  int64_t raw = 0;
  int err = bs_sysfs_read_int64 (path, &raw);

  if (!bs_sysfs_health_update (&self->parent, &c->health, c->channel, path, err, bs_clock_now_ns ()))
    return FALSE;
  *value = raw * scale;
  return TRUE;
}

static gboolean
read_rail (BsProbeXmc *self, Channel *c, guint r, double *watts)
{
  double v, i;

  if (!read_file (self, c, rails[r].volt, 1e-3, &v) || !read_file (self, c, rails[r].curr, 1e-3, &i))
    return FALSE;
  *watts = v * i;
  return TRUE;
}

static gboolean
read_channel (BsProbeXmc *self, Channel *c, double *value)
{
  switch (c->kind)
    {
    case KIND_BOARD_FILE:
      return read_file (self, c, "xmc_power", 1e-6, value);
    case KIND_BOARD_SUM:
      *value = 0;
      for (guint r = 0; r < G_N_ELEMENTS (rails); r++)
        {
          double w;
          if ((c->rail_mask & (1u << r)) && !read_rail (self, c, r, &w))
            return FALSE;
          if (c->rail_mask & (1u << r))
            *value += w;
        }
      return TRUE;
    case KIND_RAIL:
      return read_rail (self, c, c->rail, value);
    case KIND_TEMPERATURE:
      return read_file (self, c, "xmc_fpga_temp", 1.0, value);
    }
  g_assert_not_reached ();
}

static void
xmc_poll (int64_t due_ns, gpointer data)
{
  BsProbeXmc *self = data;
  BsSample *out = g_newa (BsSample, self->channels->len);
  guint n = 0;

  for (guint k = 0; k < self->channels->len; k++)
    {
      Channel *c = &g_array_index (self->channels, Channel, k);
      double value;

      if (c->health.gone || !read_channel (self, c, &value))
        continue;
      out[n++] = (BsSample) { bs_clock_now_ns (), c->channel, channel_quantity (c),
                              bs_quantity_unit (channel_quantity (c)), value };
    }
  if (n > 0)
    bs_probe_emit (&self->parent, out, n);
  bs_sysfs_probe_check_all_gone (self, due_ns);
}

static gboolean
xmc_start (BsProbe *probe, GError **error)
{
  BsProbeXmc *self = (BsProbeXmc *) probe;

  bs_sysfs_probe_start (self, "bs-xmc", xmc_poll);
  return TRUE;
}

/* ---- opening ---- */

/* "0000:3b:00.1/board" answers to itself and to "board". */
static gboolean
channel_answers_to (const char *filter, const Channel *c)
{
  return bs_sysfs_probe_selected (filter, c->name, strrchr (c->name, '/') + 1, NULL);
}

static BsProbe *
xmc_open (const BsSpec *spec, GError **error)
{
  const char *root = bs_sysfs_probe_root (spec, DEFAULT_ROOT);
  const char *bdf = bs_spec_get (spec, "bdf");
  const char *filter = bs_spec_get (spec, "channels");
  g_autoptr (GArray) found = NULL;
  g_autofree char *label = NULL;
  BsProbeXmc *self;
  double rate;

  if (!bs_probe_spec_check (spec, known_keys, error)
      || !bs_probe_spec_get_rate (spec, "rate", 10.0, &rate, error))
    return NULL;
  found = scan_root (root, bdf);
  for (guint k = found->len; k-- > 0;)
    if (!channel_answers_to (filter, &g_array_index (found, Channel, k)))
      g_array_remove_index (found, k);
  if (found->len == 0)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE,
                   "xmc: no %sAlveo XMC sensors under %s%s%s (they need the xocl driver)",
                   filter != NULL ? "matching " : "", root, bdf != NULL ? " for bdf=" : "",
                   bdf != NULL ? bdf : "");
      return NULL;
    }

  self = g_new0 (BsProbeXmc, 1);
  label = g_strdup_printf ("Alveo board %.*s", (int) (strrchr (g_array_index (found, Channel, 0).name, '/')
                                                      - g_array_index (found, Channel, 0).name),
                           g_array_index (found, Channel, 0).name);
  bs_probe_init (&self->parent, &bs_probe_xmc_class, spec, label, FALSE);
  /* The board's power monitor (xmc_power) reports a magnitude, as hwmon's do. */
  self->parent.power_unsigned = TRUE;
  bs_sysfs_probe_init (self, g_array_new (FALSE, TRUE, sizeof (Channel)),
                       G_STRUCT_OFFSET (Channel, health), rate,
                       "every XMC file has vanished (board removed or driver unloaded)");
  g_array_set_clear_func (self->channels, (GDestroyNotify) channel_clear);
  for (guint k = 0; k < found->len; k++)
    {
      Channel c = g_array_index (found, Channel, k);

      g_array_index (found, Channel, k) = (Channel) { 0 };
      c.channel = bs_probe_add_channel (&self->parent, c.name, channel_quantity (&c),
                                        c.kind != KIND_BOARD_FILE && c.kind != KIND_TEMPERATURE);
      g_array_append_val (self->channels, c);
    }
  return &self->parent;
}

const BsProbeClass bs_probe_xmc_class = {
  .name = "xmc",
  .description = "Alveo board power from the XMC sysfs files (xocl driver)",
  .list = xmc_list,
  .open = xmc_open,
  .start = xmc_start,
  .stop = bs_sysfs_probe_stop,
  .close = bs_sysfs_probe_close,
};
