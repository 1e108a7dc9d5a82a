/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-events.h: what a run produces: layer events from backends and samples from probes. */
#pragma once

#include "bs-clock.h"

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* One execution of one plan op (a layer, or layers fused into one op) in one inference. */
typedef struct
{
  int32_t inference;
  int32_t op;
  int64_t t_start_ns;
  int64_t t_end_ns;
  BsClockSource clock;
} BsLayerEvent;

typedef enum
{
  BS_QUANTITY_POWER,
  BS_QUANTITY_VOLTAGE,
  BS_QUANTITY_CURRENT,
  BS_QUANTITY_ENERGY,
  BS_QUANTITY_TEMPERATURE,
  BS_N_QUANTITIES
} BsQuantity;

typedef enum
{
  BS_UNIT_WATT,
  BS_UNIT_VOLT,
  BS_UNIT_AMPERE,
  BS_UNIT_JOULE,
  BS_UNIT_CELSIUS,
  BS_N_UNITS
} BsUnit;

/* One probe reading, stamped on the host clock (after alignment, see probes/). */
typedef struct
{
  int64_t t_ns;
  int32_t channel;      /* index into the probe's channel list */
  BsQuantity quantity;
  BsUnit unit;
  double value;
} BsSample;

const char *bs_quantity_to_string (BsQuantity quantity);
const char *bs_unit_to_string (BsUnit unit);   /* "W", "V", "A", "J", "°C" */
BsUnit bs_quantity_unit (BsQuantity quantity);

G_END_DECLS
