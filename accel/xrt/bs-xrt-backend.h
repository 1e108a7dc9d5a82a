/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-backend.h: the XRT backend: the bs_blend kernel on an FPGA through XRT's C
 * API (docs/accelerator.md). Options:
 *   device=N|BDF   device index (default 0) or PCI address, e.g. 0000:65:00.1
 *   xclbin=PATH    the FPGA binary holding the kernel (default: $BS_XRT_XCLBIN)
 *   kernel=NAME    the kernel's name in the xclbin (default bs_blend)
 *   launch=layer|inference
 *                  one launch per layer, timed by the host clock (the default), or
 *                  one per inference, timed by the kernel's per-layer counters
 *   timeout=MS     how long one launch may take (default 10000)
 *   clock=MHZ      the kernel clock the counters run at (default: the xclbin's
 *                  KERNEL_CLK, else what the kernel reports)
 *   trace=1        XRT's native trace (files in the working directory at exit)
 *   ranges=1       an XRT user range around each launch, named after its layer
 * Built without XRT (meson -Dxrt=disabled, or no libxrt-dev), the backend is listed
 * but never available.
 */
#pragma once

#include "bs-backend.h"
#include "kernel/bs-kernel-abi.h"

G_BEGIN_DECLS

extern const BsBackendClass bs_xrt_backend_class;

/* The XRT devices this process can open, as "INDEX: description" strings
 * (g_ptr_array_unref), or NULL with *reason (g_free it) saying why there are none. */
GPtrArray *bs_xrt_list_devices (char **reason);

/* The kernel clock device counters are converted with, in kHz (0: not known yet). */
uint32_t bs_xrt_backend_get_clock_khz (BsBackend *backend);

/* Tests: what one launch sent, by kernel argument index: for a buffer argument, the
 * host view (XRT's mapping) of the buffer object set there; for a scalar, its value.
 * Called after the launch started, before waiting for it: on XRT's noop device a
 * hook may play the kernel's part on that memory. */
typedef struct
{
  gboolean is_buffer;
  void *host;
  gsize size;
  uint32_t value;
} BsXrtArg;

typedef struct
{
  int index;                 /* launches since prepare, from 0 */
  BsXrtArg args[BS_KERNEL_N_ARGS];
} BsXrtLaunch;

typedef void (*BsXrtLaunchHook) (const BsXrtLaunch *launch, gpointer user_data);
void bs_xrt_backend_set_launch_hook (BsBackend *backend, BsXrtLaunchHook hook, gpointer user_data);

G_END_DECLS
