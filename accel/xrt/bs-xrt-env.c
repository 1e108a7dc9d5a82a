/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-env.c: XILINX_XRT, XCL_EMULATION_MODE and XRT's log (bs-xrt-env.h).
 *
 * The private folder is <runtime dir>/blendscope-xrt: lib/ holds symbolic links to
 * the shims, and xrt-<pid>.log the runtime log of each process using XRT (logs of
 * processes that no longer exist are removed on the way).
 */
#include "bs-xrt-env.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static const char *const shims[] = {
  "libxrt_core.so.2", "libxrt_noop.so.2", "libxrt_swemu.so.2", "libxrt_hwemu.so.2",
};

static char *log_path;
static gboolean noop;

/* The shim XRT will load for XCL_EMULATION_MODE, or NULL (with *reason) for a mode
 * it cannot run here. */
static const char *
needed_shim (const char *mode, char **reason)
{
  if (mode == NULL)
    return "libxrt_core.so.2";
  if (strcmp (mode, "noop") == 0)
    return "libxrt_noop.so.2";
  if (strcmp (mode, "sw_emu") == 0 || strcmp (mode, "hw_emu") == 0)
    {
      /* Debian lacks the simulation models these fork or load; without them XRT exits
       * the process or hangs. */
      if (g_getenv ("XILINX_VITIS") != NULL)
        return strcmp (mode, "sw_emu") == 0 ? "libxrt_swemu.so.2" : "libxrt_hwemu.so.2";
      *reason = g_strdup_printf ("XCL_EMULATION_MODE=%s needs AMD's Vitis emulation tools "
                                 "(XILINX_VITIS is not set); Debian's XRT offers noop only", mode);
      return NULL;
    }
  *reason = g_strdup_printf ("XCL_EMULATION_MODE=%s is not a mode XRT knows (noop, sw_emu, hw_emu)", mode);
  return NULL;
}

static gboolean
has_shim (const char *xilinx_xrt, const char *shim)
{
  g_autofree char *path = g_build_filename (xilinx_xrt, "lib", shim, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* dir/name -> target, replacing a stale link (several processes may race here). */
static gboolean
ensure_link (const char *dir, const char *name, const char *target, char **reason)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *current = g_file_read_link (path, NULL);

  if (current != NULL && strcmp (current, target) == 0)
    return TRUE;
  if (current != NULL)
    g_unlink (path);
  if (symlink (target, path) != 0 && errno != EEXIST)
    {
      *reason = g_strdup_printf ("cannot link %s to %s: %s", path, target, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static char *
private_folder (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "blendscope-xrt", NULL);
}

static gboolean
make_private_xilinx_xrt (const char *folder, const char *shim_dir, char **reason)
{
  g_autofree char *lib = g_build_filename (folder, "lib", NULL);

  if (g_mkdir_with_parents (lib, 0700) != 0)
    {
      *reason = g_strdup_printf ("cannot create %s: %s", lib, g_strerror (errno));
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (shims); i++)
    {
      g_autofree char *target = g_build_filename (shim_dir, shims[i], NULL);

      if (g_file_test (target, G_FILE_TEST_EXISTS) && !ensure_link (lib, shims[i], target, reason))
        return FALSE;
    }
  return TRUE;
}

/* Removes xrt-<pid>.log files of processes that have exited. */
static void
remove_stale_logs (const char *folder)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      char *end = NULL;
      long pid;

      if (!g_str_has_prefix (name, "xrt-") || !g_str_has_suffix (name, ".log"))
        continue;
      pid = strtol (name + 4, &end, 10);
      if (end == NULL || strcmp (end, ".log") != 0 || pid <= 0 || pid == (long) getpid ())
        continue;
      if (kill ((pid_t) pid, 0) != 0 && errno == ESRCH)
        {
          g_autofree char *path = g_build_filename (folder, name, NULL);
          g_unlink (path);
        }
    }
}

static gboolean
prepare_once (const char *shim_dir, char **reason)
{
  const char *mode = g_getenv ("XCL_EMULATION_MODE");
  const char *xilinx_xrt = g_getenv ("XILINX_XRT");
  g_autofree char *folder = private_folder ();
  const char *shim;

  if (mode != NULL && *mode == '\0')
    {
      g_unsetenv ("XCL_EMULATION_MODE");
      mode = NULL;
    }
  shim = needed_shim (mode, reason);
  if (shim == NULL)
    return FALSE;
  noop = mode != NULL && strcmp (mode, "noop") == 0;

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      *reason = g_strdup_printf ("cannot create %s: %s", folder, g_strerror (errno));
      return FALSE;
    }
  if (xilinx_xrt == NULL || !has_shim (xilinx_xrt, shim))
    {
      g_autofree char *in_shim_dir = g_build_filename (shim_dir, shim, NULL);

      if (!g_file_test (in_shim_dir, G_FILE_TEST_EXISTS))
        {
          *reason = g_strdup_printf ("XRT's shim %s is not installed in %s (Debian's libxrt1 ships it)",
                                     shim, shim_dir);
          return FALSE;
        }
      if (!make_private_xilinx_xrt (folder, shim_dir, reason))
        return FALSE;
      if (xilinx_xrt != NULL)
        g_debug ("XILINX_XRT=%s has no lib/%s; using %s", xilinx_xrt, shim, folder);
      g_setenv ("XILINX_XRT", folder, TRUE);
    }
  remove_stale_logs (folder);
  log_path = g_strdup_printf ("%s/xrt-%ld.log", folder, (long) getpid ());
  return TRUE;
}

