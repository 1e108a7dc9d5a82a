/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-markers.c: markers with ranges and notes.
 *
 * Schema version 1 has `markers (id, run_id, t_ns, label)`. The range end and the note
 * live beside it, one row per marker that has either:
 *
 *   CREATE TABLE marker_notes (marker_id INTEGER PRIMARY KEY
 *     REFERENCES markers (id) ON DELETE CASCADE, end_ns INTEGER, note TEXT NOT NULL)
 *
 * created inside the first write that needs it (IF NOT EXISTS, so a later schema
 * migration can create the same table and both kinds of file agree). Readers never
 * write: they treat a missing table as "no ends, no notes". Deleting a run deletes its
 * markers, which deletes their notes.
 */
#include "bs-markers.h"
#include "bs-store-private.h"

#define CREATE_NOTES                                                                        \
  "CREATE TABLE IF NOT EXISTS marker_notes ("                                              \
  "  marker_id INTEGER PRIMARY KEY REFERENCES markers (id) ON DELETE CASCADE,"             \
  "  end_ns INTEGER,"                                                                      \
  "  note TEXT NOT NULL DEFAULT ''"                                                        \
  ")"

void
bs_run_marker_clear (BsRunMarker *m)
{
  g_clear_pointer (&m->label, g_free);
  g_clear_pointer (&m->note, g_free);
}

static void
clear_func (gpointer p)
{
  bs_run_marker_clear (p);
}

static int
has_notes_table (BsStore *store, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'marker_notes'", error);
  int rc;

  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE)
    return 0;
  bs_store_fail (store, rc, error, "looking for marker notes");
  return -1;
}

static char *
dup_text (sqlite3_stmt *stmt, int i)
{
  const char *s = (const char *) sqlite3_column_text (stmt, i);
  return g_strdup (s != NULL ? s : "");
}

GArray *
bs_store_list_run_markers (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GArray) markers = NULL;
  int notes = has_notes_table (store, error);
  int rc;

  if (notes < 0)
    return NULL;
  stmt = bs_store_prepare (store, notes
    ? "SELECT m.id, m.t_ns, m.label, n.end_ns, n.note FROM markers m "
      "LEFT JOIN marker_notes n ON n.marker_id = m.id WHERE m.run_id = ? ORDER BY m.t_ns, m.id"
    : "SELECT id, t_ns, label, NULL, NULL FROM markers WHERE run_id = ? ORDER BY t_ns, id",
    error);
  if (stmt == NULL)
    return NULL;
  markers = g_array_new (FALSE, TRUE, sizeof (BsRunMarker));
  g_array_set_clear_func (markers, clear_func);
  sqlite3_bind_int64 (stmt, 1, run);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      BsRunMarker m = {
        .id = sqlite3_column_int64 (stmt, 0),
        .run = run,
        .t_ns = sqlite3_column_int64 (stmt, 1),
        .end_ns = sqlite3_column_type (stmt, 3) == SQLITE_NULL ? BS_MARKER_NO_END
                                                                : sqlite3_column_int64 (stmt, 3),
        .label = dup_text (stmt, 2),
        .note = dup_text (stmt, 4),
      };
      g_array_append_val (markers, m);
    }
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT "'s markers", run);
      return NULL;
    }
  return g_steal_pointer (&markers);
}

static gboolean
check_marker (const BsRunMarker *m, GError **error)
{
  if (m->end_ns != BS_MARKER_NO_END && m->end_ns < m->t_ns)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                   "a marker range cannot end (%" G_GINT64_FORMAT " ns) before it starts (%"
                   G_GINT64_FORMAT " ns)", m->end_ns, m->t_ns);
      return FALSE;
    }
  return TRUE;
}

/* Inside the caller's transaction: the end and note of marker `id`; a marker with
 * neither keeps no row (and needs no table). */
