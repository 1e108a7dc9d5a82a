/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-data.c: decoding a run's chunks. A chunk that fails its checksum is reported
 * with the run and chunk it belongs to, and so is a chunk that is missing; nothing is
 * guessed, and no reader gets a silently shorter run. */
#include "bs-run-data.h"
#include "bs-codec.h"
#include "bs-store-private.h"

static void
clear_channel (gpointer p)
{
  BsChannel *c = p;
  g_free (c->name);
}

static gboolean
quantity_from_string (const char *s, BsQuantity *quantity)
{
  for (int q = 0; q < BS_N_QUANTITIES; q++)
    if (g_strcmp0 (s, bs_quantity_to_string ((BsQuantity) q)) == 0)
      {
        *quantity = (BsQuantity) q;
        return TRUE;
      }
  return FALSE;
}

/* The run row's count of committed events or samples. The recorder updates it in the
 * same transaction as the chunks, and both only grow, so chunks read after it must add up
 * to at least that much, even while the run is still being recorded. */
static gboolean
recorded_count (BsStore *store, int64_t run, const char *column, int64_t *n, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM runs WHERE id = ?", column);
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND,
                   "%s has no run %" G_GINT64_FORMAT, store->path, run);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT, run);
  *n = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* Rows SQLite does not return are not always reported by SQLite: a damaged index or
 * b-tree page can hide them. Chunks are numbered from 0 without gaps and add up to the
 * run's count, so a hole is found here, and said, instead of a shorter run. */
static gboolean
missing_chunks (BsStore *store, const char *what, const char *detail, GError **error)
{
  g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT,
               "%s is damaged: %s are incomplete (%s). The file was not modified; "
               "`blendscope-cli check --repair %s` copies its intact runs into a new file",
               store->path, what, detail, store->path);
  return FALSE;
}

GArray *
bs_store_get_channels (BsStore *store, int64_t run, GError **error)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT c.id, c.channel, c.quantity, c.name, c.resolution, "
    "coalesce(sum(k.n), 0), coalesce(sum(length(k.data)), 0) "
    "FROM channels c%s LEFT JOIN sample_chunks k%s ON k.channel_id = c.id "
    "WHERE c.run_id = ? GROUP BY c.id ORDER BY c.channel, c.quantity",
    bs_store_not_indexed (store), bs_store_not_indexed (store));
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);
  g_autoptr (GArray) channels = g_array_new (FALSE, TRUE, sizeof (BsChannel));
  int64_t n_recorded, n_found = 0;
  int rc;

  if (stmt == NULL || !recorded_count (store, run, "n_samples", &n_recorded, error))
    return NULL;
  g_array_set_clear_func (channels, clear_channel);
  sqlite3_bind_int64 (stmt, 1, run);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      BsChannel c = {
        .id = sqlite3_column_int64 (stmt, 0),
        .channel = sqlite3_column_int (stmt, 1),
        .name = g_strdup ((const char *) sqlite3_column_text (stmt, 3)),
        .resolution = sqlite3_column_double (stmt, 4),
        .n_samples = sqlite3_column_int64 (stmt, 5),
        .stored_bytes = sqlite3_column_int64 (stmt, 6),
      };

      if (!quantity_from_string ((const char *) sqlite3_column_text (stmt, 2), &c.quantity))
        {
          g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT,
                       "%s: run %" G_GINT64_FORMAT " has a channel of unknown quantity '%s'",
                       store->path, run, sqlite3_column_text (stmt, 2));
          g_free (c.name);
          return NULL;
        }
      g_array_append_val (channels, c);
    }
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT "'s channels", run);
      return NULL;
    }
  for (guint i = 0; i < channels->len; i++)
    n_found += g_array_index (channels, BsChannel, i).n_samples;
  if (n_found < n_recorded)
    {
      g_autofree char *what = g_strdup_printf ("run %" G_GINT64_FORMAT "'s power samples", run);
      g_autofree char *detail = g_strdup_printf ("%" G_GINT64_FORMAT " were recorded, %"
                                                 G_GINT64_FORMAT " are left", n_recorded, n_found);
      missing_chunks (store, what, detail, error);
      return NULL;
    }
  return g_steal_pointer (&channels);
}

static gboolean
damaged_chunk (BsStore *store, GError *cause, const char *what, int64_t seq, GError **error)
{
  g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT,
               "%s is damaged: chunk %" G_GINT64_FORMAT " of %s cannot be read (%s)",
               store->path, seq, what, cause->message);
  g_error_free (cause);
  return FALSE;
}

