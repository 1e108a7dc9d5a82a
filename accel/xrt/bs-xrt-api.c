/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-api.c: loading XRT's C API (bs-xrt-api.h). The library stays resident: its
 * static state outlives every handle. */
#include "bs-xrt-api.h"
#include "bs-xrt-env.h"

#include <dlfcn.h>
#include <gmodule.h>

static gboolean
resolve (GModule *module, const char *name, gpointer *symbol, char **reason)
{
  if (g_module_symbol (module, name, symbol) && *symbol != NULL)
    return TRUE;
  *reason = g_strdup_printf ("%s lacks %s (XRT 2.13 or later is needed)", BS_XRT_LIBRARY, name);
  return FALSE;
}

#define RESOLVE(field, name) resolve (module, name, (gpointer *) &api->field, reason)

static gboolean
resolve_all (GModule *module, BsXrtApi *api, char **reason)
{
  return RESOLVE (device_open, "xrtDeviceOpen")
         && RESOLVE (device_open_by_bdf, "xrtDeviceOpenByBDF")
         && RESOLVE (device_close, "xrtDeviceClose")
         && RESOLVE (device_load_xclbin_file, "xrtDeviceLoadXclbinFile")
         && RESOLVE (device_get_xclbin_uuid, "xrtDeviceGetXclbinUUID")
         && RESOLVE (pl_kernel_open, "xrtPLKernelOpen")
         && RESOLVE (kernel_close, "xrtKernelClose")
         && RESOLVE (kernel_arg_group_id, "xrtKernelArgGroupId")
         && RESOLVE (run_open, "xrtRunOpen")
         && RESOLVE (run_set_arg, "xrtRunSetArg")
         && RESOLVE (run_start, "xrtRunStart")
         && RESOLVE (run_state, "xrtRunState")
         && RESOLVE (run_close, "xrtRunClose")
         && RESOLVE (bo_alloc, "xrtBOAlloc")
         && RESOLVE (bo_free, "xrtBOFree")
         && RESOLVE (bo_map, "xrtBOMap")
         && RESOLVE (bo_sync, "xrtBOSync")
         && RESOLVE (bo_write, "xrtBOWrite")
         && RESOLVE (ini_string_set, "xrtIniStringSet")
         && RESOLVE (ini_uint_set, "xrtIniUintSet")
         && RESOLVE (ur_start, "xrtURStart")
         && RESOLVE (ur_end, "xrtUREnd");
}

/* The folder the library was loaded from: Debian keeps XRT's shims beside it. */
static char *
library_dir (gpointer symbol)
{
  Dl_info info;

  if (dladdr (symbol, &info) == 0 || info.dli_fname == NULL)
    return NULL;
  return g_path_get_dirname (info.dli_fname);
}

static BsXrtApi *
load (char **reason)
{
  g_autofree BsXrtApi *api = g_new0 (BsXrtApi, 1);
  g_autofree char *dir = NULL;
  GModule *module;

  if (!g_module_supported ())
    {
      *reason = g_strdup ("this platform cannot load libraries at run time");
      return NULL;
    }
  module = g_module_open (BS_XRT_LIBRARY, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      *reason = g_strdup_printf ("XRT is not installed (%s; on Debian: apt-get install libxrt1)",
                                 g_module_error ());
      return NULL;
    }
  if (!resolve_all (module, api, reason))
    {
      g_module_close (module);
      return NULL;
    }
  g_module_make_resident (module);
  dir = library_dir ((gpointer) api->device_open);
  if (dir == NULL)
    {
      *reason = g_strdup_printf ("cannot tell where %s was loaded from", BS_XRT_LIBRARY);
      return NULL;
    }
  if (!bs_xrt_env_prepare (dir, reason))
    return NULL;
  /* XRT's messages go to a file we can quote from, not to the terminal. */
  if (api->ini_string_set ("Runtime.runtime_log", bs_xrt_env_log_path ()) != 0)
    g_debug ("XRT refused Runtime.runtime_log; its messages go to stderr");
  return g_steal_pointer (&api);
}

const BsXrtApi *
bs_xrt_api_get (char **reason)
{
  static gsize done = 0;
  static BsXrtApi *api;
  static char *first_reason;

  if (g_once_init_enter (&done))
    {
      api = load (&first_reason);
      g_once_init_leave (&done, 1);
    }
  if (api == NULL && reason != NULL)
    *reason = g_strdup (first_reason);
  return api;
}