static gboolean
put_notes (BsStore *store, int64_t id, const BsRunMarker *m, GError **error)
{
  gboolean extra = m->end_ns != BS_MARKER_NO_END || (m->note != NULL && *m->note != '\0');
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int notes;

  if (!extra)
    {
      notes = has_notes_table (store, error);
      if (notes <= 0)
        return notes == 0;
      stmt = bs_store_prepare (store, "DELETE FROM marker_notes WHERE marker_id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      return bs_store_step_done (store, stmt, error, "clearing a marker's note");
    }
  if (!bs_store_exec (store, CREATE_NOTES, error))
    return FALSE;
  stmt = bs_store_prepare (store,
    "INSERT INTO marker_notes (marker_id, end_ns, note) VALUES (?, ?, ?) "
    "ON CONFLICT (marker_id) DO UPDATE SET end_ns = excluded.end_ns, note = excluded.note", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (m->end_ns != BS_MARKER_NO_END)
    sqlite3_bind_int64 (stmt, 2, m->end_ns);
  else
    sqlite3_bind_null (stmt, 2);
  sqlite3_bind_text (stmt, 3, m->note ? m->note : "", -1, SQLITE_TRANSIENT);
  return bs_store_step_done (store, stmt, error, "saving a marker's note");
}

int64_t
bs_store_add_run_marker (BsStore *store, int64_t run, const BsRunMarker *marker, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int64_t id;

  if (!check_marker (marker, error))
    return -1;
  stmt = bs_store_prepare (store,
    "INSERT INTO markers (run_id, t_ns, label) SELECT id, ?2, ?3 FROM runs WHERE id = ?1", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, run);
  sqlite3_bind_int64 (stmt, 2, marker->t_ns);
  sqlite3_bind_text (stmt, 3, marker->label ? marker->label : "", -1, SQLITE_TRANSIENT);
  if (!bs_store_begin (store, error))
    return -1;
  if (!bs_store_step_done (store, stmt, error, "adding a marker"))
    goto fail;
  if (sqlite3_changes (store->db) == 0)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND,
                   "%s has no run %" G_GINT64_FORMAT, store->path, run);
      goto fail;
    }
  id = sqlite3_last_insert_rowid (store->db);
  if (!put_notes (store, id, marker, error))
    goto fail;
  return bs_store_commit (store, error) ? id : -1;

fail:
  bs_store_rollback (store);
  return -1;
}

gboolean
bs_store_update_run_marker (BsStore *store, const BsRunMarker *marker, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (!check_marker (marker, error))
    return FALSE;
  stmt = bs_store_prepare (store, "UPDATE markers SET t_ns = ?2, label = ?3 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, marker->id);
  sqlite3_bind_int64 (stmt, 2, marker->t_ns);
  sqlite3_bind_text (stmt, 3, marker->label ? marker->label : "", -1, SQLITE_TRANSIENT);
  if (!bs_store_begin (store, error))
    return FALSE;
  if (!bs_store_step_done (store, stmt, error, "editing a marker"))
    goto fail;
  if (sqlite3_changes (store->db) == 0)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND,
                   "%s has no marker %" G_GINT64_FORMAT, store->path, marker->id);
      goto fail;
    }
  if (!put_notes (store, marker->id, marker, error))
    goto fail;
  return bs_store_commit (store, error);

fail:
  bs_store_rollback (store);
  return FALSE;
}

gboolean
bs_store_delete_run_marker (BsStore *store, int64_t marker, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, "DELETE FROM markers WHERE id = ?",
                                                    error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, marker);
  if (!bs_store_begin (store, error))
    return FALSE;
  if (!bs_store_step_done (store, stmt, error, "deleting a marker"))
    {
      bs_store_rollback (store);
      return FALSE;
    }
  if (sqlite3_changes (store->db) == 0)
    {
      bs_store_rollback (store);
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND,
                   "%s has no marker %" G_GINT64_FORMAT, store->path, marker);
      return FALSE;
    }
  return bs_store_commit (store, error);
}
