/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-resource-model.h: the datapath resources of a bs_blend configuration, from the
 * per-PE, per-lane and per-MAC counts yosys measured on the RTL processing element
 * (accel/kernel/rtl/bs-rtl-resources.h): ESTIMATES of yosys' UltraScale+ flow, and
 * of the PE array only (docs/accelerator.md, "Resource model", says what is left out). */
#pragma once

#include "bs-boards.h"
#include "kernel/bs-cycle-model.h"

G_BEGIN_DECLS

typedef enum
{
  BS_XNOR_DSP,           /* XNOR lanes on DSP48E2s in logic mode (NeuroBlend) */
  BS_XNOR_LUT,           /* XNOR lanes in fabric */
} BsXnorUnit;

const char *bs_xnor_unit_to_string (BsXnorUnit unit);

/* P PEs, each with L XNOR lanes (on `unit`) and M int8 MAC units. */
BsResources bs_resource_model (const BsKernelParams *params, BsXnorUnit unit);

/* Does `need` fit in `total`, every resource. */
gboolean bs_resources_fit (const BsResources *need, const BsResources *total);

/* The highest utilisation of any resource, 0..1+. */
double bs_resources_max_utilisation (const BsResources *need, const BsResources *total);

G_END_DECLS