gboolean
bs_xrt_env_prepare (const char *shim_dir, char **reason)
{
  static gsize done = 0;
  static gboolean ok;
  static char *first_reason;

  if (g_once_init_enter (&done))
    {
      ok = prepare_once (shim_dir, &first_reason);
      g_once_init_leave (&done, 1);
    }
  if (!ok && reason != NULL)
    *reason = g_strdup (first_reason);
  return ok;
}

gboolean
bs_xrt_env_is_noop (void)
{
  return noop;
}

/* Whether a sysfs driver folder has a device bound (its entries that are links). */
static gboolean
driver_has_device (const char *driver_dir)
{
  g_autoptr (GDir) dir = g_dir_open (driver_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (driver_dir, name, NULL);

      if (strchr (name, ':') != NULL && g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        return TRUE;
    }
  return FALSE;
}

gboolean
bs_xrt_env_has_device (char **reason)
{
  if (noop || driver_has_device ("/sys/bus/pci/drivers/xocl")
      || driver_has_device ("/sys/bus/platform/drivers/zocl"))
    return TRUE;
  *reason = g_strdup ("no XRT device: nothing is bound to AMD's xocl or zocl driver (Debian's XRT "
                      "has no PCIe driver: an Alveo card needs AMD's XRT packages; for tests, "
                      "XCL_EMULATION_MODE=noop gives XRT's mock device)");
  return FALSE;
}

const char *
bs_xrt_env_log_path (void)
{
  return log_path;
}

goffset
bs_xrt_env_log_mark (void)
{
  GStatBuf st;

  if (log_path == NULL || g_stat (log_path, &st) != 0)
    return 0;
  return st.st_size;
}

char *
bs_xrt_env_log_errors_since (goffset mark)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  g_auto (GStrv) lines = NULL;
  GString *errors = NULL;

  if (log_path == NULL || !g_file_get_contents (log_path, &text, &length, NULL)
      || (goffset) length <= mark)
    return NULL;
  lines = g_strsplit (text + mark, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      const char *at = strstr (lines[i], "ERROR: ");

      if (at == NULL)
        continue;
      if (errors == NULL)
        errors = g_string_new (NULL);
      else
        g_string_append (errors, "; ");
      g_string_append (errors, g_strstrip (lines[i] + (at - lines[i]) + strlen ("ERROR: ")));
    }
  return errors ? g_string_free (errors, FALSE) : NULL;
}
