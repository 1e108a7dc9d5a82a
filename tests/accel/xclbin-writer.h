/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xclbin-writer.h: metadata-only xclbins for XRT's noop device, written with the
 * structs of Debian's xclbin.h: memory topology, IP layout, connectivity and the
 * kernel metadata (XML), no bitstream. Enough for XRT to load, open the kernel,
 * allocate buffers in its banks and run it on the noop device; useless on hardware.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  const char *name;
  gboolean buffer;           /* global memory (a buffer object) or a scalar */
} XclbinArg;

typedef struct
{
  const char *kernel;        /* default bs_blend */
  uint32_t clock_mhz;        /* KERNEL_CLK; 0 leaves it out */
  const XclbinArg *args;     /* NULL: the bs_blend contract's */
  int n_args;
  int unconnected_arg;       /* a buffer argument left out of CONNECTIVITY; -1 for none */
  gboolean no_ip_layout;     /* leave the IP_LAYOUT section out */
} XclbinSpec;

/* The spec of the contract's kernel at clock_mhz. */
XclbinSpec xclbin_spec_default (uint32_t clock_mhz);

GBytes *xclbin_build (const XclbinSpec *spec);
gboolean xclbin_write (const char *path, const XclbinSpec *spec, GError **error);

G_END_DECLS
