/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-xclbin.h: reading an xclbin before XRT does. XRT 2.13 loads a truncated
 * file without complaint and fails later, or not at all; checking the container,
 * finding the kernel and its arguments here turns every such case into a clear
 * error, and gives the kernel clock the device counters run at.
 */
#pragma once

#include <gio/gio.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  char *path;
  char **kernels;            /* kernel names in the metadata, NULL-terminated */
  uint32_t clock_khz;        /* KERNEL_CLK from the metadata; 0 if absent */
  gboolean has_bitstream;    /* FALSE for metadata-only files (XRT's noop device) */
} BsXclbinInfo;

/* Checks the container (magic, lengths, section table, the sections XRT needs), parses
 * its metadata and checks that `kernel` exists with the arguments of the bs_blend
 * contract (bs-kernel-abi.h). Errors: G_IO_ERROR_NOT_FOUND (no such file, no such
 * kernel), G_IO_ERROR_INVALID_DATA (not an xclbin, truncated, corrupt),
 * G_IO_ERROR_NOT_SUPPORTED (the kernel's arguments differ from the contract). */
BsXclbinInfo *bs_xclbin_inspect (const char *path, const char *kernel, GError **error);
void bs_xclbin_info_free (BsXclbinInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsXclbinInfo, bs_xclbin_info_free)

G_END_DECLS
