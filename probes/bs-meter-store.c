/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-meter-store.c: per-meter calibration in a GKeyFile. */
#include "bs-meter-store.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>

char *
bs_meter_store_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "blendscope", "meters.ini", NULL);
}

gboolean
bs_meter_store_lookup (const char *meter_id, int64_t *latency_ns, char **origin)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *path = bs_meter_store_path ();
  g_autofree char *when = NULL;
  g_autoptr (GError) error = NULL;
  double ms;

  /* A missing or unreadable store just means "not calibrated". */
  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  ms = g_key_file_get_double (file, meter_id, "latency_ms", &error);
  if (error != NULL || !isfinite (ms))
    return FALSE;
  *latency_ns = (int64_t) llround (ms * 1e6);
  if (origin != NULL)
    {
      when = g_key_file_get_string (file, meter_id, "calibrated", NULL);
      *origin = g_strdup_printf ("calibrated %s (%s)", when != NULL ? when : "at an unknown date",
                                 path);
    }
  return TRUE;
}

gboolean
bs_meter_store_save (const char *meter_id, int64_t latency_ns, double correlation,
                     GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *path = bs_meter_store_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *when = g_date_time_format_iso8601 (now);

  g_key_file_load_from_file (file, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  g_key_file_set_double (file, meter_id, "latency_ms", latency_ns / 1e6);
  g_key_file_set_double (file, meter_id, "correlation", correlation);
  g_key_file_set_string (file, meter_id, "calibrated", when);
  return g_key_file_save_to_file (file, path, error);
}
