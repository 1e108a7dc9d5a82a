/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-boards.c: the board table. The figures are the whole device's, from the product
 * tables of the data sheets named in each entry; an Alveo shell (XDMA/QDMA, memory
 * controllers) takes a share of them that the data sheets do not state and that
 * explore does not subtract (docs/accelerator.md, "Boards"). */
#include "bs-boards.h"

static const BsBoard boards[] = {
  { "kv260", "AMD Kria KV260 (K26 SOM, XCK26)",
    "DS987 Kria K26 SOM Data Sheet", { 1248, 117120, 234240, 144, 64 } },
  { "zcu104", "AMD Zynq UltraScale+ ZCU104 (XCZU7EV)",
    "DS891 Zynq UltraScale+ MPSoC Product Selection Guide (XCZU7EV)", { 1728, 230400, 460800, 312, 96 } },
  { "ultra96v2", "Avnet Ultra96-V2 (XCZU3EG)",
    "DS891 Zynq UltraScale+ MPSoC Product Selection Guide (XCZU3EG)", { 360, 70560, 141120, 216, 0 } },
  { "u50", "AMD Alveo U50",
    "DS965 Alveo U50 Data Sheet", { 5952, 872000, 1743000, 1344, 640 } },
  { "u250", "AMD Alveo U250",
    "DS962 Alveo U200 and U250 Data Sheet", { 12288, 1728000, 3456000, 2688, 1280 } },
  { "u280", "AMD Alveo U280",
    "DS963 Alveo U280 Data Sheet", { 9024, 1304000, 2607000, 2016, 960 } },
};

const BsBoard *
bs_boards (gsize *n_boards)
{
  *n_boards = G_N_ELEMENTS (boards);
  return boards;
}

const BsBoard *
bs_board_find (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (boards); i++)
    if (g_ascii_strcasecmp (boards[i].name, name) == 0)
      return &boards[i];
  return NULL;
}

char *
bs_boards_list (void)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (boards); i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", boards[i].name);
  return g_string_free (s, FALSE);
}
