/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-api.h: XRT's C API, loaded at run time from libxrt_coreutil.so.2 (GModule),
 * so that blendscope runs where XRT is not installed. The pointer types come from
 * XRT's own headers, so every call is checked against the real prototypes.
 */
#pragma once

#include <glib.h>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>
#include <experimental/xrt_ini.h>

G_BEGIN_DECLS

#define BS_XRT_LIBRARY "libxrt_coreutil.so.2"

typedef struct
{
  __typeof__ (&xrtDeviceOpen) device_open;
  __typeof__ (&xrtDeviceOpenByBDF) device_open_by_bdf;
  __typeof__ (&xrtDeviceClose) device_close;
  __typeof__ (&xrtDeviceLoadXclbinFile) device_load_xclbin_file;
  __typeof__ (&xrtDeviceGetXclbinUUID) device_get_xclbin_uuid;
  __typeof__ (&xrtPLKernelOpen) pl_kernel_open;
  __typeof__ (&xrtKernelClose) kernel_close;
  __typeof__ (&xrtKernelArgGroupId) kernel_arg_group_id;
  __typeof__ (&xrtRunOpen) run_open;
  __typeof__ (&xrtRunSetArg) run_set_arg;
  __typeof__ (&xrtRunStart) run_start;
  __typeof__ (&xrtRunState) run_state;
  __typeof__ (&xrtRunClose) run_close;
  __typeof__ (&xrtBOAlloc) bo_alloc;
  __typeof__ (&xrtBOFree) bo_free;
  __typeof__ (&xrtBOMap) bo_map;
  __typeof__ (&xrtBOSync) bo_sync;
  __typeof__ (&xrtBOWrite) bo_write;
  __typeof__ (&xrtIniStringSet) ini_string_set;
  __typeof__ (&xrtIniUintSet) ini_uint_set;
  /* experimental/xrt_profile.h is C++ only (default arguments); these are exported
   * extern "C". */
  void (*ur_start) (unsigned int id, const char *label, const char *tooltip);
  void (*ur_end) (unsigned int id);
} BsXrtApi;

/* Loads the library and prepares the environment (bs-xrt-env.h), once. NULL with
 * *reason (g_free it) when XRT cannot be used here. */
const BsXrtApi *bs_xrt_api_get (char **reason);

G_END_DECLS
