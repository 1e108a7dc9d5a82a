/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-rail-map.c: the per-board rail tables. Each entry says where it comes from; what
 * could not be found is left out rather than guessed (docs/probes.md lists the gaps). */
#include "bs-rail-map.h"

#include <string.h>

typedef struct
{
  const char *board;
  const char *compatible;    /* a device-tree compatible string, or its prefix */
} Board;

static const Board boards[] = {
  { "zcu102", "xlnx,zynqmp-zcu102" },
  { "kv260", "xlnx,zynqmp-sk-kv260" },
  { "kr260", "xlnx,zynqmp-sk-kr260" },
};

/* ZCU102: the 18 INA226 of the mainline device tree (arch/arm64/boot/dts/xilinx/
 * zynqmp-zcu102-revA.dts, labels "ina226-uNN" since Linux 5.6), ten on the PS PMBus
 * branch, eight on the PL one. The net each measures follows the ZCU102 user guide's
 * power-monitor table (UG1182) as public power-measurement write-ups repeat it, in the
 * device tree's order; not checked on a board. VCC1V2 feeds the PL-side DDR4 SODIMM, so
 * it is "other", not the PS's DDR.
 *
 * KV260 and KR260: one INA260 on the carrier (zynqmp-sck-kv-g-revB.dtso,
 * zynqmp-sck-kr-g-revA.dtso, label "ina260-u14"), on VCC_SOM, the K26 module's single
 * +5 V input (UG1089): the whole module, not split by rail. */
static const BsRail rails[] = {
  { "zcu102", "u76", "VCCPSINTFP", BS_RAIL_PS },
  { "zcu102", "u77", "VCCPSINTLP", BS_RAIL_PS },
  { "zcu102", "u78", "VCCPSAUX", BS_RAIL_PS },
  { "zcu102", "u87", "VCCPSPLL", BS_RAIL_PS },
  { "zcu102", "u85", "MGTRAVCC", BS_RAIL_PS },
  { "zcu102", "u86", "MGTRAVTT", BS_RAIL_PS },
  { "zcu102", "u93", "VCCO_PSDDR_504", BS_RAIL_DDR },
  { "zcu102", "u88", "VCCOPS", BS_RAIL_PS },
  { "zcu102", "u15", "VCCOPS3", BS_RAIL_PS },
  { "zcu102", "u92", "VCCPSDDRPLL", BS_RAIL_DDR },
  { "zcu102", "u79", "VCCINT", BS_RAIL_PL },
  { "zcu102", "u81", "VCCBRAM", BS_RAIL_PL },
  { "zcu102", "u80", "VCCAUX", BS_RAIL_PL },
  { "zcu102", "u84", "VCC1V2", BS_RAIL_OTHER },
  { "zcu102", "u16", "VCC3V3", BS_RAIL_OTHER },
  { "zcu102", "u65", "VADJ_FMC", BS_RAIL_OTHER },
  { "zcu102", "u74", "MGTAVCC", BS_RAIL_PL },
  { "zcu102", "u75", "MGTAVTT", BS_RAIL_PL },
  { "kv260", "u14", "VCC_SOM", BS_RAIL_INPUT },
  { "kr260", "u14", "VCC_SOM", BS_RAIL_INPUT },
};

static const char *const group_names[BS_RAIL_N_GROUPS] = { "PL", "PS", "DDR", "other", "input" };

const char *
bs_rail_group_name (BsRailGroup group)
{
  g_assert (group < BS_RAIL_N_GROUPS);
  return group_names[group];
}

gboolean
bs_rail_group_parse (const char *text, gsize length, BsRailGroup *group)
{
  for (guint g = 0; g < BS_RAIL_N_GROUPS; g++)
    if (strlen (group_names[g]) == length && strncmp (text, group_names[g], length) == 0)
      {
        *group = (BsRailGroup) g;
        return TRUE;
      }
  return FALSE;
}

const char *
bs_rail_map_board (const char *compatible, gsize length)
{
  /* Strings one after the other, each NUL-terminated (the last one too). */
  for (gsize at = 0; at < length; at += strnlen (compatible + at, length - at) + 1)
    {
      g_autofree char *one = g_strndup (compatible + at, length - at);
      for (guint b = 0; b < G_N_ELEMENTS (boards); b++)
        if (g_str_has_prefix (one, boards[b].compatible))
          return boards[b].board;
    }
  return NULL;
}

gboolean
bs_rail_map_has_board (const char *board)
{
  for (guint b = 0; b < G_N_ELEMENTS (boards); b++)
    if (strcmp (boards[b].board, board) == 0)
      return TRUE;
  return FALSE;
}

const BsRail *
bs_rail_map_find (const char *board, const char *sensor)
{
  /* "ina226-u79" (a label) and "ina226_u79" (an iio-hwmon name) end in the designator. */
  const char *cut = strrchr (sensor, '-');
  const char *designator;

  if (cut == NULL || (strrchr (sensor, '_') != NULL && strrchr (sensor, '_') > cut))
    cut = strrchr (sensor, '_');
  if (board == NULL || cut == NULL)
    return NULL;
  designator = cut + 1;
  for (guint r = 0; r < G_N_ELEMENTS (rails); r++)
    if (strcmp (rails[r].board, board) == 0 && g_ascii_strcasecmp (rails[r].sensor, designator) == 0)
      return &rails[r];
  return NULL;
}

gboolean
bs_rail_group_of_channel (const char *name, BsRailGroup *group)
{
  const char *slash = strchr (name, '/');

  return slash != NULL && bs_rail_group_parse (name, (gsize) (slash - name), group);
}
