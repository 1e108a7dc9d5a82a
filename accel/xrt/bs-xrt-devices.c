/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-devices.c: the XRT devices this process can open (bs-xrt-backend.h). XRT's
 * C API names no device properties, so each is listed by index; the noop device
 * opens at any index and is listed once. */
#include "bs-xrt-backend.h"
#include "bs-xrt-api.h"
#include "bs-xrt-env.h"

#define MAX_DEVICES 64

GPtrArray *
bs_xrt_list_devices (char **reason)
{
  const BsXrtApi *api = bs_xrt_api_get (reason);
  g_autoptr (GPtrArray) devices = g_ptr_array_new_with_free_func (g_free);
  goffset mark = bs_xrt_env_log_mark ();

  if (api == NULL)
    return NULL;
  for (unsigned int i = 0; i < MAX_DEVICES; i++)
    {
      xrtDeviceHandle device = api->device_open (i);

      if (device == NULL)
        break;
      api->device_close (device);
      if (bs_xrt_env_is_noop ())
        {
          g_ptr_array_add (devices, g_strdup ("0: XRT's no-op device (XCL_EMULATION_MODE=noop): "
                                              "buffers and launches work, nothing executes"));
          break;
        }
      g_ptr_array_add (devices, g_strdup_printf ("%u: XRT device (use device=%u or its PCI address)", i, i));
    }
  if (devices->len == 0)
    {
      g_autofree char *logged = bs_xrt_env_log_errors_since (mark);

      *reason = g_strdup_printf ("XRT found no device (%s). Debian's XRT has no PCIe driver: an Alveo "
                                 "card needs AMD's xocl driver and XRT packages; for tests, "
                                 "XCL_EMULATION_MODE=noop gives XRT's mock device",
                                 logged ? logged : "device 0 does not open");
      return NULL;
    }
  return g_steal_pointer (&devices);
}
