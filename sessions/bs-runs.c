/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-runs.c: reading and editing run and session records. */
#include "bs-runs.h"
#include "bs-store-private.h"

#include <string.h>

static const char *const status_names[BS_N_RUN_STATUSES] = {
  "running", "complete", "failed", "aborted", "interrupted",
};

const char *
bs_run_status_to_string (BsRunStatus status)
{
  g_return_val_if_fail ((int) status >= 0 && status < BS_N_RUN_STATUSES, "?");
  return status_names[status];
}

gboolean
bs_run_status_from_string (const char *s, BsRunStatus *status)
{
  for (int i = 0; i < BS_N_RUN_STATUSES; i++)
    if (g_strcmp0 (s, status_names[i]) == 0)
      {
        *status = (BsRunStatus) i;
        return TRUE;
      }
  return FALSE;
}

uint64_t
bs_run_layer_fixed_macs (const BsRunLayer *layer)
{
  uint64_t sum = 0;

  for (int i = 0; i < BS_RUN_MAX_MAC_WIDTHS && layer->fixed_macs[i].bits > 0; i++)
    sum += layer->fixed_macs[i].macs;
  return sum;
}

static void
clear_run_layer (gpointer p)
{
  BsRunLayer *layer = p;
  g_free (layer->name);
}

static GArray *
run_layer_array_new (void)
{
  GArray *layers = g_array_new (FALSE, TRUE, sizeof (BsRunLayer));

  g_array_set_clear_func (layers, clear_run_layer);
  return layers;
}

double
bs_channel_default_resolution (BsQuantity quantity)
{
  /* 1 µW, 1 µV, 1 µA, 1 µJ are below what any meter we know resolves; coarser values
   * from a probe make chunks smaller. */
  return quantity == BS_QUANTITY_TEMPERATURE ? 1e-3 : 1e-6;
}

static char *
dup_text (sqlite3_stmt *stmt, int i)
{
  const char *s = (const char *) sqlite3_column_text (stmt, i);
  return g_strdup (s != NULL ? s : "");
}

static GStrv
split_tags (const char *joined)
{
  GStrv tags;

  if (joined == NULL || *joined == '\0')
    return g_new0 (char *, 1);
  tags = g_strsplit (joined, "\x1f", -1);
  return tags;
}

