/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sigrok-context.c: the process-wide libsigrok context, its log, and the drivers in use. */
#include "bs-sigrok-context.h"

#include "bs-probe.h"

#include <string.h>

static GMutex sr_lock;
static struct sr_context *sr_ctx;
static guint sr_users;
static GHashTable *driver_users;        /* driver name → open probes using it */
static GMutex log_lock;
static char *last_error;                /* libsigrok's latest error message, under log_lock */

/* libsigrok's log goes to g_debug(): scans of absent devices log errors that are not ours
 * to show. Its latest error is kept to explain a failure in our own message. */
static int
log_to_glib (void *data, int level, const char *format, va_list args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  g_debug ("libsigrok: %s", message);
  if (level <= SR_LOG_ERR)
    {
      g_mutex_lock (&log_lock);
      g_free (last_error);
      last_error = g_steal_pointer (&message);
      g_mutex_unlock (&log_lock);
    }
  return SR_OK;
}

char *
bs_sigrok_take_last_error (void)
{
  char *text;

  g_mutex_lock (&log_lock);
  text = last_error != NULL ? g_strdup_printf (" (libsigrok: %s)", last_error) : g_strdup ("");
  g_clear_pointer (&last_error, g_free);
  g_mutex_unlock (&log_lock);
  return text;
}

struct sr_context *
bs_sigrok_acquire (GError **error)
{
  int ret;

  g_mutex_lock (&sr_lock);
  if (sr_users == 0)
    {
      ret = sr_init (&sr_ctx);
      if (ret != SR_OK)
        {
          g_mutex_unlock (&sr_lock);
          g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_FAILED, "sigrok: sr_init failed: %s",
                       sr_strerror (ret));
          return NULL;
        }
      driver_users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      sr_log_callback_set (log_to_glib, NULL);
    }
  sr_users++;
  g_mutex_unlock (&sr_lock);
  return sr_ctx;
}

void
bs_sigrok_release (void)
{
  g_mutex_lock (&sr_lock);
  g_assert (sr_users > 0);
  if (--sr_users == 0)
    {
      /* sr_exit() frees every device of every driver. */
      sr_exit (sr_ctx);
      sr_ctx = NULL;
      g_clear_pointer (&driver_users, g_hash_table_unref);
      sr_log_callback_set_default ();
      g_free (bs_sigrok_take_last_error ());
    }
  g_mutex_unlock (&sr_lock);
}

struct sr_context *
bs_sigrok_context (void)
{
  g_assert (sr_ctx != NULL);
  return sr_ctx;
}

void
bs_sigrok_lock (void)
{
  g_mutex_lock (&sr_lock);
}

void
bs_sigrok_unlock (void)
{
  g_mutex_unlock (&sr_lock);
}

struct sr_dev_driver *
bs_sigrok_driver_ready (const char *name)
{
  struct sr_dev_driver **drivers = sr_driver_list (sr_ctx);

  for (guint i = 0; drivers != NULL && drivers[i] != NULL; i++)
    if (strcmp (drivers[i]->name, name) == 0)
      {
        if (drivers[i]->context == NULL)
          sr_driver_init (sr_ctx, drivers[i]);
        return drivers[i];
      }
  return NULL;
}

struct sr_dev_driver *
bs_sigrok_driver_use (const char *name, GError **error)
{
  struct sr_dev_driver *driver;
  guint users;

  g_mutex_lock (&sr_lock);
  driver = bs_sigrok_driver_ready (name);
  if (driver != NULL)
    {
      users = GPOINTER_TO_UINT (g_hash_table_lookup (driver_users, name));
      g_hash_table_insert (driver_users, g_strdup (name), GUINT_TO_POINTER (users + 1));
    }
  g_mutex_unlock (&sr_lock);
  if (driver == NULL)
    g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_UNAVAILABLE,
                 "sigrok: libsigrok %s has no driver '%s' (`blendscope-cli probes` lists the "
                 "power-meter drivers it has)", sr_package_version_string_get (), name);
  return driver;
}

void
bs_sigrok_driver_unuse (struct sr_dev_driver *driver)
{
  guint users;

  g_mutex_lock (&sr_lock);
  users = GPOINTER_TO_UINT (g_hash_table_lookup (driver_users, driver->name));
  g_assert (users > 0);
  g_hash_table_insert (driver_users, g_strdup (driver->name), GUINT_TO_POINTER (users - 1));
  if (users == 1)
    sr_dev_clear (driver);
  g_mutex_unlock (&sr_lock);
}
