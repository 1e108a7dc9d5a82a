/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-links.c: the run_links table (schema version 4). */
#include "bs-run-links.h"
#include "bs-store-private.h"

void
bs_run_link_free (BsRunLink *link)
{
  if (link == NULL)
    return;
  g_free (link->remote);
  g_free (link->software);
  g_free (link->cpu);
  g_free (link->kernel);
  g_free (link);
}

gboolean
bs_store_set_run_link (BsStore *store, int64_t run, const BsRunLink *link, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (link->remote == NULL || link->software == NULL || link->cpu == NULL
      || link->kernel == NULL || link->rtt_ns < 0 || link->uncertainty_ns < 0
      || link->n_exchanges <= 0)
    {
      g_set_error_literal (error, BS_STORE_ERROR, BS_STORE_ERROR_INVALID,
                           "a run's link needs the host, its software, CPU and kernel, at least"
                           " one clock exchange and a round trip and uncertainty ≥ 0");
      return FALSE;
    }
  stmt = bs_store_prepare (store,
    "INSERT OR REPLACE INTO run_links (run_id, remote, software, cpu, kernel, rtt_ns, t_ref_ns,"
    " offset_ns, drift_ppm, uncertainty_ns, n_exchanges)"
    " SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM runs WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, link->remote, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, link->software, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, link->cpu, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, link->kernel, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, link->rtt_ns);
  sqlite3_bind_int64 (stmt, 6, link->t_ref_ns);
  sqlite3_bind_int64 (stmt, 7, link->offset_ns);
  if (link->drift_fitted)
    sqlite3_bind_double (stmt, 8, link->drift_ppm);
  sqlite3_bind_int64 (stmt, 9, link->uncertainty_ns);
  sqlite3_bind_int64 (stmt, 10, link->n_exchanges);
  sqlite3_bind_int64 (stmt, 11, run);
  if (!bs_store_step_done (store, stmt, error, "storing a run's link"))
    return FALSE;
  if (sqlite3_changes (store->db) == 0)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND,
                   "no run %" G_GINT64_FORMAT " in %s", run, store->path);
      return FALSE;
    }
  return TRUE;
}

BsRunLink *
bs_store_get_run_link (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  BsRunLink *link;
  int rc;

  stmt = bs_store_prepare (store,
    "SELECT remote, software, cpu, kernel, rtt_ns, t_ref_ns, offset_ns, drift_ppm,"
    " uncertainty_ns, n_exchanges FROM run_links WHERE run_id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc != SQLITE_DONE)
        bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT "'s link", run);
      return NULL;
    }
  link = g_new0 (BsRunLink, 1);
  link->remote = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  link->software = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  link->cpu = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  link->kernel = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  link->rtt_ns = sqlite3_column_int64 (stmt, 4);
  link->t_ref_ns = sqlite3_column_int64 (stmt, 5);
  link->offset_ns = sqlite3_column_int64 (stmt, 6);
  link->drift_fitted = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
  link->drift_ppm = link->drift_fitted ? sqlite3_column_double (stmt, 7) : 0.0;
  link->uncertainty_ns = sqlite3_column_int64 (stmt, 8);
  link->n_exchanges = sqlite3_column_int64 (stmt, 9);
  return link;
}

char *
bs_run_link_describe (const BsRunLink *link)
{
  g_autofree char *drift = link->drift_fitted ? g_strdup_printf ("drift %+.2f ppm", link->drift_ppm)
                                               : g_strdup ("no drift claimed (too short)");

  return g_strdup_printf ("%s: %s on %s (%s); clock offset %+.3f ms ± %.3f ms, %s, round trip"
                          " %.3f ms, %" G_GINT64_FORMAT " exchanges", link->remote,
                          link->software, link->cpu, link->kernel, link->offset_ns / 1e6,
                          link->uncertainty_ns / 1e6, drift, link->rtt_ns / 1e6,
                          link->n_exchanges);
}
