/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probes.c: the one table of probe implementations. Adding a probe = one file + one line. */
#include "bs-probe-private.h"

#include <string.h>

static const BsProbeClass *const classes[] = {
#ifdef BS_HAVE_LIBSIGROK
  &bs_probe_sigrok_class,
#endif
  &bs_probe_um24c_class,
  &bs_probe_um25c_class,
  &bs_probe_um34c_class,
  &bs_probe_tc66c_class,
  &bs_probe_ppk2_class,
  &bs_probe_hwmon_class,
  &bs_probe_rapl_class,
  &bs_probe_xmc_class,
  &bs_probe_synthetic_class,
};

const BsProbeClass *const *
bs_probe_classes (guint *n_classes)
{
  *n_classes = G_N_ELEMENTS (classes);
  return classes;
}

const BsProbeClass *
bs_probe_class_find (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (classes); i++)
    if (strcmp (classes[i]->name, name) == 0)
      return classes[i];
  return NULL;
}