/* g_strcmp0 on char** elements. */
static int
compare_strv_items (const void *a, const void *b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

#define RUN_COLUMNS                                                                        \
  "r.id, r.status, m.name, m.sha256, r.backend, r.device, r.host, r.config, r.notes, "     \
  "s.name, r.started_us, r.t0_ns, r.duration_ns, r.n_events, r.n_samples, "               \
  "r.clock_offset_ns, r.clock_rate, r.recorder_pid, "                                     \
  "(SELECT group_concat(tag, char(31)) FROM run_tags t WHERE t.run_id = r.id) "           \
  "FROM runs r JOIN models m ON m.id = r.model_id LEFT JOIN sessions s ON s.id = r.session_id "

static BsRun *
run_from_row (sqlite3_stmt *stmt)
{
  BsRun *run = g_new0 (BsRun, 1);

  run->id = sqlite3_column_int64 (stmt, 0);
  if (!bs_run_status_from_string ((const char *) sqlite3_column_text (stmt, 1), &run->status))
    run->status = BS_RUN_FAILED;
  run->model_name = dup_text (stmt, 2);
  run->model_sha256 = dup_text (stmt, 3);
  run->backend = dup_text (stmt, 4);
  run->device = dup_text (stmt, 5);
  run->host = dup_text (stmt, 6);
  run->config = dup_text (stmt, 7);
  run->notes = dup_text (stmt, 8);
  run->session = sqlite3_column_type (stmt, 9) == SQLITE_NULL ? NULL : dup_text (stmt, 9);
  run->started_us = sqlite3_column_int64 (stmt, 10);
  run->t0_ns = sqlite3_column_int64 (stmt, 11);
  run->duration_ns = sqlite3_column_type (stmt, 12) == SQLITE_NULL
                       ? -1 : sqlite3_column_int64 (stmt, 12);
  run->n_events = sqlite3_column_int64 (stmt, 13);
  run->n_samples = sqlite3_column_int64 (stmt, 14);
  run->clock_offset_ns = sqlite3_column_int64 (stmt, 15);
  run->clock_rate = sqlite3_column_double (stmt, 16);
  run->recorder_pid = sqlite3_column_int64 (stmt, 17);
  run->tags = split_tags ((const char *) sqlite3_column_text (stmt, 18));
  qsort (run->tags, g_strv_length (run->tags), sizeof (char *), compare_strv_items);
  return run;
}

void
bs_run_free (BsRun *run)
{
  if (run == NULL)
    return;
  g_free (run->model_name);
  g_free (run->model_sha256);
  g_free (run->backend);
  g_free (run->device);
  g_free (run->host);
  g_free (run->config);
  g_free (run->notes);
  g_free (run->session);
  g_strfreev (run->tags);
  g_free (run);
}

static void
bind_text_or_null (sqlite3_stmt *stmt, int i, const char *s)
{
  if (s != NULL)
    sqlite3_bind_text (stmt, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, i);
}

GPtrArray *
bs_store_list_runs (BsStore *store, const BsRunFilter *filter, GError **error)
{
  static const BsRunFilter none = { 0 };
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT " RUN_COLUMNS
    "WHERE (?1 IS NULL OR s.name = ?1) AND (?2 IS NULL OR m.name = ?2) "
    "AND (?3 IS NULL OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = ?3)) "
    "ORDER BY r.id DESC LIMIT ?4", error);
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) bs_run_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  if (filter == NULL)
    filter = &none;
  bind_text_or_null (stmt, 1, filter->session);
  bind_text_or_null (stmt, 2, filter->model);
  bind_text_or_null (stmt, 3, filter->tag);
  sqlite3_bind_int64 (stmt, 4, filter->limit > 0 ? filter->limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (runs, run_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "listing runs");
      return NULL;
    }
  return g_steal_pointer (&runs);
}

static gboolean
no_such_run (BsStore *store, int64_t run, GError **error)
{
  g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND,
               "%s has no run %" G_GINT64_FORMAT, store->path, run);
  return FALSE;
}

BsRun *
bs_store_get_run (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, "SELECT " RUN_COLUMNS "WHERE r.id = ?",
                                                    error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return run_from_row (stmt);
  if (rc == SQLITE_DONE)
    no_such_run (store, run, error);
  else
    bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT, run);
  return NULL;
}

gboolean
bs_store_resolve_run (BsStore *store, const char *spec, int64_t *run, GError **error)
{
  guint64 id;

  if (g_strcmp0 (spec, "last") == 0)
    {
      g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, "SELECT max(id) FROM runs", error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_ROW)
        return bs_store_fail (store, rc, error, "finding the last run");
      if (sqlite3_column_type (stmt, 0) == SQLITE_NULL)
        {
          g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND,
                       "%s holds no runs yet", store->path);
          return FALSE;
        }
      *run = sqlite3_column_int64 (stmt, 0);
      return TRUE;
    }
  if (spec == NULL || !g_ascii_string_to_unsigned (spec, 10, 1, G_MAXINT64, &id, NULL))
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                   "'%s' is not a run: expected a run id (a positive number) or 'last'",
                   spec ? spec : "");
      return FALSE;
    }
  *run = (int64_t) id;
  return TRUE;
}

static BsRunLayer
placeholder_layer (int op)
{
  BsRunLayer l = {
    .name = g_strdup_printf ("op %d", op), .kind = BS_LAYER_N_KINDS,
    .precision = BS_PRECISION_FLOAT, .path = BS_PATH_MAIN,
  };
  return l;
}

static BsRunLayer *
layer_at (GArray *layers, int op)
{
  while ((int) layers->len <= op)
    {
      BsRunLayer l = placeholder_layer ((int) layers->len);
      g_array_append_val (layers, l);
    }
  return &g_array_index (layers, BsRunLayer, op);
}

