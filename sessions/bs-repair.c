/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-repair.c: checking a whole database and salvaging its intact runs.
 *
 * A run is salvaged only when every record of it reads back intact through the same
 * readers every command uses (so chunk checksums, chunk sequence and counts are checked),
 * through the indexes or, if one of those is damaged, by scanning the tables. Its rows
 * are then copied as they are stored, under the same ids, into a fresh file, whose
 * indexes are built anew; summaries, being derived, are recomputed there. The damaged
 * file is opened read-only.
 */
#include "bs-repair.h"

#include "bs-queries.h"
#include "bs-run-data.h"
#include "bs-store-private.h"

#include <string.h>

void
bs_repair_report_clear (BsRepairReport *report)
{
  g_clear_pointer (&report->problems, g_ptr_array_unref);
  report->n_runs_copied = report->n_runs_damaged = 0;
}

/* The ids in the runs table, as far as it can be read; a damaged stretch is a problem. */
static GArray *
list_run_ids (BsStore *store, GPtrArray *problems)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, "SELECT id FROM runs ORDER BY id",
                                                    &error);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int64_t));
  int rc = SQLITE_DONE;

  while (stmt != NULL && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int64_t id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (stmt != NULL && rc != SQLITE_DONE)
    bs_store_fail (store, rc, &error, "listing runs");
  if (error != NULL)
    g_ptr_array_add (problems, g_strdup_printf ("the list of runs is damaged after %u runs: %s",
                                                ids->len, error->message));
  return ids;
}

static void
count_events (const BsLayerEvent *events, guint n, gpointer user_data)
{
  *(int64_t *) user_data += n;
}

/* Reads every record of @run, decoding every chunk. */
static gboolean
verify_run (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (BsRun) r = NULL;
  g_autoptr (GArray) layers = NULL, markers = NULL, channels = NULL;
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  int64_t n_events = 0;

  if ((r = bs_store_get_run (store, run, error)) == NULL
      || (layers = bs_store_get_run_layers (store, run, error)) == NULL
      || (markers = bs_store_get_markers (store, run, error)) == NULL
      || !bs_store_foreach_event_chunk (store, run, count_events, &n_events, error)
      || (channels = bs_store_get_channels (store, run, error)) == NULL)
    return FALSE;
  for (guint c = 0; c < channels->len; c++)
    {
      g_array_set_size (samples, 0);
      if (!bs_store_read_samples (store, &g_array_index (channels, BsChannel, c), INT64_MIN,
                                  INT64_MAX, samples, error))
        return FALSE;
    }
  return TRUE;
}

/* Whether @run reads back intact, through the indexes or, when that fails, without them:
 * a damaged index page hides rows that its table may still hold whole. Leaves the store
 * reading the way that worked, for copying the run. */
static gboolean
readable_run (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (GError) through_indexes = NULL;

  store->scan_tables = FALSE;
  if (verify_run (store, run, &through_indexes))
    return TRUE;
  store->scan_tables = TRUE;
  if (verify_run (store, run, NULL))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&through_indexes));
  return FALSE;
}

/* A reader's error as a line of the damage list, without the advice readers add for
 * someone who met the damage elsewhere (it is check --repair that is running). */
static char *
run_problem (int64_t run, const GError *error)
{
  const char *advice = strstr (error->message, ". The file was not modified");
  int len = advice != NULL ? (int) (advice - error->message) : (int) strlen (error->message);

  return g_strdup_printf ("run %" G_GINT64_FORMAT ": %.*s", run, len, error->message);
}

static gboolean
open_failed (const char *path, GError **error)
{
  g_prefix_error (error, "%s cannot be examined: ", path);
  return FALSE;
}

gboolean
bs_repair_check (const char *path, GError **error)
{
  g_autoptr (BsStore) store = bs_store_open (path, BS_STORE_OPEN_READ_ONLY, error);
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autofree char *list = NULL;

  if (store == NULL)
    return open_failed (path, error);
  if (!bs_store_check (store, &local))
    g_ptr_array_add (problems, g_strdup (local->message));
  ids = list_run_ids (store, problems);
  for (guint i = 0; i < ids->len; i++)
    {
      int64_t run = g_array_index (ids, int64_t, i);

      g_clear_error (&local);
      if (!verify_run (store, run, &local))
        g_ptr_array_add (problems, run_problem (run, local));
    }
  if (problems->len == 0)
    return TRUE;
  g_ptr_array_add (problems, NULL);
  list = g_strjoinv ("\n  ", (char **) problems->pdata);
  g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT, "%s is damaged:\n  %s", path,
               list);
  return FALSE;
}

