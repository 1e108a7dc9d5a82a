/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-events.c: names for the event and sample vocabulary. */
#include "bs-events.h"

static const char *const quantity_names[BS_N_QUANTITIES] = {
  "power", "voltage", "current", "energy", "temperature",
};
static const char *const unit_names[BS_N_UNITS] = { "W", "V", "A", "J", "°C" };
static const char *const clock_names[] = { "host", "device", "modelled" };

const char *
bs_quantity_to_string (BsQuantity quantity)
{
  g_return_val_if_fail ((int) quantity >= 0 && quantity < BS_N_QUANTITIES, "?");
  return quantity_names[quantity];
}

const char *
bs_unit_to_string (BsUnit unit)
{
  g_return_val_if_fail ((int) unit >= 0 && unit < BS_N_UNITS, "?");
  return unit_names[unit];
}

BsUnit
bs_quantity_unit (BsQuantity quantity)
{
  /* The enums are declared in matching order. */
  g_return_val_if_fail ((int) quantity >= 0 && quantity < BS_N_QUANTITIES, BS_UNIT_WATT);
  return (BsUnit) quantity;
}

const char *
bs_clock_source_to_string (BsClockSource source)
{
  g_return_val_if_fail ((int) source >= 0 && (int) source < (int) G_N_ELEMENTS (clock_names), "?");
  return clock_names[source];
}
