/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-common.c: helpers shared by the subcommands. */
#include "bs-cli.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int
bs_cli_fail (const GError *error)
{
  fprintf (stderr, "blendscope-cli: %s\n", error->message);
  return 1;
}

gboolean
bs_cli_parse (GOptionContext *context, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      fprintf (stderr, "blendscope-cli: %s\n\n%s", error->message, help);
      return FALSE;
    }
  return TRUE;
}

char *
bs_cli_format_shape (int c, int h, int w)
{
  return g_strdup_printf ("%dx%dx%d", c, h, w);
}

char *
bs_cli_format_count (uint64_t n)
{
  if (n >= 10000000000ull)
    return g_strdup_printf ("%.2f G", n / 1e9);
  if (n >= 10000000ull)
    return g_strdup_printf ("%.2f M", n / 1e6);
  if (n >= 10000ull)
    return g_strdup_printf ("%.1f k", n / 1e3);
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

char *
bs_cli_batch_spec (const char *spec, int batch, GError **error)
{
  g_autofree char *name = g_strndup (spec, strcspn (spec, ":"));

  if (batch == 1)
    return g_strdup (spec);
  if (g_strcmp0 (name, "cpu") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "--batch %d: only the cpu backend runs several images at once, not '%s'",
                   batch, spec);
      return NULL;
    }
  if (strstr (spec, "threads=") != NULL || strstr (spec, "split=") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--batch %d sets the cpu backend's threads and split itself: drop them from '%s'",
                   batch, spec);
      return NULL;
    }
  return g_strdup_printf ("%s%cthreads=%d,split=images", spec, strchr (spec, ':') ? ',' : ':', batch);
}

typedef struct
{
  int *stop_signal;
  int signum;
} StopWatch;

static gboolean
on_stop_signal (gpointer user_data)
{
  StopWatch *watch = user_data;

  if (*watch->stop_signal == 0)
    *watch->stop_signal = watch->signum;
  return G_SOURCE_CONTINUE;
}

GMainContext *
bs_cli_watch_stop_signals (int *stop_signal)
{
  static const int signums[] = { SIGINT, SIGTERM };
  GMainContext *context = g_main_context_new ();

  for (guint i = 0; i < G_N_ELEMENTS (signums); i++)
    {
      struct sigaction old;
      GSource *source;
      StopWatch *watch;

      if (sigaction (signums[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
        continue;
      watch = g_new (StopWatch, 1);
      watch->stop_signal = stop_signal;
      watch->signum = signums[i];
      source = g_unix_signal_source_new (signums[i]);
      g_source_set_callback (source, on_stop_signal, watch, g_free);
      g_source_attach (source, context);
      g_source_unref (source);
    }
  return context;
}