/* Where a run's records live, in an order the foreign keys accept. */
static const struct
{
  const char *table;
  const char *where;
} run_records[] = {
  { "models", "id = (SELECT model_id FROM runs WHERE id = ?1)" },
  { "sessions", "id = (SELECT session_id FROM runs WHERE id = ?1)" },
  { "runs", "id = ?1" },
  { "run_tags", "run_id = ?1" },
  { "run_layers", "run_id = ?1" },
  { "run_layer_fixed_macs", "run_id = ?1" },
  { "channels", "run_id = ?1" },
  { "sample_chunks", "channel_id IN (SELECT id FROM channels NOT INDEXED WHERE run_id = ?1)" },
  { "event_chunks", "run_id = ?1" },
  { "markers", "run_id = ?1" },
  { "run_evaluations", "run_id = ?1" },
  { "run_links", "run_id = ?1" },
};

/* Copies the rows of @table matching @where (bound to @run) as they are: both files have
 * the same schema version, hence the same columns in the same order. */
static gboolean
copy_rows (BsStore *from, BsStore *to, const char *table, const char *where, int64_t run,
           gboolean *dest_failed, GError **error)
{
  g_autofree char *select = g_strdup_printf ("SELECT * FROM %s%s WHERE %s", table,
                                             bs_store_not_indexed (from), where);
  g_autoptr (sqlite3_stmt) read = bs_store_prepare (from, select, error);
  g_autoptr (sqlite3_stmt) write = NULL;
  g_autoptr (GString) insert = NULL;
  int n_columns, rc;

  if (read == NULL)
    return FALSE;
  n_columns = sqlite3_column_count (read);
  insert = g_string_new (NULL);
  g_string_printf (insert, "INSERT OR IGNORE INTO %s VALUES (?", table);
  for (int i = 1; i < n_columns; i++)
    g_string_append (insert, ", ?");
  g_string_append (insert, ")");
  *dest_failed = TRUE;
  if ((write = bs_store_prepare (to, insert->str, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (read, 1, run);
  while ((rc = sqlite3_step (read)) == SQLITE_ROW)
    {
      for (int i = 0; i < n_columns; i++)
        sqlite3_bind_value (write, i + 1, sqlite3_column_value (read, i));
      if (!bs_store_step_done (to, write, error, "copying a run"))
        return FALSE;
    }
  *dest_failed = FALSE;
  if (rc != SQLITE_DONE)
    return bs_store_fail (from, rc, error, "reading run %" G_GINT64_FORMAT "'s %s", run, table);
  return TRUE;
}

/* Sets *dest_failed when it was the new file that failed, not the damaged one. */
static gboolean
copy_run (BsStore *from, BsStore *to, int64_t run, gboolean *dest_failed, GError **error)
{
  *dest_failed = TRUE;
  if (!bs_store_begin (to, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (run_records); i++)
    if (!copy_rows (from, to, run_records[i].table, run_records[i].where, run, dest_failed,
                    error))
      {
        bs_store_rollback (to);
        return FALSE;
      }
  *dest_failed = TRUE;
  if (!bs_store_commit (to, error))
    return FALSE;
  /* Derived data: recomputable at any time, so a failure here loses nothing. */
  bs_query_refresh_summaries (to, run, NULL);
  return TRUE;
}

gboolean
bs_repair_copy (const char *path, const char *dest, BsRepairReport *report, GError **error)
{
  g_autoptr (BsStore) from = NULL;
  g_autoptr (BsStore) to = NULL;
  g_autoptr (GArray) ids = NULL;

  report->n_runs_copied = report->n_runs_damaged = 0;
  if (report->problems == NULL)
    report->problems = g_ptr_array_new_with_free_func (g_free);
  if (g_file_test (dest, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                   "%s already exists; the intact runs go into a new file: name another one",
                   dest);
      return FALSE;
    }
  if ((from = bs_store_open (path, BS_STORE_OPEN_READ_ONLY, error)) == NULL)
    return open_failed (path, error);
  if ((to = bs_store_open (dest, BS_STORE_OPEN_CREATE | BS_STORE_OPEN_DURABLE, error)) == NULL)
    return FALSE;
  ids = list_run_ids (from, report->problems);
  for (guint i = 0; i < ids->len; i++)
    {
      int64_t run = g_array_index (ids, int64_t, i);
      g_autoptr (GError) local = NULL;
      gboolean dest_failed = FALSE;

      if (readable_run (from, run, &local) && copy_run (from, to, run, &dest_failed, &local))
        report->n_runs_copied++;
      else if (dest_failed)
        {
          /* The new file failed (disk full...): that is not the old file's damage. */
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      else
        {
          report->n_runs_damaged++;
          g_ptr_array_add (report->problems, run_problem (run, local));
        }
    }
  return TRUE;
}
