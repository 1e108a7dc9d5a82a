/* bs-cli-common.c: helpers shared by the subcommands. */
#include "bs-cli.h"

#include <stdio.h>

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