static gboolean
read_fixed_macs (BsStore *store, int64_t run, GArray *layers, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT op, bits, macs FROM run_layer_fixed_macs WHERE run_id = ? ORDER BY op, bits", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int op = sqlite3_column_int (stmt, 0);
      BsRunLayer *l;

      if (op < 0 || op >= (int) layers->len)
        continue;
      l = &g_array_index (layers, BsRunLayer, op);
      for (int i = 0; i < BS_RUN_MAX_MAC_WIDTHS; i++)
        if (l->fixed_macs[i].bits == 0)
          {
            l->fixed_macs[i].bits = sqlite3_column_int (stmt, 1);
            l->fixed_macs[i].macs = (uint64_t) sqlite3_column_int64 (stmt, 2);
            break;
          }
    }
  if (rc != SQLITE_DONE)
    return bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT "'s layers", run);
  return TRUE;
}

GArray *
bs_store_get_run_layers (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT op, name, kind, precision, path, binary_macs, param_bits, activation_bytes "
    "FROM run_layers WHERE run_id = ? AND op BETWEEN 0 AND 1000000 ORDER BY op", error);
  g_autoptr (GArray) layers = run_layer_array_new ();
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      BsRunLayer *l = layer_at (layers, sqlite3_column_int (stmt, 0));

      g_free (l->name);
      l->name = dup_text (stmt, 1);
      if (!bs_layer_kind_from_string ((const char *) sqlite3_column_text (stmt, 2), &l->kind))
        l->kind = BS_LAYER_N_KINDS;
      bs_precision_from_string ((const char *) sqlite3_column_text (stmt, 3), &l->precision);
      bs_path_from_string ((const char *) sqlite3_column_text (stmt, 4), &l->path);
      l->binary_macs = (uint64_t) sqlite3_column_int64 (stmt, 5);
      l->param_bits = (uint64_t) sqlite3_column_int64 (stmt, 6);
      l->activation_bytes = (uint64_t) sqlite3_column_int64 (stmt, 7);
    }
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT "'s layers", run);
      return NULL;
    }
  if (!read_fixed_macs (store, run, layers, error))
    return NULL;
  return g_steal_pointer (&layers);
}

static gboolean
check_not_recording (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (BsRun) r = bs_store_get_run (store, run, error);

  if (r == NULL)
    return FALSE;
  /* bs_store_open() already turned dead recorders' runs into 'interrupted', but this
   * store may have been open for a while. */
  if (r->status == BS_RUN_RUNNING && bs_store_recover_interrupted (store, NULL) >= 0)
    {
      g_clear_pointer (&r, bs_run_free);
      r = bs_store_get_run (store, run, error);
      if (r == NULL)
        return FALSE;
    }
  if (r->status == BS_RUN_RUNNING)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                   "run %" G_GINT64_FORMAT " is still being recorded (process %" G_GINT64_FORMAT
                   " on %s); stop that recording first", run, r->recorder_pid, r->host);
      return FALSE;
    }
  return TRUE;
}

/* Runs one statement binding ?1 = run and, if given, ?2 = text, in its own transaction. */
static gboolean
update_run (BsStore *store, int64_t run, const char *sql, const char *text, const char *doing,
            GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run);
  if (text != NULL)
    sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
  if (!bs_store_begin (store, error))
    return FALSE;
  if (!bs_store_step_done (store, stmt, error, doing))
    {
      bs_store_rollback (store);
      return FALSE;
    }
  if (sqlite3_changes (store->db) == 0)
    {
      bs_store_rollback (store);
      return no_such_run (store, run, error);
    }
  return bs_store_commit (store, error);
}

gboolean
bs_store_delete_run (BsStore *store, int64_t run, GError **error)
{
  if (!check_not_recording (store, run, error))
    return FALSE;
  return update_run (store, run, "DELETE FROM runs WHERE id = ?1", NULL, "deleting a run", error);
}

