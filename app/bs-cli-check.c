/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-check.c: `blendscope-cli check [--repair [--output FILE]]`: is the session
 * database damaged, and which runs of it are intact? The database is only read. */
#include "bs-cli.h"
#include "bs-repair.h"

#include <stdio.h>
#include <string.h>

/* "runs.db" -> "runs-repaired.db": beside the damaged file, so it is easy to find. */
static char *
repaired_name (const char *db)
{
  g_autofree char *stem = g_str_has_suffix (db, ".db") ? g_strndup (db, strlen (db) - 3)
                                                        : g_strdup (db);

  return g_strconcat (stem, "-repaired.db", NULL);
}

static int
repair (const char *db, const char *output)
{
  g_autofree char *dest = output != NULL ? g_strdup (output) : repaired_name (db);
  g_autoptr (GError) error = NULL;
  BsRepairReport report = { 0 };

  if (!bs_repair_copy (db, dest, &report, &error))
    {
      bs_repair_report_clear (&report);
      return bs_cli_fail (error);
    }
  printf ("copied %d intact run%s into %s; left %d damaged run%s behind%s\n",
          report.n_runs_copied, report.n_runs_copied == 1 ? "" : "s", dest,
          report.n_runs_damaged, report.n_runs_damaged == 1 ? "" : "s",
          report.problems->len > 0 ? ":" : "");
  for (guint i = 0; i < report.problems->len; i++)
    printf ("  %s\n", (const char *) report.problems->pdata[i]);
  printf ("%s was not modified. Check the copy, then use it in its place (--db %s, or move "
          "it over the damaged file).\n", db, dest);
  bs_repair_report_clear (&report);
  return 0;
}

int
bs_cli_check (int argc, char **argv)
{
  g_autofree char *db = NULL, *output = NULL;
  gboolean with_repair = FALSE;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db,
      "Session database (default: $XDG_DATA_HOME/blendscope/blendscope.db)", "FILE" },
    { "repair", 0, 0, G_OPTION_ARG_NONE, &with_repair,
      "If damaged, copy every intact run into a new file (the database is not modified)",
      NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "The new file for --repair (default: DB-repaired.db beside it)", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
    "Check the session database for damage: SQLite's integrity check, then every run read "
    "back in full. Exits 0 when intact, 1 when damaged (also after --repair).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1 || (output != NULL && !with_repair))
    {
      fprintf (stderr, "blendscope-cli check: takes no arguments; --output goes with --repair "
                       "(see --help)\n");
      return 2;
    }
  if (db == NULL)
    db = bs_cli_default_db ();
  if (bs_repair_check (db, &error))
    {
      printf ("%s: no damage found\n", db);
      return 0;
    }
  bs_cli_fail (error);
  if (with_repair)
    repair (db, output);
  return 1;
}
