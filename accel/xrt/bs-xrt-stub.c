/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-stub.c: the XRT backend of a build without XRT (meson -Dxrt=disabled, or no
 * libxrt-dev at build time): listed, never available, and saying why. */
#include "bs-xrt-backend.h"

#define NOT_BUILT "this blendscope was built without XRT support (rebuild with libxrt-dev " \
                  "installed, meson -Dxrt=enabled)"

static gboolean
stub_available (char **reason)
{
  if (reason != NULL)
    *reason = g_strdup (NOT_BUILT);
  return FALSE;
}

static BsBackend *
stub_open (GHashTable *options, GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "xrt: " NOT_BUILT);
  return NULL;
}

const BsBackendClass bs_xrt_backend_class = {
  .name = "xrt",
  .description = "An FPGA through XRT (not built in)",
  .available = stub_available,
  .open = stub_open,
};

GPtrArray *
bs_xrt_list_devices (char **reason)
{
  stub_available (reason);
  return NULL;
}

uint32_t
bs_xrt_backend_get_clock_khz (BsBackend *backend)
{
  return 0;
}

void
bs_xrt_backend_set_launch_hook (BsBackend *backend, BsXrtLaunchHook hook, gpointer user_data)
{
}
