/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-csim-variants.c: the table of bs_blend builds (bs-csim-variants.h). */
#include "bs-csim-variants.h"
#include "bs-csim-variants-list.h"

/* Each variant's top function, renamed at build time (-Dbs_blend=...). */
#define BS_CSIM_VARIANT(pe, lanes, macs, fn) \
  void fn (const uint32_t *, const uint64_t *, uint64_t *, uint64_t *, uint32_t, uint32_t);
BS_CSIM_VARIANT_LIST
#undef BS_CSIM_VARIANT

#define BS_CSIM_VARIANT(pe, lanes, macs, fn) { { pe, lanes, macs }, fn },
static const BsCsimVariant variants[] = { BS_CSIM_VARIANT_LIST };
#undef BS_CSIM_VARIANT

const BsCsimVariant *
bs_csim_variants (gsize *n_variants)
{
  *n_variants = G_N_ELEMENTS (variants);
  return variants;
}

const BsCsimVariant *
bs_csim_variant_find (const BsKernelParams *params)
{
  for (gsize i = 0; i < G_N_ELEMENTS (variants); i++)
    if (variants[i].params.pe == params->pe && variants[i].params.xnor_lanes == params->xnor_lanes
        && variants[i].params.macs == params->macs)
      return &variants[i];
  return NULL;
}

char *
bs_csim_variants_describe (void)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (variants); i++)
    g_string_append_printf (s, "%spe=%u,lanes=%u,macs=%u", i > 0 ? " " : "", variants[i].params.pe,
                            variants[i].params.xnor_lanes, variants[i].params.macs);
  return g_string_free (s, FALSE);
}
