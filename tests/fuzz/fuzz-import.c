/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-import.c: libFuzzer target for importing a JSON run export into a real session
 * database (sessions/bs-import.c, its JSON reader, the recorder and the store).
 *
 * The database is a file in a temporary folder, opened once. An input that imports
 * must export again, and that export must import to a run whose export is the same
 * (the import keeps everything but the run id); the runs are deleted afterwards so the
 * database stays small. A refused input must leave no run behind and fail with a
 * BS_IMPORT_ERROR (or G_IO_ERROR from the reader) whose message is UTF-8.
 */
#include "bs-export.h"
#include "bs-import.h"
#include "bs-runs.h"
#include "bs-store.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static BsStore *store;
static char *store_dir;
static char *store_path;

/* The JSON export without its first "id" member (the run's). */
static char *
export_without_id (int64_t run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GRegex) id = g_regex_new ("\"id\":[0-9]+", 0, 0, NULL);
  g_autofree char *text = NULL;

  if (!bs_export_run (store, run, BS_EXPORT_JSON, BS_EXPORT_TABLE_SAMPLES, out, &error)
      || !g_output_stream_close (out, NULL, &error))
    g_error ("an imported run cannot be exported: %s", error->message);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (!g_utf8_validate (text, -1, NULL))
    g_error ("the JSON export is not UTF-8");
  return g_regex_replace_literal (id, text, -1, 0, "\"id\":0", G_REGEX_MATCH_DEFAULT, NULL);
}

static void
check_round_trip (int64_t run)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = export_without_id (run);
  int64_t again = bs_import_run_from_data (store, first, strlen (first), "re-import", NULL,
                                           &error);
  g_autofree char *second = NULL;

  if (again < 0)
    g_error ("an export of an imported run cannot be imported: %s", error->message);
  second = export_without_id (again);
  if (strcmp (first, second) != 0)
    g_error ("import and export do not round-trip:\n%s\n%s", first, second);
  bs_store_delete_run (store, again, NULL);
}

/* libFuzzer leaves through exit(); SQLite needs its files until then. */
static void
remove_store (void)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  g_clear_pointer (&store, bs_store_close);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (store_path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (store_dir);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;

  setenv ("G_SLICE", "always-malloc", 1);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  store_dir = g_dir_make_tmp ("bs-fuzz-import-XXXXXX", &error);
  if (store_dir == NULL)
    g_error ("%s", error->message);
  store_path = g_build_filename (store_dir, "sessions.db", NULL);
  store = bs_store_open (store_path, BS_STORE_OPEN_CREATE, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  atexit (remove_store);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  int64_t run = bs_import_run_from_data (store, (const char *) data, size, "fuzz.json", NULL,
                                         &error);

  if (run >= 0)
    {
      check_round_trip (run);
      bs_store_delete_run (store, run, NULL);
      return 0;
    }
  if (error == NULL || (error->domain != BS_IMPORT_ERROR && error->domain != G_IO_ERROR))
    g_error ("import failed without a BS_IMPORT_ERROR: %s", error ? error->message : "(none)");
  if (!g_utf8_validate (error->message, -1, NULL))
    g_error ("error message is not UTF-8");
  return 0;
}
