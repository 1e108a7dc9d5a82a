/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-resource-model.c: linear in the PE array's structure. A PE of L lanes is the
 * yosys count of bs_pe with one lane, plus L − 1 times what a second lane added (the
 * rtl suite measures both and checks the lanes add up); a MAC is bs_mac8's count.
 * On-chip buffers: the kernel has none (it reads DDR through its m_axi ports), so
 * the model has no BRAM or URAM to count. */
#include "bs-resource-model.h"
#include "kernel/rtl/bs-rtl-resources.h"

const char *
bs_xnor_unit_to_string (BsXnorUnit unit)
{
  return unit == BS_XNOR_DSP ? "dsp" : "lut";
}

BsResources
bs_resource_model (const BsKernelParams *params, BsXnorUnit unit)
{
  uint64_t p = params->pe, l = params->xnor_lanes, m = params->macs;
  BsResources r = { 0 };

  if (unit == BS_XNOR_DSP)
    {
      r.dsp = p * (BS_RTL_DSP_PE_DSP + l * BS_RTL_DSP_LANE_DSP);
      r.lut = p * (BS_RTL_DSP_PE_LUT + l * BS_RTL_DSP_LANE_LUT);
      r.ff = p * (BS_RTL_DSP_PE_FF + l * BS_RTL_DSP_LANE_FF);
    }
  else
    {
      r.dsp = p * (BS_RTL_LUT_PE_DSP + l * BS_RTL_LUT_LANE_DSP);
      r.lut = p * (BS_RTL_LUT_PE_LUT + l * BS_RTL_LUT_LANE_LUT);
      r.ff = p * (BS_RTL_LUT_PE_FF + l * BS_RTL_LUT_LANE_FF);
    }
  r.dsp += p * m * BS_RTL_MAC_DSP;
  r.lut += p * m * BS_RTL_MAC_LUT;
  r.ff += p * m * BS_RTL_MAC_FF;
  return r;
}

gboolean
bs_resources_fit (const BsResources *need, const BsResources *total)
{
  return need->dsp <= total->dsp && need->lut <= total->lut && need->ff <= total->ff
         && need->bram36 <= total->bram36 && need->uram <= total->uram;
}

static double
ratio (uint64_t need, uint64_t total)
{
  return total > 0 ? (double) need / (double) total : need > 0 ? G_MAXDOUBLE : 0;
}

double
bs_resources_max_utilisation (const BsResources *need, const BsResources *total)
{
  double u = ratio (need->dsp, total->dsp);

  u = MAX (u, ratio (need->lut, total->lut));
  u = MAX (u, ratio (need->ff, total->ff));
  u = MAX (u, ratio (need->bram36, total->bram36));
  return MAX (u, ratio (need->uram, total->uram));
}