gboolean
bs_store_set_run_notes (BsStore *store, int64_t run, const char *notes, GError **error)
{
  return update_run (store, run, "UPDATE runs SET notes = ?2 WHERE id = ?1", notes ? notes : "",
                     "setting a run's notes", error);
}

gboolean
bs_store_tag_run (BsStore *store, int64_t run, const char *tag, gboolean add, GError **error)
{
  g_autoptr (BsRun) r = bs_store_get_run (store, run, error);
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (tag != NULL && *tag != '\0', FALSE);
  if (r == NULL)
    return FALSE;
  if (update_run (store, run,
                  add ? "INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?1, ?2)"
                      : "DELETE FROM run_tags WHERE run_id = ?1 AND tag = ?2",
                  tag, "tagging a run", &local))
    return TRUE;
  /* No change (tag already there, or absent) is not an error. */
  if (g_error_matches (local, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

gboolean
bs_store_set_run_session (BsStore *store, int64_t run, const char *session, GError **error)
{
  g_autoptr (sqlite3_stmt) add = NULL;

  if (session == NULL)
    return update_run (store, run, "UPDATE runs SET session_id = NULL WHERE id = ?1", NULL,
                       "moving a run out of its session", error);
  add = bs_store_prepare (store, "INSERT OR IGNORE INTO sessions (name, created_us) VALUES (?, ?)",
                          error);
  if (add == NULL)
    return FALSE;
  sqlite3_bind_text (add, 1, session, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (add, 2, g_get_real_time ());
  if (!bs_store_begin (store, error))
    return FALSE;
  if (!bs_store_step_done (store, add, error, "creating a session"))
    {
      bs_store_rollback (store);
      return FALSE;
    }
  if (!bs_store_commit (store, error))
    return FALSE;
  return update_run (store, run,
                     "UPDATE runs SET session_id = (SELECT id FROM sessions WHERE name = ?2) "
                     "WHERE id = ?1", session, "moving a run into a session", error);
}

void
bs_session_free (BsSession *session)
{
  if (session == NULL)
    return;
  g_free (session->name);
  g_free (session->notes);
  g_free (session);
}

GPtrArray *
bs_store_list_sessions (BsStore *store, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT s.id, s.name, s.notes, s.created_us, count(r.id), coalesce(max(r.started_us), 0) "
    "FROM sessions s LEFT JOIN runs r ON r.session_id = s.id GROUP BY s.id ORDER BY s.name", error);
  g_autoptr (GPtrArray) sessions =
    g_ptr_array_new_with_free_func ((GDestroyNotify) bs_session_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      BsSession *s = g_new0 (BsSession, 1);

      s->id = sqlite3_column_int64 (stmt, 0);
      s->name = dup_text (stmt, 1);
      s->notes = dup_text (stmt, 2);
      s->created_us = sqlite3_column_int64 (stmt, 3);
      s->n_runs = sqlite3_column_int64 (stmt, 4);
      s->last_started_us = sqlite3_column_int64 (stmt, 5);
      g_ptr_array_add (sessions, s);
    }
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "listing sessions");
      return NULL;
    }
  return g_steal_pointer (&sessions);
}

static void
clear_marker (gpointer p)
{
  BsMarker *m = p;
  g_free (m->label);
}

GArray *
bs_store_get_markers (BsStore *store, int64_t run, GError **error)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT t_ns, label FROM markers%s WHERE run_id = ? ORDER BY t_ns, id",
    bs_store_not_indexed (store));
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);
  g_autoptr (GArray) markers = g_array_new (FALSE, TRUE, sizeof (BsMarker));
  int rc;

  if (stmt == NULL)
    return NULL;
  g_array_set_clear_func (markers, clear_marker);
  sqlite3_bind_int64 (stmt, 1, run);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      BsMarker m = { sqlite3_column_int64 (stmt, 0), dup_text (stmt, 1) };
      g_array_append_val (markers, m);
    }
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT "'s markers", run);
      return NULL;
    }
  return g_steal_pointer (&markers);
}
