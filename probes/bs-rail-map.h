/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-rail-map.h: which power rail a board's hwmon sensor measures, and what the rail feeds
 * (the PL, the PS, DDR memory, something else, or the whole board's input), so that power
 * can be split by rail group.
 *
 * Boards are recognised by their device-tree compatible strings
 * (/sys/firmware/devicetree/base/compatible); sensors by the hwmon device's `label` file
 * (the device-tree label, e.g. "ina226-u79") or its `name` ("ina226_u79" when an iio-hwmon
 * node names it). Where each board's entries come from is in bs-rail-map.c and
 * docs/probes.md; none has been checked on a physical board.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  BS_RAIL_PL,        /* the programmable logic: VCCINT, VCCBRAM, VCCAUX, the PL's transceivers */
  BS_RAIL_PS,        /* the processing system: its cores, PLLs, I/O and transceivers */
  BS_RAIL_DDR,       /* the PS's DDR memory and its PLL */
  BS_RAIL_OTHER,     /* board supplies that are none of these (3.3 V, FMC, PL-side DDR4) */
  BS_RAIL_INPUT,     /* the board's (or module's) input: the sum of the rest, never added */
  BS_RAIL_N_GROUPS
} BsRailGroup;

typedef struct
{
  const char *board;         /* "zcu102" */
  const char *sensor;        /* the reference designator: "u79" */
  const char *rail;          /* the schematic's net: "VCCINT" */
  BsRailGroup group;
} BsRail;

/* "PL", "PS", "DDR", "other", "input". */
const char *bs_rail_group_name (BsRailGroup group);
/* The inverse, for channel names; FALSE when @text is no group's name. */
gboolean bs_rail_group_parse (const char *text, gsize length, BsRailGroup *group);

/* The board a device-tree compatible list names (NUL-separated strings, @length bytes),
 * or NULL when the map has none of them. */
const char *bs_rail_map_board (const char *compatible, gsize length);
/* Whether @board is in the map (for board= options). */
gboolean bs_rail_map_has_board (const char *board);
/* The rail of the sensor called @sensor ("ina226-u79", "ina226_u79") on @board, or NULL. */
const BsRail *bs_rail_map_find (const char *board, const char *sensor);

/* The group a channel name carries: "PL/VCCINT/power1" → BS_RAIL_PL; FALSE when it
 * carries none. */
gboolean bs_rail_group_of_channel (const char *name, BsRailGroup *group);

G_END_DECLS
