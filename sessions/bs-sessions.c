/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sessions.c: session records — create, rename, notes, delete. */
#include "bs-sessions.h"
#include "bs-store-private.h"

static gboolean
no_such_session (BsStore *store, const char *name, GError **error)
{
  g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND, "%s has no session '%s'",
               store->path, name);
  return FALSE;
}

static gboolean
check_name (const char *name, GError **error)
{
  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                           "a session needs a name");
      return FALSE;
    }
  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                           "a session name must be UTF-8 text");
      return FALSE;
    }
  return TRUE;
}

static char *
dup_text (sqlite3_stmt *stmt, int i)
{
  const char *s = (const char *) sqlite3_column_text (stmt, i);
  return g_strdup (s != NULL ? s : "");
}

BsSession *
bs_store_get_session (BsStore *store, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT s.id, s.name, s.notes, s.created_us, count(r.id), coalesce(max(r.started_us), 0) "
    "FROM sessions s LEFT JOIN runs r ON r.session_id = s.id WHERE s.name = ? GROUP BY s.id",
    error);
  BsSession *s;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, name ? name : "", -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      no_such_session (store, name ? name : "", error);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      bs_store_fail (store, rc, error, "reading session '%s'", name);
      return NULL;
    }
  s = g_new0 (BsSession, 1);
  s->id = sqlite3_column_int64 (stmt, 0);
  s->name = dup_text (stmt, 1);
  s->notes = dup_text (stmt, 2);
  s->created_us = sqlite3_column_int64 (stmt, 3);
  s->n_runs = sqlite3_column_int64 (stmt, 4);
  s->last_started_us = sqlite3_column_int64 (stmt, 5);
  return s;
}

/* Runs `sql` (?1 = name, ?2 = text) in its own transaction; no row changed means no
 * such session. A UNIQUE violation (the new name is taken) becomes INVALID. */
static gboolean
update_session (BsStore *store, const char *sql, const char *name, const char *text,
                const char *doing, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  if (text != NULL)
    sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
  if (!bs_store_begin (store, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      bs_store_rollback (store);
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                   "%s already has a session named '%s'", store->path, text);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "%s", doing);
      bs_store_rollback (store);
      return FALSE;
    }
  if (sqlite3_changes (store->db) == 0)
    {
      bs_store_rollback (store);
      return no_such_session (store, name, error);
    }
  return bs_store_commit (store, error);
}

gboolean
bs_store_create_session (BsStore *store, const char *name, const char *notes, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  if (!check_name (name, error))
    return FALSE;
  stmt = bs_store_prepare (store, "INSERT INTO sessions (name, created_us, notes) VALUES (?, ?, ?)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_text (stmt, 3, notes ? notes : "", -1, SQLITE_TRANSIENT);
  if (!bs_store_begin (store, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      bs_store_rollback (store);
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                   "%s already has a session named '%s'", store->path, name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "creating session '%s'", name);
      bs_store_rollback (store);
      return FALSE;
    }
  return bs_store_commit (store, error);
}

gboolean
bs_store_rename_session (BsStore *store, const char *name, const char *new_name, GError **error)
{
  if (!check_name (new_name, error))
    return FALSE;
  if (g_strcmp0 (name, new_name) == 0)
    {
      g_autoptr (BsSession) s = bs_store_get_session (store, name, error);
      return s != NULL;
    }
  return update_session (store, "UPDATE sessions SET name = ?2 WHERE name = ?1", name ? name : "",
                         new_name, "renaming a session", error);
}

gboolean
bs_store_set_session_notes (BsStore *store, const char *name, const char *notes, GError **error)
{
  return update_session (store, "UPDATE sessions SET notes = ?2 WHERE name = ?1", name ? name : "",
                         notes ? notes : "", "setting a session's notes", error);
}

/* Inside the caller's transaction: the first run of the session still being recorded,
 * or 0. */
static int64_t
find_running (BsStore *store, int64_t session, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT id FROM runs WHERE session_id = ? AND status = 'running' ORDER BY id LIMIT 1", error);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, session);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "looking for runs being recorded");
      return -1;
    }
  return 0;
}

static gboolean
exec_bound (BsStore *store, const char *sql, int64_t id, const char *doing, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return bs_store_step_done (store, stmt, error, doing);
}

gboolean
bs_store_delete_session (BsStore *store, const char *name, gboolean delete_runs, GError **error)
{
  g_autoptr (BsSession) s = bs_store_get_session (store, name, error);
  int64_t running;

  if (s == NULL)
    return FALSE;
  /* Runs whose recorder died are not 'being recorded'; say so before judging. */
  if (delete_runs && bs_store_recover_interrupted (store, error) < 0)
    return FALSE;
  if (!bs_store_begin (store, error))
    return FALSE;
  if (delete_runs)
    {
      /* Checked inside the write lock, so no recorder can start a run in between. */
      running = find_running (store, s->id, error);
      if (running != 0)
        {
          bs_store_rollback (store);
          if (running > 0)
            g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                         "session '%s' has run %" G_GINT64_FORMAT " still being recorded; "
                         "stop that recording first (nothing was deleted)", name, running);
          return FALSE;
        }
      if (!exec_bound (store, "DELETE FROM runs WHERE session_id = ?", s->id,
                       "deleting a session's runs", error))
        {
          bs_store_rollback (store);
          return FALSE;
        }
    }
  /* Without delete_runs, runs.session_id is set to NULL by the foreign key. */
  if (!exec_bound (store, "DELETE FROM sessions WHERE id = ?", s->id, "deleting a session", error))
    {
      bs_store_rollback (store);
      return FALSE;
    }
  return bs_store_commit (store, error);
}
