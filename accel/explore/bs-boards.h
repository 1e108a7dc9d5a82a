/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-boards.h: FPGA boards explore can target, with their device's programmable-logic
 * totals from the vendors' data sheets (docs/accelerator.md, "Boards", cites each). */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  uint64_t dsp;          /* DSP48E2 slices */
  uint64_t lut;          /* CLB LUTs (LUT6) */
  uint64_t ff;           /* CLB flip-flops */
  uint64_t bram36;       /* 36 Kb block RAMs */
  uint64_t uram;         /* 288 Kb UltraRAMs */
} BsResources;

typedef struct
{
  const char *name;      /* what --board takes: "kv260" */
  const char *title;     /* "AMD Kria KV260 (K26 SOM, XCK26)" */
  const char *source;    /* the data sheet the totals come from */
  BsResources total;
} BsBoard;

/* Every board, in a fixed order. */
const BsBoard *bs_boards (gsize *n_boards);

/* By name, case-insensitive; NULL if unknown. */
const BsBoard *bs_board_find (const char *name);

/* "kv260, zcu104, ..." for messages. Free with g_free. */
char *bs_boards_list (void);

G_END_DECLS