gboolean
bs_store_read_samples (BsStore *store, const BsChannel *channel, int64_t t_min_ns,
                       int64_t t_max_ns, GArray *out, GError **error)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT seq, data FROM sample_chunks%s WHERE channel_id = ? AND t_max_ns >= ? "
    "AND t_min_ns <= ? ORDER BY seq", bs_store_not_indexed (store));
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);
  BsSample proto = { 0, channel->channel, channel->quantity, bs_quantity_unit (channel->quantity), 0 };
  gboolean whole = t_min_ns == INT64_MIN && t_max_ns == INT64_MAX;
  int64_t expected_seq = 0, n_decoded = 0;
  guint before = out->len;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, channel->id);
  sqlite3_bind_int64 (stmt, 2, t_min_ns);
  sqlite3_bind_int64 (stmt, 3, t_max_ns);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const guint8 *data = sqlite3_column_blob (stmt, 1);
      size_t len = (size_t) sqlite3_column_bytes (stmt, 1);
      guint first = out->len, kept = first;
      GError *cause = NULL;

      /* The whole channel is every chunk from 0. (A window is not checked: a meter's
       * timestamps need not be monotonic, so its chunks need not be consecutive.) */
      if (whole && sqlite3_column_int64 (stmt, 0) != expected_seq)
        {
          g_autofree char *what = g_strdup_printf ("the samples of channel '%s'", channel->name);
          g_autofree char *detail = g_strdup_printf ("chunk %" G_GINT64_FORMAT " is missing",
                                                     expected_seq);
          g_array_set_size (out, before);
          return missing_chunks (store, what, detail, error);
        }
      expected_seq = sqlite3_column_int64 (stmt, 0) + 1;

      if (!bs_codec_decode_samples (data, len, &proto, out, &cause))
        {
          g_autofree char *what = g_strdup_printf ("the samples of channel '%s'", channel->name);
          g_array_set_size (out, before);
          return damaged_chunk (store, cause, what, sqlite3_column_int64 (stmt, 0), error);
        }
      n_decoded += out->len - first;
      /* Chunks straddling the window: keep only what is inside. */
      for (guint i = first; i < out->len; i++)
        {
          BsSample *s = &g_array_index (out, BsSample, i);
          if (s->t_ns >= t_min_ns && s->t_ns <= t_max_ns)
            g_array_index (out, BsSample, kept++) = *s;
        }
      g_array_set_size (out, kept);
    }
  if (rc != SQLITE_DONE)
    {
      g_array_set_size (out, before);
      return bs_store_fail (store, rc, error, "reading samples of channel '%s'", channel->name);
    }
  if (whole && n_decoded < channel->n_samples)
    {
      g_autofree char *what = g_strdup_printf ("the samples of channel '%s'", channel->name);
      g_autofree char *detail = g_strdup_printf ("its chunks hold %" G_GINT64_FORMAT " samples, "
                                                 "%" G_GINT64_FORMAT " decoded",
                                                 channel->n_samples, n_decoded);
      g_array_set_size (out, before);
      return missing_chunks (store, what, detail, error);
    }
  return TRUE;
}

gboolean
bs_store_foreach_event_chunk (BsStore *store, int64_t run, BsEventChunkFunc func,
                              gpointer user_data, GError **error)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT seq, data, n FROM event_chunks%s WHERE run_id = ? ORDER BY seq",
    bs_store_not_indexed (store));
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);
  g_autofree char *what = g_strdup_printf ("run %" G_GINT64_FORMAT "'s layer events", run);
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  int64_t expected_seq = 0, n_read = 0, n_recorded;
  int rc;

  if (stmt == NULL || !recorded_count (store, run, "n_events", &n_recorded, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const guint8 *data = sqlite3_column_blob (stmt, 1);
      size_t len = (size_t) sqlite3_column_bytes (stmt, 1);
      GError *cause = NULL;

      if (sqlite3_column_int64 (stmt, 0) != expected_seq)
        {
          g_autofree char *detail = g_strdup_printf ("chunk %" G_GINT64_FORMAT " is missing",
                                                     expected_seq);
          return missing_chunks (store, what, detail, error);
        }
      expected_seq++;
      g_array_set_size (events, 0);
      if (!bs_codec_decode_events (data, len, events, &cause))
        return damaged_chunk (store, cause, what, sqlite3_column_int64 (stmt, 0), error);
      if (events->len != (guint) sqlite3_column_int64 (stmt, 2))
        {
          cause = g_error_new_literal (BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT,
                                       "its event count differs from its row's");
          return damaged_chunk (store, cause, what, sqlite3_column_int64 (stmt, 0), error);
        }
      n_read += events->len;
      func ((const BsLayerEvent *) (void *) events->data, events->len, user_data);
    }
  if (rc != SQLITE_DONE)
    return bs_store_fail (store, rc, error, "reading %s", what);
  if (n_read < n_recorded)
    {
      g_autofree char *detail = g_strdup_printf ("%" G_GINT64_FORMAT " were recorded, %"
                                                 G_GINT64_FORMAT " are left", n_recorded, n_read);
      return missing_chunks (store, what, detail, error);
    }
  return TRUE;
}

static void
append_events (const BsLayerEvent *events, guint n, gpointer user_data)
{
  g_array_append_vals (user_data, events, n);
}

gboolean
bs_store_read_events (BsStore *store, int64_t run, GArray *out, GError **error)
{
  guint before = out->len;

  if (bs_store_foreach_event_chunk (store, run, append_events, out, error))
    return TRUE;
  g_array_set_size (out, before);
  return FALSE;
}
